// Background jobs as a client and an operator see them: real `lia serve`
// and `lia worker` processes on a temporary SQLite file — 202 answers,
// the jobs API, the schedules, live events, SIGTERM, and kill -9 while
// workers run.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ingest/testing/export_generator.h"
#include "lia_server.h"
#include "sqlite3.h"
#include "sqlite_query.h"

namespace {

namespace fs = std::filesystem;
using lia::testing::LiaServer;
using lia::testing::QueryInt;
using lia::testing::WaitFor;
using nlohmann::json;

// A recruiter message unlike every other one of the run.
std::string Message(int i) {
  return "Hi Ana, company" + std::to_string(i) +
         " is hiring a Senior Go Engineer (Go, Kubernetes, AWS). Fully "
         "remote, $180k-$200k. Interested? Ref " +
         std::to_string(i * 7919);
}

class JobsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_jobs_e2e_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "profile.yaml")
        << "name: Ana Lima\npreferred_technologies: [Go, Kubernetes, AWS]\n"
           "current_seniority: Senior\nminimum_salary_usd: 120000\n"
           "ideal_salary_usd: 170000\npreferred_remote_policy: Remote\n";
    // Short leases so a killed worker's jobs come back within the test.
    std::ofstream(dir_ / "lia.toml") << "[jobs]\nlease_seconds = 5\n"
                                        "poll_ms = 50\n";
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  void Start(int workers) {
    server_ = std::make_unique<LiaServer>(
        dir_,
        std::vector<std::string>{"LIA_WORKERS=" + std::to_string(workers),
                                 "LIA_CONFIG=" + (dir_ / "lia.toml").string()});
    ASSERT_GT(server_->port(), 0) << server_->first_line();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
  }

  httplib::Result Send(const std::string& method, const std::string& path,
                       const json& body = nullptr) {
    if (method == "GET") return client_->Get(path);
    return client_->Post(path, body.is_null() ? "" : body.dump(),
                         "application/json");
  }
  json Call(const std::string& method, const std::string& path, int expected,
            const json& body = nullptr) {
    httplib::Result r = Send(method, path, body);
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected) << method << " " << path << " " << r->body;
    return r->body.empty() ? json() : json::parse(r->body);
  }
  std::string JobState(int64_t id) {
    httplib::Result r = client_->Get("/api/v1/jobs/" + std::to_string(id));
    return r && r->status == 200 ? json::parse(r->body)["state"] : "";
  }
  int64_t Opportunities() {
    httplib::Result r = client_->Get("/api/v1/opportunities/stats");
    return r && r->status == 200
               ? json::parse(r->body)["total_count"].get<int64_t>()
               : -1;
  }
  fs::path db() const { return dir_ / "lia.db"; }

  fs::path dir_;
  std::unique_ptr<LiaServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(JobsE2eTest, PostedMessageIsAcceptedThenAnalysedByAWorker) {
  Start(2);
  httplib::Result r = Send("POST", "/api/v1/messages", {{"text", Message(1)}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const json accepted = json::parse(r->body);
  const int64_t job_id = accepted["job_id"];
  EXPECT_EQ(r->get_header_value("Location"),
            "/api/v1/jobs/" + std::to_string(job_id));
  EXPECT_EQ(accepted["duplicate"], false);
  EXPECT_TRUE(accepted["opportunity_id"].is_null());

  ASSERT_TRUE(WaitFor([&] { return JobState(job_id) == "succeeded"; }));
  const json job = Call("GET", "/api/v1/jobs/" + std::to_string(job_id), 200);
  EXPECT_EQ(job["type"], "process_message");
  EXPECT_EQ(job["payload"]["message_id"], accepted["message_id"]);
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["idempotency_key"],
            "process_message:" + accepted["message_id"].dump());
  const json page = Call("GET", "/api/v1/opportunities", 200);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["tier"], "HIGH_PRIORITY");

  // Posting it again: a duplicate with its opportunity, no new job.
  const json again =
      Call("POST", "/api/v1/messages", 200, {{"text", Message(1)}});
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_EQ(again["opportunity_id"], page["items"][0]["id"]);
  EXPECT_TRUE(again["job_id"].is_null());

  const json listed =
      Call("GET", "/api/v1/jobs?state=succeeded&type=process_message", 200);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["id"], job_id);
}

TEST_F(JobsE2eTest, QueuedJobsCanBeCancelledAndRetried) {
  Start(0);  // No workers: jobs stay queued.
  const json batch =
      Call("POST", "/api/v1/messages", 202,
           {{"messages", {{{"text", Message(1)}}, {{"text", Message(2)}}}}});
  EXPECT_EQ(batch["accepted"], 2);
  EXPECT_EQ(batch["jobs"], 2);
  const int64_t first = batch["items"][0]["job_id"];
  const std::string path = "/api/v1/jobs/" + std::to_string(first);

  EXPECT_EQ(Call("POST", path + "/cancel", 200)["state"], "cancelled");
  EXPECT_EQ(Call("POST", path + "/cancel", 200)["state"], "cancelled");
  const json retried = Call("POST", path + "/retry", 200);
  EXPECT_EQ(retried["state"], "queued");
  EXPECT_EQ(retried["attempts"], 0);
  EXPECT_EQ(Call("POST", path + "/retry", 409)["status"], 409);

  EXPECT_EQ(Call("GET", "/api/v1/jobs?state=queued", 200)["items"].size(), 2u);
  Call("GET", "/api/v1/jobs/999999", 404);
  Call("GET", "/api/v1/jobs/abc", 422);
  Call("GET", "/api/v1/jobs?state=sleeping", 400);
  Call("GET", "/api/v1/jobs?limit=0", 400);
  Call("GET", "/api/v1/jobs?colour=red", 400);
  Call("POST", "/api/v1/messages?wait=maybe", 400, {{"text", Message(3)}});
  EXPECT_EQ(Opportunities(), 0);  // A GET never starts work.

  // Reprocess and rescore are jobs too; a second rescore while one is
  // queued is the same job.
  const json sync =
      Call("POST", "/api/v1/messages?wait=true", 201, {{"text", Message(4)}});
  const std::string opp =
      "/api/v1/opportunities/" + sync["opportunity_id"].dump();
  httplib::Result reprocess = Send("POST", opp + "/reprocess");
  ASSERT_TRUE(reprocess);
  EXPECT_EQ(reprocess->status, 202);
  EXPECT_EQ(json::parse(reprocess->body)["type"], "reprocess_opportunity");
  EXPECT_EQ(json::parse(reprocess->body)["priority"], "high");
  const json rescore = Call("POST", "/api/v1/opportunities/rescore", 202);
  EXPECT_EQ(Call("POST", "/api/v1/opportunities/rescore", 202)["id"],
            rescore["id"]);
  Call("POST", "/api/v1/opportunities/424242/reprocess", 404);
}

TEST_F(JobsE2eTest, SchedulesAreListedWithTheirNextRun) {
  Start(0);
  const json schedules = Call("GET", "/api/v1/schedules", 200);
  std::set<std::string> names;
  for (const json& s : schedules["items"]) {
    names.insert(s["name"]);
    EXPECT_TRUE(s["next_run_at"].is_string()) << s.dump();
    EXPECT_TRUE(s["last_run_at"].is_null()) << s.dump();
  }
  EXPECT_EQ(names, (std::set<std::string>{"cleanup", "daily_digest"}));
  for (const json& s : schedules["items"]) {
    EXPECT_EQ(s["cron"],
              s["name"] == "daily_digest" ? "0 9 * * *" : "0 2 * * *");
  }
  EXPECT_EQ(Call("GET", "/api/v1/digests/latest", 404)["status"], 404);
}

TEST_F(JobsE2eTest, ImportIsAcceptedAndProcessedInTheBackground) {
  lia::ingest::testing::GeneratorOptions options;
  options.conversations = 120;
  options.messages = 600;
  options.sponsored_conversations = 4;
  options.owner_only_conversations = 4;
  lia::ingest::testing::ExportManifest manifest;
  const std::string csv =
      lia::ingest::testing::GenerateLinkedInExport(options, &manifest);
  Start(2);
  httplib::Result r = client_->Post("/api/v1/imports", csv, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  const json accepted = json::parse(r->body);
  const std::string import_path =
      "/api/v1/imports/" + accepted["import_id"].dump();
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result s = client_->Get(import_path);
    return s && s->status == 200 && json::parse(s->body)["state"] == "done";
  }));
  const json done = Call("GET", import_path, 200);
  EXPECT_EQ(done["summary"]["queued"], manifest.messages.size());
  EXPECT_EQ(done["summary"]["conversations"], manifest.conversations);
  const int64_t expected = static_cast<int64_t>(manifest.messages.size());
  ASSERT_TRUE(WaitFor([&] { return Opportunities() == expected; }))
      << Opportunities() << " of " << expected;
  EXPECT_EQ(JobState(accepted["job_id"]), "succeeded");

  // The same export again: every message a duplicate, no job.
  httplib::Result again = client_->Post("/api/v1/imports", csv, "text/csv");
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 202);
  const std::string again_path =
      "/api/v1/imports/" + json::parse(again->body)["import_id"].dump();
  ASSERT_TRUE(WaitFor([&] {
    httplib::Result s = client_->Get(again_path);
    return s && s->status == 200 && json::parse(s->body)["state"] == "done";
  }));
  const json second = Call("GET", again_path, 200);
  EXPECT_EQ(second["summary"]["queued"], 0);
  EXPECT_EQ(second["summary"]["duplicates"], manifest.messages.size());
  EXPECT_EQ(Opportunities(), expected);

  // Garbage is accepted (it is stored first) and then fails, not retried.
  httplib::Result junk =
      client_->Post("/api/v1/imports", "PK\x03\x04 not a zip", "text/csv");
  ASSERT_TRUE(junk);
  ASSERT_EQ(junk->status, 202);
  const int64_t junk_job = json::parse(junk->body)["job_id"];
  ASSERT_TRUE(WaitFor([&] { return JobState(junk_job) == "failed"; }));
  const json failed =
      Call("GET", "/api/v1/jobs/" + std::to_string(junk_job), 200);
  EXPECT_EQ(failed["attempts"], 1);
  EXPECT_TRUE(failed["last_error"].is_string());
}

// The crash test: 2,000 messages queued, kill -9 while workers run,
// restart: exactly one opportunity per message, none lost, none running.
TEST_F(JobsE2eTest, KillDuringProcessingLosesAndDuplicatesNothing) {
  constexpr int kMessages = 2000;
  Start(2);
  for (int first = 0; first < kMessages; first += 1000) {
    json messages = json::array();
    for (int i = first; i < first + 1000; ++i) {
      messages.push_back(
          {{"text", Message(i)}, {"source_id", "m" + std::to_string(i)}});
    }
    const json accepted =
        Call("POST", "/api/v1/messages", 202, {{"messages", messages}});
    ASSERT_EQ(accepted["jobs"], 1000);
  }
  // Kill while the workers are part-way through.
  ASSERT_TRUE(WaitFor([&] { return Opportunities() >= 100; }));
  server_->Kill();
  const int64_t at_kill = QueryInt(db(), "SELECT count(*) FROM opportunities");
  EXPECT_LT(at_kill, kMessages) << "the kill came too late to test anything";

  Start(2);
  ASSERT_TRUE(WaitFor(
      [&] {
        return QueryInt(db(),
                        "SELECT count(*) FROM jobs WHERE state IN "
                        "('queued', 'running')") == 0;
      },
      120));
  EXPECT_EQ(QueryInt(db(), "SELECT count(*) FROM messages"), kMessages);
  EXPECT_EQ(QueryInt(db(), "SELECT count(*) FROM opportunities"), kMessages);
  EXPECT_EQ(QueryInt(db(),
                     "SELECT count(DISTINCT message_id) FROM "
                     "opportunities"),
            kMessages);
  EXPECT_EQ(QueryInt(db(), "SELECT count(*) FROM responses"),
            QueryInt(db(),
                     "SELECT count(DISTINCT opportunity_id) FROM "
                     "responses"));
  EXPECT_EQ(QueryInt(db(),
                     "SELECT count(*) FROM jobs WHERE state = "
                     "'succeeded' AND type = 'process_message'"),
            kMessages);
  EXPECT_EQ(QueryInt(db(),
                     "SELECT count(*) FROM jobs WHERE state <> "
                     "'succeeded'"),
            0);
  EXPECT_EQ(Opportunities(), kMessages);
}

TEST_F(JobsE2eTest, SigtermFinishesTheJobsInFlight) {
  Start(2);
  json messages = json::array();
  for (int i = 0; i < 300; ++i) messages.push_back({{"text", Message(i)}});
  Call("POST", "/api/v1/messages", 202, {{"messages", messages}});
  ASSERT_TRUE(WaitFor([&] { return Opportunities() > 0; }));
  EXPECT_EQ(server_->Stop(), 0);
  EXPECT_EQ(QueryInt(db(),
                     "SELECT count(*) FROM jobs WHERE state = "
                     "'running'"),
            0);
  // Every succeeded job has its opportunity; the rest wait, queued.
  EXPECT_EQ(QueryInt(db(),
                     "SELECT count(*) FROM jobs WHERE state = "
                     "'succeeded'"),
            QueryInt(db(), "SELECT count(*) FROM opportunities"));
}

TEST_F(JobsE2eTest, AWorkerProcessDoesTheWorkOfAServerWithoutWorkers) {
  Start(0);
  // Events from the worker process reach this server's stream.
  std::mutex mu;
  std::string stream;
  httplib::Client events("127.0.0.1", server_->port());
  events.set_read_timeout(30, 0);
  std::thread listener([&] {
    events.Get("/api/v1/events?types=opportunity.created",
               [&](const char* data, size_t n) {
                 std::lock_guard<std::mutex> lock(mu);
                 stream.append(data, n);
                 return true;
               });
  });
  auto received = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    return stream.find(what) != std::string::npos;
  };
  // The stream is open once its first line ("retry: ...") arrived.
  ASSERT_TRUE(WaitFor([&] { return received("retry:"); }, 10));
  Call("POST", "/api/v1/messages", 202, {{"text", Message(7)}});
  LiaServer worker(
      dir_, {"LIA_WORKERS=1", "LIA_CONFIG=" + (dir_ / "lia.toml").string()},
      "worker");
  EXPECT_NE(worker.first_line().find("lia worker: 1 workers"),
            std::string::npos)
      << worker.first_line();
  EXPECT_TRUE(WaitFor([&] { return Opportunities() == 1; }));
  EXPECT_TRUE(
      WaitFor([&] { return received("event: opportunity.created"); }, 10));
  EXPECT_EQ(worker.Stop(), 0);
  events.stop();
  listener.join();
  EXPECT_TRUE(received("\"message_id\":1")) << stream;
}

TEST_F(JobsE2eTest, EventsStreamInOrderAndResumeAfterLastEventId) {
  Start(2);
  // Read until `count` events have arrived; returns (id, type) pairs.
  auto read_events = [&](const std::string& last_id, size_t count) {
    std::vector<std::pair<int64_t, std::string>> events;
    std::string buffer;
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    httplib::Headers headers;
    if (!last_id.empty()) headers.emplace("Last-Event-ID", last_id);
    c.Get("/api/v1/events?types=message.received,opportunity.created", headers,
          [&](const char* data, size_t n) {
            buffer.append(data, n);
            size_t end;
            while ((end = buffer.find("\n\n")) != std::string::npos) {
              const std::string block = buffer.substr(0, end);
              buffer.erase(0, end + 2);
              const size_t id = block.find("id: ");
              const size_t type = block.find("event: ");
              if (id == std::string::npos || type == std::string::npos) {
                continue;
              }
              events.emplace_back(
                  std::stoll(block.substr(id + 4)),
                  block.substr(type + 7, block.find('\n', type) - (type + 7)));
            }
            return events.size() < count;
          });
    return events;
  };
  // From the start of the log (id 0): 3 messages -> 6 events.
  for (int i = 0; i < 3; ++i) {
    Call("POST", "/api/v1/messages", 202, {{"text", Message(i)}});
  }
  ASSERT_TRUE(WaitFor([&] { return Opportunities() == 3; }));
  const auto all = read_events("0", 6);
  ASSERT_EQ(all.size(), 6u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].first, all[i].first);  // Ids grow.
  }
  int received = 0, created = 0;
  for (const auto& [id, type] : all) {
    received += type == "message.received";
    created += type == "opportunity.created";
  }
  EXPECT_EQ(received, 3);
  EXPECT_EQ(created, 3);
  // Resuming after the second event gives exactly the four after it.
  const auto rest = read_events(std::to_string(all[1].first), 4);
  ASSERT_EQ(rest.size(), 4u);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i], all[i + 2]);
  // A restart keeps the ids: resuming still works.
  server_->Stop();
  Start(2);
  const auto after_restart = read_events(std::to_string(all[3].first), 2);
  ASSERT_EQ(after_restart.size(), 2u);
  EXPECT_EQ(after_restart[0], all[4]);
  EXPECT_EQ(after_restart[1], all[5]);
  Call("GET", "/api/v1/events?last_event_id=abc", 400);
}

}  // namespace
