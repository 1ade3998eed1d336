// Traces as a collector sees them: a real `lia serve` exports OTLP/HTTP JSON
// to a stand-in collector (an HTTP server on a socket of this test), and
// the span trees of one synchronous ingest, of one queued message's job, and
// of an analysis by an LLM engine (llm_standin) are checked span by span:
// names, kinds, parents, links, attributes.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lia_server.h"

namespace {

namespace fs = std::filesystem;
using lia::testing::LiaServer;
using lia::testing::WaitFor;
using nlohmann::json;

// An OTLP/HTTP collector: POST /v1/traces with the JSON encoding. Keeps
// every span it is sent, across batches.
class Collector {
 public:
  Collector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req,
                                      httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() ||
          req.get_header_value("Content-Type") != "application/json") {
        res.status = 400;
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      for (const json& rs : body["resourceSpans"]) {
        for (const json& ss : rs["scopeSpans"]) {
          for (const json& s : ss["spans"]) spans_.push_back(s);
        }
      }
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<json> spans() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> spans_;
};

// The spans of one trace, by id.
class Trace {
 public:
  Trace(const std::vector<json>& all, const std::string& trace_id) {
    for (const json& s : all) {
      if (s["traceId"] == trace_id) {
        by_id_[s["spanId"].get<std::string>()] = s;
      }
    }
  }
  size_t size() const { return by_id_.size(); }

  std::vector<json> Named(std::string_view name) const {
    std::vector<json> out;
    for (const auto& [id, s] : by_id_) {
      if (s["name"] == name) out.push_back(s);
    }
    return out;
  }
  // The one span named `name`; a failure (and null) when there is not
  // exactly one.
  json One(std::string_view name) const {
    const std::vector<json> found = Named(name);
    EXPECT_EQ(found.size(), 1u) << name << " in\n" << Dump();
    return found.size() == 1 ? found[0] : json();
  }
  // Whether `span` hangs below `ancestor` in this trace.
  bool Descends(const json& span, const json& ancestor) const {
    std::string parent = span.value("parentSpanId", "");
    for (size_t hops = 0; hops <= by_id_.size() && !parent.empty(); ++hops) {
      if (parent == ancestor["spanId"]) return true;
      const auto it = by_id_.find(parent);
      if (it == by_id_.end()) return false;
      parent = it->second.value("parentSpanId", "");
    }
    return false;
  }
  // Every span but `root` has its parent in the trace: one tree.
  void ExpectOneTreeUnder(const json& root) const {
    for (const auto& [id, s] : by_id_) {
      if (id == root["spanId"]) continue;
      EXPECT_TRUE(Descends(s, root)) << s.dump() << "\nin\n" << Dump();
      // Children run within their parent's time.
      const auto parent = by_id_.find(s.value("parentSpanId", ""));
      if (parent == by_id_.end()) continue;
      EXPECT_GE(Nanos(s, "startTimeUnixNano"),
                Nanos(parent->second, "startTimeUnixNano"))
          << s["name"];
      EXPECT_LE(Nanos(s, "endTimeUnixNano"),
                Nanos(parent->second, "endTimeUnixNano"))
          << s["name"];
    }
  }
  std::string Dump() const {
    std::string out;
    for (const auto& [id, s] : by_id_) {
      out += id + " <- " + s.value("parentSpanId", "(root)") + " " +
             s["name"].get<std::string>() + "\n";
    }
    return out;
  }

 private:
  static long long Nanos(const json& span, const char* field) {
    return std::stoll(span[field].get<std::string>());
  }
  std::map<std::string, json> by_id_;
};

std::string StringAttribute(const json& span, std::string_view key) {
  for (const json& a : span["attributes"]) {
    if (a["key"] == key && a["value"].contains("stringValue")) {
      return a["value"]["stringValue"];
    }
  }
  return "";
}

std::string IntAttribute(const json& span, std::string_view key) {
  for (const json& a : span["attributes"]) {
    if (a["key"] == key && a["value"].contains("intValue")) {
      return a["value"]["intValue"];
    }
  }
  return "";
}

// llm_standin (an OpenAI-compatible stand-in answering with the rules
// engine) on a free port; SIGTERM when destroyed.
class Standin {
 public:
  static constexpr char kApiKey[] = "sk-trace-e2e";

  Standin() {
    int out[2];
    if (pipe(out) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl(LLM_STANDIN, LLM_STANDIN, "--api-key", kApiKey,
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // "llm_standin: listening on http://127.0.0.1:PORT/v1"
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') first_line_ += c;
    close(out[0]);
    const size_t start = first_line_.find("http://");
    if (start != std::string::npos) url_ = first_line_.substr(start);
  }
  ~Standin() {
    ::kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  Standin(const Standin&) = delete;
  Standin& operator=(const Standin&) = delete;

  // "http://127.0.0.1:PORT/v1"; empty when it did not start.
  const std::string& url() const { return url_; }
  const std::string& first_line() const { return first_line_; }

 private:
  pid_t pid_ = -1;
  std::string first_line_;
  std::string url_;
};

constexpr char kStages[][18] = {"pipeline.classify", "pipeline.extract",
                                "pipeline.filter", "pipeline.score",
                                "pipeline.draft"};

class TraceE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_trace_e2e_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "profile.yaml")
        << "name: Ana Lima\npreferred_technologies: [Go, Kubernetes, AWS]\n"
           "current_seniority: Senior\nminimum_salary_usd: 120000\n"
           "preferred_remote_policy: Remote\n";
    // No schedules: their jobs would add traces of their own.
    std::ofstream(dir_ / "lia.toml")
        << "[jobs]\npoll_ms = 50\n[schedules]\ndaily_digest = \"\"\n"
           "cleanup = \"\"\n";
  }

  // `lia serve` with one worker, exporting to the collector.
  void Start(std::vector<std::string> env = {}) {
    env.push_back("LIA_OTLP_ENDPOINT=" + collector_.endpoint());
    env.push_back("LIA_CONFIG=" + (dir_ / "lia.toml").string());
    env.push_back("LIA_WORKERS=1");
    server_ = std::make_unique<LiaServer>(dir_, std::move(env));
    ASSERT_GT(server_->port(), 0) << server_->first_line();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  // Stops the server, which flushes its queued spans, and returns them.
  std::vector<json> StopAndCollect() {
    EXPECT_EQ(server_->Stop(), 0);
    return collector_.spans();
  }

  Collector collector_;  // Outlives the server that exports to it.
  fs::path dir_;
  std::unique_ptr<LiaServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(TraceE2eTest, ASynchronousIngestIsOneTreeFromHttpToPipelineAndStore) {
  Start();
  const std::string caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string caller_span = "00f067aa0ba902b7";
  httplib::Result r = client_->Post(
      "/api/v1/messages?wait=true",
      {{"traceparent", "00-" + caller_trace + "-" + caller_span + "-01"}},
      json{{"text",
            "Hi Ana, Nimbus Labs is hiring a Senior Go Engineer (Go, "
            "Kubernetes, AWS). Fully remote, $180k-$200k. Interested?"}}
          .dump(),
      "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  ASSERT_TRUE(json::parse(r->body)["opportunity"].is_object()) << r->body;

  const Trace trace(StopAndCollect(), caller_trace);
  // The server span continues the caller's trace and is the root of ours.
  const json server = trace.One("POST /api/v1/messages");
  ASSERT_TRUE(server.is_object()) << trace.Dump();
  EXPECT_EQ(server["parentSpanId"], caller_span);
  EXPECT_EQ(server["kind"], 2);
  EXPECT_EQ(IntAttribute(server, "http.response.status_code"), "201");
  trace.ExpectOneTreeUnder(server);

  // HTTP -> the analysis -> its stages, each once, in the request.
  const json analyze = trace.One("pipeline.analyze");
  ASSERT_TRUE(analyze.is_object());
  EXPECT_EQ(analyze["parentSpanId"], server["spanId"]);
  for (const char* stage : kStages) {
    const json span = trace.One(stage);
    ASSERT_TRUE(span.is_object()) << stage;
    EXPECT_EQ(span["parentSpanId"], analyze["spanId"]) << stage;
    EXPECT_EQ(span["kind"], 1) << stage;
    EXPECT_EQ(StringAttribute(span, "lia.pipeline.engine"), "rules") << stage;
  }
  EXPECT_TRUE(trace.Named("pipeline.follow_up").empty()) << trace.Dump();

  // HTTP -> the store: the message in, then its opportunity, one
  // transaction each; client spans naming the database.
  for (const char* name : {"store.insert_messages", "store.save_analyses"}) {
    const json span = trace.One(name);
    ASSERT_TRUE(span.is_object()) << name;
    EXPECT_EQ(span["parentSpanId"], server["spanId"]) << name;
    EXPECT_EQ(span["kind"], 3) << name;
    EXPECT_EQ(StringAttribute(span, "db.system"), "sqlite") << name;
    EXPECT_EQ(IntAttribute(span, "lia.db.batch_size"), "1") << name;
  }
  // The pipeline-result cache was asked (a miss: a new message) and filled.
  const std::vector<json> gets = trace.Named("cache.get");
  EXPECT_FALSE(gets.empty()) << trace.Dump();
  for (const json& get : gets) EXPECT_TRUE(trace.Descends(get, server));
  EXPECT_FALSE(trace.Named("cache.set").empty()) << trace.Dump();
  // No job: the analysis ran in the request.
  EXPECT_TRUE(trace.Named("store.insert_messages_with_jobs").empty());
}

TEST_F(TraceE2eTest, AQueuedMessagesJobIsATraceOfItsOwnLinkedToTheRequest) {
  Start();
  const std::string caller_trace = "0af7651916cd43dd8448eb211c80319c";
  httplib::Result posted = client_->Post(
      "/api/v1/messages",
      {{"traceparent", "00-" + caller_trace + "-b7ad6b7169203331-01"}},
      json{{"text",
            "Hello Ana, Quarry Bank is looking for a Senior Go Developer, "
            "remote, $190,000 per year. Ref 7731"}}
          .dump(),
      "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  const int64_t job_id = json::parse(posted->body)["job_id"];
  const std::string job_path = "/api/v1/jobs/" + std::to_string(job_id);
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result job = client_->Get(job_path);
    return job && job->status == 200 &&
           json::parse(job->body)["state"] == "succeeded";
  }));

  const std::vector<json> all = StopAndCollect();
  // The request: stored with its job in one transaction; no analysis.
  const Trace request(all, caller_trace);
  const json server = request.One("POST /api/v1/messages");
  ASSERT_TRUE(server.is_object()) << request.Dump();
  const json outbox = request.One("store.insert_messages_with_jobs");
  ASSERT_TRUE(outbox.is_object());
  EXPECT_EQ(outbox["parentSpanId"], server["spanId"]);
  EXPECT_TRUE(request.Named("pipeline.analyze").empty()) << request.Dump();

  // The job: a consumer span starting a trace of its own, linked to the
  // request that queued it.
  std::vector<json> job_spans;
  for (const json& s : all) {
    if (s["name"] == "job process_message") job_spans.push_back(s);
  }
  ASSERT_EQ(job_spans.size(), 1u);
  const json& job = job_spans[0];
  EXPECT_EQ(job["kind"], 5);
  EXPECT_FALSE(job.contains("parentSpanId")) << job.dump();
  EXPECT_NE(job["traceId"], caller_trace);
  ASSERT_EQ(job["links"].size(), 1u) << job.dump();
  EXPECT_EQ(job["links"][0]["traceId"], caller_trace);
  EXPECT_EQ(job["links"][0]["spanId"], server["spanId"]);
  EXPECT_EQ(IntAttribute(job, "lia.job.id"), std::to_string(job_id));
  EXPECT_EQ(IntAttribute(job, "lia.job.attempt"), "1");
  EXPECT_EQ(job["status"]["code"], 1);

  // The job's work hangs below it: its message read, the analysis and its
  // stages, the opportunity saved.
  const Trace work(all, job["traceId"]);
  work.ExpectOneTreeUnder(job);
  const json analyze = work.One("pipeline.analyze");
  ASSERT_TRUE(analyze.is_object()) << work.Dump();
  EXPECT_EQ(analyze["parentSpanId"], job["spanId"]);
  for (const char* stage : kStages) {
    const json span = work.One(stage);
    ASSERT_TRUE(span.is_object()) << stage;
    EXPECT_EQ(span["parentSpanId"], analyze["spanId"]) << stage;
  }
  for (const char* name : {"store.get_message", "store.save_analyses"}) {
    const json span = work.One(name);
    ASSERT_TRUE(span.is_object()) << name << "\n" << work.Dump();
    EXPECT_EQ(span["parentSpanId"], job["spanId"]) << name;
    EXPECT_EQ(StringAttribute(span, "db.system"), "sqlite") << name;
  }
}

TEST_F(TraceE2eTest, LlmCallsAreClientSpansOfTheStagesThatMadeThem) {
  Standin standin;
  ASSERT_FALSE(standin.url().empty()) << standin.first_line();
  Start({"LIA_ENGINE=openai:standin-model", "OPENAI_BASE_URL=" + standin.url(),
         std::string("OPENAI_API_KEY=") + Standin::kApiKey});
  const std::string caller_trace = "5bf92f3577b34da6a3ce929d0e0e4736";
  httplib::Result r = client_->Post(
      "/api/v1/messages?wait=true",
      {{"traceparent", "00-" + caller_trace + "-10f067aa0ba902b7-01"}},
      json{{"text",
            "Hi Ana, Kestrel Sensors is hiring a Staff Go Engineer (Go, "
            "Kubernetes). Fully remote, $190k-$220k. Interested? Ref 4411"}}
          .dump(),
      "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;

  const Trace trace(StopAndCollect(), caller_trace);
  const json server = trace.One("POST /api/v1/messages");
  ASSERT_TRUE(server.is_object()) << trace.Dump();
  trace.ExpectOneTreeUnder(server);
  const std::vector<json> calls = trace.Named("llm.chat");
  ASSERT_FALSE(calls.empty()) << trace.Dump();
  // Each call is a client span of the stage that made it.
  std::map<std::string, std::string> stage_of;  // Span id -> name.
  for (const char* stage :
       {"pipeline.classify", "pipeline.extract", "pipeline.draft"}) {
    const json span = trace.One(stage);
    ASSERT_TRUE(span.is_object()) << stage;
    stage_of[span["spanId"]] = stage;
  }
  std::map<std::string, int> calls_by_stage;
  for (const json& call : calls) {
    EXPECT_EQ(call["kind"], 3);
    const auto it = stage_of.find(call.value("parentSpanId", ""));
    ASSERT_NE(it, stage_of.end()) << call.dump() << "\n" << trace.Dump();
    ++calls_by_stage[it->second];
    EXPECT_EQ(StringAttribute(call, "gen_ai.system"), "openai");
    EXPECT_EQ(StringAttribute(call, "gen_ai.request.model"), "standin-model");
    EXPECT_EQ(StringAttribute(call, "lia.llm.status"), "success");
    EXPECT_EQ(IntAttribute(call, "lia.llm.attempts"), "1");
    const std::string tokens = IntAttribute(call, "gen_ai.usage.input_tokens");
    EXPECT_GT(tokens.empty() ? 0 : std::stoll(tokens), 0) << call.dump();
    EXPECT_EQ(call["status"]["code"], 1);
  }
  EXPECT_EQ(calls_by_stage["pipeline.classify"], 1) << trace.Dump();
  EXPECT_EQ(calls_by_stage["pipeline.extract"], 1) << trace.Dump();
  // The stage says the LLM answered it.
  EXPECT_EQ(
      StringAttribute(trace.One("pipeline.extract"), "lia.pipeline.engine"),
      "openai:standin-model");
}

// LIA_TRACE_SAMPLE_RATIO=0: new traces are not recorded, but a caller's
// sampled traceparent is honoured, and so is its job's link to it.
TEST_F(TraceE2eTest, SamplingKeepsTracesWholeAndFollowsTheCaller) {
  Start({"LIA_TRACE_SAMPLE_RATIO=0"});
  httplib::Result untraced = client_->Post(
      "/api/v1/messages?wait=true",
      json{{"text",
            "Hi Ana, Brava Systems is hiring a Senior Go Engineer, "
            "remote, $185k. Ref 9001"}}
          .dump(),
      "application/json");
  ASSERT_TRUE(untraced);
  ASSERT_EQ(untraced->status, 201) << untraced->body;
  const std::string caller_trace = "6af7651916cd43dd8448eb211c80319c";
  httplib::Result posted = client_->Post(
      "/api/v1/messages",
      {{"traceparent", "00-" + caller_trace + "-c7ad6b7169203331-01"}},
      json{{"text",
            "Hi Ana, Pampa Labs is hiring a Staff Go Engineer, "
            "remote, $200k. Ref 9002"}}
          .dump(),
      "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  const std::string job_path =
      "/api/v1/jobs/" + json::parse(posted->body)["job_id"].dump();
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result job = client_->Get(job_path);
    return job && job->status == 200 &&
           json::parse(job->body)["state"] == "succeeded";
  }));

  const std::vector<json> all = StopAndCollect();
  const Trace request(all, caller_trace);
  ASSERT_TRUE(request.One("POST /api/v1/messages").is_object())
      << request.Dump();
  std::string job_trace;
  for (const json& s : all) {
    if (s["name"] == "job process_message") job_trace = s["traceId"];
  }
  ASSERT_FALSE(job_trace.empty());
  const Trace job(all, job_trace);
  EXPECT_TRUE(job.One("pipeline.analyze").is_object()) << job.Dump();
  // Nothing else: not the untraced ingest, not the polls of the job.
  EXPECT_EQ(request.size() + job.size(), all.size());
  for (const json& s : all) {
    EXPECT_TRUE(s["traceId"] == caller_trace || s["traceId"] == job_trace)
        << s.dump();
  }
}

}  // namespace
