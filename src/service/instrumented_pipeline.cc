#include "service/instrumented_pipeline.h"

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/status_macros.h"
#include "obs/metrics.h"
#include "obs/trace.h"

namespace lia::service {
namespace {

// The pipeline's stages (PipelineObserver::StartStage), their span names,
// and their histogram series once registered.
struct StageSeries {
  std::string_view stage;
  std::string_view span_name;
  obs::Histogram* latency = nullptr;
};

constexpr std::array<StageSeries, 6> kStages = {{
    {"classify", "pipeline.classify"},
    {"follow_up", "pipeline.follow_up"},
    {"extract", "pipeline.extract"},
    {"filter", "pipeline.filter"},
    {"score", "pipeline.score"},
    {"draft", "pipeline.draft"},
}};

// A stage or analysis in progress: its span, current until End, and the
// time it started (when a histogram wants it).
class SpanScope final : public analysis::PipelineObserver::Scope {
 public:
  SpanScope(obs::Span span, obs::Histogram* latency)
      : span_(std::move(span)),
        latency_(latency),
        start_(latency != nullptr ? std::chrono::steady_clock::now()
                                  : std::chrono::steady_clock::time_point()) {
    if (span_.active()) active_.emplace(span_);
  }

  // analysis::PipelineObserver::Scope:
  void End(const absl::Status& status, std::string_view engine) override {
    active_.reset();  // Before the span ends: nothing may start under it.
    if (latency_ != nullptr) {
      latency_->Observe(std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - start_)
                            .count());
    }
    if (!span_.active()) return;
    if (!engine.empty()) {
      span_.SetAttribute("lia.pipeline.engine", std::string(engine));
      span_.SetAttribute("lia.pipeline.fallback",
                         engine.find("(fallback") != std::string_view::npos);
    }
    if (!status.ok()) span_.SetError(status.ToString());
    span_.End();
  }

 private:
  obs::Span span_;
  std::optional<obs::ScopedSpan> active_;  // Points into span_.
  obs::Histogram* const latency_;
  const std::chrono::steady_clock::time_point start_;
};

class InstrumentedPipelineObserver final : public analysis::PipelineObserver {
 public:
  InstrumentedPipelineObserver(obs::HistogramFamily* latency,
                               std::array<StageSeries, kStages.size()> stages)
      : latency_(latency), stages_(stages) {}

  // analysis::PipelineObserver:
  std::unique_ptr<analysis::PipelineObserver::Scope> StartAnalysis(
      const core::Message& message) override {
    obs::Span span = obs::StartChildSpan("pipeline.analyze");
    if (!span.active()) return nullptr;
    span.SetAttribute("lia.message.id", message.id);
    span.SetAttribute("lia.message.bytes",
                      static_cast<int64_t>(message.text.size()));
    return std::make_unique<SpanScope>(std::move(span), nullptr);
  }

  std::unique_ptr<analysis::PipelineObserver::Scope> StartStage(
      std::string_view stage) override {
    const StageSeries* known = nullptr;
    for (const StageSeries& s : stages_) {
      if (s.stage == stage) known = &s;
    }
    obs::Histogram* latency = known != nullptr ? known->latency : nullptr;
    if (known == nullptr && latency_ != nullptr) {
      latency = &latency_->WithLabels({stage});
    }
    obs::Span span =
        known != nullptr
            ? obs::StartChildSpan(known->span_name)
            : obs::StartChildSpan("pipeline." + std::string(stage));
    if (!span.active() && latency == nullptr) return nullptr;
    span.SetAttribute("lia.pipeline.stage", std::string(stage));
    return std::make_unique<SpanScope>(std::move(span), latency);
  }

 private:
  obs::HistogramFamily* const latency_;  // Null: metrics off.
  const std::array<StageSeries, kStages.size()> stages_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<analysis::PipelineObserver>> NewPipelineObserver(
    PipelineObserverOptions options) {
  std::array<StageSeries, kStages.size()> stages = kStages;
  obs::HistogramFamily* latency = nullptr;
  if (options.metrics != nullptr) {
    LIA_ASSIGN_OR_RETURN(latency,
                         options.metrics->AddHistogram(
                             "pipeline_execution_time_seconds",
                             "Time of each analysis pipeline stage, fallbacks "
                             "included.",
                             {"stage"}, obs::WideLatencyBuckets()));
    for (StageSeries& s : stages) s.latency = &latency->WithLabels({s.stage});
  }
  return std::make_unique<InstrumentedPipelineObserver>(latency, stages);
}

}  // namespace lia::service
