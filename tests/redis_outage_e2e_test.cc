// A Redis outage under a running `lia serve` (issue "Scale-out"): Redis is
// killed mid-run and started again; no request fails, no read is stale after
// a write, and the cache is used again once Redis is back, by itself.

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "lia_server.h"
#include "redis_server.h"

namespace lia::testing {
namespace {

using nlohmann::json;

// The value of the first sample of `metric` with all of `labels` in a
// Prometheus text exposition; -1 when absent.
double Sample(const std::string& exposition, const std::string& metric,
              const std::vector<std::string>& labels) {
  size_t pos = 0;
  while ((pos = exposition.find(metric + "{", pos)) != std::string::npos) {
    const size_t end = exposition.find('\n', pos);
    const std::string line = exposition.substr(pos, end - pos);
    pos = end;
    bool all = true;
    for (const std::string& l : labels) {
      all = all && line.find(l) != std::string::npos;
    }
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v redis-server >/dev/null") != 0) {
      GTEST_SKIP() << "redis-server is not installed (scripts/install-deps)";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_redis_outage_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(RedisOutageTest, NoRequestFailsWhileRedisIsDownAndTheCacheRecovers) {
  RedisServer redis(dir_);
  ASSERT_TRUE(redis.Start()) << "see " << dir_ / "redis.log";
  LiaServer lia(dir_, {"LIA_CACHE_URL=" + redis.url(), "LIA_WORKERS=1"});
  ASSERT_GT(lia.port(), 0) << lia.first_line();

  httplib::Client client("127.0.0.1", lia.port());
  client.set_read_timeout(30, 0);
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    const std::string body = json{
        {"text",
         "Senior C++ engineer at Acme, remote, $200k. Ref " +
             std::to_string(i)}}.dump();
    httplib::Result r =
        client.Post("/api/v1/messages?wait=true", body, "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    ids.push_back(json::parse(r->body)["opportunity_id"].get<int64_t>());
  }

  std::atomic<bool> stop{false};
  std::atomic<int> requests{0};
  std::atomic<int> stale{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int64_t> slowest_ms{0};
  auto record = [&](const std::string& what, const httplib::Result& r,
                    int expected, std::chrono::steady_clock::time_point t0) {
    ++requests;
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0)
                           .count();
    if (ms > slowest_ms) slowest_ms = ms;
    if (!r || r->status != expected) {
      std::lock_guard<std::mutex> lock(mu);
      failures.push_back(what + ": " +
                         (r ? std::to_string(r->status) + " " + r->body
                            : std::string("no response")));
    }
  };
  std::thread load([&] {
    httplib::Client c("127.0.0.1", lia.port());
    c.set_read_timeout(30, 0);
    for (int n = 0; !stop; ++n) {
      const int64_t id = ids[n % ids.size()];
      const std::string path = "/api/v1/opportunities/" + std::to_string(id);
      auto t0 = std::chrono::steady_clock::now();
      record("list", c.Get("/api/v1/opportunities?limit=5"), 200, t0);
      t0 = std::chrono::steady_clock::now();
      record("get", c.Get(path), 200, t0);
      t0 = std::chrono::steady_clock::now();
      record("stats", c.Get("/api/v1/opportunities/stats"), 200, t0);
      // A write, then a read that must see it.
      const std::string notes = "note " + std::to_string(n);
      t0 = std::chrono::steady_clock::now();
      record("patch",
             c.Patch(path, json{{"notes", notes}}.dump(), "application/json"),
             200, t0);
      t0 = std::chrono::steady_clock::now();
      httplib::Result after = c.Get(path);
      record("get after patch", after, 200, t0);
      if (after && after->status == 200 &&
          json::parse(after->body)["notes"] != notes) {
        ++stale;
      }
      t0 = std::chrono::steady_clock::now();
      record("ready", c.Get("/ready"), 200, t0);
    }
  });

  auto hits = [&] {
    httplib::Result r = client.Get("/metrics");
    return r ? Sample(r->body, "cache_operations_total",
                      {"operation=\"get\"", "result=\"hit\""})
             : -1;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int before_outage = requests;
  redis.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const int during_outage = requests - before_outage;
  {
    httplib::Result ready = client.Get("/ready");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << "a dead cache does not make lia unready";
    EXPECT_EQ(json::parse(ready->body)["checks"]["cache"], "degraded");
  }
  const double hits_down = hits();
  ASSERT_TRUE(redis.Start());
  // Back by itself: gets hit the cache again.
  EXPECT_TRUE(WaitFor([&] { return hits() > hits_down; }, 20))
      << "no cache hit after Redis came back";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  load.join();

  EXPECT_GT(before_outage, 0);
  EXPECT_GT(during_outage, 0) << "nothing was requested during the outage";
  EXPECT_TRUE(failures.empty())
      << failures.size() << " failed, first: " << failures.front();
  EXPECT_EQ(stale.load(), 0) << "a read after a write returned old data";
  EXPECT_LT(slowest_ms.load(), 3000);
  httplib::Result ready = client.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(json::parse(ready->body)["checks"]["cache"], "ok");
  std::cerr << "redis outage: " << requests.load() << " requests ("
            << during_outage << " during the outage), 0 failed, slowest "
            << slowest_ms.load() << " ms\n";
}

}  // namespace
}  // namespace lia::testing
