// /metrics as Prometheus sees it: a real `lia serve` with workers on a
// temporary SQLite file runs posted messages as jobs, then its exposition is
// read, checked line by line, and linted by promtool.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
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

constexpr std::string_view kContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// A recruiter message unlike every other one of the run.
std::string Message(int i) {
  return "Hi Ana, company" + std::to_string(i) +
         " is hiring a Senior Go Engineer (Go, Kubernetes, AWS). Fully "
         "remote, $180k-$200k. Interested? Ref " +
         std::to_string(i * 7919);
}

// A message the rules give a low tier (on-site, junior Java, low salary),
// unlike every other one of the run.
std::string LowMessage(int i) {
  return "Hello Ana, Quarry Bank is looking for a Junior Java Developer, "
         "on-site in Chicago, $70,000 per year. Ref " +
         std::to_string(i * 104729);
}

bool HasLine(const std::string& text, std::string_view line) {
  return ("\n" + text).find("\n" + std::string(line) + "\n") !=
         std::string::npos;
}

// The lines starting with `prefix`.
std::vector<std::string> LinesWith(const std::string& text,
                                   std::string_view prefix) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

std::string FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::string_view rest = path;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    std::string candidate(dir.empty() ? "." : dir);
    candidate += '/';
    candidate += program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

class MetricsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_metrics_e2e_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "profile.yaml")
        << "name: Ana Lima\npreferred_technologies: [Go, Kubernetes, AWS]\n"
           "current_seniority: Senior\nminimum_salary_usd: 120000\n"
           "ideal_salary_usd: 170000\npreferred_remote_policy: Remote\n";
    // No schedules: a daily job firing mid-test would change the depths.
    std::ofstream(dir_ / "lia.toml")
        << "[jobs]\npoll_ms = 50\n[schedules]\ndaily_digest = \"\"\n"
           "cleanup = \"\"\n";
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  void Start(std::vector<std::string> env) {
    env.push_back("LIA_CONFIG=" + (dir_ / "lia.toml").string());
    server_ = std::make_unique<LiaServer>(dir_, std::move(env));
    ASSERT_GT(server_->port(), 0) << server_->first_line();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
  }

  // `promtool check metrics` on `body`; skipped without promtool unless
  // LIA_REQUIRE_PROMTOOL=1.
  void PromtoolCheck(const std::string& body) {
    const std::string promtool = FindOnPath("promtool");
    if (promtool.empty()) {
      const char* require = std::getenv("LIA_REQUIRE_PROMTOOL");
      if (require != nullptr && std::string_view(require) == "1") {
        FAIL() << "promtool not on PATH and LIA_REQUIRE_PROMTOOL=1 "
                  "(Debian package prometheus)";
      }
      GTEST_SKIP() << "promtool not on PATH";
    }
    const fs::path file = dir_ / "metrics.txt";
    {
      std::ofstream out(file, std::ios::binary);
      out << body;
      ASSERT_TRUE(out.good());
    }
    const std::string command =
        "'" + promtool + "' check metrics < '" + file.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
    EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << output << "\n" << body;
  }

  // The body of a 200 from `path`, "" otherwise.
  std::string Scrape(const std::string& path = "/metrics") {
    httplib::Result r = client_->Get(path);
    return r && r->status == 200 ? r->body : "";
  }

  fs::path dir_;
  std::unique_ptr<LiaServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(MetricsE2eTest, ExposesJobMetricsAfterWorkersRanPostedMessages) {
  Start({"LIA_WORKERS=2"});
  json messages = json::array();
  for (int i = 1; i <= 5; ++i) messages.push_back({{"text", Message(i)}});
  httplib::Result posted =
      client_->Post("/api/v1/messages", json{{"messages", messages}}.dump(),
                    "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;
  EXPECT_EQ(json::parse(posted->body)["jobs"], 5);

  ASSERT_TRUE(WaitFor([&] {
    httplib::Result r =
        client_->Get("/api/v1/jobs?state=succeeded&type=process_message");
    return r && r->status == 200 && json::parse(r->body)["items"].size() == 5;
  }));
  // A worker counts an attempt just after recording its outcome, so the
  // last count may trail the job list by a moment.
  const std::string attempts =
      "job_attempts_total{type=\"process_message\",outcome=\"succeeded\"} 5";
  std::string body;
  ASSERT_TRUE(WaitFor([&] { return HasLine(body = Scrape(), attempts); }))
      << body;

  httplib::Result r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), kContentType);
  body = r->body;
  EXPECT_TRUE(HasLine(body, attempts)) << body;
  EXPECT_TRUE(HasLine(body,
                      "job_attempts_total{type=\"process_message\","
                      "outcome=\"failed\"} 0"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "job_duration_seconds_count{type=\"process_message\","
                      "outcome=\"succeeded\"} 5"))
      << body;
  EXPECT_TRUE(HasLine(body, "jobs_dead_total{type=\"process_message\"} 0"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "jobs_by_state{type=\"process_message\","
                      "state=\"succeeded\"} 5"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "jobs_queue_depth{queue=\"process_message\","
                      "state=\"queued\"} 0"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "jobs_queue_depth{queue=\"process_message\","
                      "state=\"running\"} 0"))
      << body;
  // No queue holds work: the default schedules fire at 02:00 and 09:00 UTC
  // only.
  const std::vector<std::string> queued = LinesWith(body, "jobs_queue_depth{");
  ASSERT_FALSE(queued.empty()) << body;
  for (const std::string& line : queued) {
    if (line.find("state=\"queued\"") == std::string::npos) continue;
    EXPECT_TRUE(line.ends_with("} 0")) << line;
  }
  EXPECT_TRUE(HasLine(body, "jobs_metrics_errors_total 0")) << body;
  EXPECT_TRUE(HasLine(body, "lia_build_info{version=\"0.1.0\"} 1")) << body;

  // The same registry under /api/v1.
  httplib::Result api = client_->Get("/api/v1/metrics");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
  EXPECT_EQ(api->get_header_value("Content-Type"), kContentType);
  EXPECT_TRUE(HasLine(api->body, attempts)) << api->body;

  PromtoolCheck(body);
}

TEST_F(MetricsE2eTest, CountsPostedMessagesByTierAndRequestsByRoute) {
  Start({"LIA_WORKERS=2"});
  constexpr int kHigh = 3;
  constexpr int kLow = 2;
  for (int i = 1; i <= kHigh + kLow; ++i) {
    const std::string text = i <= kHigh ? Message(100 + i) : LowMessage(i);
    httplib::Result posted = client_->Post(
        "/api/v1/messages", json{{"text", text}}.dump(), "application/json");
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 202) << posted->body;
  }
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result r =
        client_->Get("/api/v1/jobs?state=succeeded&type=process_message");
    return r && r->status == 200 &&
           json::parse(r->body)["items"].size() == kHigh + kLow;
  }));
  // Two reads of one opportunity: the route label is the template.
  httplib::Result page = client_->Get("/api/v1/opportunities");
  ASSERT_TRUE(page && page->status == 200);
  const json items = json::parse(page->body)["items"];
  ASSERT_EQ(items.size(), static_cast<size_t>(kHigh + kLow));
  int low_tier = 0;
  std::string low_tier_name;
  for (const json& item : items) {
    if (item["tier"] != "HIGH_PRIORITY") {
      ++low_tier;
      low_tier_name = item["tier"];
    }
  }
  ASSERT_EQ(low_tier, kLow) << items.dump();
  const std::string id = items[0]["id"].dump();
  for (int i = 0; i < 2; ++i) {
    httplib::Result one = client_->Get("/api/v1/opportunities/" + id);
    ASSERT_TRUE(one && one->status == 200);
  }
  ASSERT_TRUE(client_->Get("/no/such/route"));

  std::string body;
  const std::string high =
      "opportunities_created_total{tier=\"HIGH_PRIORITY\",status=\"new\"} " +
      std::to_string(kHigh);
  ASSERT_TRUE(WaitFor([&] { return HasLine(body = Scrape(), high); })) << body;
  EXPECT_TRUE(HasLine(body, "opportunities_created_total{tier=\"" +
                                low_tier_name + "\",status=\"new\"} " +
                                std::to_string(kLow)))
      << body;
  EXPECT_TRUE(HasLine(body, "tier_assignments_total{tier=\"HIGH_PRIORITY\"} " +
                                std::to_string(kHigh)))
      << body;
  EXPECT_TRUE(HasLine(body, "opportunities_by_tier{tier=\"HIGH_PRIORITY\"} " +
                                std::to_string(kHigh)))
      << body;
  EXPECT_TRUE(HasLine(body, "opportunity_score_distribution_count " +
                                std::to_string(kHigh + kLow)))
      << body;
  EXPECT_TRUE(HasLine(body, "opportunity_processing_time_seconds_count " +
                                std::to_string(kHigh + kLow)))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "pipeline_executions_total{engine=\"rules\","
                      "status=\"ok\"} " +
                          std::to_string(kHigh + kLow)))
      << body;
  EXPECT_FALSE(LinesWith(body, "cache_operations_total{").empty()) << body;
  EXPECT_FALSE(LinesWith(body, "cache_hit_rate ").empty()) << body;
  EXPECT_FALSE(LinesWith(body, "cache_size_bytes ").empty()) << body;
  EXPECT_TRUE(HasLine(body,
                      "http_requests_total{method=\"POST\","
                      "route=\"/api/v1/messages\",status=\"202\"} " +
                          std::to_string(kHigh + kLow)))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "http_requests_total{method=\"GET\","
                      "route=\"/api/v1/opportunities/{id}\",status=\"200\"} 2"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "http_request_duration_seconds_count{"
                      "route=\"/api/v1/opportunities/{id}\"} 2"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "http_requests_total{method=\"GET\","
                      "route=\"unmatched\",status=\"404\"} 1"))
      << body;
  EXPECT_EQ(body.find("/api/v1/opportunities/" + id), std::string::npos)
      << "a raw path as a label\n"
      << body;
  PromtoolCheck(body);
}

// The families of the stages, the store's calls and its connection pool,
// after one synchronous batch: every count is that batch's.
TEST_F(MetricsE2eTest, TimesPipelineStagesAndStoreCallsAndShowsThePool) {
  Start({"LIA_WORKERS=0"});
  json messages = json::array();
  for (int i = 1; i <= 3; ++i) messages.push_back({{"text", Message(300 + i)}});
  httplib::Result posted =
      client_->Post("/api/v1/messages?wait=true",
                    json{{"messages", messages}}.dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 201) << posted->body;

  const std::string body = Scrape();
  for (const char* stage :
       {"classify", "extract", "filter", "score", "draft"}) {
    EXPECT_TRUE(HasLine(body, "pipeline_execution_time_seconds_count{stage=\"" +
                                  std::string(stage) + "\"} 3"))
        << stage << "\n"
        << body;
  }
  EXPECT_TRUE(HasLine(
      body, "pipeline_execution_time_seconds_count{stage=\"follow_up\"} 0"))
      << body;
  // One transaction for the messages, one for their opportunities.
  EXPECT_TRUE(HasLine(
      body, "db_query_duration_seconds_count{operation=\"insert_messages\"} 1"))
      << body;
  EXPECT_TRUE(HasLine(
      body, "db_query_duration_seconds_count{operation=\"save_analyses\"} 1"))
      << body;
  // SQLite: one writer and four readers, idle between requests.
  EXPECT_TRUE(HasLine(body, "db_pool_max_connections 5")) << body;
  EXPECT_TRUE(HasLine(body, "db_pool_connections{state=\"idle\"} 5")) << body;
  EXPECT_TRUE(HasLine(body, "db_pool_connections{state=\"waiting\"} 0"))
      << body;
  // Tracing is off: the tracer's own counters stay at 0.
  EXPECT_TRUE(HasLine(body, "trace_spans_exported_total 0")) << body;
  EXPECT_TRUE(HasLine(body, "trace_spans_dropped_total 0")) << body;
  PromtoolCheck(body);
}

// LIA_METRICS=off: no /metrics route, and the API works as before.
TEST_F(MetricsE2eTest, MetricsOffServesNoMetricsAndTheApiStillWorks) {
  Start({"LIA_WORKERS=0", "LIA_METRICS=off"});
  httplib::Result posted =
      client_->Post("/api/v1/messages?wait=true",
                    json{{"text", Message(400)}}.dump(), "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 201) << posted->body;
  for (const char* path : {"/metrics", "/api/v1/metrics"}) {
    httplib::Result r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
  httplib::Result ready = client_->Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

// `lia worker` with [obs] metrics_listen serves the metrics of the jobs it
// ran; the api, whose workers ran none, counts none.
TEST_F(MetricsE2eTest, AWorkerServesTheMetricsOfTheJobsItRan) {
  Start({"LIA_WORKERS=0"});
  constexpr int kJobs = 3;
  json messages = json::array();
  for (int i = 1; i <= kJobs; ++i) {
    messages.push_back({{"text", Message(500 + i)}});
  }
  httplib::Result posted =
      client_->Post("/api/v1/messages", json{{"messages", messages}}.dump(),
                    "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202) << posted->body;

  // The listener from the configuration file ($LIA_METRICS_LISTEN would
  // override it).
  std::ofstream(dir_ / "lia.toml", std::ios::app)
      << "[obs]\nmetrics_listen = \"127.0.0.1:0\"\n";
  LiaServer worker(
      dir_, {"LIA_CONFIG=" + (dir_ / "lia.toml").string(), "LIA_WORKERS=1"},
      "worker");
  // "lia worker: 1 workers on sqlite://... (metrics on http://HOST:PORT)"
  constexpr std::string_view kListening = "(metrics on http://127.0.0.1:";
  const std::string& line = worker.first_line();
  const size_t at = line.find(kListening);
  ASSERT_NE(at, std::string::npos) << line;
  const int port = std::atoi(line.c_str() + at + kListening.size());
  ASSERT_GT(port, 0) << line;
  httplib::Client scraper("127.0.0.1", port);
  scraper.set_read_timeout(30, 0);

  ASSERT_TRUE(WaitFor([&] {
    httplib::Result r =
        client_->Get("/api/v1/jobs?state=succeeded&type=process_message");
    return r && r->status == 200 &&
           json::parse(r->body)["items"].size() == kJobs;
  }));
  const std::string jobs = std::to_string(kJobs);
  const std::string attempts =
      "job_attempts_total{type=\"process_message\",outcome=\"succeeded\"} " +
      jobs;
  std::string body;
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result r = scraper.Get("/metrics");
    body = r && r->status == 200 ? r->body : "";
    return HasLine(body, attempts);
  })) << body;
  EXPECT_TRUE(HasLine(
      body,
      "pipeline_executions_total{engine=\"rules\",status=\"ok\"} " + jobs))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "opportunities_created_total{tier=\"HIGH_PRIORITY\","
                      "status=\"new\"} " +
                          jobs))
      << body;
  EXPECT_TRUE(HasLine(
      body,
      "pipeline_execution_time_seconds_count{stage=\"classify\"} " + jobs))
      << body;
  EXPECT_TRUE(HasLine(
      body,
      "db_query_duration_seconds_count{operation=\"get_message\"} " + jobs))
      << body;
  EXPECT_FALSE(
      LinesWith(body,
                "db_query_duration_seconds_count{operation=\"save_analyses\"}")
          .empty())
      << body;
  EXPECT_FALSE(LinesWith(body, "db_pool_connections{").empty()) << body;
  EXPECT_TRUE(HasLine(body, "lia_build_info{version=\"0.1.0\"} 1")) << body;
  // No HTTP families: the worker serves no API.
  EXPECT_EQ(body.find("http_requests_total"), std::string::npos);

  httplib::Result health = scraper.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  httplib::Result ready = scraper.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  // The api's own workers ran nothing.
  EXPECT_TRUE(HasLine(Scrape(),
                      "job_attempts_total{type=\"process_message\","
                      "outcome=\"succeeded\"} 0"));
  EXPECT_EQ(worker.Stop(), 0);
  PromtoolCheck(body);
}

// /metrics is outside /api, so it needs no token even where the API does;
// /api/v1/metrics is under the API's auth.
TEST_F(MetricsE2eTest, MetricsNeedNoTokenButTheApiRouteDoes) {
  Start({"LIA_WORKERS=0", "LIA_LISTEN=0.0.0.0:0",
         "LIA_API_TOKEN=metrics-e2e-token"});
  httplib::Result open = client_->Get("/metrics");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);
  EXPECT_TRUE(HasLine(open->body, "lia_build_info{version=\"0.1.0\"} 1"))
      << open->body;

  httplib::Result refused = client_->Get("/api/v1/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);

  httplib::Result allowed = client_->Get(
      "/api/v1/metrics", {{"Authorization", "Bearer metrics-e2e-token"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->body.empty(), false);
}

}  // namespace
