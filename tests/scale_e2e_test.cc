// Scale-out end to end (issue "Scale-out"): two `lia serve` replicas without
// workers and three `lia worker` processes on one PostgreSQL and one Redis
// (scripts/with-services starts both under `make test`). 5,000 messages
// posted across both replicas become exactly 5,000 opportunities although
// one worker is killed with SIGKILL mid-run; a write through one replica is
// seen at once through the other, whose cache it invalidated.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "lia_server.h"

namespace lia::testing {
namespace {

using nlohmann::json;

std::optional<std::string> EnvVar(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string Message(int i) {
  // Varied enough that the pipeline does real work; distinct per i.
  static const char* const kCompanies[] = {"Acme", "Globex", "Initech",
                                           "Umbrella", "Hooli"};
  static const char* const kStacks[] = {"C++ and PostgreSQL", "Go and Kafka",
                                        "Rust and Redis", "Python and AWS"};
  return "Hi! I'm hiring a Senior Backend Engineer at " +
         std::string(kCompanies[i % 5]) + " to work with " +
         std::string(kStacks[i % 4]) + ". Fully remote, $" +
         std::to_string(150 + i % 60) + "k-$" + std::to_string(190 + i % 60) +
         "k. Interested? (ref " + std::to_string(i) + ")";
}

class ScaleE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_url_ = EnvVar("LIA_TEST_POSTGRES_URL");
    redis_url_ = EnvVar("LIA_TEST_REDIS_URL");
    if (!pg_url_ || !redis_url_) {
      GTEST_SKIP() << "LIA_TEST_POSTGRES_URL and LIA_TEST_REDIS_URL are not "
                      "set (make test sets them through scripts/with-services)";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_scale_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "lia.toml") << "[jobs]\nlease_seconds = 5\n"
                                        "poll_ms = 200\n";
    static int counter = 0;
    schema_ =
        "scale_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    // A Redis database of its own (FLUSHDB first): other suites use 0.
    database_url_ = *pg_url_ +
                    (pg_url_->find('?') == std::string::npos ? "?" : "&") +
                    "schema=" + schema_;
    cache_url_ = *redis_url_ + "/7";
    // Each test has a fresh schema, so ids start again at 1: entries another
    // test cached under them must go.
    ASSERT_EQ(
        std::system(
            ("redis-cli -u " + cache_url_ + " FLUSHDB >/dev/null").c_str()),
        0);
  }

  void TearDown() override {
    workers_.clear();
    replicas_.clear();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> Env(int workers) const {
    return {"LIA_DATABASE_URL=" + database_url_, "LIA_CACHE_URL=" + cache_url_,
            "LIA_WORKERS=" + std::to_string(workers),
            "LIA_CONFIG=" + (dir_ / "lia.toml").string()};
  }

  json Call(int port, const std::string& method, const std::string& path,
            int expected_status, const json& body = nullptr) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(60, 0);
    httplib::Result r =
        method == "GET" ? client.Get(path)
        : method == "PATCH"
            ? client.Patch(path, body.dump(), "application/json")
            : client.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return nullptr;
    EXPECT_EQ(r->status, expected_status)
        << method << " " << path << " " << r->body;
    return r->body.empty() ? json(nullptr)
                           : json::parse(r->body, nullptr, false);
  }

  int64_t Query(const std::string& sql) {
    pqxx::connection c(*pg_url_);
    pqxx::work tx(c);
    tx.exec("SET search_path TO " + schema_);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  std::optional<std::string> pg_url_;
  std::optional<std::string> redis_url_;
  std::filesystem::path dir_;
  std::string schema_;
  std::string database_url_;
  std::string cache_url_;
  std::vector<std::unique_ptr<LiaServer>> replicas_;
  std::vector<std::unique_ptr<LiaServer>> workers_;
};

TEST_F(ScaleE2eTest, TwoReplicasThreeWorkersKillOneLoseAndDuplicateNothing) {
  constexpr int kMessages = 5000;
  constexpr int kBatch = 500;
  std::filesystem::copy_file(
      std::filesystem::path(LIA_SOURCE_DIR) / "config/profile.example.yaml",
      dir_ / "profile.yaml");
  // The first replica migrates the empty schema; the rest find it current.
  for (int i = 0; i < 2; ++i) {
    replicas_.push_back(std::make_unique<LiaServer>(dir_, Env(0), "serve"));
    ASSERT_GT(replicas_.back()->port(), 0)
        << replicas_.back()->first_line() << " (see " << dir_ << "/serve.log)";
  }
  const int a = replicas_[0]->port();
  const int b = replicas_[1]->port();
  for (int i = 0; i < 3; ++i) {
    workers_.push_back(std::make_unique<LiaServer>(dir_, Env(2), "worker"));
    ASSERT_NE(workers_.back()->first_line().find("workers on"),
              std::string::npos)
        << workers_.back()->first_line();
  }

  const auto start = std::chrono::steady_clock::now();
  auto post = [&](int from, int to) {
    for (int first = from; first < to; first += kBatch) {
      json messages = json::array();
      for (int i = first; i < first + kBatch; ++i) {
        messages.push_back(
            {{"text", Message(i)}, {"source_id", "s" + std::to_string(i)}});
      }
      // Alternate replicas: each takes half of the batches.
      const json accepted =
          Call((first / kBatch) % 2 == 0 ? a : b, "POST", "/api/v1/messages",
               202, {{"messages", messages}});
      ASSERT_EQ(accepted["jobs"], kBatch);
    }
  };
  post(0, kMessages / 2);
  // Kill one worker part-way (its leased jobs come back when the 5 s leases
  // expire, and another worker finishes them), then post the rest.
  ASSERT_TRUE(WaitFor(
      [&] { return Query("SELECT count(*) FROM opportunities") >= 500; }));
  workers_[0]->Kill();
  const int64_t at_kill = Query("SELECT count(*) FROM opportunities");
  post(kMessages / 2, kMessages);
  // The kill came while work remained (the second half was not posted yet)
  // and the killed worker held leases: their jobs ran again (checked below).
  EXPECT_LT(at_kill, kMessages / 2);

  ASSERT_TRUE(WaitFor(
      [&] {
        return Query(
                   "SELECT count(*) FROM jobs WHERE state IN "
                   "('queued', 'running')") == 0;
      },
      300));
  EXPECT_EQ(Query("SELECT count(*) FROM messages"), kMessages);
  EXPECT_EQ(Query("SELECT count(*) FROM opportunities"), kMessages);
  EXPECT_EQ(Query("SELECT count(DISTINCT message_id) FROM opportunities"),
            kMessages);
  EXPECT_EQ(Query("SELECT count(*) FROM responses"),
            Query("SELECT count(DISTINCT opportunity_id) FROM responses"));
  EXPECT_EQ(Query("SELECT count(*) FROM jobs WHERE state = 'succeeded' AND "
                  "type = 'process_message'"),
            kMessages);
  EXPECT_EQ(Query("SELECT count(*) FROM jobs WHERE state <> 'succeeded'"), 0);
  const int64_t run_again =
      Query("SELECT count(*) FROM jobs WHERE attempts > 1");
  EXPECT_GT(run_again, 0) << "the killed worker held no lease";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cerr << "scale: " << kMessages << " messages through 2 replicas and 3 "
            << "workers in " << seconds << " s; one worker killed at "
            << at_kill << " opportunities; " << run_again
            << " jobs run again after the kill\n";
  // Both replicas answer from the shared database.
  for (int port : {a, b}) {
    const json page = Call(port, "GET", "/api/v1/opportunities?limit=1", 200);
    EXPECT_EQ(page["total"], kMessages) << port;
  }
}

TEST_F(ScaleE2eTest, AWriteThroughOneReplicaInvalidatesTheOthersCache) {
  std::filesystem::copy_file(
      std::filesystem::path(LIA_SOURCE_DIR) / "config/profile.example.yaml",
      dir_ / "profile.yaml");
  replicas_.push_back(std::make_unique<LiaServer>(dir_, Env(0), "serve"));
  replicas_.push_back(std::make_unique<LiaServer>(dir_, Env(0), "serve"));
  const int a = replicas_[0]->port();
  const int b = replicas_[1]->port();
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);

  const json created = Call(a, "POST", "/api/v1/messages?wait=true", 201,
                            {{"text", Message(1)}, {"source_id", "inv-1"}});
  const int64_t id = created["opportunity_id"].get<int64_t>();
  const std::string path = "/api/v1/opportunities/" + std::to_string(id);
  // Replica B reads twice: the second read is served from the cache.
  EXPECT_EQ(Call(b, "GET", path, 200)["status"], "new");
  EXPECT_EQ(Call(b, "GET", path, 200)["status"], "new");
  const json list_before =
      Call(b, "GET", "/api/v1/opportunities?status=new", 200);
  EXPECT_EQ(list_before["total"], 1);

  Call(a, "PATCH", path, 200, {{"status", "interested"}});
  // No wait: the version bump lives in the shared Redis.
  EXPECT_EQ(Call(b, "GET", path, 200)["status"], "interested");
  EXPECT_EQ(Call(b, "GET", "/api/v1/opportunities?status=new", 200)["total"],
            0);
  EXPECT_EQ(
      Call(b, "GET", "/api/v1/opportunities?status=interested", 200)["total"],
      1);
}

}  // namespace
}  // namespace lia::testing
