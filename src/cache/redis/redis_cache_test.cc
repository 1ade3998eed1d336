// NewRedisCache against a redis-server this test starts, kills (SIGKILL),
// pauses (SIGSTOP: a slow server, or a partition that keeps the data) and
// restarts on the same port: the cache never fails or stalls a caller, counts
// and reports the outage, recovers by itself, and never serves an entry an
// invalidation made during the outage should have hidden. Also the URL
// parsing of OpenCacheFromUrl and ParseRedisUrl.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cache/cache.h"

namespace lia::cache {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kDefaultTtl{0};

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// The first redis-server on PATH, or empty.
std::string FindRedisServer() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/usr/local/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view()
                                           : dirs.substr(colon + 1);
    std::string candidate = dir + "/redis-server";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A port nobody listens on right now (bind to 0, ask, close).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// True once something on 127.0.0.1:port answers a PING with a RESP reply
// (+PONG, or -NOAUTH when a password is required).
bool Answers(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    constexpr std::string_view kPing = "*1\r\n$4\r\nPING\r\n";
    char reply[64];
    ok = send(fd, kPing.data(), kPing.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(kPing.size()) &&
         recv(fd, reply, sizeof reply, 0) > 0 &&
         (reply[0] == '+' || reply[0] == '-');
  }
  close(fd);
  return ok;
}

// A redis-server child on a free port, without persistence, its files in a
// temporary directory. Killed with the test (and with this process: the
// child asks for SIGKILL when its parent dies).
class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> extra_args = {})
      : binary_(FindRedisServer()),
        port_(FreePort()),
        extra_args_(std::move(extra_args)) {
    char dir[] = "/tmp/lia-redis-test.XXXXXX";
    if (mkdtemp(dir) != nullptr) dir_ = dir;
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer() {
    Kill();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  static bool Available() { return !FindRedisServer().empty(); }

  // Starts the server (again, on the same port) and waits until it answers.
  bool Start() {
    if (binary_.empty() || port_ <= 0 || dir_.empty() || pid_ > 0) {
      return false;
    }
    std::vector<std::string> args = {
        binary_,  "--port",    std::to_string(port_), "--bind", "127.0.0.1",
        "--save", "",          "--appendonly",        "no",     "--dir",
        dir_,     "--logfile", dir_ + "/redis.log"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      // Async-signal-safe calls only, until exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      execv(argv[0], argv.data());
      _exit(127);
    }
    pid_ = pid;
    const auto start = Clock::now();
    while (Since(start) < milliseconds(10000)) {
      if (Answers(port_)) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  // SIGKILL: the process and its data are gone.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // SIGSTOP: the server accepts connections (the kernel does) but never
  // answers, and keeps its data: a slow server, or a partition.
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

  int port() const { return port_; }
  std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::string binary_;
  int port_;
  std::vector<std::string> extra_args_;
  std::string dir_;
  pid_t pid_ = -1;
};

// on_error's lines, kept for the test to read. Thread-safe.
class Reports {
 public:
  std::function<void(std::string_view)> Callback() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  int Count(std::string_view prefix) const {
    int n = 0;
    for (const std::string& line : lines()) {
      if (line.starts_with(prefix)) ++n;
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::Available()) {
      GTEST_SKIP() << "redis-server not on PATH (scripts/install-deps)";
    }
    ASSERT_TRUE(server_.Start()) << "redis-server did not start";
  }

  // Tight timeouts, so an outage is seen and left quickly.
  RedisCacheOptions Options() const {
    RedisCacheOptions o;
    o.port = server_.port();
    o.key_prefix = "t:";
    o.connect_timeout = milliseconds(200);
    o.command_timeout = milliseconds(100);
    o.retry_after = milliseconds(200);
    o.error_log_interval = milliseconds(500);
    return o;
  }

  // A cache to look at the server with, as another replica would.
  std::unique_ptr<Cache> Observer() const {
    RedisCacheOptions o = Options();
    o.command_timeout = milliseconds(2000);
    return NewRedisCache(o);
  }

  // Calls Get until it answers (the server is marked up again), at most
  // `limit`. Returns the first answer.
  static std::optional<std::string> FirstAnswer(Cache& cache,
                                                std::string_view key,
                                                milliseconds limit) {
    const auto start = Clock::now();
    while (Since(start) < limit) {
      if (std::optional<std::string> v = cache.Get(key)) return v;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return std::nullopt;
  }

  RedisServer server_;
};

TEST_F(RedisCacheTest, KilledServerMeansFastMissesThenRecoveryByItself) {
  Reports reports;
  RedisCacheOptions options = Options();
  options.on_error = reports.Callback();
  auto cache = NewRedisCache(options);
  cache->Set("k", "v", kDefaultTtl);
  ASSERT_EQ(cache->Get("k"), "v");

  server_.Kill();
  constexpr int kThreads = 4;
  constexpr milliseconds kOutage(1500);
  std::atomic<int64_t> worst_us{0};
  std::atomic<int64_t> calls{0};
  std::atomic<int> hits{0};
  const auto outage_start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "key" + std::to_string(t);
      while (Since(outage_start) < kOutage) {
        for (int op = 0; op < 4; ++op) {
          const auto call_start = Clock::now();
          switch (op) {
            case 0:
              if (cache->Get(key).has_value()) ++hits;
              break;
            case 1:
              cache->Set(key, "x", kDefaultTtl);
              break;
            case 2:
              cache->Delete(key);
              break;
            default:
              if (cache->Increment("n" + key) > 0) ++hits;
              break;
          }
          const int64_t us =
              std::chrono::duration_cast<std::chrono::microseconds>(
                  Clock::now() - call_start)
                  .count();
          int64_t prev = worst_us.load();
          while (us > prev && !worst_us.compare_exchange_weak(prev, us)) {
          }
          ++calls;
        }
        std::this_thread::sleep_for(milliseconds(1));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const milliseconds outage = Since(outage_start);

  const CacheStats during = cache->stats();
  std::cout << "outage: " << calls << " calls in " << outage.count()
            << " ms, worst call " << worst_us / 1000.0 << " ms, errors "
            << during.errors << ", bypassed " << during.bypassed << ", reports "
            << reports.lines().size() << "\n";
  EXPECT_EQ(hits, 0);  // Not a Get hit, not a real Increment.
  EXPECT_LT(worst_us, 1'000'000);
  EXPECT_GE(during.errors, 1);
  // One probe per retry_after fails; every other call skips the server.
  EXPECT_LE(during.errors, kThreads + outage / milliseconds(200) + 2);
  EXPECT_GE(during.bypassed, calls - during.errors);
  // Reported once per error_log_interval (500 ms), not per failure.
  const int down_reports = reports.Count("redis ");
  EXPECT_GE(down_reports, 1);
  EXPECT_LE(down_reports, outage / milliseconds(500) + 1);
  EXPECT_EQ(reports.Count("recovered"), 0);
  for (const std::string& line : reports.lines()) {
    EXPECT_NE(line.find(std::to_string(server_.port())), std::string::npos)
        << line;
  }

  ASSERT_TRUE(server_.Start());  // Same port, empty: the data died with it.
  const auto restart = Clock::now();
  std::optional<milliseconds> recovered_after;
  while (Since(restart) < milliseconds(5000)) {
    cache->Set("after", "restart", kDefaultTtl);
    if (cache->Get("after") == "restart") {
      recovered_after = Since(restart);
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(recovered_after.has_value()) << "no recovery within 5 s";
  std::cout << "recovered " << recovered_after->count()
            << " ms after the restart\n";
  EXPECT_LT(*recovered_after, milliseconds(3000));
  EXPECT_EQ(reports.Count("recovered"), 1);
  // Up again: calls reach the server.
  const int64_t bypassed = cache->stats().bypassed;
  EXPECT_EQ(cache->Increment("fresh"), 1);
  EXPECT_EQ(cache->stats().bypassed, bypassed);
}

TEST_F(RedisCacheTest, PausedServerBoundsEveryCallNearTheCommandTimeout) {
  auto cache = NewRedisCache(Options());
  cache->Set("k", "v", kDefaultTtl);
  ASSERT_EQ(cache->Get("k"), "v");

  server_.Pause();
  constexpr int kThreads = 4;
  constexpr milliseconds kSlow(1200);
  std::atomic<int64_t> worst_us{0};
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> waited{0};  // Calls that met the server's silence.
  std::atomic<int> answers{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (Since(start) < kSlow) {
        const auto call_start = Clock::now();
        if (cache->Get("k").has_value()) ++answers;
        const int64_t us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                  call_start)
                .count();
        if (us > 50'000) ++waited;
        int64_t prev = worst_us.load();
        while (us > prev && !worst_us.compare_exchange_weak(prev, us)) {
        }
        ++calls;
        std::this_thread::sleep_for(milliseconds(1));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const milliseconds slow = Since(start);
  std::cout << "paused: " << calls << " calls in " << slow.count()
            << " ms, worst call " << worst_us / 1000.0 << " ms, " << waited
            << " waited\n";
  EXPECT_EQ(answers, 0);
  // A call waits at most for a connection (100 ms) or a reply (100 ms),
  // plus a connect for a probe (the kernel accepts for the paused server).
  EXPECT_LT(worst_us, 600'000);
  // Only the calls in flight when it stalled, and one probe per
  // retry_after, wait; the rest skip the server.
  EXPECT_LE(waited, kThreads + slow / milliseconds(200) + 2);
  EXPECT_GT(calls, 10 * waited);

  server_.Resume();
  EXPECT_EQ(FirstAnswer(*cache, "k", milliseconds(3000)), "v");
}

// The point of replaying invalidations: readers use "item:v<ver>"; a write
// bumps "ver" while Redis cannot hear it; Redis comes back with the old
// version and the entry cached under it. That entry must not be served.
TEST_F(RedisCacheTest, BumpMadeDuringOutageIsReplayedBeforeAnyRead) {
  auto cache = NewRedisCache(Options());
  auto observer = Observer();
  const int64_t version = cache->Increment("ver");
  ASSERT_EQ(version, 1);
  cache->Set("item:v1", "old", kDefaultTtl);

  // SIGSTOP keeps the data, as a partition or a stall would.
  server_.Pause();
  EXPECT_EQ(cache->Get("item:v1"), std::nullopt);  // Times out: down.
  const int64_t during = cache->Increment("ver");  // Never sent: pending.
  EXPECT_LT(during, 0) << "a value no cached version can have";
  EXPECT_NE(cache->Increment("ver"), during) << "random, not a constant";
  server_.Resume();

  // The server still holds the old version and its entry: only the replay
  // stands between them and a reader.
  EXPECT_EQ(observer->Get("ver"), "1");
  EXPECT_EQ(observer->Get("item:v1"), "old");

  // The first answer after recovery already sees the bump (two bumps,
  // one per failed Increment on the key collapse into one).
  const std::optional<std::string> ver =
      FirstAnswer(*cache, "ver", milliseconds(3000));
  ASSERT_TRUE(ver.has_value()) << "no recovery within 3 s";
  EXPECT_EQ(*ver, "2");
  EXPECT_EQ(cache->Get("item:v" + *ver), std::nullopt);
  EXPECT_EQ(observer->Get("ver"), "2");
  EXPECT_EQ(cache->Increment("ver"), 3);
}

TEST_F(RedisCacheTest, DeleteMadeDuringOutageIsReplayed) {
  auto cache = NewRedisCache(Options());
  auto observer = Observer();
  cache->Set("k", "old", kDefaultTtl);
  server_.Pause();
  EXPECT_EQ(cache->Get("probe"), std::nullopt);  // Times out: down.
  cache->Delete("k");
  server_.Resume();
  EXPECT_EQ(observer->Get("k"), "old");  // Still there, until the replay.

  // Until the server is marked up, and after, "k" is never served.
  const auto start = Clock::now();
  while (Since(start) < milliseconds(3000)) {
    EXPECT_EQ(cache->Get("k"), std::nullopt);
    cache->Set("up", "1", kDefaultTtl);
    if (cache->Get("up").has_value()) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(cache->Get("up"), "1") << "no recovery within 3 s";
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_EQ(observer->Get("k"), std::nullopt);
}

TEST_F(RedisCacheTest, TooManyPendingInvalidationsClearThePrefixOnRecovery) {
  RedisCacheOptions options = Options();
  options.max_pending_invalidations = 2;
  auto cache = NewRedisCache(options);
  RedisCacheOptions other_options = Options();
  other_options.key_prefix = "other:";
  auto other = NewRedisCache(other_options);
  auto observer = Observer();
  cache->Set("a", "1", kDefaultTtl);
  EXPECT_EQ(cache->Increment("x"), 1);
  cache->Set("glob*[?]", "1", kDefaultTtl);
  other->Set("a", "kept", kDefaultTtl);

  server_.Pause();
  EXPECT_EQ(cache->Get("probe"), std::nullopt);
  cache->Delete("x");
  cache->Increment("y");
  cache->Increment("z");  // The third distinct key: too many to remember.
  server_.Resume();
  EXPECT_EQ(observer->Get("a"), "1");

  const auto start = Clock::now();
  while (Since(start) < milliseconds(3000)) {
    EXPECT_EQ(cache->Get("a"), std::nullopt);
    cache->Set("up", "1", kDefaultTtl);
    if (cache->Get("up").has_value()) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(cache->Get("up"), "1") << "no recovery within 3 s";
  EXPECT_EQ(observer->Get("a"), std::nullopt);
  EXPECT_EQ(observer->Get("x"), std::nullopt);
  EXPECT_EQ(observer->Get("glob*[?]"), std::nullopt);
  EXPECT_EQ(other->Get("a"), "kept");  // Another prefix is not touched.
  EXPECT_EQ(cache->Increment("x"), 1);
}

TEST_F(RedisCacheTest, ConnectionsClosedByARestartAreReplacedWithoutAnError) {
  auto cache = NewRedisCache(Options());
  cache->Set("k", "v", kDefaultTtl);
  ASSERT_EQ(cache->Get("k"), "v");  // A pooled, idle connection now.
  server_.Kill();
  ASSERT_TRUE(server_.Start());
  // The pooled connection is dead; the call notices before it is sent
  // anywhere useful and retries on a fresh one.
  cache->Set("k", "again", kDefaultTtl);
  EXPECT_EQ(cache->Get("k"), "again");
  EXPECT_EQ(cache->stats().errors, 0);
  EXPECT_EQ(cache->stats().bypassed, 0);
}

TEST_F(RedisCacheTest, ServerThatNeverCameUpIsMissesNotFailures) {
  RedisCacheOptions options = Options();
  options.port = FreePort();
  Reports reports;
  options.on_error = reports.Callback();
  auto cache = NewRedisCache(options);
  const auto start = Clock::now();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(cache->Get("k"), std::nullopt);
    cache->Set("k", "v", kDefaultTtl);
  }
  EXPECT_LT(Since(start), milliseconds(1000));
  const CacheStats stats = cache->stats();
  EXPECT_EQ(stats.errors, 1);  // The first call; the rest skip the server.
  EXPECT_EQ(stats.bypassed, 199);
  EXPECT_EQ(stats.misses, 100);
  ASSERT_EQ(reports.lines().size(), 1u);
  EXPECT_NE(reports.lines()[0].find("Connection refused"), std::string::npos)
      << reports.lines()[0];
}

TEST_F(RedisCacheTest, KeyPrefixSeparatesCachesAndSharesBetweenReplicas) {
  RedisCacheOptions a_options = Options();
  a_options.key_prefix = "app-a:";
  RedisCacheOptions b_options = Options();
  b_options.key_prefix = "app-b:";
  auto a = NewRedisCache(a_options);
  auto a_replica = NewRedisCache(a_options);
  auto b = NewRedisCache(b_options);
  a->Set("k", "from a", kDefaultTtl);
  EXPECT_EQ(a_replica->Get("k"), "from a");
  EXPECT_EQ(b->Get("k"), std::nullopt);
  EXPECT_EQ(a_replica->Increment("n"), 1);
  EXPECT_EQ(a->Increment("n"), 2);
  EXPECT_EQ(b->Increment("n"), 1);
}

TEST_F(RedisCacheTest, DatabaseFromUrlSeparatesCaches) {
  absl::StatusOr<std::unique_ptr<Cache>> db1 =
      OpenCacheFromUrl(server_.url() + "/1");
  absl::StatusOr<std::unique_ptr<Cache>> db2 =
      OpenCacheFromUrl(server_.url() + "/2");
  absl::StatusOr<std::unique_ptr<Cache>> db1_again =
      OpenCacheFromUrl(server_.url() + "/1");
  ASSERT_TRUE(db1.ok() && db2.ok() && db1_again.ok());
  (*db1)->Set("k", "in 1", kDefaultTtl);
  EXPECT_EQ((*db1_again)->Get("k"), "in 1");
  EXPECT_EQ((*db2)->Get("k"), std::nullopt);
  EXPECT_EQ((*db1)->stats().errors, 0);
  EXPECT_EQ((*db2)->stats().errors, 0);
}

TEST_F(RedisCacheTest, StatsSampleTheServerSize) {
  auto cache = NewRedisCache(Options());
  for (int i = 0; i < 10; ++i) {
    cache->Set("k" + std::to_string(i), std::string(1000, 'x'), kDefaultTtl);
  }
  const CacheStats stats = cache->stats();
  EXPECT_EQ(stats.entries, 10);  // DBSIZE: this test owns the server.
  EXPECT_GT(stats.size_bytes, 10 * 1000);
  EXPECT_EQ(stats.sets, 10);
  EXPECT_EQ(stats.evictions, 0);
}

class RedisPasswordTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kPassword = "s3cr:t@/x";
  void SetUp() override {
    if (!RedisServer::Available()) {
      GTEST_SKIP() << "redis-server not on PATH (scripts/install-deps)";
    }
    ASSERT_TRUE(server_.Start()) << "redis-server did not start";
  }
  RedisServer server_{{"--requirepass", std::string(kPassword)}};
};

TEST_F(RedisPasswordTest, PasswordFromUrlAuthenticates) {
  const std::string port = std::to_string(server_.port());
  for (const std::string& url :
       {"redis://:s3cr%3At%40%2Fx@127.0.0.1:" + port,
        "redis://default:s3cr%3At%40%2Fx@127.0.0.1:" + port + "/0"}) {
    absl::StatusOr<std::unique_ptr<Cache>> cache = OpenCacheFromUrl(url);
    ASSERT_TRUE(cache.ok()) << cache.status();
    (*cache)->Set("k", "v", kDefaultTtl);
    EXPECT_EQ((*cache)->Get("k"), "v") << url;
    EXPECT_EQ((*cache)->stats().errors, 0) << url;
  }
}

TEST_F(RedisPasswordTest, WrongPasswordIsAnOutageThatNeverLogsThePassword) {
  Reports reports;
  CacheUrlDefaults defaults;
  defaults.redis.on_error = reports.Callback();
  absl::StatusOr<std::unique_ptr<Cache>> cache = OpenCacheFromUrl(
      "redis://:wrong-horse@127.0.0.1:" + std::to_string(server_.port()),
      defaults);
  ASSERT_TRUE(cache.ok()) << cache.status();
  (*cache)->Set("k", "v", kDefaultTtl);
  EXPECT_EQ((*cache)->Get("k"), std::nullopt);
  EXPECT_EQ((*cache)->stats().errors, 1);
  ASSERT_EQ(reports.lines().size(), 1u);
  EXPECT_NE(reports.lines()[0].find("AUTH"), std::string::npos)
      << reports.lines()[0];
  EXPECT_EQ(reports.lines()[0].find("wrong-horse"), std::string::npos)
      << reports.lines()[0];
}

// ParseRedisUrl and OpenCacheFromUrl: a table, so a case is a line.
struct UrlCase {
  std::string url;
  std::string host;
  int port;
  int db;
  std::string username;
  std::string password;
  std::string prefix;
};

TEST(RedisUrlTest, ValidUrlsParse) {
  const std::vector<UrlCase> cases = {
      {"redis://127.0.0.1", "127.0.0.1", 6379, 0, "", "", "lia:"},
      {"redis://cache.internal:6380/2", "cache.internal", 6380, 2, "", "",
       "lia:"},
      {"redis://:p%40ss%3Aw%2F@h:1/0", "h", 1, 0, "", "p@ss:w/", "lia:"},
      {"redis://user:pw@h:65535", "h", 65535, 0, "user", "pw", "lia:"},
      {"redis://:pw:with:colons@h", "h", 6379, 0, "", "pw:with:colons", "lia:"},
      {"redis://[::1]:7000/3", "::1", 7000, 3, "", "", "lia:"},
      {"redis://[::1]", "::1", 6379, 0, "", "", "lia:"},
      {"REDIS://H", "H", 6379, 0, "", "", "lia:"},
      {"redis://h/", "h", 6379, 0, "", "", "lia:"},
      {"redis://", "127.0.0.1", 6379, 0, "", "", "lia:"},
      {"redis://h?prefix=app%3A1:", "h", 6379, 0, "", "", "app:1:"},
      {"redis://h?prefix=", "h", 6379, 0, "", "", ""},
  };
  for (const UrlCase& c : cases) {
    absl::StatusOr<RedisCacheOptions> o = ParseRedisUrl(c.url);
    ASSERT_TRUE(o.ok()) << c.url << ": " << o.status();
    EXPECT_EQ(o->host, c.host) << c.url;
    EXPECT_EQ(o->port, c.port) << c.url;
    EXPECT_EQ(o->db, c.db) << c.url;
    EXPECT_EQ(o->username, c.username) << c.url;
    EXPECT_EQ(o->password, c.password) << c.url;
    EXPECT_EQ(o->key_prefix, c.prefix) << c.url;
  }
}

TEST(RedisUrlTest, QuerySetsPoolAndTimeoutsOverDefaults) {
  RedisCacheOptions defaults;
  defaults.default_ttl = milliseconds(1234);
  defaults.pool_size = 3;
  absl::StatusOr<RedisCacheOptions> o = ParseRedisUrl(
      "redis://h?pool_size=4&command_timeout_ms=50&connect_timeout_ms=75",
      defaults);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->pool_size, 4);
  EXPECT_EQ(o->command_timeout, milliseconds(50));
  EXPECT_EQ(o->connect_timeout, milliseconds(75));
  EXPECT_EQ(o->default_ttl, milliseconds(1234));  // Not in the URL: kept.
  absl::StatusOr<RedisCacheOptions> kept = ParseRedisUrl("redis://h", defaults);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->pool_size, 3);
}

TEST(RedisUrlTest, InvalidUrlsSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"memcached://h", "scheme \"memcached\""},
      {"h:6379", "want memory:// or redis://"},
      {"", "want memory:// or redis://"},
      {"redis://h:0", "bad port \"0\""},
      {"redis://h:65536", "bad port \"65536\""},
      {"redis://h:abc", "bad port \"abc\""},
      {"redis://h:", "bad port"},
      {"redis://h:-1", "bad port"},
      {"redis://[::1]:x", "bad port"},
      {"redis://h/x", "bad db \"x\""},
      {"redis://h/-1", "bad db"},
      {"redis://h/1/2", "bad db"},
      {"redis://h?timeout=1", "unknown redis:// parameter \"timeout\""},
      {"redis://h?pool_size=0", "bad pool_size"},
      {"redis://h?prefix", "has no value"},
      {"redis://pw@h", "':' before the password"},
      {"redis://:%zz@h", "percent-encoding in the password"},
      {"redis://[::1", "IPv6"},
      {"redis://h#frag", "fragment"},
      {"rediss://h", "TLS"},
  };
  for (const auto& [url, message] : cases) {
    absl::StatusOr<RedisCacheOptions> o = ParseRedisUrl(url);
    ASSERT_FALSE(o.ok()) << url;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_NE(o.status().message().find(message), absl::string_view::npos)
        << url << " -> " << o.status();
  }
}

TEST(RedisUrlTest, ErrorsNeverQuoteThePassword) {
  for (const std::string_view url :
       {"redis://:hunter2@h:99999", "redis://:hunter2@h/x",
        "redis://:hunter2@h?nope=1", "redis://u:hunter2@h:p"}) {
    absl::StatusOr<RedisCacheOptions> o = ParseRedisUrl(url);
    ASSERT_FALSE(o.ok()) << url;
    EXPECT_EQ(o.status().message().find("hunter2"), absl::string_view::npos)
        << o.status();
  }
}

TEST(CacheUrlTest, MemoryUrlsOpenAMemoryCache) {
  absl::StatusOr<std::unique_ptr<Cache>> plain = OpenCacheFromUrl("memory://");
  ASSERT_TRUE(plain.ok()) << plain.status();
  (*plain)->Set("k", std::string(100, 'x'), kDefaultTtl);
  EXPECT_EQ((*plain)->Get("k"), std::string(100, 'x'));

  // A 64-byte budget in one shard cannot hold 101 bytes.
  absl::StatusOr<std::unique_ptr<Cache>> small =
      OpenCacheFromUrl("memory://?max_bytes=64&shards=1");
  ASSERT_TRUE(small.ok()) << small.status();
  (*small)->Set("k", std::string(100, 'x'), kDefaultTtl);
  EXPECT_EQ((*small)->Get("k"), std::nullopt);
  (*small)->Set("k", "fits", kDefaultTtl);
  EXPECT_EQ((*small)->Get("k"), "fits");
  EXPECT_TRUE(OpenCacheFromUrl("MEMORY:///").ok());
}

TEST(CacheUrlTest, BadCacheUrlsAreInvalidArgument) {
  for (const std::string_view url :
       {"memory://host", "memory://?max_bytes=-1", "memory://?max_bytes=x",
        "memory://?shards=0", "memory://?ttl=1", "memcached://h", "memory",
        "redis://h:0", "file:///tmp/cache"}) {
    absl::StatusOr<std::unique_ptr<Cache>> cache = OpenCacheFromUrl(url);
    EXPECT_FALSE(cache.ok()) << url;
    EXPECT_EQ(cache.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

TEST(CacheUrlTest, RedisUrlOpensEvenWithNoServer) {
  absl::StatusOr<std::unique_ptr<Cache>> cache =
      OpenCacheFromUrl("redis://127.0.0.1:" + std::to_string(FreePort()));
  ASSERT_TRUE(cache.ok()) << cache.status();
  EXPECT_EQ((*cache)->Get("k"), std::nullopt);
  EXPECT_EQ((*cache)->stats().errors, 1);
}

}  // namespace
}  // namespace lia::cache
