// Micro-benchmarks of the metrics hot paths (LIA_BENCH=ON):
//   build-dir/src/obs/obs_bench --benchmark_min_time=0.3
// The threaded runs share one series, the worst case for contention.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "obs/metrics.h"

namespace lia::obs {
namespace {

// Shared by all threads of a run; never destroyed, like DefaultRegistry().
struct Metrics {
  Registry registry;
  CounterFamily* requests = *registry.AddCounter(
      "http_requests_total", "Requests.", {"method", "route", "status"});
  HistogramFamily* latency = *registry.AddHistogram(
      "http_request_duration_seconds", "Latency.", {"route"});
};

Metrics& Shared() {
  static Metrics* const metrics = [] {
    auto* m = new Metrics;
    // A realistic population for the lookup.
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
      for (int route = 0; route < 25; ++route) {
        for (const char* status : {"200", "201", "400", "404", "500"}) {
          m->requests->WithLabels(
              {method, "/api/v1/r" + std::to_string(route), status});
        }
      }
    }
    return m;
  }();
  return *metrics;
}

void BM_CounterIncrementCached(benchmark::State& state) {
  Counter& counter =
      Shared().requests->WithLabels({"GET", "/api/v1/jobs", "200"});
  for (auto _ : state) counter.Increment();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterIncrementCached)->Threads(1)->Threads(2);

void BM_CounterIncrementFractional(benchmark::State& state) {
  Counter& counter =
      Shared().requests->WithLabels({"GET", "/api/v1/jobs", "200"});
  for (auto _ : state) counter.Increment(0.5);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterIncrementFractional)->Threads(1)->Threads(2);

void BM_WithLabelsLookup(benchmark::State& state) {
  CounterFamily& family = *Shared().requests;
  for (auto _ : state) {
    Counter& c = family.WithLabels({"GET", "/api/v1/r7", "200"});
    benchmark::DoNotOptimize(&c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WithLabelsLookup)->Threads(1)->Threads(2);

void BM_WithLabelsLookupAndIncrement(benchmark::State& state) {
  CounterFamily& family = *Shared().requests;
  for (auto _ : state)
    family.WithLabels({"GET", "/api/v1/r7", "200"}).Increment();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WithLabelsLookupAndIncrement)->Threads(1)->Threads(2);

void BM_HistogramObserve(benchmark::State& state) {
  Histogram& histogram = Shared().latency->WithLabels({"/api/v1/jobs"});
  const std::vector<double> values = {0.003, 0.02, 0.07, 0.3, 1.7, 12};
  std::size_t i = 0;
  for (auto _ : state) histogram.Observe(values[i++ % values.size()]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2);

// A scrape of 500 counter series and one histogram.
void BM_Expose(benchmark::State& state) {
  Metrics& m = Shared();
  m.latency->WithLabels({"/api/v1/jobs"}).Observe(0.1);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = m.registry.Expose();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Expose);

}  // namespace
}  // namespace lia::obs

BENCHMARK_MAIN();
