#include "service/instrumented_tasks.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "jobs/job.h"
#include "jobs/task_registry.h"
#include "nlohmann/json.hpp"
#include "obs/trace.h"

namespace lia::service {
namespace {

// The context of the request that queued `job`, from its payload's
// "traceparent"; nullopt when there is none or it is malformed.
std::optional<obs::SpanContext> QueuedBy(const jobs::Job& job) {
  const nlohmann::json payload =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return std::nullopt;
  const auto it = payload.find("traceparent");
  if (it == payload.end() || !it->is_string()) return std::nullopt;
  return obs::ParseTraceparent(it->get<std::string>());
}

obs::Span StartJobSpan(obs::Tracer& tracer, const jobs::Job& job,
                       size_t batch_size) {
  const std::optional<obs::SpanContext> queued_by = QueuedBy(job);
  obs::Span span =
      tracer.StartRootSpan("job " + job.type, obs::SpanKind::kConsumer,
                           queued_by ? &*queued_by : nullptr);
  span.SetAttribute("lia.job.id", job.id);
  span.SetAttribute("lia.job.type", job.type);
  span.SetAttribute("lia.job.attempt", static_cast<int64_t>(job.attempts));
  span.SetAttribute("lia.job.batch_size", static_cast<int64_t>(batch_size));
  return span;
}

void EndJobSpan(obs::Span& span, const absl::Status& outcome) {
  if (!outcome.ok()) span.SetError(outcome.ToString());
  span.End();
}

jobs::Task TracedTask(jobs::Task task, obs::Tracer& tracer) {
  return [task = std::move(task), &tracer](const jobs::Job& job) {
    if (!tracer.enabled()) return task(job);
    obs::Span span = StartJobSpan(tracer, job, 1);
    absl::Status outcome;
    {
      obs::ScopedSpan active(span);
      outcome = task(job);
    }
    EndJobSpan(span, outcome);
    return outcome;
  };
}

jobs::BatchTask TracedBatchTask(jobs::BatchTask batch, obs::Tracer& tracer) {
  return
      [batch = std::move(batch), &tracer](const std::vector<jobs::Job>& jobs) {
        if (!tracer.enabled() || jobs.empty()) return batch(jobs);
        std::vector<obs::Span> spans;
        spans.reserve(jobs.size());
        for (const jobs::Job& job : jobs) {
          spans.push_back(StartJobSpan(tracer, job, jobs.size()));
        }
        // The lead's context lives on the heap: it survives the vector's moves.
        const obs::SpanContext& lead = spans.front().context();
        for (size_t i = 1; i < spans.size(); ++i) spans[i].AddLink(lead);
        std::vector<absl::Status> outcomes;
        {
          obs::ScopedSpan active(spans.front());
          outcomes = batch(jobs);
        }
        for (size_t i = 0; i < spans.size(); ++i) {
          // A batch that answered for the wrong number of jobs is the worker's
          // to report; its spans end without a verdict.
          EndJobSpan(spans[i],
                     i < outcomes.size() ? outcomes[i] : absl::OkStatus());
        }
        return outcomes;
      };
}

}  // namespace

absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> NewTracedTaskRegistry(
    const jobs::TaskRegistry& tasks, obs::Tracer& tracer) {
  auto traced = std::make_unique<jobs::TaskRegistry>();
  for (const std::string& type : tasks.Types()) {
    const jobs::TaskRegistry::Entry* entry = tasks.Find(type);
    if (entry == nullptr) continue;
    if (entry->batch) {
      LIA_RETURN_IF_ERROR(traced->RegisterBatch(
          type, TracedBatchTask(entry->batch, tracer), entry->retry));
    } else {
      LIA_RETURN_IF_ERROR(traced->Register(
          type, TracedTask(entry->task, tracer), entry->retry));
    }
  }
  return traced;
}

}  // namespace lia::service
