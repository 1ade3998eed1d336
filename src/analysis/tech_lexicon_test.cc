#include "analysis/tech_lexicon.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lia::analysis {
namespace internal {
// Defined in tech_lexicon.cc (no header: the table is an implementation
// detail, exposed only so this test can check it against the shared list).
std::vector<std::pair<std::string, std::string>> TechAliasesForTesting();
}  // namespace internal

namespace {

using Names = std::vector<std::string>;

struct FindCase {
  std::string text;
  Names expected;  // Canonical names, in order of first mention.
};

void ExpectFinds(const std::vector<FindCase>& cases) {
  const TechLexicon& lexicon = DefaultTechLexicon();
  for (const FindCase& c : cases) {
    EXPECT_EQ(lexicon.Find(c.text), c.expected) << "text: " << c.text;
  }
}

// The sentences of shared/corpus/dev.jsonl that name a technology, with the
// labels of their messages.
TEST(TechLexiconTest, FindsDevCorpusStacks) {
  ExpectFinds({
      {"Their stack:\n✅ Java & Kotlin (Spring Boot)\n✅ Postgres + Kafka\n✅ "
       "AWS",
       {"Java", "Kotlin", "Spring Boot", "PostgreSQL", "Kafka", "AWS"}},
      {"Stack: TypeScript, Next.js, Postgres, plus a lot of LLM/RAG work.",
       {"TypeScript", "Next.js", "PostgreSQL", "LLM", "RAG"}},
      {"• React + TypeScript, GraphQL", {"React", "TypeScript", "GraphQL"}},
      {"- Deep C++ and modern Rust experience\n- Linux internals, real-time "
       "systems\n- ROS 2 is a plus",
       {"C++", "Rust", "Linux", "ROS"}},
      {"Key tech: Terraform, k8s, GCP, ArgoCD, Prometheus/Grafana.",
       {"Terraform", "Kubernetes", "GCP", "Argo CD", "Prometheus", "Grafana"}},
      {"* 7+ years of C# and .NET Core\n* SQL Server, stored procedures\n* "
       "Azure (nice to have)",
       {"C#", ".NET", "SQL Server", "Azure"}},
      {"model training infrastructure (Python, JAX, TensorFlow, C++).",
       {"Python", "JAX", "TensorFlow", "C++"}},
      {"our pricing team — Python, scikit-learn, SQL, and some A/B testing.",
       {"Python", "scikit-learn", "SQL"}},
      {"- Build new features in React Native + TypeScript\n- Redux, Firebase",
       {"React Native", "TypeScript", "Redux", "Firebase"}},
      {"- Ruby on Rails, MySQL, Kafka, Redis",
       {"Ruby on Rails", "MySQL", "Kafka", "Redis"}},
      {"a freelance Webflow developer. Bonus if you're comfortable writing "
       "some custom JS for animations.",
       {"Webflow", "JavaScript"}},
      {"• Designing their lakehouse on Azure with Databricks, dbt and "
       "Snowflake",
       {"Azure", "Databricks", "dbt", "Snowflake"}},
      {"- Strong C and C++ skills\n- Hands-on experience with FreeRTOS",
       {"C", "C++", "FreeRTOS"}},
      {"→ fine-tuning and evaluating LLMs\n→ building our RAG pipeline\n→ "
       "serving models on AWS (SageMaker)\n\nMust have: Python, PyTorch, "
       "Hugging Face.",
       {"LLM", "RAG", "AWS", "Amazon SageMaker", "Python", "PyTorch",
        "Hugging Face"}},
      {"You'd need solid Python and pandas, and ideally some SQL.",
       {"Python", "pandas", "SQL"}},
      {"Interested in a Java Developer position? Spring Boot + AWS. Lmk!",
       {"Java", "Spring Boot", "AWS"}},
      {"Tech: Python, FastAPI, Docker, AWS",
       {"Python", "FastAPI", "Docker", "AWS"}},
      {"lead our Android app rewrite in Kotlin and Jetpack Compose.",
       {"Android", "Kotlin", "Jetpack Compose"}},
      {"Tecnologías: Python, Spark, Azure y Databricks.",
       {"Python", "Spark", "Azure", "Databricks"}},
      {"Requisitos: React.js, Next.js y TypeScript (3+ años).",
       {"React", "Next.js", "TypeScript"}},
      {"• Java 17, Spring Boot, Kafka, AWS",
       {"Java", "Spring Boot", "Kafka", "AWS"}},
      {"▪️ Desarrollar modelos de scoring con Python y "
       "scikit-learn\n▪️ "
       "Orquestar pipelines en Airflow\n▪️ Trabajar con datos en BigQuery "
       "y "
       "SQL",
       {"Python", "scikit-learn", "Airflow", "BigQuery", "SQL"}},
      {"Trabajamos con Java y Go, MySQL, k8s y mucho microservicio.",
       {"Java", "Go", "MySQL", "Kubernetes"}},
      {"Buscan experiencia en automatización con Selenium y Cypress, y "
       "conocimientos de Java.",
       {"Selenium", "Cypress", "Java"}},
      {"Stack: Solidity + Hardhat + ethers.js",
       {"Solidity", "Hardhat", "ethers.js"}},
      {"Presencial, de 25 a 30 mil pesos mensuales. Python y SQL. ¿Te "
       "interesa?",
       {"Python", "SQL"}},
      {"Desarrollador Mobile Flutter SSR, 100% remoto", {"Flutter"}},
      {"- Playwright + TypeScript", {"Playwright", "TypeScript"}},
      {"Stack: golang, k8s, GCP", {"Go", "Kubernetes", "GCP"}},
      {"Company: confidential (US-based healthtech, Series C)\nStack: "
       "Python, Spark, Kafka, Snowflake, AWS",
       {"Python", "Spark", "Kafka", "Snowflake", "AWS"}},
      {"Stack: Java, Spring Boot e PostgreSQL\nSalário: R$ 14.000 a R$ "
       "17.000/mês",
       {"Java", "Spring Boot", "PostgreSQL"}},
      {"⚙️ React, TypeScript e Next.js\n💰 R$ 25 mil a R$ 30 mil por "
       "mês",
       {"React", "TypeScript", "Next.js"}},
  });
}

// Every case of dev.jsonl whose expected stack is empty stays empty.
TEST(TechLexiconTest, FindsNothingInMessagesWithoutTech) {
  ExpectFinds({
      {"You can use any language you like in the interviews. Applications "
       "close on October 15.",
       {}},
      {"I'm recruiting on behalf of Pinecrest Bank for a Sr. SRE, on-site in "
       "Chicago 5 days/week.",
       {}},
      {"I've sent you a Microsoft Teams invite for Thursday. Here's the "
       "Google Meet link, or a Zoom if you prefer.",
       {}},
      {"We're a small team building a serverless database; loved your talk "
       "on query planners.",
       {}},
      {"Great! Could you send me an updated copy of your CV in English?", {}},
      {"Congrats on the new role! 🎉 Let's stay in touch.", {}},
      {"Salário: R$ 14.000 a R$ 17.000/mês + VR, VA e plano de saúde", {}},
      {"gm 👋 Soy Nahuel. Remoto LATAM · contractor · USD 6-8k/mes (podés "
       "cobrar en USDT)",
       {}},
  });
}

TEST(TechLexiconTest, CanonicalizesCommonAliases) {
  ExpectFinds({
      {"k8s, kube and Kubernetes", {"Kubernetes"}},
      {"postgres, postgresql, psql", {"PostgreSQL"}},
      {"golang", {"Go"}},
      {"nodejs / node.js / Node JS", {"Node.js"}},
      {"react.js, reactjs", {"React"}},
      {"ts and typescript", {"TypeScript"}},
      {"js, javascript, ecmascript, es6", {"JavaScript"}},
      {"argocd, argo cd, Argo", {"Argo CD"}},
      {"sagemaker; Amazon SageMaker", {"Amazon SageMaker"}},
      {"huggingface, hugging face, HF transformers", {"Hugging Face"}},
      {"sklearn, scikit-learn, scikit learn", {"scikit-learn"}},
      {"springboot and spring boot", {"Spring Boot"}},
      {"RoR, ruby on rails", {"Ruby on Rails"}},
      {".NET Core, dotnet, .net", {".NET"}},
      {"c#, csharp", {"C#"}},
      {"c++ and cpp", {"C++"}},
      {"gcp, google cloud, google cloud platform", {"GCP"}},
      {"aws, amazon web services", {"AWS"}},
      {"s3", {"Amazon S3"}},
      {"aws lambda", {"AWS Lambda"}},
      {"ms sql, mssql, sql server, T-SQL", {"SQL Server"}},
      {"ROS, ros2, ROS 2", {"ROS"}},
      {"LLM, LLMs, large language models", {"LLM"}},
      {"RAG and retrieval-augmented generation", {"RAG"}},
      {"gh actions, GitHub Actions", {"GitHub Actions"}},
      {"tailwind; TailwindCSS", {"Tailwind CSS"}},
      {"vue, vuejs, vue.js", {"Vue.js"}},
      {"NextJS, nextjs, Next.js", {"Next.js"}},
      {"nestjs, Nest.js", {"NestJS"}},
      {"Objective-C, ObjC", {"Objective-C"}},
      {"GitLab CI/CD pipelines", {"GitLab CI"}},
      {"ASP.NET Core MVC", {"ASP.NET"}},
      {"PowerBI and Power BI", {"Power BI"}},
      {"Elastic Search and ELK", {"Elasticsearch"}},
      {"MongoDB, mongo", {"MongoDB"}},
      {"Grandes modelos de lenguaje y generación aumentada por recuperación",
       {"LLM", "RAG"}},
      {"grandes modelos de linguagem e geração aumentada por recuperação",
       {"LLM", "RAG"}},
      {"API de OpenAI", {"OpenAI API"}},
      {"Unreal Engine 5 and UE4", {"Unreal Engine"}},
      {"Dockerizado con Docker Compose", {"Docker"}},
  });
}

TEST(TechLexiconTest, MatchesCaseAndAccentInsensitively) {
  ExpectFinds({
      {"PYTHON, Kubernetes, kUbErNeTeS", {"Python", "Kubernetes"}},
      {"Pythón y Jáva", {"Python", "Java"}},
      {"TYPESCRIPT", {"TypeScript"}},
  });
}

TEST(TechLexiconTest, RespectsWordBoundaries) {
  ExpectFinds({
      {"cryptography and definir", {}},
      {"reactive programming with reactivity", {}},
      {"javascript", {"JavaScript"}},
      {"Spring Boot", {"Spring Boot"}},
      {"React Native", {"React Native"}},
      {"Ruby on Rails", {"Ruby on Rails"}},
      {"AWS SageMaker", {"Amazon SageMaker"}},
      {"AWS SageMaker and other AWS services", {"Amazon SageMaker", "AWS"}},
      {"Java Script", {"JavaScript"}},
      {"Gopher, Godot, Goal, Cargo, Rusty, Swiftly, Sparkling", {}},
      {"Javanese, Pythonic and Kotlinesque prose", {}},
      {"We value unity, spring cleaning and express delivery.", {}},
  });
}

TEST(TechLexiconTest, SplitsOnPunctuation) {
  ExpectFinds({
      {"Prometheus/Grafana", {"Prometheus", "Grafana"}},
      {"Postgres + Kafka", {"PostgreSQL", "Kafka"}},
      {"Java & Kotlin (Spring Boot)", {"Java", "Kotlin", "Spring Boot"}},
      {"C#/.NET", {"C#", ".NET"}},
      {"HTML5/CSS3/JS", {"HTML", "CSS", "JavaScript"}},
      {"TypeScript|Node.js;PostgreSQL",
       {"TypeScript", "Node.js", "PostgreSQL"}},
      {"Python,Django,Redis", {"Python", "Django", "Redis"}},
      {"C++17, C++20", {"C++"}},
      {"Node.js.", {"Node.js"}},
      {"Python.Java", {"Python", "Java"}},
  });
}

TEST(TechLexiconTest, ReportsEachNameOnceInOrderOfFirstMention) {
  ExpectFinds({
      {"AWS, then Python, then AWS again and python", {"AWS", "Python"}},
      {"Kafka; k8s; Kafka; Kubernetes", {"Kafka", "Kubernetes"}},
  });
}

TEST(TechLexiconTest, ReadsGoOnlyAsTheLanguage) {
  ExpectFinds({
      {"Let's go! We are ready to go.", {}},
      {"Go ahead and apply if you like.", {}},
      {"Let's Go, team!", {}},
      {"It's our go-to tool for the go-live.", {}},
      {"GO-TO-MARKET plan", {}},
      {"The role is remote. Go ahead.", {}},
      {"Java y Go", {"Java", "Go"}},
      {"Experience with Go is required.", {"Go"}},
      {"Go, Rust", {"Go", "Rust"}},
      {"GO, RUST", {"Go", "Rust"}},
      {"Go and Rust are our main languages.", {"Go", "Rust"}},
      {"Go developers wanted", {"Go"}},
      {"Our backend is written in Go.", {"Go"}},
      {"Desarrollador Go con experiencia en microservicios", {"Go"}},
      {"Conhecimento em Go e Kubernetes", {"Go", "Kubernetes"}},
      {"Trabajamos en Go.", {"Go"}},
      {"Stack: Go", {"Go"}},
      {"Requirements:\n- Go\n- Kubernetes", {"Go", "Kubernetes"}},
      {"Nice to have: Go", {"Go"}},
      {"migrating from Python to Go", {"Python", "Go"}},
      {"Go-based microservices", {"Go"}},
      {"Python\nGo ahead and apply!", {"Python"}},
      {"Python\r\nGo ahead and apply!", {"Python"}},
      {"React\nNative speakers welcome", {"React"}},
  });
}

TEST(TechLexiconTest, ReadsLettersOnlyAsLanguages) {
  ExpectFinds({
      {"a Series C fintech", {}},
      {"Series C, Python", {"Python"}},
      {"Plan C, C-level execs and the C-suite", {}},
      {"USB-C cable; Type C", {}},
      {"A, B, or C", {}},
      {"Vitamin C", {}},
      {"Grupo Fintrix, S.A. de C.V.", {}},
      {"John C. Smith", {}},
      {"C and C++", {"C", "C++"}},
      {"C, C++", {"C", "C++"}},
      {"C/C++", {"C", "C++"}},
      {"Embedded C", {"C"}},
      {"You will program in C.", {"C"}},
      {"R$ 14.000 por mês", {}},
      {"our R&D team", {}},
      {"R and Python for statistics", {"R", "Python"}},
      {"Experiência com R e SQL", {"R", "SQL"}},
      {"R programming", {"R"}},
      {"c and r", {}},
  });
}

TEST(TechLexiconTest, ReadsOtherOrdinaryWordsOnlyInContext) {
  ExpectFinds({
      // Spring.
      {"Spring 2025 internship", {}},
      {"this Spring we hire", {}},
      {"Java/Spring", {"Java", "Spring"}},
      {"Spring, Hibernate and Java 17", {"Spring", "Java"}},
      // Swift.
      {"Swift code: ABCDUS33. SWIFT transfers only.", {}},
      {"iOS (Swift, SwiftUI)", {"iOS", "Swift", "SwiftUI"}},
      {"a swift response", {}},
      // Rust, Dart.
      {"Rust Belt manufacturing; rust on the pipes", {}},
      {"Rust experience", {"Rust"}},
      {"Dart/Flutter", {"Dart", "Flutter"}},
      // Express, Excel, Unity.
      {"Please express interest. We accept American Express.", {}},
      {"Node.js/Express", {"Node.js", "Express"}},
      {"Excel in a fast-paced team; you'll excel here", {}},
      {"SQL, Excel and Power BI", {"SQL", "Excel", "Power BI"}},
      {"manejo de Excel avanzado", {"Excel"}},
      {"Unity developer", {"Unity"}},
      {"unity and diversity", {}},
      // Spark, Flask, Jest, Helm.
      {"Spark joy. Spark Hire interview.", {}},
      {"Python, Spark, Databricks", {"Python", "Spark", "Databricks"}},
      {"a flask of coffee", {}},
      {"Flask, Django", {"Flask", "Django"}},
      {"said in jest", {}},
      {"Jest and Cypress", {"Jest", "Cypress"}},
      {"at the helm of our team", {}},
      {"Kubernetes, Helm", {"Kubernetes", "Helm"}},
      // Web3 words.
      {"Anchor, Solana, Rust", {"Anchor", "Solana", "Rust"}},
      {"Foundry and Hardhat", {"Foundry", "Hardhat"}},
      {"financial solidity", {}},
      {"Chainlink oracle", {}},
      // React and friends.
      {"React to incidents quickly.", {}},
      {"We react quickly to change.", {}},
      {"experiencia en react y Node", {"React", "Node.js"}},
      {"your next JS role", {"JavaScript"}},
      {"The next step is a call", {}},
      {"a snowflake schema", {}},
      {"TS/SCI clearance required", {}},
      {"Lambda functions in Python.", {"AWS Lambda", "Python"}},
      {"We're a Rails shop.", {"Ruby on Rails"}},
  });
}

// Sentences of ordinary recruiter prose, in the three languages, that must
// yield nothing.
TEST(TechLexiconTest, FindsNothingInOrdinaryProse) {
  ExpectFinds({
      {"We're looking for a go-getter. Our swift hiring process takes two "
       "weeks.",
       {}},
      {"Go ahead and book a slot. The team meets every Spring in Lisbon.", {}},
      {"You'll excel here. Please express your interest by Friday.", {}},
      {"Our anchor client is a bank; we're at the helm of a transformation.",
       {}},
      {"This role will spark your curiosity.", {}},
      {"Our founders previously built Phoenix Labs.", {}},
      {"Next steps: a 30-min call with Ruby, our Head of Talent.", {}},
      {"The office is next to Oracle Park.", {}},
      {"We react quickly to customer feedback and node-level insights.", {}},
      {"El próximo paso es una entrevista. Vamos a coordinar. ¡Go!", {}},
      {"Próximos passos: conversa com o time de RH. Vamos nessa!", {}},
      {"Meet Cassandra, our CTO.", {}},
  });
}

TEST(TechLexiconTest, ReadsNamesOfPeopleAndPlacesOnlyAsTechnology) {
  ExpectFinds({
      {"Hi Ruby, thanks for the call.", {}},
      {"Best,\nRuby", {}},
      {"Ruby Chen\nRecruiter", {}},
      {"Senior Ruby Developer", {"Ruby"}},
      {"Python, Ruby, Go", {"Python", "Ruby", "Go"}},
      {"Ruby/Rails", {"Ruby", "Ruby on Rails"}},
      {"Based in Phoenix, AZ.", {}},
      {"Elixir/Phoenix", {"Elixir", "Phoenix"}},
      {"Sarah Jenkins\nTalent Partner", {}},
      {"Kubernetes\nRuby", {"Kubernetes"}},
      {"Kubernetes\r\nRuby\r\nRecruiter", {"Kubernetes"}},
      {"CI with Jenkins and GitHub Actions", {"Jenkins", "GitHub Actions"}},
      {"Dear Cassandra, we need Cassandra and Kafka experience.",
       {"Cassandra", "Kafka"}},
  });
}

TEST(TechLexiconTest, CanonicalizesSpellings) {
  const TechLexicon& lexicon = DefaultTechLexicon();
  const std::pair<std::string, std::optional<std::string>> cases[] = {
      {"k8s", "Kubernetes"},
      {"react.js", "React"},
      {"Kubernetes", "Kubernetes"},
      {"  Postgres ", "PostgreSQL"},
      {"go", "Go"},
      {"Node JS", "Node.js"},
      {".net core", ".NET"},
      {"C++", "C++"},
      {"scikit learn", "scikit-learn"},
      {"pg", std::nullopt},
      {"next", std::nullopt},
      {"Hibernate", std::nullopt},
      {"", std::nullopt},
      {"Python Java", std::nullopt},
      {"Python, Java", std::nullopt},
  };
  for (const auto& [spelling, expected] : cases) {
    EXPECT_EQ(lexicon.Canonicalize(spelling), expected) << spelling;
  }
}

std::vector<std::string> ReadCanonicalNames() {
  std::ifstream in(LIA_SHARED_DIR "/corpus/canonical-tech.txt");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.pop_back();
    }
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

TEST(TechLexiconTest, EveryCanonicalNameCanonicalizesToItself) {
  const std::vector<std::string> names = ReadCanonicalNames();
  ASSERT_GT(names.size(), 100u);
  for (const std::string& name : names) {
    EXPECT_EQ(DefaultTechLexicon().Canonicalize(name), name);
  }
}

TEST(TechLexiconTest, EveryAliasMapsToACanonicalName) {
  const std::vector<std::string> names = ReadCanonicalNames();
  const std::set<std::string> known(names.begin(), names.end());
  const auto aliases = internal::TechAliasesForTesting();
  ASSERT_GE(aliases.size(), 400u);
  for (const auto& [alias, canonical] : aliases) {
    EXPECT_TRUE(known.contains(canonical)) << alias << " -> " << canonical;
    // Also catches spellings shadowed by another entry or unreachable by
    // the tokenizer.
    EXPECT_EQ(DefaultTechLexicon().Canonicalize(alias), canonical) << alias;
  }
}

TEST(TechLexiconTest, KnowsSeveralHundredSpellings) {
  EXPECT_GE(DefaultTechLexicon().alias_count(), 400u);
}

TEST(TechLexiconTest, DefaultLexiconIsOneInstance) {
  EXPECT_EQ(&DefaultTechLexicon(), &DefaultTechLexicon());
}

TEST(TechLexiconTest, SurvivesHostileInput) {
  const TechLexicon& lexicon = DefaultTechLexicon();
  EXPECT_EQ(lexicon.Find(""), Names{});
  EXPECT_EQ(lexicon.Find(std::string(100000, ',')), Names{});
  EXPECT_EQ(lexicon.Find(std::string("Python\0Go\0Rust", 14)),
            (Names{"Python", "Go", "Rust"}));
  EXPECT_EQ(lexicon.Find("\xFF\xFE Python \xC0\xAF Java \xE2\x82"),
            (Names{"Python", "Java"}));
  EXPECT_EQ(lexicon.Find("C++++++ c# # ++ . .. .NET."),
            (Names{"C++", "C#", ".NET"}));
  EXPECT_EQ(lexicon.Find("-.-.-./-/.net"), Names{".NET"});
  EXPECT_EQ(lexicon.Canonicalize(std::string(5000, 'a')), std::nullopt);

  std::string commas_and_words;
  for (int i = 0; i < 100000; ++i) commas_and_words += "Go,";
  EXPECT_EQ(lexicon.Find(commas_and_words), Names{"Go"});

  // 10 MB: one huge word, then many aliases and ambiguous words.
  EXPECT_EQ(lexicon.Find(std::string(10 << 20, 'k')), Names{});
  std::string big;
  while (big.size() < (10u << 20)) {
    big += "Hi Ruby, let's Go! Spring; c++ node.js Excel R$ C-level k8s\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const Names found = lexicon.Find(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(found, (Names{"Spring", "C++", "Node.js", "Excel", "Kubernetes"}));
  // Linear: generous even for a sanitizer build on a busy machine.
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST(TechLexiconTest, IsSafeToShareAcrossThreads) {
  const std::string text = "Java y Go, k8s, Postgres + Kafka; Series C";
  const Names expected = {"Java", "Go", "Kubernetes", "PostgreSQL", "Kafka"};
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (DefaultTechLexicon().Find(text) != expected) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace lia::analysis
