// Micro-benchmarks of NewMemoryCache's hot paths (LIA_BENCH=ON):
//   build-dir/src/cache/cache_bench --benchmark_min_time=0.3

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cache/cache.h"

namespace lia::cache {
namespace {

constexpr size_t kKeys = 4096;  // A power of two: the loops mask, not divide.
constexpr std::chrono::milliseconds kDefaultTtl{0};

// Keys shaped like the versioned list keys the service uses.
const std::vector<std::string>& Keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    k.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) {
      k.push_back("opp:v17:list:page=" + std::to_string(i));
    }
    return k;
  }();
  return keys;
}

std::unique_ptr<Cache> FilledCache() {
  auto cache = NewMemoryCache({});
  const std::string value(64, 'x');
  for (const std::string& key : Keys()) cache->Set(key, value, kDefaultTtl);
  return cache;
}

void BM_GetHit(benchmark::State& state) {
  const std::unique_ptr<Cache> cache = FilledCache();
  const std::vector<std::string>& keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    std::optional<std::string> value = cache->Get(keys[i++ & (kKeys - 1)]);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetHit);

void BM_SetSmall(benchmark::State& state) {
  const std::unique_ptr<Cache> cache = NewMemoryCache({});
  const std::vector<std::string>& keys = Keys();
  const std::string value(32, 'x');
  size_t i = 0;
  for (auto _ : state) {
    cache->Set(keys[i++ & (kKeys - 1)], value, kDefaultTtl);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SetSmall);

// 90% Get, 10% Set over one cache shared by all threads.
void BM_MixedThreaded(benchmark::State& state) {
  static const std::unique_ptr<Cache> cache = FilledCache();
  const std::vector<std::string>& keys = Keys();
  const std::string value(64, 'y');
  std::minstd_rand rng(static_cast<unsigned>(state.thread_index()) + 1);
  for (auto _ : state) {
    const unsigned r = static_cast<unsigned>(rng());
    const std::string& key = keys[r & (kKeys - 1)];
    if ((r >> 12) % 10 == 0) {
      cache->Set(key, value, kDefaultTtl);
    } else {
      std::optional<std::string> got = cache->Get(key);
      benchmark::DoNotOptimize(got);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MixedThreaded)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace lia::cache

int main(int argc, char** argv) {
  // Debian's libabsl is built without NDEBUG, so by default every
  // absl::Mutex::Lock runs deadlock detection under one process-wide spinlock:
  // a global lock that serializes all shards. lia turns it off outside tests;
  // measure the cache, not the detector.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
