#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/cache.h"

namespace lia::cache {
namespace {

using std::chrono::milliseconds;

// A clock that moves only when told to. Not thread-safe: single-thread tests.
class FakeClock {
 public:
  NowFunction AsNowFunction() {
    return [this] { return now_; };
  }
  void Advance(milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

constexpr milliseconds kDefaultTtl{0};

TEST(MemoryCacheTest, GetReturnsWhatSetStored) {
  auto cache = NewMemoryCache({});
  cache->Set("opp:1", "hello", kDefaultTtl);
  EXPECT_EQ(cache->Get("opp:1"), "hello");
}

TEST(MemoryCacheTest, GetOfAbsentKeyIsMiss) {
  auto cache = NewMemoryCache({});
  EXPECT_EQ(cache->Get("nope"), std::nullopt);
}

TEST(MemoryCacheTest, EmptyKeyAndValueAreStored) {
  auto cache = NewMemoryCache({});
  cache->Set("", "", kDefaultTtl);
  EXPECT_EQ(cache->Get(""), "");
}

TEST(MemoryCacheTest, DeleteRemovesEntryAndItsBytes) {
  auto cache = NewMemoryCache({});
  cache->Set("a", "1", kDefaultTtl);
  cache->Set("b", "22", kDefaultTtl);
  cache->Delete("a");
  cache->Delete("absent");
  EXPECT_EQ(cache->Get("a"), std::nullopt);
  EXPECT_EQ(cache->Get("b"), "22");
  EXPECT_EQ(cache->stats().entries, 1);
  EXPECT_EQ(cache->stats().size_bytes, 3);
}

TEST(MemoryCacheTest, OverwriteReplacesValueAndUpdatesSize) {
  auto cache = NewMemoryCache({});
  cache->Set("key", std::string(100, 'x'), kDefaultTtl);
  EXPECT_EQ(cache->stats().size_bytes, 103);
  cache->Set("key", "short", kDefaultTtl);
  EXPECT_EQ(cache->Get("key"), "short");
  EXPECT_EQ(cache->stats().size_bytes, 8);
  cache->Set("key", "shorter", kDefaultTtl);
  EXPECT_EQ(cache->Get("key"), "shorter");
  EXPECT_EQ(cache->stats().size_bytes, 10);
  cache->Set("key", std::string(200, 'y'), kDefaultTtl);
  EXPECT_EQ(cache->Get("key"), std::string(200, 'y'));
  EXPECT_EQ(cache->stats().size_bytes, 203);
  EXPECT_EQ(cache->stats().entries, 1);
}

TEST(MemoryCacheTest, EntryExpiresAfterDefaultTtl) {
  FakeClock clock;
  auto cache = NewMemoryCache(
      {.default_ttl = milliseconds(5000), .now = clock.AsNowFunction()});
  cache->Set("k", "v", kDefaultTtl);
  clock.Advance(milliseconds(4999));
  EXPECT_EQ(cache->Get("k"), "v");
  clock.Advance(milliseconds(1));
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_EQ(cache->stats().entries, 0);
  EXPECT_EQ(cache->stats().size_bytes, 0);
}

TEST(MemoryCacheTest, EntryExpiresAfterExplicitTtl) {
  FakeClock clock;
  auto cache = NewMemoryCache(
      {.default_ttl = milliseconds(5000), .now = clock.AsNowFunction()});
  cache->Set("short", "v", milliseconds(100));
  cache->Set("long", "v", milliseconds(60000));
  clock.Advance(milliseconds(100));
  EXPECT_EQ(cache->Get("short"), std::nullopt);
  clock.Advance(milliseconds(10000));  // Past the default, within its own.
  EXPECT_EQ(cache->Get("long"), "v");
}

TEST(MemoryCacheTest, OverwriteRestartsTtl) {
  FakeClock clock;
  auto cache = NewMemoryCache({.now = clock.AsNowFunction()});
  cache->Set("k", "old", milliseconds(100));
  clock.Advance(milliseconds(90));
  cache->Set("k", "new", milliseconds(100));
  clock.Advance(milliseconds(90));
  EXPECT_EQ(cache->Get("k"), "new");
}

TEST(MemoryCacheTest, TtlBeyondClockRangeNeverExpires) {
  FakeClock clock;
  auto cache = NewMemoryCache({.now = clock.AsNowFunction()});
  cache->Set("k", "v", milliseconds::max());
  clock.Advance(std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(cache->Get("k"), "v");
}

TEST(MemoryCacheTest, GetRefreshesRecencySoLeastRecentlyUsedIsEvicted) {
  // One shard of 15 bytes: room for three entries of 5 bytes.
  auto cache = NewMemoryCache({.max_bytes = 15, .shards = 1});
  cache->Set("a", "aaaa", kDefaultTtl);
  cache->Set("b", "bbbb", kDefaultTtl);
  cache->Set("c", "cccc", kDefaultTtl);
  ASSERT_EQ(cache->Get("a"), "aaaa");  // Now b is the least recently used.
  cache->Set("d", "dddd", kDefaultTtl);
  EXPECT_EQ(cache->Get("b"), std::nullopt);
  EXPECT_EQ(cache->Get("a"), "aaaa");
  EXPECT_EQ(cache->Get("c"), "cccc");
  EXPECT_EQ(cache->Get("d"), "dddd");
  EXPECT_EQ(cache->stats().evictions, 1);
}

TEST(MemoryCacheTest, OverwriteThatGrowsEvictsOthersNotItself) {
  auto cache = NewMemoryCache({.max_bytes = 15, .shards = 1});
  cache->Set("a", "aaaa", kDefaultTtl);
  cache->Set("b", "bbbb", kDefaultTtl);
  cache->Set("b", std::string(13, 'b'), kDefaultTtl);  // 14 bytes.
  EXPECT_EQ(cache->Get("a"), std::nullopt);
  EXPECT_EQ(cache->Get("b"), std::string(13, 'b'));
  EXPECT_EQ(cache->stats().size_bytes, 14);
}

TEST(MemoryCacheTest, ByteBudgetIsNeverExceeded) {
  constexpr int64_t kMaxBytes = 4096;
  auto cache = NewMemoryCache({.max_bytes = kMaxBytes, .shards = 4});
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::string key = "key:" + std::to_string(rng() % 2000);
    cache->Set(key, std::string(rng() % 200, 'v'), kDefaultTtl);
    const CacheStats stats = cache->stats();
    ASSERT_LE(stats.size_bytes, kMaxBytes) << "after insert " << i;
    ASSERT_GE(stats.size_bytes, 0);
  }
  const CacheStats stats = cache->stats();
  EXPECT_GT(stats.entries, 0);
  EXPECT_GT(stats.evictions, 0);
  EXPECT_GT(stats.size_bytes, kMaxBytes / 2);  // The budget is used, too.
}

TEST(MemoryCacheTest, OversizedValueIsIgnored) {
  // Two shards of 50 bytes each.
  auto cache = NewMemoryCache({.max_bytes = 100, .shards = 2});
  cache->Set("small", "v", kDefaultTtl);
  cache->Set("big", std::string(60, 'x'), kDefaultTtl);
  EXPECT_EQ(cache->Get("big"), std::nullopt);
  EXPECT_EQ(cache->Get("small"), "v");
  const CacheStats stats = cache->stats();
  EXPECT_EQ(stats.sets, 1);
  EXPECT_EQ(stats.evictions, 0);
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.size_bytes, 6);
}

TEST(MemoryCacheTest, OversizedOverwriteDropsTheOldValue) {
  auto cache = NewMemoryCache({.max_bytes = 100, .shards = 2});
  cache->Set("k", "old", kDefaultTtl);
  cache->Set("k", std::string(60, 'x'), kDefaultTtl);
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_EQ(cache->stats().size_bytes, 0);
}

TEST(MemoryCacheTest, IncrementStartsAtOneAndStoresDecimal) {
  auto cache = NewMemoryCache({});
  EXPECT_EQ(cache->Increment("v"), 1);
  for (int i = 0; i < 15; ++i) cache->Increment("v");
  EXPECT_EQ(cache->Increment("v"), 17);
  EXPECT_EQ(cache->Get("v"), "17");
  EXPECT_EQ(cache->stats().size_bytes, 3);
}

TEST(MemoryCacheTest, IncrementContinuesFromSetInteger) {
  auto cache = NewMemoryCache({});
  cache->Set("v", "9", kDefaultTtl);
  EXPECT_EQ(cache->Increment("v"), 10);
  cache->Set("v", "-3", kDefaultTtl);
  EXPECT_EQ(cache->Increment("v"), -2);
  EXPECT_EQ(cache->Get("v"), "-2");
}

TEST(MemoryCacheTest, IncrementCountsNonIntegerAsZero) {
  auto cache = NewMemoryCache({});
  cache->Set("v", "abc", kDefaultTtl);
  EXPECT_EQ(cache->Increment("v"), 1);
  cache->Set("v", "12abc", kDefaultTtl);
  EXPECT_EQ(cache->Increment("v"), 1);
  cache->Set("v", "9223372036854775807", kDefaultTtl);
  EXPECT_EQ(cache->Increment("v"), 1);
}

TEST(MemoryCacheTest, IncrementedCounterDoesNotExpire) {
  FakeClock clock;
  auto cache = NewMemoryCache(
      {.default_ttl = milliseconds(1000), .now = clock.AsNowFunction()});
  cache->Increment("v");
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(cache->Increment("v"), 2);
}

TEST(MemoryCacheTest, IncrementKeepsTtlOfExistingEntry) {
  FakeClock clock;
  auto cache = NewMemoryCache({.now = clock.AsNowFunction()});
  cache->Set("v", "5", milliseconds(1000));
  clock.Advance(milliseconds(500));
  EXPECT_EQ(cache->Increment("v"), 6);
  clock.Advance(milliseconds(500));
  EXPECT_EQ(cache->Get("v"), std::nullopt);
  EXPECT_EQ(cache->Increment("v"), 1);
}

TEST(MemoryCacheTest, IncrementFromEightThreadsIsExact) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10000;
  auto cache = NewMemoryCache({});
  std::vector<std::vector<int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &seen, t] {
      seen[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        seen[t].push_back(cache->Increment("counter"));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(cache->Get("counter"), std::to_string(kThreads * kPerThread));
  // Every value from 1 to 80,000 was handed out exactly once.
  std::vector<int64_t> all;
  for (const auto& values : seen) {
    all.insert(all.end(), values.begin(), values.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads) * kPerThread);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i], static_cast<int64_t>(i + 1));
  }
}

TEST(MemoryCacheTest, ConcurrentMixedOperationsRunClean) {
  constexpr int kThreads = 8;
  constexpr int kOpsPerThread = 20000;
  constexpr int64_t kMaxBytes = 2048;
  // Small budget and 1 ms TTLs, so eviction and expiry race with reads.
  auto cache = NewMemoryCache({.max_bytes = kMaxBytes, .shards = 4});
  std::vector<int64_t> gets(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &gets, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < kOpsPerThread; ++i) {
        const std::string key = "k" + std::to_string(rng() % 200);
        switch (rng() % 10) {
          case 0:
          case 1:
          case 2:
          case 3:
          case 4: {
            ++gets[t];
            std::optional<std::string> value = cache->Get(key);
            // Set stores runs of 'v', Increment decimals; nothing else.
            if (value.has_value()) {
              ASSERT_TRUE(value->find_first_not_of('v') == std::string::npos ||
                          value->find_first_not_of("0123456789") ==
                              std::string::npos)
                  << *value;
            }
            break;
          }
          case 5:
          case 6:
          case 7:
            cache->Set(key, std::string(rng() % 64, 'v'),
                       milliseconds(rng() % 2));
            break;
          case 8:
            cache->Delete(key);
            break;
          default:
            cache->Increment(key);
            break;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const CacheStats stats = cache->stats();
  int64_t total_gets = 0;
  for (int64_t n : gets) total_gets += n;
  EXPECT_EQ(stats.hits + stats.misses, total_gets);
  EXPECT_LE(stats.size_bytes, kMaxBytes);
  EXPECT_GE(stats.size_bytes, 0);
  EXPECT_GE(stats.entries, 0);
  EXPECT_LE(stats.entries, 200);
}

TEST(MemoryCacheTest, StatsCountExactlyInSingleThreadScenario) {
  FakeClock clock;
  auto cache = NewMemoryCache(
      {.max_bytes = 20, .shards = 1, .now = clock.AsNowFunction()});
  cache->Set("a", "1", kDefaultTtl);                   // sets 1
  EXPECT_EQ(cache->Get("a"), "1");                     // hits 1
  EXPECT_EQ(cache->Get("b"), std::nullopt);            // misses 1
  cache->Set("a", "22", kDefaultTtl);                  // sets 2 (overwrite)
  cache->Set("b", "x", milliseconds(1000));            // sets 3
  clock.Advance(milliseconds(1000));                   //
  EXPECT_EQ(cache->Get("b"), std::nullopt);            // misses 2, evictions 1
  cache->Set("c", std::string(15, 'c'), kDefaultTtl);  // sets 4; a + c = 19
  cache->Set("d", "123", kDefaultTtl);  // sets 5; 23 > 20: a, evictions 2
  cache->Delete("c");                   // not an eviction
  cache->Set("huge", std::string(30, 'h'), kDefaultTtl);  // Not stored.
  EXPECT_EQ(cache->Increment("n"), 1);                    // sets 6

  const CacheStats stats = cache->stats();
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.misses, 2);
  EXPECT_EQ(stats.sets, 6);
  EXPECT_EQ(stats.evictions, 2);
  EXPECT_EQ(stats.entries, 2);     // d, n
  EXPECT_EQ(stats.size_bytes, 6);  // "d"+"123", "n"+"1"
}

TEST(MemoryCacheTest, ZeroBudgetStoresNothing) {
  auto cache = NewMemoryCache({.max_bytes = 0});
  cache->Set("k", "v", kDefaultTtl);
  EXPECT_EQ(cache->Get("k"), std::nullopt);
  EXPECT_EQ(cache->Increment("n"), 1);
  EXPECT_EQ(cache->Increment("n"), 1);
  EXPECT_EQ(cache->stats().entries, 0);
}

}  // namespace
}  // namespace lia::cache
