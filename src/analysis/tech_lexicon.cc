#include "analysis/tech_lexicon.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "analysis/text.h"

namespace lia::analysis {
namespace internal {
// Declared in tech_lexicon_test.cc: every (spelling, canonical) pair of the
// built-in tables, so the test can check each against canonical-tech.txt.
std::vector<std::pair<std::string, std::string>> TechAliasesForTesting();
}  // namespace internal

namespace {

// Debian's Abseil has its own string_view, distinct from std::string_view;
// the hash maps look keys up through it.
absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Splits a '|'- or ' '-separated table field, dropping empty pieces.
std::vector<std::string_view> Split(std::string_view list, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(separator, start);
    if (end == std::string_view::npos) end = list.size();
    if (end > start) pieces.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return pieces;
}

// ---------------------------------------------------------------------------
// The tables.
//
// Spellings are written naturally ("Node.js", "scikit-learn", ".NET Core") and
// folded and tokenised at build time with the same tokenizer that reads
// messages, so "scikit-learn", "scikit learn" and "Scikit-Learn" are one key
// and no table entry can drift from what the scanner produces.
// ---------------------------------------------------------------------------

// Aliases that are never ordinary words in English, Spanish or Portuguese
// recruiter prose: they match case- and accent-insensitively wherever they
// stand between word boundaries. Each entry lists the canonical name itself
// unless kAmbiguous owns that spelling ("Go", "C", "Spring"). A multi-word
// alias must not swallow another technology ("Azure Kubernetes Service",
// "Solana web3.js"), since the longest match wins.
struct PlainEntry {
  std::string_view canonical;
  std::string_view aliases;  // '|'-separated.
};

// Deliberately absent: "pg" (page numbers, "PG&E", film ratings), "next" and
// "next js" ("your next JS role"), "compose" (Docker Compose), "elastic"
// (elastic scaling), "eth" (ETH Zurich), "tf" (TensorFlow or Terraform?),
// "hf", "rn", "gha": too short or too shared to name one technology.
constexpr PlainEntry kPlain[] = {
    {".NET",
     ".NET|dotnet|dot net|.NET Core|dotnet core|Net Core|netcore|.NET "
     "Framework|.NET5|.NET6|.NET7|.NET8|VB.NET|ADO.NET"},
    {"ASP.NET",
     "ASP.NET|ASP.NET Core|ASP.NET MVC|ASP.NET Web API|aspnet|asp net|"
     "aspnetcore|asp net core"},
    {"AWS", "AWS|Amazon Web Services|Amazon AWS|AWS Cloud"},
    {"AWS Lambda", "AWS Lambda|Amazon Lambda|AWS Lambdas"},
    {"Airflow",
     "Airflow|Apache Airflow|MWAA|Amazon MWAA|Cloud Composer|Airflow DAGs"},
    {"Amazon S3", "Amazon S3|S3|AWS S3|Amazon Simple Storage Service"},
    {"Amazon SageMaker",
     "Amazon SageMaker|SageMaker|Sage Maker|AWS SageMaker|SageMaker Studio"},
    {"Anchor", "Anchor framework|Anchor lang|anchor-lang"},
    {"Android", "Android|Android SDK|Android Studio|Android NDK"},
    {"Angular", "Angular|AngularJS|Angular.js|Angular JS|Angular2"},
    {"Ansible", "Ansible|Ansible Tower|Ansible playbooks|Ansible AWX"},
    {"Argo CD", "Argo CD|ArgoCD|Argo|Argo-CD"},
    {"Azure", "Azure|Microsoft Azure|MS Azure|Azure Cloud|Azure Functions"},
    {"Azure DevOps",
     "Azure DevOps|Azure Dev Ops|VSTS|Azure Pipelines|Azure Repos|AzDO"},
    {"Bash",
     "Bash|Bash scripting|Shell scripting|Shell script|Shell scripts|Bash "
     "scripts|Bourne shell"},
    {"BigQuery", "BigQuery|Big Query|Google BigQuery|BigQueryML|BQML"},
    {"C",
     "ANSI C|Embedded C|C language|C programming|C lang|C99|C89|lenguaje C|"
     "linguagem C"},
    {"C#", "C#|CSharp|C Sharp|C-Sharp"},
    {"C++", "C++|CPP|CPlusPlus|C plus plus|Modern C++"},
    {"CSS", "CSS|CSS3|Cascading Style Sheets|CSS-in-JS"},
    {"Cassandra", "Apache Cassandra|Cassandra DB|CassandraDB|CQL"},
    {"ClickHouse", "ClickHouse|Click House"},
    {"Clojure", "Clojure|ClojureScript"},
    {"Cypress", "Cypress.io|CypressIO|Cypress testing"},
    {"Dart", "Dartlang|Dart lang"},
    {"Databricks", "Databricks|Data Bricks"},
    {"Datadog", "Datadog|Data Dog|Datadog APM"},
    {"Django",
     "Django|Django REST Framework|Django REST|DRF|DjangoRestFramework|Django "
     "ORM"},
    {"Docker",
     "Docker|Dockerfile|Dockerfiles|Docker Compose|docker-compose|Dockerized|"
     "Dockerised|Dockerizado|Dockerizada|Dockerizados|Docker Swarm"},
    {"DynamoDB", "DynamoDB|Dynamo DB|Amazon DynamoDB|AWS DynamoDB"},
    {"Elasticsearch",
     "Elasticsearch|Elastic Search|ElasticSearch|ELK|ELK Stack|Elastic Stack"},
    {"Elixir", "Elixir lang|Elixir OTP"},
    {"Erlang", "Erlang|Erlang OTP"},
    {"Ethereum", "Ethereum|Ethereum Virtual Machine|Ethereum mainnet"},
    {"Excel",
     "Microsoft Excel|MS Excel|Excel VBA|Excel avanzado|Excel avancado|"
     "Advanced Excel"},
    {"Express", "Express.js|ExpressJS|Express js"},
    {"F#", "F#|FSharp|F Sharp"},
    {"FastAPI", "FastAPI|Fast API|Fast-API"},
    {"Figma", "Figma|FigJam"},
    {"Firebase",
     "Firebase|Firestore|Cloud Firestore|Google Firebase|Firebase Auth"},
    {"Flask", "Flask API|Flask-RESTful|Flask RESTX"},
    {"Flutter", "Flutter|Flutter SDK"},
    {"Foundry", "Foundry Forge|Foundry toolkit"},
    {"FreeRTOS", "FreeRTOS|Free RTOS|Free-RTOS"},
    {"GCP",
     "GCP|Google Cloud|Google Cloud Platform|GCloud|Google Compute Engine"},
    {"Git", "Git|GitFlow|Git Flow|Git workflow"},
    {"GitHub Actions",
     "GitHub Actions|GitHub Action|GH Actions|GH Action|GitHub workflows"},
    {"GitLab CI",
     "GitLab CI|GitLab-CI|GitLab CICD|GitLab CI CD|GitLab pipelines|GitLab "
     "runners"},
    {"Go", "Golang|Go lang|Go-lang"},
    {"Grafana", "Grafana|Grafana Loki|Grafana dashboards"},
    {"GraphQL", "GraphQL|Graph QL|Apollo GraphQL|GQL"},
    {"HTML", "HTML|HTML5|XHTML"},
    {"Hadoop", "Hadoop|Apache Hadoop|HDFS|MapReduce|Map Reduce"},
    {"Hardhat", "Hardhat|Hardhat framework"},
    {"Haskell", "Haskell|GHC Haskell"},
    {"Helm", "Helm charts|Helm chart|Helmfile|Helm 3"},
    {"Hugging Face",
     "Hugging Face|HuggingFace|HF Transformers|Hugging Face Transformers|"
     "HuggingFace Transformers|Hugging Face Hub|HuggingFace Hub"},
    {"JAX", "Google JAX"},
    {"JUnit", "JUnit|JUnit5|JUnit 5|JUnit4"},
    {"Java",
     "Java|Java EE|Jakarta EE|J2EE|Java SE|Core Java|Java8|Java11|Java17|"
     "Java21|OpenJDK"},
    {"JavaScript",
     "JavaScript|JS|Java Script|ECMAScript|ECMA Script|ES6|ES2015|ES5|ES2020|"
     "Vanilla JS|Vanilla JavaScript"},
    {"Jenkins",
     "Jenkinsfile|Jenkins CI|Jenkins pipeline|Jenkins pipelines|Jenkins X"},
    {"Jest", "JestJS|Jest.js"},
    {"Jetpack Compose", "Jetpack Compose|JetpackCompose|Compose for Android"},
    {"Jupyter",
     "Jupyter|Jupyter Notebook|Jupyter Notebooks|JupyterLab|Jupyter Lab|"
     "JupyterHub|IPython Notebook|IPython Notebooks"},
    {"Kafka",
     "Kafka|Apache Kafka|Kafka Streams|Kafka Connect|Confluent Kafka|KSQL|"
     "ksqlDB"},
    {"Keras", "Keras|tf.keras"},
    {"Kotlin", "Kotlin|Kotlin Coroutines|Kotlin Multiplatform"},
    {"Kubernetes",
     "Kubernetes|K8s|Kube|kubectl|K8|Kubernetes cluster|Kubernetes clusters"},
    {"LLM",
     "LLM|LLMs|Large Language Model|Large Language Models|Modelos de lenguaje "
     "grandes|Grandes modelos de lenguaje|Modelos grandes de lenguaje|Grandes "
     "modelos de linguagem|Modelos de linguagem grandes|Modelo de lenguaje "
     "grande|Modelo de linguagem grande"},
    {"LangChain", "LangChain|Lang Chain|LangChain.js|LangChainJS"},
    {"Laravel", "Laravel|Laravel Livewire"},
    {"Linux",
     "Linux|Embedded Linux|Linux kernel|Ubuntu|Debian|RHEL|Red Hat Enterprise "
     "Linux|CentOS"},
    {"LlamaIndex", "LlamaIndex|Llama Index|Llama-Index|LlamaIndex.TS"},
    {"Looker", "Looker Studio|Google Looker|LookML"},
    {"MLflow", "MLflow|ML Flow|ML-Flow"},
    {"MariaDB", "MariaDB|Maria DB"},
    {"MongoDB", "MongoDB|Mongo|Mongo DB|MongoDB Atlas|Mongoose ODM"},
    {"MySQL", "MySQL|My SQL|Aurora MySQL|MySQL 8"},
    {"Neo4j", "Neo4j|Neo4J Aura|Neo 4j"},
    {"NestJS", "NestJS|Nest.js|Nest js"},
    {"New Relic", "New Relic|NewRelic"},
    {"Next.js", "Next.js|NextJS|Next.js 14|Next.js App Router"},
    {"Nginx", "Nginx|NGINX Plus|OpenResty|Engine X"},
    {"Node.js", "Node.js|NodeJS|Node js|Node.js runtime"},
    {"NumPy", "NumPy|Num Py"},
    {"Nuxt", "Nuxt|Nuxt.js|NuxtJS|Nuxt js|Nuxt3"},
    {"Objective-C", "Objective-C|Objective C|ObjC|Obj-C|ObjectiveC"},
    {"OpenAI API",
     "OpenAI API|OpenAI|Open AI|OpenAI APIs|Open AI API|API de OpenAI|API da "
     "OpenAI|API do OpenAI|ChatGPT API|GPT API"},
    {"OpenCV", "OpenCV|Open CV|OpenCV2"},
    {"OpenSearch", "OpenSearch|Amazon OpenSearch|OpenSearch Service"},
    {"Oracle", "Oracle DB|Oracle Database|Oracle 19c|Oracle 12c|Oracle RDBMS"},
    {"PHP", "PHP|PHP7|PHP8|PHP 8"},
    {"Phoenix", "Phoenix Framework|Phoenix LiveView|LiveView"},
    {"Pinecone", "Pinecone|Pinecone DB"},
    {"Playwright", "Playwright|Playwright Test"},
    {"PostgreSQL",
     "PostgreSQL|Postgres|Postgre|Postgre SQL|Postgres SQL|psql|pgSQL|Aurora "
     "Postgres|Aurora PostgreSQL|PostGIS"},
    {"Power BI",
     "Power BI|PowerBI|Microsoft Power BI|MS Power BI|Power-BI|Power BI "
     "Desktop"},
    {"PowerShell", "PowerShell|Power Shell|pwsh"},
    {"Prometheus", "Prometheus|PromQL"},
    {"PySpark", "PySpark|Py Spark"},
    {"PyTorch", "PyTorch|Py Torch|PyTorch Lightning|LibTorch"},
    {"Python", "Python|Python3|Python2|Python 3|CPython"},
    {"R", "R language|R programming|RStudio|R Studio|R lang|Tidyverse"},
    {"RAG",
     "Retrieval Augmented Generation|Retrieval-Augmented Generation|"
     "Generacion aumentada por recuperacion|Generacion aumentada con "
     "recuperacion|Geracao aumentada por recuperacao|Geracao aumentada via "
     "recuperacao"},
    {"ROS", "ROS2|ROS 2|ROS1|Robot Operating System"},
    {"RabbitMQ", "RabbitMQ|Rabbit MQ"},
    {"React", "React.js|ReactJS|React js|React Hooks"},
    {"React Native", "React Native|React-Native|ReactNative"},
    {"Redis", "Redis|Redis Cache|Redis Cluster"},
    {"Redshift", "Redshift|Amazon Redshift|AWS Redshift"},
    {"Redux", "Redux|Redux Toolkit|Redux-Saga|Redux Saga|Redux Thunk"},
    {"Ruby", "Ruby lang|Ruby 3"},
    {"Ruby on Rails", "Ruby on Rails|RoR|Ruby-on-Rails|RubyOnRails"},
    {"SQL", "SQL|ANSI SQL|PLSQL|SQL queries"},
    {"SQL Server",
     "SQL Server|MSSQL|MS SQL|MS SQL Server|Microsoft SQL Server|T-SQL|TSQL|"
     "SQLServer"},
    {"SQLite", "SQLite|SQLite3"},
    {"Salesforce", "Salesforce|SFDC|Salesforce CRM|Salesforce Apex"},
    {"Sass", "SCSS"},
    {"Scala", "Scala|Scala 3"},
    {"Selenium", "Selenium|Selenium WebDriver|WebDriver|Selenium Grid"},
    {"Snowflake", "Snowflake Data Cloud|Snowpark"},
    {"Solana", "Solana"},
    {"Spark", "Apache Spark|Spark Streaming|Structured Streaming"},
    {"Spring",
     "Spring Framework|Spring MVC|Spring Cloud|Spring Data|Spring Security|"
     "Spring WebFlux|Spring Batch"},
    {"Spring Boot", "Spring Boot|SpringBoot|Spring-Boot"},
    {"Svelte", "Svelte|SvelteKit|Svelte Kit"},
    {"Swift", "Swift 5|Swift lang"},
    {"SwiftUI", "SwiftUI|Swift UI"},
    {"Symfony", "Symfony"},
    {"Tableau", "Tableau|Tableau Desktop"},
    {"Tailwind CSS", "Tailwind CSS|TailwindCSS"},
    {"TensorFlow",
     "TensorFlow|Tensor Flow|TensorFlow Lite|TFLite|TensorFlow 2|TFX"},
    {"Terraform", "Terraform|Terraform Cloud|Terragrunt|OpenTofu"},
    {"TypeScript", "TypeScript|Type Script"},
    {"Unity", "Unity3D|Unity 3D|Unity Engine"},
    {"Unreal Engine", "Unreal Engine|UE4|UE5|Unreal Engine 5|Unreal Engine 4"},
    {"Vertex AI", "Vertex AI|VertexAI|Google Vertex AI|Vertex AI Pipelines"},
    {"Vue.js", "Vue.js|VueJS|Vue|Vue js|Vue3|Vue 3|Vue2"},
    {"Web3.js", "Web3.js|Web3js|Web3 js"},
    {"Webflow", "Webflow"},
    {"Webpack", "Webpack"},
    {"XGBoost", "XGBoost|XG Boost"},
    {"dbt", "dbt Core|dbt Cloud|Data Build Tool|dbt Labs"},
    {"ethers.js", "ethers.js|ethersjs|ethers js|ethers v6"},
    {"gRPC", "gRPC|gRPC-Web"},
    {"iOS", "iOS|iOS SDK"},
    {"jQuery", "jQuery"},
    {"pandas", "pandas"},
    {"pgvector", "pgvector|pg vector"},
    {"pytest", "pytest|py.test"},
    {"scikit-learn",
     "scikit-learn|scikit learn|sklearn|scikit|sci-kit learn|scikitlearn"},
};

// What a spelling needs before it counts as a technology.
enum class Policy : uint8_t {
  kAccept,         // Nothing more.
  kContext,        // A neighbouring technology or a tech cue word.
  kStrongContext,  // As kContext, but weak cues ("with", "en", "in") do not
                   // count: the word is also a person's or a place's name.
  kReject,         // Never a technology in this spelling.
};

// One-token aliases that are also ordinary words, names, letters or
// abbreviations. The rule, in order:
//  1. Spelling. The source text must be written exactly as one of
//     `spellings` (for "Go": "Go" or "GO", never "go") to get `as_spelled`;
//     any other spelling gets `otherwise` (usually kReject).
//  2. Vetoes, checked for every policy: the words of `veto_before` /
//     `veto_after` next to the token ("Series C", "Plan C", "let's Go",
//     "Spring 2025", "American Express", "Phoenix, AZ"). For kContext and
//     kStrongContext also: glued to "$", "&", "!" ("R$", "R&D"), to a
//     dotted or hyphenated word ("C.V.", "USB-C", "C-level", "Go-to"; but
//     "Go-based" is fine), and, for kStrongContext, a capitalised neighbour
//     or a greeting ("Sarah Jenkins", "Ruby Chen", "Hi Ruby").
//  3. Context (kContext, kStrongContext). Any one of:
//     - adjacency: another technology within a list ("Java y Go", "Go,
//       Rust", "C/C++", "Strong C and C++ skills", "Spring, Hibernate and
//       Java"): see Adjacent(). Two ambiguous words may support each
//       other; kStrongContext needs an accepted neighbour on the same line;
//     - a cue word after it ("Go developer", "Rust experience", "Swift 5");
//     - a cue word shortly before it ("experience with Go", "Stack: Go",
//       "escrito en Go", "com Go"); kStrongContext ignores prepositions.
//     A sentence that starts with the word and goes on with a lower-case
//     word ("Go ahead and...", "Spark joy") only counts by adjacency.
struct AmbiguousEntry {
  std::string_view alias;      // One token, folded.
  std::string_view canonical;  //
  std::string_view spellings;  // '|'-separated exact source spellings.
  Policy as_spelled;
  Policy otherwise;
  std::string_view veto_before;  // '|'-separated folded words or phrases.
  std::string_view veto_after;   // '|'-separated folded words or phrases.
};

constexpr AmbiguousEntry kAmbiguous[] = {
    // Letters and verbs.
    {"c", "C", "C", Policy::kContext, Policy::kReject,
     "series|serie|plan|plano|vitamin|vitamina|type|tipo|class|clase|classe|"
     "grade|nivel|level|round|ronda|rodada|section|seccion|secao|part|parte|"
     "appendix|annex|anexo|option|opcion|opcao|usb|tier|category|categoria|"
     "block|bloco|bloque|building|edificio|torre|tower|floor|piso|wing|gate|"
     "terminal|b|vs",
     "level|suite|corp|corporation|sharp"},
    {"r", "R", "R", Policy::kContext, Policy::kReject,
     "plan|plano|tier|b|vs|rua|calle|av", "d|level|rated|value|squared"},
    {"go", "Go", "Go|GO", Policy::kContext, Policy::kReject,
     "let s|lets|let us|ready to|good to|pokemon|no|vamos|goiania",
     "ahead|live|to|back|through|over|beyond|further|for it|get|out|above|"
     "deeper|deep|far|home|figure|hand in hand|green|big|fish|team|pro|"
     "kart|karts"},
    {"spring", "Spring", "Spring|SPRING", Policy::kContext, Policy::kReject,
     "this|next|last|early|late|mid|during|until|since|the|in|by|coming|"
     "upcoming",
     "semester|term|break|season|intake|cohort|internship|internships|"
     "quarter|cleaning|summer|fall|of|and summer"},
    {"swift", "Swift", "Swift", Policy::kContext, Policy::kReject, "taylor|be",
     "code|codes|transfer|transfers|network|bic|gpi|payment|payments|"
     "message|messages|response|responses|action|turnaround|decision"},
    {"rust", "Rust", "Rust|RUST", Policy::kContext, Policy::kReject, "",
     "belt|proof|colored|coloured"},
    {"dart", "Dart", "Dart|DART", Policy::kContext, Policy::kReject, "",
     "board|boards|frog"},
    {"express", "Express", "Express", Policy::kContext, Policy::kReject,
     "american|to|please|fedex|federal|orient|pony|please do",
     "interest|delivery|shipping|entry|lane|mail|checkout|train|your|"
     "yourself|an|scripts"},
    {"excel", "Excel", "Excel|EXCEL", Policy::kContext, Policy::kContext,
     "to|will|you|you ll|can|we", "at|in|as|under|when|within|by"},
    {"unity", "Unity", "Unity|UNITY", Policy::kContext, Policy::kReject,
     "of|diversity|team|national", "day|bank|church"},
    {"looker", "Looker", "Looker|LOOKER", Policy::kAccept, Policy::kContext,
     "good|real", ""},
    {"foundry", "Foundry", "Foundry", Policy::kContext, Policy::kReject,
     "palantir|semiconductor|tsmc|chip|the|a",
     "services|service|model|business"},
    {"anchor", "Anchor", "Anchor", Policy::kContext, Policy::kReject,
     "the|an|a|news", "tenant|client|customer|store|text|link|links|point"},
    {"flask", "Flask", "Flask|FLASK", Policy::kContext, Policy::kReject,
     "lab|thermos|hip", ""},
    {"spark", "Spark", "Spark|SPARK", Policy::kContext, Policy::kReject,
     "ignite",
     "joy|interest|curiosity|conversation|conversations|ideas|idea|hire|"
     "ar|innovation|change|growth|plug"},
    {"jest", "Jest", "Jest", Policy::kContext, Policy::kReject, "in|a", ""},
    {"helm", "Helm", "Helm|HELM", Policy::kContext, Policy::kReject,
     "the|at|a|take|taking", ""},
    {"sass", "Sass", "Sass|SASS", Policy::kContext, Policy::kReject, "", ""},
    {"rails", "Ruby on Rails", "Rails", Policy::kContext, Policy::kReject,
     "off|the|on|guard|hand|safety", ""},
    {"node", "Node.js", "Node|NODE", Policy::kContext, Policy::kReject,
     "kubernetes|k8s|worker|master|edge|graph|validator|ethereum|solana|"
     "bitcoin|full",
     "pool|pools|affinity|group|groups|red|count|type"},
    {"nest", "NestJS", "Nest|NEST", Policy::kContext, Policy::kReject,
     "google|empty|nest", "egg|cam|thermostat"},
    {"lambda", "AWS Lambda", "Lambda", Policy::kContext, Policy::kReject,
     "java|c#|kotlin|labs|functional",
     "expression|expressions|calculus|architecture|labs|function in"},
    {"unreal", "Unreal Engine", "Unreal|UNREAL", Policy::kContext,
     Policy::kReject, "an|the|so|truly|absolutely", ""},
    {"torch", "PyTorch", "Torch", Policy::kContext, Policy::kReject,
     "the|a|olympic|carry|pass", "bearer|bearers|relay"},
    {"dynamo", "DynamoDB", "Dynamo", Policy::kContext, Policy::kReject, "real",
     ""},
    {"ethers", "ethers.js", "ethers|Ethers", Policy::kContext, Policy::kReject,
     "", ""},
    // Names of people and places.
    {"ruby", "Ruby", "Ruby|RUBY", Policy::kStrongContext, Policy::kReject, "",
     "tuesday|red|slippers|jewelry|anniversary|wedding"},
    {"phoenix", "Phoenix", "Phoenix", Policy::kStrongContext, Policy::kReject,
     "in|near|from|of|greater|to",
     "az|arizona|area|metro|office|suns|sky harbor|campus|hub|location"},
    {"jenkins", "Jenkins", "Jenkins|JENKINS", Policy::kStrongContext,
     Policy::kContext, "", ""},
    {"cassandra", "Cassandra", "Cassandra|CASSANDRA", Policy::kStrongContext,
     Policy::kContext, "", ""},
    // Capitalised, these are the technology; in lower case they are words
    // ("react to", "a snowflake schema", "financial solidity") and need
    // context ("react y node", "experiencia en snowflake").
    {"react", "React", "React|REACT", Policy::kAccept, Policy::kContext, "",
     "to|quickly|fast|accordingly|appropriately|promptly|swiftly|calmly|"
     "positively|well|differently"},
    {"snowflake", "Snowflake", "Snowflake|SNOWFLAKE", Policy::kAccept,
     Policy::kContext, "", "schema|schemas|model|esquema|modelo|pattern"},
    {"solidity", "Solidity", "Solidity|SOLIDITY", Policy::kAccept,
     Policy::kContext, "financial|financeira|financiera", ""},
    {"oracle", "Oracle", "Oracle|ORACLE", Policy::kAccept, Policy::kContext,
     "chainlink|price|blockchain|pyth", "problem|network|networks|park|arena"},
    {"cypress", "Cypress", "Cypress|CYPRESS", Policy::kAccept, Policy::kContext,
     "",
     "tx|texas|ca|california|semiconductor|creek|hill|hills|point|tree|"
     "trees|bay|lake"},
    {"elixir", "Elixir", "Elixir|ELIXIR", Policy::kAccept, Policy::kReject,
     "magic", ""},
    {"tailwind", "Tailwind CSS", "Tailwind|TAILWIND", Policy::kAccept,
     Policy::kContext, "a|strong|economic|market|the", ""},
    {"ts", "TypeScript", "TS", Policy::kAccept, Policy::kContext, "",
     "sci|clearance"},
    // Acronyms that are other words in lower case ("a rag", "jax" as a
    // name); "DBT" is also a therapy, while "dbt" is the data tool.
    {"jax", "JAX", "JAX", Policy::kAccept, Policy::kReject, "", ""},
    {"ros", "ROS", "ROS", Policy::kAccept, Policy::kReject, "", ""},
    {"rag", "RAG", "RAG", Policy::kAccept, Policy::kReject, "",
     "status|statuses|rating|ratings|report|reporting"},
    {"dbt", "dbt", "dbt", Policy::kAccept, Policy::kContext, "",
     "therapy|therapist|skills group"},
};

// Word classes used by the context rule (folded spellings).
enum WordClass : uint8_t {
  kCueBefore = 1,        // "experience with Go"
  kStrongCueBefore = 2,  // Also counts for names: "experience: Ruby".
  kFiller = 4,           // May stand between a cue and the word.
  kCueAfter = 8,         // "Go developer"
  kJoiner = 16,          // May stand between two list items.
  kGreeting = 32,        // "Hi Ruby"
  kHyphenOk = 64,        // "Go-based", "Rust-powered"
};

struct WordClassEntry {
  uint8_t classes;
  std::string_view words;
};

constexpr WordClassEntry kWordClasses[] = {
    // Prepositions and verbs: enough for words, not for names ("a call with
    // Ruby", "based in Phoenix").
    {kCueBefore,
     "with|in|en|con|com|em|via|like|as|including|incluyendo|incluindo|"
     "using|use|uses|used|usando|utilizando|usamos|usan|usa|usam|plus"},
    {kCueBefore | kStrongCueBefore,
     "stack|tech|techs|technologies|technology|tecnologias|tecnologia|"
     "experience|experienced|experiencia|knowledge|conocimiento|"
     "conocimientos|conhecimento|conhecimentos|skills|skill|skillset|"
     "habilidades|proficiency|proficient|fluency|fluent|expertise|expert|"
     "written|escrito|escrita|escritos|built|developed|programming|"
     "programacion|programacao|programar|coding|language|languages|lenguaje|"
     "lenguajes|linguagem|linguagens|framework|frameworks|dominio|manejo|"
     "requirements|requisitos|requirement|requisito|familiarity|familiar|"
     "background|tools|tooling|herramientas|ferramentas|developer|developers|"
     "engineer|engineers|desarrollador|desarrolladora|desenvolvedor|"
     "desenvolvedora|programador|programadora|preferred|required|deseable|"
     "desejavel|diferencial|hands|solid|strong|advanced|avanzado|avancado|"
     "idiomatic|nice|bonus|desirable"},
    {kFiller,
     "a|an|the|el|la|los|las|o|os|as|de|del|do|da|dos|das|of|in|on|with|to|"
     "have|has|modern|moderno|moderna|solid|solido|solida|strong|deep|"
     "profundo|advanced|avanzado|avancado|idiomatic|production|professional|"
     "profesional|profissional|some|good|buen|buena|bom|boa|excellent|"
     "excelente|extensive|proven|comprobable|comprovada|hands|years|anos|"
     "experiencia|experience|must|be|also|tambien|tambem|sound|expert|senior|"
     "sr|mid|junior|jr|level|nivel|real|world|pure|vanilla|typed|latest|"
     "current|backend|frontend|fullstack|back|front|end|side|server|native|"
     "nativo|embedded|embebido|embarcado|at|least|minimum|minimo|more|than|1|"
     "2|3|4|5|6|7|8|9|10|x"},
    {kCueAfter,
     "developer|developers|dev|devs|engineer|engineers|engineering|"
     "programmer|programmers|programming|programacion|programacao|"
     "desarrollador|desarrolladora|desarrolladores|desenvolvedor|"
     "desenvolvedora|desenvolvedores|programador|programadora|programadores|"
     "ingeniero|ingeniera|ingenieros|engenheiro|engenheira|engenheiros|"
     "experience|experiencia|experiences|skills|skill|code|codebase|"
     "codebases|coding|services|service|microservice|microservices|"
     "microservicios|microsservicos|servicios|servicos|backend|backends|"
     "frontend|apps|app|application|applications|aplicaciones|aplicacoes|"
     "library|libraries|librerias|bibliotecas|ecosystem|ecosistema|"
     "ecossistema|stack|framework|frameworks|expert|experts|expertise|"
     "knowledge|conocimientos|conhecimento|conhecimentos|programs|scripts|"
     "scripting|language|lenguaje|linguagem|tooling|modules|sdk|runtime|"
     "compiler|toolchain|avanzado|avanzada|avancado|avancada|advanced|"
     "intermedio|intermediario|development|desarrollo|desenvolvimento|"
     "projects|project|proyectos|projetos|jobs|pipelines|pipeline|charts|"
     "contracts|smart|games|game|juegos|jogos|apis|api|sdks|dashboards|"
     "reports|reporting|templates|components|componentes|tests|testing|"
     "suites|proficiency|fluency|background|role|roles|position|positions|"
     "vaga|vacante|puesto|clusters|queries|notebooks|models|workloads|"
     "plugins|packages|crates|gems|functions|shop"},
    {kJoiner,
     "and|or|y|e|o|ou|plus|with|con|com|also|tambien|tambem|including|incl|"
     "nor|ni|nem|vs|versus|then|luego|depois|to"},
    {kGreeting,
     "hi|hello|hey|hola|oi|ola|dear|querida|querido|estimada|estimado|"
     "prezada|prezado|thanks|thank|gracias|obrigado|obrigada|cheers|"
     "regards|saludos|abrazo|abraco|cc|attn|from|cara|caro|buenos|buenas|"
     "morning|afternoon|evening|dia|tarde|noche|noite"},
    {kHyphenOk,
     "based|powered|first|native|centric|focused|heavy|only|driven|backed|"
     "friendly|compatible|enabled|style|related|oriented"},
};

// ---------------------------------------------------------------------------
// Tokenizer.
// ---------------------------------------------------------------------------

// What separates a token from the one before it.
enum GapFlag : uint8_t {
  kGapSpace = 1,       // Only spaces or tabs, or one '-' or '_': an n-gram
                       // may span it, joined by ' '.
  kGapDot = 2,         // Exactly ".": joined by '.' ("node.js").
  kGapNewline = 4,     // A line break.
  kGapTerminator = 8,  // ". ", "!", "?": a sentence ends.
  kGapHyphen = 16,     // Exactly "-" or "_".
  kGapEmpty = 32,      // Nothing ("C++17").
  kGapList = 64,       // A list separator: , / + & | ; ( ).
};

struct Token {
  uint32_t begin = 0;  // Offsets into the folded text.
  uint32_t end = 0;
  uint8_t gap = 0;          // GapFlag bits of the separator before it.
  bool dot_prefix = false;  // Preceded by a '.' that starts a word: ".net".
};

bool IsJoinable(uint8_t gap) {
  return (gap & (kGapSpace | kGapDot)) != 0 && (gap & kGapNewline) == 0;
}

// Only spaces on one line: "Sarah Jenkins", not "Jenkins\nSarah".
bool IsSpaceGap(uint8_t gap) {
  return (gap & kGapSpace) != 0 && (gap & (kGapNewline | kGapHyphen)) == 0;
}

// Byte classes for the tokenizer's hot loop (folded text is ASCII).
enum CharClass : uint8_t {
  kCharOther = 0,
  kCharWord = 1,  // [a-z0-9]
  kCharSpace = 2,
  kCharTerminator = 3,  // ! ?
  kCharDot = 4,
  kCharList = 5,     // , / + & | ; ( )
  kCharNewline = 6,  // Fold keeps '\n'.
};

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kCharWord;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kCharWord;
  for (int c = '0'; c <= '9'; ++c) classes[c] = kCharWord;
  classes[' '] = kCharSpace;
  classes['\t'] = kCharSpace;
  classes['\n'] = kCharNewline;
  classes['!'] = kCharTerminator;
  classes['?'] = kCharTerminator;
  classes['.'] = kCharDot;
  for (char c : {',', '/', '+', '&', '|', ';', '(', ')'}) {
    classes[static_cast<unsigned char>(c)] = kCharList;
  }
  return classes;
}

constexpr std::array<uint8_t, 256> kCharClasses = MakeCharClasses();

uint8_t ClassOf(char c) { return kCharClasses[static_cast<unsigned char>(c)]; }

// Classifies the separator folded[begin, end) that precedes a word.
uint8_t ClassifyGap(const FoldedText& folded, std::string_view source,
                    size_t begin, size_t end) {
  const std::string& t = folded.text;
  const size_t size = end - begin;
  if (size == 0) return kGapEmpty;
  if (size == 1) {
    switch (t[begin]) {
      case '.':
        return kGapDot;
      case '-':
      case '_':
        return kGapSpace | kGapHyphen;
      default:
        break;
    }
  }
  uint8_t flags = 0;
  bool only_space = true;
  for (size_t k = begin; k < end; ++k) {
    switch (ClassOf(t[k])) {
      case kCharSpace: {
        // Fold may turn line breaks ("\r", "\v") into spaces; the source
        // still has them.
        const size_t at = folded.origin[k];
        if (at < source.size() && source[at] != ' ') {
          const char c = source[at];
          if (c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            flags |= kGapNewline;
          }
        }
        break;
      }
      case kCharNewline:
        flags |= kGapNewline;
        break;
      case kCharTerminator:
        only_space = false;
        flags |= kGapTerminator;
        break;
      case kCharDot:
        only_space = false;
        // A '.' ends a sentence unless a word follows at once ("/.net").
        if (k + 1 >= t.size() || ClassOf(t[k + 1]) != kCharWord) {
          flags |= kGapTerminator;
        }
        break;
      case kCharList:
        only_space = false;
        flags |= kGapList;
        break;
      default:
        only_space = false;
        break;
    }
  }
  if (only_space) flags |= kGapSpace;
  return flags;
}

// Splits folded text into words. A word is a run of [a-z0-9]; a one-letter
// word takes a following "++" or "#" ("c++", "c#", "f#"). Everything else
// separates words, and the separator is classified for the n-gram and
// context rules. `source` is used only to see line breaks.
void Tokenize(const FoldedText& folded, std::string_view source,
              std::vector<Token>& tokens) {
  const std::string& t = folded.text;
  const size_t n = t.size();
  size_t i = 0;
  size_t gap_begin = 0;
  while (i < n) {
    if (ClassOf(t[i]) != kCharWord) {
      ++i;
      continue;
    }
    Token token;
    token.begin = static_cast<uint32_t>(i);
    while (i < n && ClassOf(t[i]) == kCharWord) ++i;
    if (i - token.begin == 1 && i < n) {
      if (t[i] == '#') {
        ++i;
      } else if (i + 1 < n && t[i] == '+' && t[i + 1] == '+') {
        i += 2;
      }
    }
    token.end = static_cast<uint32_t>(i);
    token.gap = ClassifyGap(folded, source, gap_begin, token.begin);
    token.dot_prefix = token.begin >= 1 && t[token.begin - 1] == '.' &&
                       (token.begin == 1 || !IsWordChar(t[token.begin - 2]));
    tokens.push_back(token);
    gap_begin = i;
  }
}

std::string_view TokenText(const std::string& folded, const Token& token) {
  return std::string_view(folded).substr(token.begin, token.end - token.begin);
}

// Appends tokens[first, last) to `key` as the table spells keys.
void AppendKey(const std::string& folded, const std::vector<Token>& tokens,
               size_t first, size_t last, bool dotted, std::string& key) {
  for (size_t k = first; k < last; ++k) {
    if (k == first) {
      if (dotted) key.push_back('.');
    } else {
      key.push_back((tokens[k].gap & kGapDot) ? '.' : ' ');
    }
    key.append(TokenText(folded, tokens[k]));
  }
}

bool IsSmallNumber(std::string_view word) {
  if (word.empty() || word.size() > 2) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

bool StartsUpper(std::string_view s) {
  return !s.empty() && s.front() >= 'A' && s.front() <= 'Z';
}

bool StartsLower(std::string_view s) {
  if (s.empty()) return false;
  const auto c = static_cast<unsigned char>(s.front());
  return (c >= 'a' && c <= 'z') || c >= 0x80;
}

// ---------------------------------------------------------------------------
// The lexicon.
// ---------------------------------------------------------------------------

struct AmbiguousRule {
  std::vector<std::string> spellings;
  Policy as_spelled;
  Policy otherwise;
  std::vector<std::vector<std::string>> veto_before;  // Words, nearest last.
  std::vector<std::vector<std::string>> veto_after;   // Words, nearest first.
};

struct KeyInfo {
  int32_t canonical = -1;  // Index into names_ when the key is an alias.
  int32_t ambiguous = -1;  // Index into rules_ when the alias is ambiguous.
  uint8_t max_tokens = 0;  // Longest alias that starts with this token.
};

// One message being read.
struct Scan {
  std::string_view source;
  FoldedText fold;
  std::vector<Token> tokens;

  std::string_view Word(size_t k) const {
    return TokenText(fold.text, tokens[k]);
  }
  // The token as written in the source.
  std::string_view Original(size_t k) const {
    return fold.Original(source, tokens[k].begin, tokens[k].end);
  }
};

enum class Status : uint8_t { kAccepted, kPending };

struct Candidate {
  uint32_t first;  // Token range [first, last).
  uint32_t last;
  int32_t canonical;
  Policy policy;  // kAccept for plain aliases.
  Status status;
};

class BuiltinTechLexicon final : public TechLexicon {
 public:
  BuiltinTechLexicon() {
    for (const WordClassEntry& entry : kWordClasses) {
      for (std::string_view word : Split(entry.words, '|')) {
        word_classes_[std::string(word)] |= entry.classes;
      }
    }
    // Ambiguous entries first, so a plain entry cannot shadow their rules.
    for (const AmbiguousEntry& entry : kAmbiguous) {
      AmbiguousRule rule;
      for (std::string_view s : Split(entry.spellings, '|')) {
        rule.spellings.emplace_back(s);
      }
      rule.as_spelled = entry.as_spelled;
      rule.otherwise = entry.otherwise;
      rule.veto_before = SplitPhrases(entry.veto_before, /*reverse=*/true);
      rule.veto_after = SplitPhrases(entry.veto_after, /*reverse=*/false);
      rules_.push_back(std::move(rule));
      AddAlias(entry.alias, entry.canonical,
               static_cast<int32_t>(rules_.size() - 1));
    }
    for (const PlainEntry& entry : kPlain) {
      for (std::string_view alias : Split(entry.aliases, '|')) {
        AddAlias(alias, entry.canonical, -1);
      }
    }
  }

  // TechLexicon:
  std::vector<std::string> Find(std::string_view text) const override;
  std::optional<std::string> Canonicalize(
      std::string_view spelling) const override;
  size_t alias_count() const override { return alias_count_; }

 private:
  static std::vector<std::vector<std::string>> SplitPhrases(
      std::string_view list, bool reverse) {
    std::vector<std::vector<std::string>> phrases;
    if (list.empty()) return phrases;
    for (std::string_view phrase : Split(list, '|')) {
      std::vector<std::string> words;
      for (std::string_view word : Split(phrase, ' ')) words.emplace_back(word);
      if (reverse) std::reverse(words.begin(), words.end());
      phrases.push_back(std::move(words));
    }
    return phrases;
  }

  int32_t NameIndex(std::string_view canonical) {
    auto [it, inserted] = name_index_.try_emplace(
        std::string(canonical), static_cast<int32_t>(names_.size()));
    if (inserted) names_.emplace_back(canonical);
    return it->second;
  }

  // Registers `alias` (a spelling as written) for `canonical`. A key already
  // taken keeps its first owner: ambiguous rules win over plain spellings.
  void AddAlias(std::string_view alias, std::string_view canonical,
                int32_t rule) {
    const int32_t name = NameIndex(canonical);
    const FoldedText folded = Fold(alias);
    std::vector<Token> tokens;
    Tokenize(folded, alias, tokens);
    if (tokens.empty() || tokens.size() > 255) return;
    for (size_t k = 1; k < tokens.size(); ++k) {
      if (!IsJoinable(tokens[k].gap)) return;  // Cannot occur in a message.
    }
    std::string key;
    AppendKey(folded.text, tokens, 0, tokens.size(), tokens[0].dot_prefix, key);
    KeyInfo& info = keys_[key];
    if (info.canonical < 0) {
      info.canonical = name;
      info.ambiguous = rule;
      ++alias_count_;
    }
    std::string first;
    AppendKey(folded.text, tokens, 0, 1, tokens[0].dot_prefix, first);
    KeyInfo& head = keys_[first];
    head_filter_[HeadHash(first) / 64] |= uint64_t{1} << (HeadHash(first) % 64);
    head.max_tokens =
        std::max<uint8_t>(head.max_tokens, static_cast<uint8_t>(tokens.size()));
    max_tokens_ = std::max(max_tokens_, tokens.size());
  }

  // A cheap pre-check before the hash map: most words of a message start no
  // alias, and this rejects ~95% of them from a 2 KB table that stays in L1.
  static size_t HeadHash(std::string_view word) {
    uint32_t h = static_cast<uint32_t>(word.size());
    h = h * 131 + static_cast<unsigned char>(word.front());
    if (word.size() > 1) h = h * 131 + static_cast<unsigned char>(word[1]);
    h = h * 131 + static_cast<unsigned char>(word.back());
    h *= 0x9E3779B1u;
    return (h >> 18) % kHeadFilterBits;
  }
  bool MayStartAlias(std::string_view word) const {
    const size_t h = HeadHash(word);
    return (head_filter_[h / 64] >> (h % 64)) & 1;
  }

  uint8_t WordClasses(std::string_view word) const {
    auto it = word_classes_.find(Absl(word));
    return it == word_classes_.end() ? 0 : it->second;
  }

  bool Vetoed(const Scan& scan, const Candidate& c,
              const AmbiguousRule& rule) const;
  bool CueAfter(const Scan& scan, const Candidate& c) const;
  bool CueBefore(const Scan& scan, const Candidate& c) const;
  bool StartVeto(const Scan& scan, const Candidate& c) const;
  bool Adjacent(const Scan& scan, const Candidate& a, const Candidate& b,
                bool strong) const;
  // Pass 1: the longest alias at each token, with its spelling, vetoes and
  // cues checked.
  std::vector<Candidate> Match(const Scan& scan) const;

  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, int32_t> name_index_;
  std::vector<AmbiguousRule> rules_;
  absl::flat_hash_map<std::string, KeyInfo> keys_;
  absl::flat_hash_map<std::string, uint8_t> word_classes_;
  static constexpr size_t kHeadFilterBits = 16384;
  std::array<uint64_t, kHeadFilterBits / 64> head_filter_{};
  size_t alias_count_ = 0;
  size_t max_tokens_ = 1;
};

bool BuiltinTechLexicon::Vetoed(const Scan& scan, const Candidate& c,
                                const AmbiguousRule& rule) const {
  const std::vector<Token>& tokens = scan.tokens;
  // Word lists, read outwards until a sentence ends.
  for (const auto& phrase : rule.veto_before) {
    bool match = true;
    size_t k = c.first;
    for (const std::string& word : phrase) {
      if (k == 0 || (tokens[k].gap & kGapTerminator) ||
          scan.Word(k - 1) != word) {
        match = false;
        break;
      }
      --k;
    }
    if (match) return true;
  }
  for (const auto& phrase : rule.veto_after) {
    bool match = true;
    size_t k = c.last;
    for (const std::string& word : phrase) {
      if (k >= tokens.size() || (tokens[k].gap & kGapTerminator) ||
          scan.Word(k) != word) {
        match = false;
        break;
      }
      ++k;
    }
    if (match) return true;
  }
  if (c.policy == Policy::kAccept) return false;

  const std::string& folded = scan.fold.text;
  const Token& self = tokens[c.first];
  // Glued to a symbol: "R$", "R&D", "Go!", "@Spring", "#Go".
  if (self.end < folded.size()) {
    const char next = folded[self.end];
    if (next == '$' || next == '&' || next == '!' || next == '@') return true;
  }
  if (self.begin > 0) {
    const char prev = folded[self.begin - 1];
    if (prev == '$' || prev == '@' || prev == '#' || prev == '&') return true;
  }
  // Part of a dotted or hyphenated word: "USB-C", "C.V.", "C-level", "Go-to"
  // (but "Go-based").
  if (self.dot_prefix || (c.first > 0 && (self.gap & (kGapDot | kGapHyphen)))) {
    return true;
  }
  if (c.last < tokens.size()) {
    const Token& next = tokens[c.last];
    if (next.gap & kGapDot) return true;
    if ((next.gap & kGapHyphen) &&
        !(WordClasses(scan.Word(c.last)) & kHyphenOk)) {
      return true;
    }
  }
  // A middle initial: "John C. Smith".
  if (scan.Word(c.first).size() == 1 && c.first > 0 && c.last < tokens.size() &&
      (tokens[c.last].gap & kGapTerminator) && IsSpaceGap(self.gap) &&
      folded[self.end] == '.' && StartsUpper(scan.Original(c.first - 1)) &&
      !(WordClasses(scan.Word(c.first - 1)) &
        (kCueBefore | kStrongCueBefore | kFiller))) {
    return true;
  }
  if (c.policy == Policy::kStrongContext && !CueAfter(scan, c)) {
    // A person or a place: "Hi Ruby", "Sarah Jenkins", "Ruby Chen".
    if (c.first > 0 && !(self.gap & kGapTerminator) &&
        (WordClasses(scan.Word(c.first - 1)) & kGreeting)) {
      return true;
    }
    const auto name_like = [&](size_t k) {
      const std::string_view word = scan.Word(k);
      if (WordClasses(word) &
          (kCueAfter | kCueBefore | kStrongCueBefore | kFiller)) {
        return false;
      }
      if (keys_.contains(Absl(word))) return false;
      return StartsUpper(scan.Original(k));
    };
    if (c.first > 0 && IsSpaceGap(self.gap) && name_like(c.first - 1)) {
      return true;
    }
    if (c.last < tokens.size() && IsSpaceGap(tokens[c.last].gap) &&
        name_like(c.last)) {
      return true;
    }
  }
  return false;
}

// "Go developer", "Rust experience", "Swift 5".
bool BuiltinTechLexicon::CueAfter(const Scan& scan, const Candidate& c) const {
  if (c.last >= scan.tokens.size()) return false;
  if (scan.tokens[c.last].gap & (kGapTerminator | kGapNewline)) return false;
  const std::string_view word = scan.Word(c.last);
  const uint8_t classes = WordClasses(word);
  if (classes & kCueAfter) return true;
  // "Go-based", "Rust-powered".
  if ((scan.tokens[c.last].gap & kGapHyphen) && (classes & kHyphenOk)) {
    return true;
  }
  return c.policy == Policy::kContext && IsSmallNumber(word);
}

// "experience with Go", "Stack: Go", "escrito en Go moderno", "com Go".
// Reads back over filler words ("strong", "the", "3", "years") to the cue.
bool BuiltinTechLexicon::CueBefore(const Scan& scan, const Candidate& c) const {
  const uint8_t cue = c.policy == Policy::kStrongContext
                          ? kStrongCueBefore
                          : (kCueBefore | kStrongCueBefore);
  size_t k = c.first;
  for (int steps = 0; steps < 4 && k > 0; ++steps, --k) {
    if (scan.tokens[k].gap & kGapTerminator) return false;
    const uint8_t classes = WordClasses(scan.Word(k - 1));
    if (classes & cue) return true;
    if (!(classes & kFiller)) return false;
  }
  return false;
}

// A sentence or line that starts with the word and goes on in lower case:
// "Go ahead and apply", "Spark joy", "Excel in a fast-paced team".
bool BuiltinTechLexicon::StartVeto(const Scan& scan, const Candidate& c) const {
  const std::vector<Token>& tokens = scan.tokens;
  const bool at_start =
      c.first == 0 || (tokens[c.first].gap & (kGapNewline | kGapTerminator));
  if (!at_start || c.last >= tokens.size()) return false;
  if (!IsSpaceGap(tokens[c.last].gap)) return false;
  if (WordClasses(scan.Word(c.last)) & kCueAfter) return false;
  return StartsLower(scan.Original(c.last));
}

// True when `a` (before) and `b` (after) are items of one list, with no
// sentence end between them (for names, no line break either). Between them
// may stand up to two joiner words or version numbers ("Java 17, Spring",
// "Go and Rust"); for words, also up to three capitalised items of the same
// punctuated list that the lexicon does not know ("Spring, Hibernate and
// Java").
bool BuiltinTechLexicon::Adjacent(const Scan& scan, const Candidate& a,
                                  const Candidate& b, bool strong) const {
  if (b.first < a.last || b.first - a.last > 3) return false;
  const uint8_t forbidden =
      strong ? (kGapTerminator | kGapNewline) : kGapTerminator;
  int plain = 0;    // Joiners and numbers.
  int unknown = 0;  // Capitalised words the lexicon does not know.
  bool punctuated = false;
  for (uint32_t k = a.last; k <= b.first; ++k) {
    const uint8_t gap = scan.tokens[k].gap;
    if (gap & forbidden) return false;
    if (gap & kGapList) punctuated = true;
    if (k == b.first) break;
    const std::string_view word = scan.Word(k);
    if ((WordClasses(word) & kJoiner) || IsSmallNumber(word)) {
      ++plain;
    } else if (!strong && StartsUpper(scan.Original(k))) {
      ++unknown;
    } else {
      return false;
    }
  }
  if (unknown > 0) return punctuated;
  return plain <= 2;
}

std::vector<Candidate> BuiltinTechLexicon::Match(const Scan& scan) const {
  const std::vector<Token>& tokens = scan.tokens;
  std::vector<Candidate> candidates;
  std::string key;
  for (size_t i = 0; i < tokens.size();) {
    const Token& token = tokens[i];
    const std::string_view word = scan.Word(i);
    // One hash lookup per token in the common case: most words start no
    // alias and are skipped here.
    const KeyInfo* head = nullptr;
    bool dotted = false;
    if (token.dot_prefix) {
      key.clear();
      key.push_back('.');
      key.append(word);
      auto it = keys_.find(key);
      if (it != keys_.end()) {
        head = &it->second;
        dotted = true;
      }
    }
    if (head == nullptr && MayStartAlias(word)) {
      auto it = keys_.find(Absl(word));
      if (it != keys_.end()) head = &it->second;
    }
    if (head == nullptr) {
      ++i;
      continue;
    }
    size_t span = 1;
    while (span < head->max_tokens && i + span < tokens.size() &&
           IsJoinable(tokens[i + span].gap)) {
      ++span;
    }
    size_t matched = 0;
    const KeyInfo* info = nullptr;
    for (size_t n = span; n >= 2; --n) {
      key.clear();
      AppendKey(scan.fold.text, tokens, i, i + n, dotted, key);
      auto it = keys_.find(key);
      if (it != keys_.end() && it->second.canonical >= 0) {
        matched = n;
        info = &it->second;
        break;
      }
    }
    if (matched == 0 && head->canonical >= 0) {
      matched = 1;
      info = head;
    }
    if (matched == 0) {
      ++i;
      continue;
    }
    Candidate c{static_cast<uint32_t>(i), static_cast<uint32_t>(i + matched),
                info->canonical, Policy::kAccept, Status::kAccepted};
    i += matched;
    if (info->ambiguous >= 0) {
      const AmbiguousRule& rule = rules_[info->ambiguous];
      const std::string_view original = scan.Original(c.first);
      const bool spelled =
          std::find(rule.spellings.begin(), rule.spellings.end(), original) !=
          rule.spellings.end();
      c.policy = spelled ? rule.as_spelled : rule.otherwise;
      if (c.policy == Policy::kReject || Vetoed(scan, c, rule)) continue;
      if (c.policy != Policy::kAccept) {
        // A cue cannot rescue a sentence-initial word followed by lower
        // case; a list neighbour still can ("Go and Rust are...").
        const bool cue = CueAfter(scan, c) || CueBefore(scan, c);
        c.status =
            cue && !StartVeto(scan, c) ? Status::kAccepted : Status::kPending;
      }
    }
    candidates.push_back(c);
  }
  return candidates;
}

std::vector<std::string> BuiltinTechLexicon::Find(std::string_view text) const {
  std::vector<std::string> result;
  if (text.empty()) return result;
  // Fold's origin map holds 32-bit offsets.
  if (text.size() >= UINT32_MAX) text = text.substr(0, UINT32_MAX - 1);
  Scan scan{text, Fold(text), {}};
  scan.tokens.reserve(scan.fold.text.size() / 6 + 1);
  Tokenize(scan.fold, text, scan.tokens);
  std::vector<Candidate> candidates = Match(scan);

  // Pass 2: list neighbours support each other. A worklist keeps this
  // linear: a candidate is revisited only when a neighbour is accepted.
  std::vector<size_t> work;
  for (size_t k = 0; k < candidates.size(); ++k) {
    if (candidates[k].status == Status::kPending) work.push_back(k);
  }
  // A word may lean on a neighbour that is itself still waiting ("Go,
  // Rust"); a name needs an accepted one.
  const auto supports = [&](const Candidate& neighbour, const Candidate& c) {
    return neighbour.status == Status::kAccepted ||
           (neighbour.status == Status::kPending &&
            c.policy == Policy::kContext);
  };
  while (!work.empty()) {
    const size_t k = work.back();
    work.pop_back();
    Candidate& c = candidates[k];
    if (c.status != Status::kPending) continue;
    const bool strong = c.policy == Policy::kStrongContext;
    const bool ok =
        (k > 0 && supports(candidates[k - 1], c) &&
         Adjacent(scan, candidates[k - 1], c, strong)) ||
        (k + 1 < candidates.size() && supports(candidates[k + 1], c) &&
         Adjacent(scan, c, candidates[k + 1], strong));
    if (!ok) continue;
    c.status = Status::kAccepted;
    if (k > 0 && candidates[k - 1].status == Status::kPending) {
      work.push_back(k - 1);
    }
    if (k + 1 < candidates.size() &&
        candidates[k + 1].status == Status::kPending) {
      work.push_back(k + 1);
    }
  }

  std::vector<bool> seen(names_.size(), false);
  for (const Candidate& c : candidates) {
    if (c.status != Status::kAccepted || seen[c.canonical]) continue;
    seen[c.canonical] = true;
    result.push_back(names_[c.canonical]);
  }
  return result;
}

std::optional<std::string> BuiltinTechLexicon::Canonicalize(
    std::string_view spelling) const {
  if (spelling.size() > 256) return std::nullopt;
  const FoldedText folded = Fold(spelling);
  std::vector<Token> tokens;
  Tokenize(folded, spelling, tokens);
  if (tokens.empty() || tokens.size() > max_tokens_) return std::nullopt;
  for (size_t k = 1; k < tokens.size(); ++k) {
    if (!IsJoinable(tokens[k].gap)) return std::nullopt;
  }
  std::string key;
  for (bool dotted : {true, false}) {
    if (dotted && !tokens[0].dot_prefix) continue;
    key.clear();
    AppendKey(folded.text, tokens, 0, tokens.size(), dotted, key);
    auto it = keys_.find(key);
    if (it != keys_.end() && it->second.canonical >= 0) {
      return names_[it->second.canonical];
    }
  }
  return std::nullopt;
}

}  // namespace

namespace internal {
std::vector<std::pair<std::string, std::string>> TechAliasesForTesting() {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const AmbiguousEntry& entry : kAmbiguous) {
    pairs.emplace_back(entry.alias, entry.canonical);
  }
  for (const PlainEntry& entry : kPlain) {
    for (std::string_view alias : Split(entry.aliases, '|')) {
      pairs.emplace_back(alias, entry.canonical);
    }
  }
  return pairs;
}
}  // namespace internal

const TechLexicon& DefaultTechLexicon() {
  static const TechLexicon* const lexicon = new BuiltinTechLexicon();
  return *lexicon;
}

}  // namespace lia::analysis
