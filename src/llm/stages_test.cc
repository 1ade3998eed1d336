// The LLM stages end to end: a Pipeline over the OpenAI provider, talking
// over a real socket to a stand-in that speaks the Chat Completions wire
// format and answers with stage JSON (valid; invalid, then valid after the
// repair prompt; garbage twice; or nobody listening).

#include "llm/stages.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/json.h"
#include "core/profile.h"
#include "llm/answer_cache.h"
#include "llm/prompts/prompts.h"
#include "llm/provider_config.h"
#include "llm/sqlite/sqlite_answer_store.h"
#include "llm/testing/standin_server.h"
#include "nlohmann/json.hpp"

namespace lia::llm {
namespace {

using Json = nlohmann::json;
using testing::OpenAiChatBody;
using testing::RecordedRequest;
using testing::StandinResponse;
using testing::StandinServer;

constexpr char kModel[] = "gpt-4o-mini";
constexpr char kEngine[] = "openai:gpt-4o-mini";

// ---- What the stand-in answers ---------------------------------------------

// The stage of a request (its response_format's schema name), and the
// stage input it carries (the first user turn, JSON).
struct SeenRequest {
  Json body;
  std::string stage;
  Json input;
  std::vector<Json> messages;  // body["messages"].
};

SeenRequest Parse(const RecordedRequest& request) {
  SeenRequest seen;
  seen.body = Json::parse(request.body);
  seen.stage = seen.body["response_format"]["json_schema"]["name"];
  for (const Json& m : seen.body["messages"]) seen.messages.push_back(m);
  for (const Json& m : seen.messages) {
    if (m["role"] == "user") {
      seen.input = Json::parse(m["content"].get<std::string>());
      break;
    }
  }
  return seen;
}

Json ValidExtract() {
  return Json::parse(R"({
    "company": "Brava Systems", "role": "Senior Software Engineer",
    "seniority": "Senior", "tech_stack": ["golang", "k8s", "GCP"],
    "salary": {"min": 9000, "max": 7000, "currency": "usd",
               "period": "month"},
    "remote_policy": "Remote", "location": "LATAM", "job_type": "Contract",
    "work_week": "Unknown", "agency": false, "agency_name": null,
    "crypto": false, "pre_seed": false
  })");
}

// A valid answer for every stage, whatever the message.
std::string ValidAnswer(const SeenRequest& r) {
  if (r.stage == "classify") {
    const bool first = r.input["thread"].empty();
    return Json{{"conversation_state", first ? "NEW_OPPORTUNITY" : "FOLLOW_UP"},
                {"confidence", 0.9}}
        .dump();
  }
  if (r.stage == "follow_up") {
    return R"({"question_type": "SALARY", "answerable_from_profile": true})";
  }
  if (r.stage == "extract") return ValidExtract().dump();
  if (r.stage == "draft") {
    return Json{{"language", r.input["language"]},
                {"text", "Thanks for reaching out! Happy to talk."}}
        .dump();
  }
  return "{}";
}

StandinResponse Chat(const std::string& content) {
  StandinResponse response;
  response.body = OpenAiChatBody(content, 100, 20);
  return response;
}

// A handler per request: `answer` decides the content from the request.
using Answerer = std::function<std::string(const SeenRequest&)>;

std::vector<core::Message> DevCorpus() {
  std::ifstream file(LIA_SHARED_DIR "/corpus/dev.jsonl");
  std::vector<core::Message> out;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    absl::StatusOr<core::Message> m = core::MessageFromJson(Json::parse(line));
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) out.push_back(*std::move(m));
  }
  return out;
}

core::Message Opportunity() {
  core::Message m;
  m.id = "m-1";
  m.sender = "Laura Fitzgerald";
  m.text =
      "Hola Juan! Te escribo porque estamos hiring un Senior Software "
      "Engineer para el equipo de Platform en Brava Systems. Stack: golang, "
      "k8s, GCP. Full remote LATAM, contractor USD 7-9k/month.";
  return m;
}

// ---- The fixture -----------------------------------------------------------

class StagesTest : public ::testing::Test {
 protected:
  // The database file is this process's own (other builds may run the same
  // test at the same time); a death test's child, which re-runs the test
  // in a new process, finds its parent's through the environment.
  void SetUp() override {
    if (const char* inherited = std::getenv(kDbVariable)) {
      db_path_ = inherited;
      return;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_path_ = (std::filesystem::path(::testing::TempDir()) /
                (std::string("llm_stages_") + info->name() + "_" +
                 std::to_string(getpid()) + ".db"))
                   .string();
    setenv(kDbVariable, db_path_.c_str(), 1);
    RemoveDb();
  }
  void TearDown() override {
    pipeline_.reset();
    answers_.reset();
    store_.reset();
    RemoveDb();
    unsetenv(kDbVariable);
  }

  static constexpr char kDbVariable[] = "LIA_LLM_STAGES_TEST_DB";

  void RemoveDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db_path_ + suffix);
    }
  }

  // A provider pointed at the stand-in (or at `base_url`), no retries: the
  // call counts below are the stage's, not the transport's.
  std::unique_ptr<Provider> NewOpenAi(const std::string& base_url = "") {
    ProviderConfig config;
    config.kind = ProviderKind::kOpenAi;
    config.base_url = base_url.empty() ? server_.url() + "/v1" : base_url;
    config.api_key = "sk-test";
    config.retry.max_attempts = 1;
    config.circuit_breaker.failure_threshold = 0;
    config.connect_timeout = absl::Seconds(2);
    config.attempt_timeout = absl::Seconds(10);
    config.timeout = absl::Seconds(10);
    absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
    EXPECT_TRUE(provider.ok()) << provider.status();
    return *std::move(provider);
  }

  // The LLM pipeline: a fresh cache backend, the SQLite table at db_path_
  // (as a restarted process would have), `provider`.
  void Build(Provider& provider, LlmStagesOptions options = {}) {
    pipeline_.reset();
    answers_.reset();
    memory_ = cache::NewMemoryCache(cache::MemoryCacheOptions{});
    SqliteAnswerStoreOptions store_options;
    store_options.path = db_path_;
    absl::StatusOr<std::unique_ptr<AnswerStore>> store =
        OpenSqliteAnswerStore(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    answers_ = std::make_unique<AnswerCache>(memory_.get(), store_.get());
    options.model = kModel;
    options.counters = &counters_;
    absl::StatusOr<analysis::Pipeline::Stages> stages =
        NewLlmStages(provider, *answers_, options);
    ASSERT_TRUE(stages.ok()) << stages.status();
    pipeline_ = std::make_unique<analysis::Pipeline>(
        *std::move(stages), analysis::PipelineOptions{});
  }

  // Queues `n` answers computed by `answer`.
  void Answer(const Answerer& answer, int n = 1) {
    for (int i = 0; i < n; ++i) {
      server_.Enqueue([answer](const RecordedRequest& request) {
        return Chat(answer(Parse(request)));
      });
    }
  }

  core::Analysis Analyze(const core::Message& m, const core::Profile& profile =
                                                     core::DefaultProfile()) {
    absl::StatusOr<core::Analysis> a = pipeline_->Analyze(m, profile);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? *std::move(a) : core::Analysis{};
  }

  // The requests of one stage, in order.
  std::vector<SeenRequest> RequestsOf(const std::string& stage) const {
    std::vector<SeenRequest> out;
    for (const RecordedRequest& r : server_.requests()) {
      SeenRequest seen = Parse(r);
      if (seen.stage == stage) out.push_back(std::move(seen));
    }
    return out;
  }

  StandinServer server_;
  std::string db_path_;
  LlmStageCounters counters_;
  std::unique_ptr<cache::Cache> memory_;
  std::unique_ptr<AnswerStore> store_;
  std::unique_ptr<AnswerCache> answers_;
  std::unique_ptr<analysis::Pipeline> pipeline_;
};

// ---- Valid answers
// -----------------------------------------------------------

TEST_F(StagesTest, ValidAnswersAreNormalisedAndNamedForTheEngine) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer, 3);
  const core::Analysis a = Analyze(Opportunity());

  EXPECT_EQ(server_.request_count(), 3u);  // classify, extract, draft.
  EXPECT_EQ(a.engines.at("classify"), kEngine);
  EXPECT_EQ(a.engines.at("extract"), kEngine);
  EXPECT_EQ(a.engines.at("draft"), kEngine);
  EXPECT_EQ(a.engines.at("filter"), "rules");
  EXPECT_EQ(a.engines.at("score"), "rules");

  // "golang" -> "Go", "k8s" -> "Kubernetes"; "usd" -> "USD"; min/max put
  // in order; yearly USD as the rules engine computes it.
  EXPECT_EQ(a.extraction.tech_stack,
            (std::vector<std::string>{"Go", "Kubernetes", "GCP"}));
  ASSERT_TRUE(a.extraction.salary.has_value());
  EXPECT_EQ(a.extraction.salary->currency, "USD");
  EXPECT_EQ(a.extraction.salary->min, 7000);
  EXPECT_EQ(a.extraction.salary->max, 9000);
  EXPECT_EQ(a.extraction.salary->period, core::SalaryPeriod::kMonth);
  EXPECT_EQ(a.extraction.salary->yearly_usd_min, 84000);
  EXPECT_EQ(a.extraction.salary->yearly_usd_max, 108000);
  EXPECT_EQ(a.extraction.company, "Brava Systems");

  // Scores are the rules engine's arithmetic over the extraction.
  const core::Profile profile = core::DefaultProfile();
  const std::vector<core::FilterResult> filters =
      analysis::ApplyFilters(a.extraction, profile, analysis::ScoringOptions{});
  EXPECT_EQ(a.scores, analysis::Score(a.extraction, profile, filters));

  // The reply: written by the model, signed from the profile.
  EXPECT_EQ(a.reply.language, core::Language::kSpanish);
  EXPECT_TRUE(absl::StartsWith(a.reply.text,
                               "Thanks for reaching out! Happy to talk."));

  // What went over the wire.
  const std::vector<SeenRequest> extract = RequestsOf("extract");
  ASSERT_EQ(extract.size(), 1u);
  const Json& body = extract[0].body;
  EXPECT_EQ(body["model"], kModel);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["response_format"]["type"], "json_schema");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"],
            std::string(FindStagePrompt("extract")->instructions));
  EXPECT_EQ(extract[0].input["language"], "es");
  EXPECT_EQ(extract[0].input["conversation_state"], "NEW_OPPORTUNITY");
  EXPECT_TRUE(absl::StrContains(extract[0].input["message"].get<std::string>(),
                                "Brava Systems"));

  const LlmStageStats s = counters_.Snapshot();
  EXPECT_EQ(s.calls, 3);
  EXPECT_EQ(s.repairs, 0);
  EXPECT_EQ(s.failures, 0);
  EXPECT_EQ(s.input_tokens, 300);
  EXPECT_EQ(s.output_tokens, 60);
}

TEST_F(StagesTest, IdenticalRequestsInFlightAtOnceMakeOneCall) {
  auto provider = NewOpenAi();
  Build(*provider);
  // A slow model, so that the eight analyses overlap: each stage is asked
  // of the model once, and the other seven wait for its answer.
  for (int i = 0; i < 3; ++i) {
    server_.Enqueue([](const RecordedRequest& request) {
      return Chat(ValidAnswer(Parse(request))).Delayed(absl::Milliseconds(300));
    });
  }
  std::vector<std::thread> threads;
  std::vector<core::Analysis> results(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] { results[t] = Analyze(Opportunity()); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(server_.request_count(), 3u);  // classify, extract, draft.
  for (const core::Analysis& a : results) {
    EXPECT_EQ(a.engines.at("extract"), kEngine);
    EXPECT_EQ(a.extraction.company, "Brava Systems");
  }
  EXPECT_EQ(counters_.Snapshot().calls, 3);
}

// ---- Repair
// ------------------------------------------------------------------

TEST_F(StagesTest, AnInvalidAnswerIsRepairedOnceQuotingItsErrors) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer);  // classify
  Answer([](const SeenRequest&) {
    Json bad = ValidExtract();
    bad["salary"]["min"] = "7k";
    bad["seniority"] = "Sr";
    bad["salary"]["currency"] = "pesos";  // Schema-valid; caught later.
    return bad.dump();
  });
  Answer(ValidAnswer, 2);  // The repaired extract, then draft.
  const core::Analysis a = Analyze(Opportunity());

  EXPECT_EQ(server_.request_count(), 4u);
  EXPECT_EQ(a.engines.at("extract"), kEngine);
  EXPECT_EQ(a.extraction.tech_stack,
            (std::vector<std::string>{"Go", "Kubernetes", "GCP"}));

  const std::vector<SeenRequest> extract = RequestsOf("extract");
  ASSERT_EQ(extract.size(), 2u);
  // The repair: the same conversation, the bad answer, then the errors.
  const std::vector<Json>& m = extract[1].messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], extract[0].messages[0]);  // System.
  EXPECT_EQ(m[1], extract[0].messages[1]);  // The message.
  EXPECT_EQ(m[2]["role"], "assistant");
  EXPECT_TRUE(absl::StrContains(m[2]["content"].get<std::string>(), "7k"));
  EXPECT_EQ(m[3]["role"], "user");
  const std::string repair = m[3]["content"];
  EXPECT_TRUE(absl::StrContains(
      repair, "- $.salary.min: expected a number, got a string \"7k\""))
      << repair;
  EXPECT_TRUE(absl::StrContains(repair, "- $.seniority: expected one of"))
      << repair;
  EXPECT_TRUE(
      absl::StartsWith(repair, "Your previous answer could not be used"))
      << repair;
  // Schema errors come first; the currency is checked once they are fixed.
  EXPECT_FALSE(absl::StrContains(repair, "ISO 4217")) << repair;

  const LlmStageStats s = counters_.Snapshot();
  EXPECT_EQ(s.repairs, 1);
  EXPECT_EQ(s.invalid_answers, 1);
  EXPECT_EQ(s.failures, 0);
}

TEST_F(StagesTest, NormalisationProblemsAreRepairedToo) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer);
  Answer([](const SeenRequest&) {
    Json bad = ValidExtract();
    bad["salary"]["currency"] = "pesos";
    return bad.dump();
  });
  Answer(ValidAnswer, 2);
  const core::Analysis a = Analyze(Opportunity());
  EXPECT_EQ(a.engines.at("extract"), kEngine);
  const std::vector<SeenRequest> extract = RequestsOf("extract");
  ASSERT_EQ(extract.size(), 2u);
  EXPECT_TRUE(
      absl::StrContains(extract[1].messages[3]["content"].get<std::string>(),
                        "$.salary.currency: expected an ISO 4217 code"));
}

TEST_F(StagesTest, GarbageTwiceFallsBackToRulesAndSaysWhy) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer);                                    // classify
  Answer([](const SeenRequest&) { return "garbage"; });   // extract
  Answer([](const SeenRequest&) { return "still no"; });  // its repair
  Answer(ValidAnswer);                                    // draft
  const core::Analysis a = Analyze(Opportunity());

  EXPECT_EQ(RequestsOf("extract").size(), 2u);  // One repair, no more.
  const std::string& engine = a.engines.at("extract");
  EXPECT_TRUE(absl::StartsWith(
      engine,
      "rules (fallback: openai:gpt-4o-mini: invalid answer after 1 repair: "
      "$: not valid JSON"))
      << engine;
  EXPECT_EQ(a.engines.at("classify"), kEngine);
  EXPECT_EQ(a.engines.at("draft"), kEngine);
  // The rules engine's extraction, exactly.
  const core::Analysis rules = *analysis::NewRulesPipeline()->Analyze(
      Opportunity(), core::DefaultProfile());
  EXPECT_EQ(a.extraction, rules.extraction);

  const LlmStageStats s = counters_.Snapshot();
  EXPECT_EQ(s.invalid_answers, 2);
  EXPECT_EQ(s.failures, 1);

  // A failure is not cached: the next run asks again.
  Answer(ValidAnswer, 1);  // extract; classify and draft are cached.
  const core::Analysis again = Analyze(Opportunity());
  EXPECT_EQ(RequestsOf("extract").size(), 3u);
  EXPECT_EQ(again.engines.at("extract"), kEngine);
}

TEST_F(StagesTest, ADraftInTheWrongLanguageIsRepaired) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer, 2);  // classify, extract
  Answer([](const SeenRequest&) {
    return R"({"language": "en", "text": "Hi Laura, sounds good."})";
  });
  Answer([](const SeenRequest&) {
    return R"({"language": "es", "text": "Hola Laura, me interesa."})";
  });
  const core::Analysis a = Analyze(Opportunity());
  EXPECT_EQ(a.engines.at("draft"), kEngine);
  EXPECT_TRUE(absl::StartsWith(a.reply.text, "Hola Laura, me interesa."));
  const std::vector<SeenRequest> draft = RequestsOf("draft");
  ASSERT_EQ(draft.size(), 2u);
  EXPECT_TRUE(
      absl::StrContains(draft[1].messages[3]["content"].get<std::string>(),
                        "$.language: expected \"es\""));
  // The kind of reply is the rules' decision; the model only writes it.
  EXPECT_EQ(draft[0].input["reply_kind"], core::ToString(a.reply.kind));
  EXPECT_EQ(draft[0].input["recipient_first_name"], "Laura");
}

// ---- No call when none is needed -------------------------------------------

TEST_F(StagesTest, ACertainCourtesyCloseMakesNoCall) {
  auto provider = NewOpenAi();
  Build(*provider);
  core::Message m;
  m.text = "No worries, best of luck!";
  m.thread.push_back({core::Speaker::kRecruiter, "Still interested?", ""});
  m.thread.push_back({core::Speaker::kCandidate, "I took another offer.", ""});
  const core::Analysis a = Analyze(m);
  EXPECT_EQ(server_.request_count(), 0u);
  EXPECT_EQ(a.classification.state, core::ConversationState::kCourtesyClose);
  EXPECT_EQ(a.engines.at("classify"), "rules (certain courtesy close)");
  EXPECT_EQ(a.engines.at("extract"), "rules (courtesy close)");
  EXPECT_EQ(a.engines.at("draft"), "rules (no reply needed)");
  EXPECT_EQ(a.reply.kind, core::ReplyKind::kNone);
  EXPECT_EQ(counters_.Snapshot().left_to_rules, 3);
}

TEST_F(StagesTest, FollowUpsAreAnsweredFromTheProfile) {
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer, 4);  // classify, follow_up, extract, draft
  core::Message m;
  m.sender = "Maite Ruiz";
  m.text = "¡Genial! ¿Cuál es tu pretensión salarial?";
  m.thread.push_back({core::Speaker::kRecruiter,
                      "Hola! Buscamos Backend Developer con Go.", ""});
  m.thread.push_back({core::Speaker::kCandidate, "Hola! Me interesa.", ""});
  core::Profile profile = core::DefaultProfile();
  profile.ideal_salary_usd = 150000;
  const core::Analysis a = Analyze(m, profile);
  EXPECT_EQ(a.classification.state, core::ConversationState::kFollowUp);
  EXPECT_EQ(a.engines.at("follow_up"), kEngine);
  ASSERT_TRUE(a.follow_up.has_value());
  EXPECT_EQ(a.follow_up->question_type, core::QuestionType::kSalary);
  EXPECT_EQ(a.reply.kind, core::ReplyKind::kAnswer);

  const std::vector<SeenRequest> follow_up = RequestsOf("follow_up");
  ASSERT_EQ(follow_up.size(), 1u);
  EXPECT_EQ(follow_up[0].input["thread"].size(), 2u);
  EXPECT_EQ(follow_up[0].input["profile"]["salary_expectations_stated"], true);
  const std::vector<SeenRequest> draft = RequestsOf("draft");
  ASSERT_EQ(draft.size(), 1u);
  EXPECT_EQ(draft[0].input["question_type"], "SALARY");
  EXPECT_EQ(draft[0].input["candidate"]["salary_expectation_usd_per_year"],
            150000);

  // Another profile: the stages that read it ask again, the others do not.
  profile.ideal_salary_usd = 170000;
  Answer(ValidAnswer, 2);
  Analyze(m, profile);
  EXPECT_EQ(RequestsOf("classify").size(), 1u);
  EXPECT_EQ(RequestsOf("extract").size(), 1u);
  EXPECT_EQ(RequestsOf("follow_up").size(), 1u);  // Same facts: cached.
  EXPECT_EQ(RequestsOf("draft").size(), 2u);      // The figure changed.
}

// ---- Fewer calls: the cache, across runs and restarts
// ------------------------

TEST_F(StagesTest, ReplayingTheCorpusMakesNoCallsTheSecondTime) {
  const std::vector<core::Message> corpus = DevCorpus();
  ASSERT_GE(corpus.size(), 50u);
  auto provider = NewOpenAi();
  Build(*provider);
  Answer(ValidAnswer, 4 * static_cast<int>(corpus.size()));

  std::vector<core::Analysis> first;
  first.reserve(corpus.size());
  for (const core::Message& m : corpus) first.push_back(Analyze(m));
  const size_t calls = server_.request_count();
  EXPECT_GT(calls, corpus.size());
  EXPECT_EQ(counters_.Snapshot().calls, static_cast<int64_t>(calls));

  for (size_t i = 0; i < corpus.size(); ++i) {
    EXPECT_EQ(Analyze(corpus[i]), first[i]) << corpus[i].id;
  }
  EXPECT_EQ(server_.request_count(), calls);  // Zero calls.
  EXPECT_GT(answers_->stats().cache_hits, 0);
  for (const core::Analysis& a : first) {
    EXPECT_FALSE(absl::StrContains(a.engines.at("classify"), "fallback"))
        << a.id;
  }

  // A restarted process (empty cache backend, same database): still zero.
  Build(*provider);
  for (size_t i = 0; i < corpus.size(); ++i) {
    EXPECT_EQ(Analyze(corpus[i]), first[i]) << corpus[i].id;
  }
  EXPECT_EQ(server_.request_count(), calls);
  EXPECT_GT(answers_->stats().store_hits, 0);
}

TEST_F(StagesTest, AKilledAndRestartedProcessMakesNoCalls) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::vector<core::Message> corpus = DevCorpus();
  // The child process re-runs this test up to here, with its own stand-in,
  // fills the table, and is killed.
  EXPECT_EXIT(
      {
        auto provider = NewOpenAi();
        Build(*provider);
        Answer(ValidAnswer, 4 * static_cast<int>(corpus.size()));
        for (const core::Message& m : corpus) Analyze(m);
        if (server_.request_count() == 0) _exit(1);  // Nothing was asked.
        raise(SIGKILL);
      },
      ::testing::KilledBySignal(SIGKILL), "");

  // This process: a stand-in that has answered nothing, the same file.
  auto provider = NewOpenAi();
  Build(*provider);
  EXPECT_GT(*store_->Count(), 0);
  for (const core::Message& m : corpus) {
    const core::Analysis a = Analyze(m);
    for (const char* stage : {"classify", "extract"}) {
      const auto it = a.engines.find(stage);
      if (it != a.engines.end()) {
        EXPECT_FALSE(absl::StrContains(it->second, "fallback"))
            << m.id << " " << stage << ": " << it->second;
      }
    }
  }
  EXPECT_EQ(server_.request_count(), 0u);
  EXPECT_EQ(counters_.Snapshot().calls, 0);
}

// ---- The provider down ------------------------------------------------------

TEST_F(StagesTest, WithTheProviderDownEveryMessageIsAnalysedByRules) {
  const std::vector<core::Message> corpus = DevCorpus();
  auto provider = NewOpenAi(
      "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/v1");
  Build(*provider);
  const auto rules = analysis::NewRulesPipeline();
  const core::Profile profile = core::DefaultProfile();
  for (const core::Message& m : corpus) {
    const core::Analysis a = Analyze(m);
    core::Analysis want = *rules->Analyze(m, profile);
    for (const auto& [stage, engine] : a.engines) {
      EXPECT_TRUE(absl::StartsWith(engine, "rules"))
          << m.id << " " << stage << ": " << engine;
      if (stage == "classify" || stage == "extract" || stage == "draft" ||
          stage == "follow_up") {
        EXPECT_NE(engine, "rules") << m.id << " " << stage;
      }
    }
    if (a.engines.at("classify") != "rules (certain courtesy close)") {
      EXPECT_TRUE(absl::StartsWith(a.engines.at("classify"),
                                   "rules (fallback: openai:gpt-4o-mini: "
                                   "UNAVAILABLE"))
          << a.engines.at("classify");
    }
    // Apart from the engines, the rules engine's analysis.
    want.engines = a.engines;
    EXPECT_EQ(a, want) << m.id;
  }
  const LlmStageStats s = counters_.Snapshot();
  EXPECT_GT(s.failures, 0);
  EXPECT_EQ(answers_->stats().puts, 0);
}

TEST(NewLlmStagesTest, RefusesBadOptions) {
  StandinServer server;
  ProviderConfig config;
  config.base_url = server.url();
  auto provider = *NewProvider(config);
  AnswerCache answers(nullptr, nullptr);
  LlmStagesOptions options;
  EXPECT_TRUE(absl::IsInvalidArgument(
      NewLlmStages(*provider, answers, options).status()));
  options.model = kModel;
  options.repair_attempts = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(
      NewLlmStages(*provider, answers, options).status()));
  options.repair_attempts = 1;
  options.prompt_versions["extract"] = 99;
  EXPECT_TRUE(
      absl::IsNotFound(NewLlmStages(*provider, answers, options).status()));
  options.prompt_versions.clear();
  absl::StatusOr<analysis::Pipeline::Stages> stages =
      NewLlmStages(*provider, answers, options);
  ASSERT_TRUE(stages.ok()) << stages.status();
  EXPECT_EQ(stages->classifier->engine(), kEngine);
  EXPECT_EQ(stages->drafter->engine(), kEngine);
}

}  // namespace
}  // namespace lia::llm
