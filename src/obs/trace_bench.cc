// Micro-benchmarks of the tracing hot paths (LIA_BENCH=ON):
//   build-dir/src/obs/trace_bench --benchmark_min_time=0.3
// What a span costs the thread that makes it (inert, unrecorded, recorded
// and queued), and what the exporter's thread spends encoding a batch.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "obs/trace.h"

namespace lia::obs {
namespace {

// Takes every batch and keeps nothing: the cost measured is lia's alone.
class DiscardingExporter final : public SpanExporter {
 public:
  absl::Status Export(const std::vector<SpanData>&) override {
    return absl::OkStatus();
  }
};

// A span as a store call makes one: a child of the current span, two
// attributes, then ended.
void MakeStoreSpan() {
  Span span = StartChildSpan("store.list_opportunities", SpanKind::kClient);
  if (span.active()) {
    span.SetAttribute("db.system", std::string("sqlite"));
    span.SetAttribute("db.operation.name", std::string("list_opportunities"));
  }
}

// Tracing off: no span is current, StartChildSpan is a branch.
void BM_ChildSpanTracingOff(benchmark::State& state) {
  for (auto _ : state) MakeStoreSpan();
}
BENCHMARK(BM_ChildSpanTracingOff);

// Tracing on, `ratio` of traces recorded; the request span is current.
void ChildSpanUnder(benchmark::State& state, double ratio) {
  DiscardingExporter exporter;
  TracerOptions options;
  options.exporter = &exporter;
  options.sample_ratio = ratio;
  options.max_queue = 1 << 16;
  Tracer tracer(options);
  Span request =
      tracer.StartSpan("GET /api/v1/opportunities", SpanKind::kServer);
  ScopedSpan active(request);
  for (auto _ : state) MakeStoreSpan();
  state.counters["dropped"] = static_cast<double>(tracer.dropped());
}

void BM_ChildSpanRecorded(benchmark::State& state) {
  ChildSpanUnder(state, 1.0);
}
BENCHMARK(BM_ChildSpanRecorded)->Threads(1)->Threads(2);

void BM_ChildSpanUnrecorded(benchmark::State& state) {
  ChildSpanUnder(state, 0.0);
}
BENCHMARK(BM_ChildSpanUnrecorded);

// The exporter's work per batch of 512 spans like the above.
void BM_OtlpJson512Spans(benchmark::State& state) {
  SpanData span;
  span.name = "store.list_opportunities";
  span.kind = SpanKind::kClient;
  span.context = *ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  span.parent_span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  span.start = absl::Now();
  span.end = span.start + absl::Microseconds(40);
  span.attributes = {{"db.system", std::string("sqlite")},
                     {"db.operation.name", std::string("list_opportunities")}};
  const std::vector<SpanData> batch(512, span);
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string body = OtlpJson(batch, "lia");
    bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / 512;
}
BENCHMARK(BM_OtlpJson512Spans);

}  // namespace
}  // namespace lia::obs

BENCHMARK_MAIN();
