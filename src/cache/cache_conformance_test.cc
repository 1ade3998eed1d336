// The Cache contract (cache.h), run on every implementation: memory always,
// Redis when LIA_TEST_REDIS_URL names a server (make test and
// scripts/with-services set it). Each Redis test writes under its own key
// prefix, so tests running in parallel against one server never meet.
// TTLs are real and short, the same for both.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/cache.h"

namespace lia::cache {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kDefaultTtl{0};

class CacheConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis" && std::getenv("LIA_TEST_REDIS_URL") == nullptr) {
      GTEST_SKIP() << "LIA_TEST_REDIS_URL not set (make test sets it; "
                      "scripts/with-services)";
    }
  }

  // Every cache a test made must have reached its backend every time:
  // a bypassed call would pass many of these tests by accident.
  void TearDown() override {
    for (const auto& cache : caches_) {
      const CacheStats stats = cache->stats();
      EXPECT_EQ(stats.errors, 0);
      EXPECT_EQ(stats.bypassed, 0);
    }
  }

  Cache& NewCache(milliseconds default_ttl = milliseconds(300000)) {
    if (GetParam() == "memory") {
      caches_.push_back(NewMemoryCache({.default_ttl = default_ttl}));
      return *caches_.back();
    }
    absl::StatusOr<RedisCacheOptions> options =
        ParseRedisUrl(std::getenv("LIA_TEST_REDIS_URL"));
    EXPECT_TRUE(options.ok()) << options.status();
    if (!options.ok()) options = RedisCacheOptions{};
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    options->key_prefix = std::string("test:") + test->test_suite_name() + "." +
                          test->name() + ":" + std::to_string(getpid()) + ":" +
                          std::to_string(caches_.size()) + ":";
    options->default_ttl = default_ttl;
    // Generous: these tests check meaning, not speed, on a busy machine
    // (and under sanitizers). redis_cache_test checks the timeouts.
    options->command_timeout = milliseconds(5000);
    options->connect_timeout = milliseconds(5000);
    caches_.push_back(NewRedisCache(*options));
    return *caches_.back();
  }

 private:
  std::vector<std::unique_ptr<Cache>> caches_;
};

TEST_P(CacheConformanceTest, GetReturnsWhatSetStored) {
  Cache& cache = NewCache();
  cache.Set("opp:1", "hello", kDefaultTtl);
  EXPECT_EQ(cache.Get("opp:1"), "hello");
}

TEST_P(CacheConformanceTest, GetOfAbsentKeyIsMiss) {
  Cache& cache = NewCache();
  EXPECT_EQ(cache.Get("nope"), std::nullopt);
}

TEST_P(CacheConformanceTest, EmptyKeyAndValueAreStored) {
  Cache& cache = NewCache();
  cache.Set("", "", kDefaultTtl);
  cache.Set("empty", "", kDefaultTtl);
  EXPECT_EQ(cache.Get(""), "");
  EXPECT_EQ(cache.Get("empty"), "");  // Stored empty: a hit, not a miss.
}

TEST_P(CacheConformanceTest, DeleteRemovesOnlyItsEntry) {
  Cache& cache = NewCache();
  cache.Set("a", "1", kDefaultTtl);
  cache.Set("b", "22", kDefaultTtl);
  cache.Delete("a");
  cache.Delete("absent");
  EXPECT_EQ(cache.Get("a"), std::nullopt);
  EXPECT_EQ(cache.Get("b"), "22");
}

TEST_P(CacheConformanceTest, OverwriteReplacesValue) {
  Cache& cache = NewCache();
  cache.Set("key", std::string(100, 'x'), kDefaultTtl);
  cache.Set("key", "short", kDefaultTtl);
  EXPECT_EQ(cache.Get("key"), "short");
  cache.Set("key", std::string(200, 'y'), kDefaultTtl);
  EXPECT_EQ(cache.Get("key"), std::string(200, 'y'));
}

TEST_P(CacheConformanceTest, EntryExpiresAfterExplicitTtl) {
  Cache& cache = NewCache();
  cache.Set("short", "v", milliseconds(100));
  cache.Set("long", "v", milliseconds(60000));
  EXPECT_EQ(cache.Get("short"), "v");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(cache.Get("short"), std::nullopt);
  EXPECT_EQ(cache.Get("long"), "v");
}

TEST_P(CacheConformanceTest, EntryExpiresAfterDefaultTtl) {
  Cache& cache = NewCache(milliseconds(100));
  cache.Set("k", "v", kDefaultTtl);
  EXPECT_EQ(cache.Get("k"), "v");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(cache.Get("k"), std::nullopt);
}

TEST_P(CacheConformanceTest, OverwriteRestartsTtl) {
  Cache& cache = NewCache();
  cache.Set("k", "old", milliseconds(600));
  std::this_thread::sleep_for(milliseconds(400));
  cache.Set("k", "new", milliseconds(600));
  std::this_thread::sleep_for(milliseconds(400));  // Past the first TTL.
  EXPECT_EQ(cache.Get("k"), "new");
}

TEST_P(CacheConformanceTest, TtlBeyondAnyClockIsStoredAndKept) {
  Cache& cache = NewCache();
  cache.Set("k", "v", milliseconds::max());
  EXPECT_EQ(cache.Get("k"), "v");
}

TEST_P(CacheConformanceTest, IncrementStartsAtOneAndStoresDecimal) {
  Cache& cache = NewCache();
  EXPECT_EQ(cache.Increment("n"), 1);
  EXPECT_EQ(cache.Increment("n"), 2);
  EXPECT_EQ(cache.Increment("n"), 3);
  EXPECT_EQ(cache.Get("n"), "3");
  EXPECT_EQ(cache.Increment("other"), 1);
}

TEST_P(CacheConformanceTest, IncrementContinuesFromSetInteger) {
  Cache& cache = NewCache();
  cache.Set("n", "41", kDefaultTtl);
  EXPECT_EQ(cache.Increment("n"), 42);
  EXPECT_EQ(cache.Get("n"), "42");
}

TEST_P(CacheConformanceTest, IncrementCountsNonIntegerAsZero) {
  Cache& cache = NewCache();
  cache.Set("n", "not a number", kDefaultTtl);
  EXPECT_EQ(cache.Increment("n"), 1);
  EXPECT_EQ(cache.Increment("n"), 2);
}

TEST_P(CacheConformanceTest, IncrementFromEightThreadsIsExact) {
  constexpr int64_t kThreads = 8;
  constexpr int64_t kPerThread = 1000;
  Cache& cache = NewCache();
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &seen, t] {
      seen[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        seen[t].push_back(cache.Increment("n"));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // Atomic: every value from 1 to the total handed out exactly once.
  std::set<int64_t> all;
  for (const auto& values : seen) all.insert(values.begin(), values.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
  EXPECT_EQ(cache.Get("n"), std::to_string(kThreads * kPerThread));
}

TEST_P(CacheConformanceTest, IncrementedCounterHasNoTtl) {
  Cache& cache = NewCache(milliseconds(100));
  EXPECT_EQ(cache.Increment("n"), 1);
  std::this_thread::sleep_for(milliseconds(300));  // Past the default TTL.
  EXPECT_EQ(cache.Increment("n"), 2);
}

TEST_P(CacheConformanceTest, IncrementKeepsTtlOfExistingEntry) {
  Cache& cache = NewCache();
  cache.Set("n", "5", milliseconds(150));
  EXPECT_EQ(cache.Increment("n"), 6);
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(cache.Get("n"), std::nullopt);
}

TEST_P(CacheConformanceTest, BinaryKeysAndValuesRoundTrip) {
  Cache& cache = NewCache();
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += value;  // NULs in the middle, not only at the start.
  const std::string key("k\0ey\r\n%b", 8);
  cache.Set(key, value, kDefaultTtl);
  EXPECT_EQ(cache.Get(key), value);
  EXPECT_EQ(cache.Get("k"), std::nullopt);  // The NUL did not cut the key.
  cache.Delete(key);
  EXPECT_EQ(cache.Get(key), std::nullopt);
}

TEST_P(CacheConformanceTest, LongKeysAndValuesRoundTrip) {
  constexpr size_t kMiB = 1 << 20;
  Cache& cache = NewCache();
  std::string key(kMiB, 'k');
  key.back() = '1';
  std::string value(kMiB, '\0');
  for (size_t i = 0; i < value.size(); ++i) {
    value[i] = static_cast<char>(i * 7919 % 251);
  }
  cache.Set(key, value, kDefaultTtl);
  EXPECT_EQ(cache.Get(key), value);
  key.back() = '2';
  EXPECT_EQ(cache.Get(key), std::nullopt);
}

TEST_P(CacheConformanceTest, StatsCountHitsMissesAndSets) {
  Cache& cache = NewCache();
  cache.Set("a", "1", kDefaultTtl);
  cache.Set("b", "2", kDefaultTtl);
  EXPECT_EQ(cache.Get("a"), "1");
  EXPECT_EQ(cache.Get("absent"), std::nullopt);
  EXPECT_EQ(cache.Get("b"), "2");
  EXPECT_EQ(cache.Increment("n"), 1);
  const CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.sets, 3);
  EXPECT_GE(stats.entries, 3);
  EXPECT_GT(stats.size_bytes, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheConformanceTest,
                         ::testing::Values("memory", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param;
                         });

}  // namespace
}  // namespace lia::cache
