// The REST API as a client sees it: a real `lia serve` process on a
// temporary SQLite file, driven over HTTP on loopback.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "ingest/testing/export_generator.h"
#include "lia_server.h"
#include "sqlite3.h"

namespace {

namespace fs = std::filesystem;
using lia::testing::LiaServer;
using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_api_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "profile.yaml")
        << "name: Ana Lima\npreferred_technologies: [Python, Go, "
           "PostgreSQL, Kubernetes, AWS]\ncurrent_seniority: Senior\n"
           "minimum_salary_usd: 120000\nideal_salary_usd: 170000\n"
           "preferred_remote_policy: Remote\n";
    server_ = std::make_unique<LiaServer>(dir_);
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  json Post(const std::string& path, const json& body, int expected) {
    auto r = client_->Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected) << path << " " << r->body;
    return r->body.empty() ? json() : json::parse(r->body);
  }
  json Get(const std::string& path, int expected = 200) {
    auto r = client_->Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected) << path << " " << r->body;
    return json::parse(r->body);
  }

  fs::path dir_;
  std::unique_ptr<LiaServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

const char* kRemoteGo =
    "Hi Ana, Nimbus Labs is hiring a Senior Go Engineer (Go, Kubernetes, "
    "AWS). Fully remote, $180k-$200k. Interested?";
const char* kOnsiteJava =
    "Hello Ana, Quarry Bank is looking for a Junior Java Developer, on-site "
    "in Chicago, $70,000 per year.";

TEST_F(ApiTest, HealthEndpointsAnswer) {
  EXPECT_EQ(Get("/health")["status"], "ok");
  EXPECT_EQ(Get("/api/v1/health/live")["status"], "ok");
  EXPECT_EQ(Get("/startup")["status"], "ok");
  const json ready = Get("/ready");
  EXPECT_EQ(ready["status"], "ready");
  EXPECT_EQ(ready["checks"]["store"], "ok");
}

TEST_F(ApiTest, PostMessageCreatesAScoredOpportunityOnce) {
  const json first = Post(
      "/api/v1/messages?wait=true",
      {{"sender", "Laura Pérez"}, {"text", kRemoteGo}, {"source_id", "li-1"}},
      201);
  EXPECT_FALSE(first["duplicate"].get<bool>());
  const json& opp = first["opportunity"];
  EXPECT_EQ(opp["company"], "Nimbus Labs");
  EXPECT_EQ(opp["seniority"], "Senior");
  EXPECT_EQ(opp["remote_policy"], "Remote");
  EXPECT_EQ(opp["salary_max"], 200000);
  EXPECT_EQ(opp["tier"], "HIGH_PRIORITY");
  EXPECT_EQ(opp["recruiter_name"], "Laura Pérez");
  EXPECT_TRUE(opp["ai_response"].is_string());

  const json again = Post(
      "/api/v1/messages?wait=true",
      {{"sender", "Laura Pérez"}, {"text", kRemoteGo}, {"source_id", "li-1"}},
      200);
  EXPECT_TRUE(again["duplicate"].get<bool>());
  EXPECT_EQ(again["opportunity_id"], first["opportunity_id"]);
  EXPECT_EQ(Get("/api/v1/opportunities")["total"], 1);
}

TEST_F(ApiTest, OriginalSystemShapeIsAccepted) {
  const json opp =
      Post("/api/v1/opportunities",
           {{"recruiter_name", "Tom"}, {"raw_message", kOnsiteJava}}, 201);
  EXPECT_EQ(opp["company"], "Quarry Bank");
  EXPECT_EQ(opp["recruiter_name"], "Tom");
  for (const char* field :
       {"id", "total_score", "tier", "tech_stack_score", "salary_score",
        "seniority_score", "company_score", "status", "processing_status",
        "created_at", "ai_response"}) {
    EXPECT_TRUE(opp.contains(field)) << field;
  }
  // Remote-only profile: the on-site role fails a filter and is declined.
  EXPECT_EQ(opp["analysis"]["reply"]["kind"], "decline");
}

TEST_F(ApiTest, BatchIngestFiltersSortsAndPages) {
  json messages = json::array();
  for (int i = 0; i < 30; ++i) {
    messages.push_back({{"text", std::string(i % 2 ? kRemoteGo : kOnsiteJava) +
                                     " Ref " + std::to_string(i)},
                        {"sender", "R" + std::to_string(i)},
                        {"source_id", "batch-" + std::to_string(i)}});
  }
  const json done =
      Post("/api/v1/messages?wait=true", {{"messages", messages}}, 201);
  EXPECT_EQ(done["created"], 30);

  const json high = Get("/api/v1/opportunities?tier=HIGH_PRIORITY&limit=100");
  EXPECT_EQ(high["total"], 15);
  const json remote = Get("/api/v1/opportunities?remote_policy=Remote");
  EXPECT_EQ(remote["total"], 15);
  EXPECT_EQ(Get("/api/v1/opportunities?tech=Go&tech=Java")["total"], 30);
  EXPECT_EQ(
      Get("/api/v1/opportunities?tech=Go&tech=AWS&tech_match=all")["total"],
      15);
  EXPECT_EQ(Get("/api/v1/opportunities?min_salary_usd=150000")["total"], 15);
  EXPECT_EQ(Get("/api/v1/opportunities?company=quarry")["total"], 15);
  EXPECT_EQ(Get("/api/v1/opportunities?q=Nimbus")["total"], 15);

  const json by_score =
      Get("/api/v1/opportunities?sort_by=total_score&sort_order=asc&limit=30");
  int previous = -1;
  for (const json& item : by_score["items"]) {
    EXPECT_GE(item["total_score"].get<int>(), previous);
    previous = item["total_score"].get<int>();
  }

  const json page = Get("/api/v1/opportunities?skip=25&limit=10");
  EXPECT_EQ(page["items"].size(), 5u);
  EXPECT_FALSE(page["has_more"].get<bool>());
  EXPECT_EQ(page["skip"], 25);

  // Cursor paging visits each opportunity once.
  std::set<int64_t> seen;
  std::string cursor;
  for (int guard = 0; guard < 20; ++guard) {
    const json p = Get("/api/v1/opportunities?limit=7" +
                       (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const json& item : p["items"]) {
      EXPECT_TRUE(seen.insert(item["id"].get<int64_t>()).second);
    }
    if (!p["has_more"].get<bool>()) break;
    cursor = p["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 30u);

  const json stats = Get("/api/v1/opportunities/stats");
  EXPECT_EQ(stats["total_count"], 30);
  EXPECT_EQ(stats["by_tier"]["HIGH_PRIORITY"], 15);
  for (const char* field :
       {"by_status", "by_processing_status", "by_conversation_state",
        "average_score", "highest_score", "lowest_score"}) {
    EXPECT_TRUE(stats.contains(field)) << field;
  }
}

TEST_F(ApiTest, PatchDeleteAndReprocess) {
  const json created =
      Post("/api/v1/messages?wait=true", {{"text", kRemoteGo}}, 201);
  const std::string path =
      "/api/v1/opportunities/" +
      std::to_string(created["opportunity_id"].get<int64_t>());
  auto patched = client_->Patch(
      path,
      R"({"status": "interested", "notes": "call Friday", "tier": "LOW"})",
      "application/json");
  ASSERT_TRUE(patched);
  ASSERT_EQ(patched->status, 200) << patched->body;
  const json p = json::parse(patched->body);
  EXPECT_EQ(p["status"], "interested");
  EXPECT_EQ(p["notes"], "call Friday");
  EXPECT_EQ(p["tier"], "LOW");
  EXPECT_EQ(Get(path)["tier"], "LOW");  // The cache saw the write.

  EXPECT_EQ(Post(path + "/reprocess?wait=true", json::object(), 200)["tier"],
            "LOW");

  // A pending reply blocks deletion unless forced.
  auto blocked = client_->Delete(path);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 409);
  EXPECT_EQ(blocked->get_header_value("Content-Type"),
            "application/problem+json");
  auto forced = client_->Delete(path + "?force=true");
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, 204);
  Get(path, 404);
}

TEST_F(ApiTest, RepliesCanBeApprovedEditedAndDeclined) {
  const json a = Post("/api/v1/messages?wait=true", {{"text", kRemoteGo}}, 201);
  const std::string id = std::to_string(a["opportunity_id"].get<int64_t>());
  const json pending = Get("/api/v1/responses/" + id);
  EXPECT_EQ(pending["status"], "pending");
  EXPECT_EQ(Get("/api/v1/responses?status=pending")["items"].size(), 1u);

  const json edited = Post("/api/v1/responses/" + id + "/edit",
                           {{"text", "Hi! Happy to talk."}}, 200);
  EXPECT_EQ(edited["status"], "pending");
  const json approved =
      Post("/api/v1/responses/" + id + "/approve", json::object(), 200);
  EXPECT_EQ(approved["status"], "approved");
  EXPECT_EQ(approved["final_response"], "Hi! Happy to talk.");
  Post("/api/v1/responses/" + id + "/decline", json::object(), 409);

  const json b =
      Post("/api/v1/messages?wait=true", {{"text", kOnsiteJava}}, 201);
  const std::string id2 = std::to_string(b["opportunity_id"].get<int64_t>());
  EXPECT_EQ(Post("/api/v1/responses/" + id2 + "/decline", json::object(),
                 200)["status"],
            "declined");
  Post("/api/v1/responses/999999/approve", json::object(), 404);
}

TEST_F(ApiTest, ProfileIsValidatedSavedAndUsedForRescore) {
  const json before = Get("/api/v1/profile");
  EXPECT_EQ(before["name"], "Ana Lima");
  const json created =
      Post("/api/v1/messages?wait=true", {{"text", kOnsiteJava}}, 201);
  const int old_score = created["opportunity"]["total_score"];

  json profile = before;
  profile["preferred_remote_policy"] = "Onsite";
  profile["preferred_technologies"] = {"Java"};
  profile["current_seniority"] = "Junior";
  profile["minimum_salary_usd"] = 60000;
  profile["ideal_salary_usd"] = 70000;
  auto put =
      client_->Put("/api/v1/profile", profile.dump(), "application/json");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;

  const json rescored =
      Post("/api/v1/opportunities/rescore?wait=true", json::object(), 200);
  EXPECT_EQ(rescored["rescored"], 1);
  const json after =
      Get("/api/v1/opportunities/" +
          std::to_string(created["opportunity_id"].get<int64_t>()));
  EXPECT_GT(after["total_score"].get<int>(), old_score);

  json bad = before;
  bad["minimum_salary_usd"] = "lots";
  auto refused =
      client_->Put("/api/v1/profile", bad.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  EXPECT_NE(refused->body.find("minimum_salary_usd"), std::string::npos);
  // The file on disk was replaced atomically and still loads.
  std::ifstream file(dir_ / "profile.yaml");
  std::string text((std::istreambuf_iterator<char>(file)), {});
  EXPECT_NE(text.find("Onsite"), std::string::npos);
}

TEST_F(ApiTest, BadInputIsProblemJson) {
  struct Case {
    std::string method, path, body;
    int status;
  } cases[] = {
      {"POST", "/api/v1/messages", "{not json", 422},
      {"POST", "/api/v1/messages", "[]", 422},
      {"POST", "/api/v1/messages", R"({"text": ""})", 422},
      {"POST", "/api/v1/messages", R"({"text": 5})", 422},
      {"POST", "/api/v1/messages?wait=true",
       R"({"text": "x", "thread": [{"from": "martian", "text": "y"}]})", 422},
      {"POST", "/api/v1/opportunities", R"({"recruiter_name": "x"})", 422},
      {"GET", "/api/v1/opportunities?tier=GREAT", "", 422},
      {"GET", "/api/v1/opportunities?limit=0", "", 422},
      {"GET", "/api/v1/opportunities?sort_by=salaryy", "", 422},
      {"GET", "/api/v1/opportunities?colour=red", "", 400},
      {"GET", "/api/v1/opportunities/abc", "", 422},
      {"GET", "/api/v1/opportunities/12345", "", 404},
      {"GET", "/api/v1/nothing-here", "", 404},
      {"PUT", "/api/v1/opportunities", "{}", 405},
  };
  for (const Case& c : cases) {
    httplib::Result r = c.method == "GET" ? client_->Get(c.path)
                        : c.method == "PUT"
                            ? client_->Put(c.path, c.body, "application/json")
                            : client_->Post(c.path, c.body, "application/json");
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status)
        << c.method << " " << c.path << " " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json")
        << c.path;
    const json problem = json::parse(r->body);
    EXPECT_EQ(problem["status"], c.status);
    EXPECT_TRUE(problem.contains("title"));
  }
  // A body over the 1 MiB limit.
  auto huge = client_->Post("/api/v1/messages?wait=true",
                            R"({"text": ")" + std::string(2 << 20, 'a') + "\"}",
                            "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
}

json ImportBody(httplib::Client& client, const std::string& body,
                int expected) {
  auto r = client.Post("/api/v1/imports?wait=true", body, "application/zip");
  EXPECT_TRUE(r);
  if (!r) return {};
  EXPECT_EQ(r->status, expected) << r->body.substr(0, 500);
  return json::parse(r->body);
}

int64_t CountOpportunities(httplib::Client& client) {
  auto r = client.Get("/api/v1/opportunities/stats");
  return r && r->status == 200
             ? json::parse(r->body)["total_count"].get<int64_t>()
             : -1;
}

TEST_F(ApiTest, ImportsAnExportOnceAndThenOnlyWhatIsNew) {
  lia::ingest::testing::GeneratorOptions options;  // 5,000 messages, 800
  lia::ingest::testing::ExportManifest manifest;   // conversations, quirks.
  const std::string csv =
      lia::ingest::testing::GenerateLinkedInExport(options, &manifest);
  absl::StatusOr<std::string> zip = lia::ingest::testing::MakeZip(
      {{"Basic_LinkedInDataExport_11-28-2026/messages.csv", csv},
       {"Basic_LinkedInDataExport_11-28-2026/Profile.csv",
        "First Name\nAna\n"}});
  ASSERT_TRUE(zip.ok());

  const json first = ImportBody(*client_, *zip, 201);
  EXPECT_EQ(first["analysed"], manifest.messages.size());
  EXPECT_EQ(first["conversations"], manifest.conversations);
  EXPECT_EQ(first["skipped_drafts"], manifest.skipped_drafts);
  EXPECT_EQ(first["skipped_sponsored"], manifest.skipped_sponsored);
  EXPECT_EQ(first["errors"].size(), manifest.errors.size());
  EXPECT_EQ(CountOpportunities(*client_),
            static_cast<int64_t>(manifest.messages.size()));

  const json again = ImportBody(*client_, *zip, 201);
  EXPECT_EQ(again["analysed"], 0);
  EXPECT_EQ(again["duplicates"], manifest.messages.size());

  options.later_messages = 60;
  lia::ingest::testing::ExportManifest later_manifest;
  const std::string later =
      lia::ingest::testing::GenerateLinkedInExport(options, &later_manifest);
  const json third = ImportBody(*client_, later, 201);
  EXPECT_GT(third["analysed"].get<int64_t>(), 0);
  EXPECT_EQ(
      third["analysed"].get<int64_t>() + third["duplicates"].get<int64_t>(),
      static_cast<int64_t>(later_manifest.messages.size()));
  EXPECT_EQ(CountOpportunities(*client_),
            static_cast<int64_t>(manifest.messages.size()) +
                third["analysed"].get<int64_t>());
}

TEST_F(ApiTest, KillDuringImportLeavesAConsistentDatabase) {
  lia::ingest::testing::GeneratorOptions options;
  // Several batches of 1,000, so the kill lands between two of them.
  options.conversations = 3200;
  options.messages = 16000;
  lia::ingest::testing::ExportManifest manifest;
  const std::string csv =
      lia::ingest::testing::GenerateLinkedInExport(options, &manifest);
  std::thread importer([&] {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(60, 0);
    client.Post("/api/v1/imports?wait=true", csv,
                "text/csv");  // Killed mid-way.
  });
  // Kill as soon as the first batch is visible: the import is under way.
  for (int i = 0; i < 6000 && CountOpportunities(*client_) <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server_->Kill();
  importer.join();

  // The file is a sound database after the crash.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "lia.db").c_str(), &db), SQLITE_OK);
  std::string integrity;
  sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0];
        return 0;
      },
      &integrity, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(integrity, "ok");

  // Restarted, it serves; every opportunity it has is whole, and importing
  // again completes the work exactly once.
  server_ = std::make_unique<LiaServer>(dir_);
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(60, 0);
  const int64_t before = CountOpportunities(*client_);
  EXPECT_GE(before, 0);
  EXPECT_LT(before, static_cast<int64_t>(manifest.messages.size()));
  const json page = Get("/api/v1/opportunities?limit=500");
  for (const json& o : page["items"]) {
    EXPECT_TRUE(o["raw_message"].is_string());
    EXPECT_EQ(o["processing_status"], "completed");
  }
  const json resumed = ImportBody(*client_, csv, 201);
  EXPECT_EQ(
      resumed["analysed"].get<int64_t>() + resumed["duplicates"].get<int64_t>(),
      static_cast<int64_t>(manifest.messages.size()));
  EXPECT_EQ(CountOpportunities(*client_),
            static_cast<int64_t>(manifest.messages.size()));
}

TEST(ApiAuthTest, BeyondLoopbackEveryApiCallNeedsAToken) {
  const fs::path dir =
      fs::temp_directory_path() / ("lia_api_auth_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string env = "LIA_API_TOKEN=s3cret-token";
  LiaServer server(dir, {"LIA_LISTEN=0.0.0.0:0", env});
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  auto open = client.Get("/health");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);
  auto denied = client.Get("/api/v1/opportunities");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->get_header_value("Content-Type"),
            "application/problem+json");
  auto wrong =
      client.Get("/api/v1/opportunities", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto allowed = client.Get("/api/v1/opportunities",
                            {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  server.Kill();
  fs::remove_all(dir);
}

TEST_F(ApiTest, SigtermStopsGracefully) {
  Post("/api/v1/messages?wait=true", {{"text", kRemoteGo}}, 201);
  EXPECT_EQ(server_->Stop(), 0);
}

TEST_F(ApiTest, EveryResponseIsOneJsonLogLine) {
  httplib::Headers id = {{"X-Request-Id", "trace-me-42"}};
  auto r = client_->Get("/api/v1/opportunities/7?secret=hunter2", id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);  // Unknown parameter.
  Get("/api/v1/opportunities?limit=5");
  server_->Stop();
  std::ifstream log(dir_ / "serve.log");
  std::string line;
  int requests = 0;
  bool found = false;
  while (std::getline(log, line)) {
    const json j = json::parse(line);  // Every line is one JSON object.
    EXPECT_TRUE(j.contains("time") && j.contains("level")) << line;
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
    if (j["message"] != "request") continue;
    ++requests;
    if (j.value("request_id", "") == "trace-me-42") {
      found = true;
      EXPECT_EQ(j["route"], "/api/v1/opportunities/{id}");
      EXPECT_EQ(j["path"], "/api/v1/opportunities/7");
      EXPECT_EQ(j["status"], 400);
      EXPECT_GE(j["duration_ms"].get<double>(), 0);
    }
  }
  EXPECT_EQ(requests, 2);
  EXPECT_TRUE(found);
}

TEST(ApiTraceTest, RequestsAreSpansOfTheCallersTraceSentOverOtlp) {
  // A stand-in OTLP/HTTP collector.
  std::mutex mu;
  std::vector<json> bodies;
  httplib::Server collector;
  collector.Post("/v1/traces",
                 [&](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard<std::mutex> lock(mu);
                   bodies.push_back(json::parse(req.body));
                   res.set_content("{}", "application/json");
                 });
  const int port = collector.bind_to_any_port("127.0.0.1");
  std::thread collector_thread([&] { collector.listen_after_bind(); });

  const fs::path dir =
      fs::temp_directory_path() / ("lia_api_trace_" + std::to_string(getpid()));
  fs::create_directories(dir);
  LiaServer server(
      dir, {"LIA_OTLP_ENDPOINT=http://127.0.0.1:" + std::to_string(port)});
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  auto r =
      client.Get("/api/v1/opportunities/7",
                 {{"traceparent",
                   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  // A message queued under another trace: its job's span links to it.
  auto posted =
      client.Post("/api/v1/messages",
                  {{"traceparent",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}},
                  json({{"text", kRemoteGo}}).dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202);
  const std::string job_path =
      "/api/v1/jobs/" + json::parse(posted->body)["job_id"].dump();
  for (int i = 0; i < 3000; ++i) {
    auto job = client.Get(job_path);
    if (job && json::parse(job->body)["state"] == "succeeded") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.Stop(), 0);  // Shutdown flushes the queued spans.
  collector.stop();
  collector_thread.join();

  std::lock_guard<std::mutex> lock(mu);
  json span;
  for (const json& body : bodies) {
    for (const json& s : body["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
      if (s["name"] == "GET /api/v1/opportunities/{id}") span = s;
    }
  }
  ASSERT_TRUE(span.is_object()) << json(bodies).dump();
  json post_span, job_span;
  for (const json& body : bodies) {
    for (const json& s : body["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
      if (s["name"] == "POST /api/v1/messages") post_span = s;
      if (s["name"] == "job process_message") job_span = s;
    }
  }
  ASSERT_TRUE(post_span.is_object() && job_span.is_object())
      << json(bodies).dump();
  EXPECT_EQ(post_span["traceId"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(job_span["kind"], 5);  // Consumer.
  ASSERT_EQ(job_span["links"].size(), 1u) << job_span.dump();
  EXPECT_EQ(job_span["links"][0]["traceId"], post_span["traceId"]);
  EXPECT_EQ(job_span["links"][0]["spanId"], post_span["spanId"]);
  EXPECT_EQ(span["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(span["kind"], 2);
  bool status = false;
  for (const json& a : span["attributes"]) {
    status |= a["key"] == "http.response.status_code" &&
              a["value"]["intValue"] == "404";
  }
  EXPECT_TRUE(status) << span.dump();
  // The access log line carries the same trace.
  std::ifstream log(dir / "serve.log");
  std::string line;
  bool logged = false;
  while (std::getline(log, line)) {
    const json j = json::parse(line);
    if (j["message"] == "request" &&
        j.value("trace_id", "") == "4bf92f3577b34da6a3ce929d0e0e4736") {
      logged = true;
    }
  }
  fs::remove_all(dir);
  EXPECT_TRUE(logged);
}

}  // namespace
