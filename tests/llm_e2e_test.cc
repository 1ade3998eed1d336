// The LLM engine as a user runs it: the real `lia` binary (`lia analyze
// --engine openai:...`, and `lia serve` with LIA_ENGINE) against
// llm_standin, a separate process that speaks OpenAI's Chat Completions and
// answers every stage with the rules engine's answer. Shows that
//  - the dev corpus replayed makes no call the second time, and a run
//    killed with SIGKILL half-way keeps what it was answered: the restart
//    asks only for the rest, and the run after that asks nothing;
//  - shared/eval/score.py measures an LLM engine (`--cmd "lia analyze
//    --engine ..."`), so users can score their own model;
//  - with the provider down every message is still analysed, by the rules,
//    each stage saying so ("rules (fallback: ...)"), quickly (retries and the
//    circuit breaker), and /metrics counts the unavailable calls.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "lia_server.h"
#include "llm/testing/standin_server.h"
#include "sqlite3.h"
#include "sqlite_query.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using lia::testing::LiaServer;
using lia::testing::QueryInt;
using nlohmann::json;

constexpr char kEngine[] = "openai:standin-model";
constexpr char kApiKey[] = "sk-standin-test";
// The stages an LLM engine may answer; filter and score are always rules.
constexpr const char* kLlmStages[] = {"classify", "follow_up", "extract",
                                      "draft"};

bool IsSettingOfAnEngine(std::string_view entry) {
  for (std::string_view prefix : {"LIA_", "OPENAI_", "ANTHROPIC_", "OLLAMA_"}) {
    if (entry.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// This process's environment without lia's and the providers' settings
// (a developer's OPENAI_API_KEY or LIA_ENGINE_DRAFT must not leak in), plus
// `extra` ("NAME=value").
std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsSettingOfAnEngine(*e)) env.emplace_back(*e);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// A child process in `cwd`, its standard streams on files (or, with
// `out_pipe`, standard output on a pipe the parent reads). Killed (SIGKILL)
// when destroyed while running.
class Child {
 public:
  Child(const std::vector<std::string>& argv,
        const std::vector<std::string>& env, const fs::path& cwd,
        const fs::path& in, const fs::path& out, const fs::path& err,
        int* out_pipe = nullptr) {
    std::vector<char*> args, envp;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    for (const std::string& e : env)
      envp.push_back(const_cast<char*>(e.c_str()));
    args.push_back(nullptr);
    envp.push_back(nullptr);
    int fds[2] = {-1, -1};
    if (out_pipe != nullptr && pipe2(fds, O_CLOEXEC) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      const int in_fd = ::open(in.c_str(), O_RDONLY);
      const int out_fd =
          out_pipe != nullptr
              ? fds[1]
              : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd =
          ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0 || chdir(cwd.c_str()) != 0) {
        _exit(126);
      }
      dup2(in_fd, STDIN_FILENO);
      dup2(out_fd, STDOUT_FILENO);
      dup2(err_fd, STDERR_FILENO);
      if (out_pipe != nullptr) close(fds[0]);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    if (out_pipe != nullptr) {
      close(fds[1]);
      *out_pipe = fds[0];
    }
  }
  ~Child() {
    if (pid_ > 0) Kill();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    exit_code_ = ExitCode(status);
    return false;
  }
  // The exit code; -signal when a signal ended it.
  int Wait() {
    if (pid_ > 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
      exit_code_ = ExitCode(status);
    }
    return exit_code_;
  }
  void Signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }
  void Kill() {
    Signal(SIGKILL);
    Wait();
  }

 private:
  static int ExitCode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// llm_standin on a free port. Stopped (SIGTERM) when destroyed.
class Standin {
 public:
  explicit Standin(const fs::path& dir, std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {LLM_STANDIN, "--api-key", kApiKey};
    argv.insert(argv.end(), flags.begin(), flags.end());
    int out = -1;
    child_ =
        std::make_unique<Child>(argv, ChildEnvironment({}), dir, "/dev/null",
                                "", dir / "standin.err", &out);
    // "llm_standin: listening on http://127.0.0.1:PORT/v1"
    std::string line;
    char c;
    while (read(out, &c, 1) == 1 && c != '\n') line += c;
    close(out);
    const size_t colon = line.rfind(':');
    port_ =
        colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
    first_line_ = line;
  }
  ~Standin() {
    child_->Signal(SIGTERM);
    child_->Wait();
  }

  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
  }
  json Stats() const {
    httplib::Client client("127.0.0.1", port_);
    httplib::Result r = client.Get("/stats");
    return r && r->status == 200 ? json::parse(r->body) : json();
  }
  // Chat completion requests received so far; -1 when /stats fails.
  int64_t Requests() const {
    const json stats = Stats();
    return stats.is_object() ? stats["requests"].get<int64_t>() : -1;
  }

 private:
  std::unique_ptr<Child> child_;
  int port_ = 0;
  std::string first_line_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// How many stages of `lines` name `engine` exactly.
int64_t StagesAnsweredBy(const std::vector<json>& lines,
                         const std::string& engine) {
  int64_t n = 0;
  for (const json& line : lines) {
    for (const auto& [stage, name] : line["engines"].items()) {
      n += name == engine ? 1 : 0;
    }
  }
  return n;
}

// The analyses without their "engines": what the rules engine must agree
// with when the "model" answers as the rules do.
std::vector<json> WithoutEngines(std::vector<json> lines) {
  for (json& line : lines) line.erase("engines");
  return lines;
}

// The sum of the samples of `name` whose labels include `label` (e.g.
// status="unavailable"), in Prometheus text.
double MetricSum(const std::string& text, const std::string& name,
                 const std::string& label) {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0) continue;
    const size_t close = line.find('}');
    if (close == std::string::npos ||
        line.substr(0, close).find(label) == std::string::npos) {
      continue;
    }
    sum += std::atof(line.c_str() + close + 1);
  }
  return sum;
}

// Single-quoted for score.py's shlex.split.
std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

class LlmE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_llm_e2e_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The corpus as score.py sends it: no expected answers.
    std::ifstream corpus(std::string(LIA_SHARED_DIR) + "/corpus/dev.jsonl");
    ASSERT_TRUE(corpus) << LIA_SHARED_DIR << "/corpus/dev.jsonl";
    std::ofstream input(corpus_path());
    std::string line;
    while (std::getline(corpus, line)) {
      if (line.empty()) continue;
      const json c = json::parse(line);
      input << json{{"id", c["id"]},
                    {"sender", c.value("sender", json())},
                    {"thread", c.value("thread", json::array())},
                    {"message", c["message"]}}
                   .dump()
            << "\n";
      ++corpus_size_;
    }
    ASSERT_GE(corpus_size_, 50);
    // `lia serve` children inherit this process's environment (LiaServer).
    std::vector<std::string> names;
    for (char** e = environ; *e != nullptr; ++e) {
      if (IsSettingOfAnEngine(*e)) {
        const std::string entry = *e;
        names.push_back(entry.substr(0, entry.find('=')));
      }
    }
    for (const std::string& name : names) unsetenv(name.c_str());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path corpus_path() const { return dir_ / "dev_input.jsonl"; }

  // Settings of an LLM engine on `base_url`, its answers in `db`.
  static std::vector<std::string> LlmEnvironment(const std::string& base_url,
                                                 const fs::path& db) {
    return {"OPENAI_BASE_URL=" + base_url,
            std::string("OPENAI_API_KEY=") + kApiKey,
            "LIA_DATABASE_URL=sqlite://" + db.string()};
  }

  // `lia analyze --jsonl [--engine E]` over the corpus, in dir_ (no
  // profile.yaml nor lia.toml there: the built-in defaults).
  RunResult Analyze(const std::vector<std::string>& env,
                    const std::string& engine = kEngine) {
    std::vector<std::string> argv = {LIA_BINARY, "analyze", "--jsonl"};
    if (!engine.empty()) {
      argv.push_back("--engine");
      argv.push_back(engine);
    }
    const auto start = std::chrono::steady_clock::now();
    Child child(argv, ChildEnvironment(env), dir_, corpus_path(),
                dir_ / "analyze.out", dir_ / "analyze.err");
    RunResult run;
    run.exit_code = child.Wait();
    run.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    run.out = ReadFile(dir_ / "analyze.out");
    run.err = ReadFile(dir_ / "analyze.err");
    return run;
  }

  // The rules engine's analyses of the corpus.
  std::vector<json> RulesAnalyses() {
    const RunResult rules = Analyze(
        {"LIA_DATABASE_URL=sqlite://" + (dir_ / "rules.db").string()}, "rules");
    EXPECT_EQ(rules.exit_code, 0) << rules.err;
    return JsonLines(rules.out);
  }

  // Every line analysed, in order, with its id and no error.
  void ExpectEveryLineAnalysed(const std::vector<json>& lines) {
    ASSERT_EQ(static_cast<int>(lines.size()), corpus_size_);
    std::ifstream input(corpus_path());
    std::string line;
    for (const json& analysis : lines) {
      ASSERT_TRUE(std::getline(input, line));
      EXPECT_EQ(analysis["id"], json::parse(line)["id"]);
      EXPECT_FALSE(analysis.contains("error")) << analysis.dump();
      EXPECT_TRUE(analysis["tier"].is_string()) << analysis.dump();
    }
  }

  fs::path dir_;
  int corpus_size_ = 0;
};

TEST_F(LlmE2eTest, CorpusReplayedMakesNoCallsTheSecondTime) {
  Standin standin(dir_);
  ASSERT_GT(standin.port(), 0) << standin.first_line();
  const fs::path db = dir_ / "lia.db";
  const std::vector<std::string> env = LlmEnvironment(standin.url(), db);

  const RunResult first = Analyze(env);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<json> analyses = JsonLines(first.out);
  ExpectEveryLineAnalysed(analyses);
  // Each stage is the model's, or left to the rules on purpose (a certain
  // courtesy close, nothing to extract from a close, no reply needed):
  // never a fallback.
  for (const json& a : analyses) {
    for (const char* stage : kLlmStages) {
      if (!a["engines"].contains(stage)) continue;
      const std::string engine = a["engines"][stage];
      EXPECT_TRUE(engine == kEngine ||
                  (engine.rfind("rules (", 0) == 0 &&
                   engine.find("fallback") == std::string::npos))
          << a["id"] << " " << stage << ": " << engine;
    }
  }
  const json stats = standin.Stats();
  const int64_t calls = stats["requests"];
  EXPECT_EQ(stats["errors"], 0) << stats.dump();  // The Bearer key was sent.
  EXPECT_GT(calls, 0);
  // One call per stage the model answered, and one stored answer per call.
  EXPECT_EQ(calls, StagesAnsweredBy(analyses, kEngine)) << stats.dump();
  EXPECT_GT(stats["by_stage"].value("classify", 0), 0) << stats.dump();
  EXPECT_GT(stats["by_stage"].value("follow_up", 0), 0) << stats.dump();
  EXPECT_GT(stats["by_stage"].value("extract", 0), 0) << stats.dump();
  EXPECT_GT(stats["by_stage"].value("draft", 0), 0) << stats.dump();
  EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM llm_answers"), calls);
  RecordProperty("first_pass_calls", std::to_string(calls));

  // A model that answers as the rules do yields the rules' analyses: what
  // the stages send and how they read the answers loses nothing.
  EXPECT_EQ(WithoutEngines(analyses), WithoutEngines(RulesAnalyses()));

  // A new process on the same database: every answer from the store.
  const RunResult second = Analyze(env);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(standin.Requests(), calls);
  EXPECT_EQ(second.out, first.out);
  // Each run says what it cost.
  EXPECT_NE(first.err.find(": " + std::to_string(calls) +
                           " model calls, 0 "
                           "answers from the cache"),
            std::string::npos)
      << first.err;
  EXPECT_NE(second.err.find(": 0 model calls, " + std::to_string(calls) +
                            " answers from the cache"),
            std::string::npos)
      << second.err;
}

TEST_F(LlmE2eTest, KilledRunKeepsItsAnswersAndTheRestartAsksOnlyTheRest) {
  // A slow model, so that the run is still going when it is killed.
  Standin standin(dir_, {"--delay-ms", "20"});
  ASSERT_GT(standin.port(), 0) << standin.first_line();
  const fs::path db = dir_ / "lia.db";
  const std::vector<std::string> env = LlmEnvironment(standin.url(), db);

  {
    Child doomed({LIA_BINARY, "analyze", "--jsonl", "--engine", kEngine},
                 ChildEnvironment(env), dir_, corpus_path(),
                 dir_ / "doomed.out", dir_ / "doomed.err");
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (standin.Requests() < 40 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(doomed.Running()) << "finished before it could be killed";
    doomed.Kill();
    EXPECT_EQ(doomed.Wait(), -SIGKILL);
  }
  const int64_t served_before_kill = standin.Requests();
  const int64_t kept = QueryInt(db, "SELECT COUNT(*) FROM llm_answers");
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, served_before_kill);

  const RunResult restart = Analyze(env);
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
  const std::vector<json> analyses = JsonLines(restart.out);
  ExpectEveryLineAnalysed(analyses);
  const int64_t answered_by_model = StagesAnsweredBy(analyses, kEngine);
  const int64_t asked_on_restart = standin.Requests() - served_before_kill;
  // Exactly what the killed run had not been answered (and stored).
  EXPECT_EQ(asked_on_restart, answered_by_model - kept);
  EXPECT_GT(asked_on_restart, 0);
  EXPECT_EQ(QueryInt(db, "SELECT COUNT(*) FROM llm_answers"),
            answered_by_model);
  RecordProperty("served_before_kill", std::to_string(served_before_kill));
  RecordProperty("kept_after_kill", std::to_string(kept));
  RecordProperty("asked_on_restart", std::to_string(asked_on_restart));

  const int64_t before_final = standin.Requests();
  const RunResult final_run = Analyze(env);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_EQ(standin.Requests(), before_final);
  EXPECT_EQ(final_run.out, restart.out);
}

TEST_F(LlmE2eTest, ScorePyMeasuresAnLlmEngine) {
  const std::string score = std::string(LIA_SHARED_DIR) + "/eval/score.py";
  if (!fs::exists(score)) GTEST_SKIP() << score << " is missing";
  Standin standin(dir_);
  ASSERT_GT(standin.port(), 0) << standin.first_line();

  // As a user measures their own model: score.py drives `lia analyze`.
  auto accuracy = [&](const std::vector<std::string>& env,
                      const std::string& engine) {
    const std::string cmd = ShellQuote(LIA_BINARY) +
                            " analyze --jsonl --engine " + ShellQuote(engine);
    Child child(
        {LIA_PYTHON3, score, "--corpus",
         std::string(LIA_SHARED_DIR) + "/corpus/dev.jsonl", "--cmd", cmd},
        ChildEnvironment(env), dir_, "/dev/null", dir_ / "score.out",
        dir_ / "score.err");
    EXPECT_EQ(child.Wait(), 0) << ReadFile(dir_ / "score.err");
    const std::string out = ReadFile(dir_ / "score.out");
    std::smatch m;
    EXPECT_TRUE(
        std::regex_search(out, m, std::regex("field accuracy: ([0-9.]+)%")))
        << out;
    return m.empty() ? std::string() : m[1].str();
  };
  const std::string llm =
      accuracy(LlmEnvironment(standin.url(), dir_ / "llm.db"), kEngine);
  EXPECT_GT(standin.Requests(), 0);
  EXPECT_GE(std::atof(llm.c_str()), 95.0) << llm;
  // The "model" answers as the rules do, so it scores as they do.
  const std::string rules = accuracy(
      {"LIA_DATABASE_URL=sqlite://" + (dir_ / "rules.db").string()}, "rules");
  EXPECT_EQ(llm, rules);
  RecordProperty("llm_field_accuracy", llm);
}

TEST_F(LlmE2eTest, ProviderDownEveryMessageIsAnalysedByRulesQuickly) {
  // Nothing listens there: every call is refused. One attempt per call;
  // after 5 failures in a row the circuit breaker fails the rest at once.
  const std::string down =
      "http://127.0.0.1:" + std::to_string(lia::llm::testing::UnusedPort()) +
      "/v1";
  std::vector<std::string> env = LlmEnvironment(down, dir_ / "lia.db");
  env.insert(env.end(), {"LIA_LLM_MAX_ATTEMPTS=1", "LIA_LLM_TIMEOUT=2s",
                         "LIA_LLM_CONNECT_TIMEOUT=1s"});

  const RunResult run = Analyze(env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_LT(run.seconds, 15.0);
  RecordProperty("seconds", std::to_string(run.seconds));
  const std::vector<json> analyses = JsonLines(run.out);
  ExpectEveryLineAnalysed(analyses);
  int fell_back = 0;
  for (const json& a : analyses) {
    for (const char* stage : kLlmStages) {
      if (!a["engines"].contains(stage)) continue;
      const std::string engine = a["engines"][stage];
      const bool on_purpose = engine == "rules (certain courtesy close)" ||
                              engine == "rules (courtesy close)" ||
                              engine == "rules (no reply needed)";
      if (on_purpose) continue;
      ++fell_back;
      EXPECT_EQ(engine.rfind("rules (fallback: openai:standin-model: ", 0), 0u)
          << a["id"] << " " << stage << ": " << engine;
      EXPECT_NE(engine.find("UNAVAILABLE"), std::string::npos) << engine;
    }
  }
  EXPECT_GT(fell_back, corpus_size_);  // Classify, extract, draft at least.
  // Nothing was answered, so nothing was stored.
  EXPECT_EQ(QueryInt(dir_ / "lia.db", "SELECT COUNT(*) FROM llm_answers"), 0);
  // The rules answered every stage, as they would have alone.
  EXPECT_EQ(WithoutEngines(analyses), WithoutEngines(RulesAnalyses()));
}

class LlmServeE2eTest : public LlmE2eTest {
 protected:
  void SetUp() override {
    LlmE2eTest::SetUp();
    std::ofstream(dir_ / "profile.yaml")
        << "name: Ana Lima\npreferred_technologies: [Go, Kubernetes, AWS]\n"
           "current_seniority: Senior\nminimum_salary_usd: 120000\n"
           "ideal_salary_usd: 170000\npreferred_remote_policy: Remote\n";
  }

  // POST /api/v1/messages?wait=true: the response's opportunity.
  static json PostAndWait(httplib::Client& client, const json& message) {
    httplib::Result r = client.Post("/api/v1/messages?wait=true",
                                    message.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 201) << r->body;
    return json::parse(r->body)["opportunity"];
  }

  static std::string Metrics(httplib::Client& client) {
    httplib::Result r = client.Get("/metrics");
    EXPECT_TRUE(r && r->status == 200);
    return r ? r->body : "";
  }

  static json Message() {
    return {{"sender", "Jane Smith"},
            {"text",
             "Hi Ana, Acme is hiring a Senior Go Engineer (Go, Kubernetes, "
             "AWS). Fully remote, $180k-$200k. Interested?"}};
  }
};

TEST_F(LlmServeE2eTest, ServeAnswersWithTheModelOfLiaEngine) {
  Standin standin(dir_);
  ASSERT_GT(standin.port(), 0) << standin.first_line();
  LiaServer server(dir_, {"LIA_ENGINE=openai:standin-model",
                          "OPENAI_BASE_URL=" + standin.url(),
                          std::string("OPENAI_API_KEY=") + kApiKey});
  ASSERT_GT(server.port(), 0) << server.first_line();
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);

  const json opportunity = PostAndWait(client, Message());
  ASSERT_TRUE(opportunity.is_object());
  EXPECT_EQ(opportunity["processing_status"], "completed");
  EXPECT_EQ(opportunity["company"], "Acme");
  const json engines = opportunity["analysis"]["engines"];
  EXPECT_EQ(engines["classify"], kEngine) << engines.dump();
  EXPECT_EQ(engines["extract"], kEngine) << engines.dump();
  EXPECT_EQ(engines["draft"], kEngine) << engines.dump();
  EXPECT_EQ(standin.Requests(), 3);
  EXPECT_EQ(
      MetricSum(Metrics(client), "llm_api_calls_total", "status=\"success\""),
      3.0);
}

TEST_F(LlmServeE2eTest, ServeWithTheProviderDownAnalysesByRulesAndCounts) {
  const std::string down =
      "http://127.0.0.1:" + std::to_string(lia::llm::testing::UnusedPort()) +
      "/v1";
  LiaServer server(
      dir_, {"LIA_ENGINE=openai:standin-model", "OPENAI_BASE_URL=" + down,
             std::string("OPENAI_API_KEY=") + kApiKey, "LIA_LLM_MAX_ATTEMPTS=1",
             "LIA_LLM_TIMEOUT=2s"});
  ASSERT_GT(server.port(), 0) << server.first_line();
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);

  const auto start = std::chrono::steady_clock::now();
  const json opportunity = PostAndWait(client, Message());
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      10.0);
  ASSERT_TRUE(opportunity.is_object());
  EXPECT_EQ(opportunity["processing_status"], "completed");
  EXPECT_EQ(opportunity["company"], "Acme");  // The rules read it.
  EXPECT_EQ(opportunity["tier"], "HIGH_PRIORITY");
  const json engines = opportunity["analysis"]["engines"];
  for (const char* stage : {"classify", "extract", "draft"}) {
    EXPECT_EQ(engines[stage].get<std::string>().rfind(
                  "rules (fallback: openai:standin-model: ", 0),
              0u)
        << stage << ": " << engines.dump();
  }

  const std::string metrics = Metrics(client);
  EXPECT_GE(MetricSum(metrics, "llm_api_calls_total", "status=\"unavailable\""),
            3)
      << metrics;
  EXPECT_EQ(MetricSum(metrics, "llm_api_calls_total", "status=\"success\""),
            0.0);
  // The stages' own count (app/engine.cc): each fell back to the rules.
  EXPECT_GE(MetricSum(metrics, "llm_stage_events_total", "event=\"fallback\""),
            3)
      << metrics;
}

}  // namespace
