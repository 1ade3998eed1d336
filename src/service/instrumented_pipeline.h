#pragma once

// The analysis pipeline's stages as spans and metrics (DESIGN §8): the
// analysis::PipelineObserver that app/ puts in PipelineOptions::observer.
//
//   pipeline_execution_time_seconds{stage}   histogram: time of each stage
//                                            run ("classify", "follow_up",
//                                            "extract", "filter", "score",
//                                            "draft"), fallbacks included.
//
// Spans, children of the thread's current span (a request's or a job's;
// none without one): "pipeline.analyze" for an analysis, and under it
// "pipeline.<stage>" for each stage, current while the stage runs so that
// its LLM calls and cache operations are its children. Stage spans carry
// lia.pipeline.engine (what the analysis records for the stage) and
// lia.pipeline.fallback (true when an engine failed and another answered).

#include <memory>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"

namespace lia::obs {
class Registry;
}  // namespace lia::obs

namespace lia::service {

struct PipelineObserverOptions {
  // Default none. Not owned; must outlive the observer. Where the histogram
  // is registered; null: spans only (metrics off).
  obs::Registry* metrics = nullptr;
};

// Thread-safe. AlreadyExists when the histogram's name is registered with
// another shape.
absl::StatusOr<std::unique_ptr<analysis::PipelineObserver>> NewPipelineObserver(
    PipelineObserverOptions options);

}  // namespace lia::service
