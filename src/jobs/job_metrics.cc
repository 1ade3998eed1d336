#include "jobs/job_metrics.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "obs/metrics.h"

namespace lia::jobs {
namespace {

constexpr std::string_view kSucceeded = "succeeded";
constexpr std::string_view kFailed = "failed";

constexpr std::array<JobState, 6> kAllStates = {
    JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
    JobState::kFailed, JobState::kDead,    JobState::kCancelled};

using SharedCounts = std::shared_ptr<const absl::StatusOr<JobCounts>>;

}  // namespace

std::vector<double> DefaultJobDurationBuckets() {
  std::vector<double> bounds = obs::DefaultLatencyBuckets();
  for (double seconds : {30.0, 60.0, 120.0, 300.0, 600.0}) {
    bounds.push_back(seconds);
  }
  return bounds;
}

struct JobMetrics::Impl {
  Impl(JobQueue& q, Clock& c, absl::Duration max_age,
       std::vector<std::string> known_types)
      : queue(q),
        clock(c),
        counts_max_age(max_age),
        types(std::move(known_types)) {}

  // The counts of the last read, or of a new one when that is older than
  // counts_max_age. A failed read is kept as long as a good one, so a
  // scrape counts one error however many gauges it renders.
  SharedCounts Counts() {
    absl::MutexLock lock(&mu);
    const absl::Time now = clock.Now();
    if (counts != nullptr && now >= read_at && now - read_at < counts_max_age) {
      return counts;
    }
    counts = std::make_shared<const absl::StatusOr<JobCounts>>(queue.Counts());
    read_at = clock.Now();
    if (!counts->ok()) errors->WithLabels().Increment();
    return counts;
  }

  // Queued and running jobs per type; every known type and every type with
  // a job in any state, 0 when it has none live.
  void WriteDepth(obs::SampleWriter& out) {
    const SharedCounts read = Counts();
    if (!read->ok()) return;  // Absent, not zero: the scrape shows the error.
    std::map<std::string, std::pair<int64_t, int64_t>, std::less<>> by_type;
    for (const std::string& type : types) by_type[type];
    for (const auto& [key, n] : **read) {
      auto& [queued, running] = by_type[key.second];
      if (key.first == ToString(JobState::kQueued)) queued += n;
      if (key.first == ToString(JobState::kRunning)) running += n;
    }
    for (const auto& [type, live] : by_type) {
      out.Add({type, ToString(JobState::kQueued)},
              static_cast<double>(live.first));
      out.Add({type, ToString(JobState::kRunning)},
              static_cast<double>(live.second));
    }
  }

  // Jobs per type and state; every state of every known type and of every
  // type with a job.
  void WriteByState(obs::SampleWriter& out) {
    const SharedCounts read = Counts();
    if (!read->ok()) return;
    std::map<std::string, std::map<std::string, int64_t, std::less<>>,
             std::less<>>
        jobs;
    auto zeros = [&](const std::string& type) {
      auto& states = jobs[type];
      for (JobState state : kAllStates) states[std::string(ToString(state))];
      return &states;
    };
    for (const std::string& type : types) zeros(type);
    for (const auto& [key, n] : **read) (*zeros(key.second))[key.first] += n;
    for (const auto& [type, states] : jobs) {
      for (const auto& [state, n] : states) {
        out.Add({type, state}, static_cast<double>(n));
      }
    }
  }

  JobQueue& queue;
  Clock& clock;
  const absl::Duration counts_max_age;
  const std::vector<std::string> types;  // Sorted, distinct.

  obs::CallbackFamily* depth = nullptr;
  obs::CallbackFamily* by_state = nullptr;
  obs::CounterFamily* errors = nullptr;
  obs::HistogramFamily* duration = nullptr;
  obs::CounterFamily* attempts = nullptr;
  obs::CounterFamily* retries = nullptr;
  obs::CounterFamily* dead = nullptr;
  obs::CounterFamily* failed = nullptr;

  absl::Mutex mu;  // Held across a Counts() read: concurrent scrapes wait.
  SharedCounts counts ABSL_GUARDED_BY(mu);
  absl::Time read_at ABSL_GUARDED_BY(mu);
};

namespace {

// Stores a registered family in `*out`; false (and the error in `*status`)
// when registration failed.
template <typename Family>
bool Take(absl::StatusOr<Family*> family, Family** out, absl::Status* status) {
  if (!family.ok()) {
    *status = family.status();
    return false;
  }
  *out = *family;
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobMetrics>> JobMetrics::Create(
    obs::Registry& registry, JobQueue& queue, JobMetricsOptions options) {
  std::vector<std::string> types = std::move(options.types);
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  Clock& clock = options.clock != nullptr ? *options.clock : SystemClock();
  auto impl = std::make_unique<Impl>(queue, clock, options.counts_max_age,
                                     std::move(types));
  Impl& m = *impl;

  absl::Status status;
  // The plain families first: a callback may run (a concurrent scrape) as
  // soon as its family is registered, and it counts into `errors`.
  const bool registered =
      Take(registry.AddCounter(
               "jobs_metrics_errors_total",
               "Scrapes whose read of the job counts failed (the job gauges "
               "are absent from them)."),
           &m.errors, &status) &&
      Take(registry.AddHistogram(
               "job_duration_seconds",
               "How long job attempts ran, by job type and outcome "
               "(succeeded or failed).",
               {"type", "outcome"}, options.duration_buckets),
           &m.duration, &status) &&
      Take(registry.AddCounter("job_attempts_total",
                               "Job attempts run by this process's workers, "
                               "by job type and outcome (succeeded or "
                               "failed).",
                               {"type", "outcome"}),
           &m.attempts, &status) &&
      Take(registry.AddCounter("job_retries_total",
                               "Failed job attempts queued again for a "
                               "retry, by job type.",
                               {"type"}),
           &m.retries, &status) &&
      Take(registry.AddCounter("jobs_dead_total",
                               "Jobs dead after failing their last allowed "
                               "attempt, by job type.",
                               {"type"}),
           &m.dead, &status) &&
      Take(registry.AddCounter("jobs_failed_total",
                               "Jobs failed for good with an error not worth "
                               "retrying, by job type.",
                               {"type"}),
           &m.failed, &status) &&
      Take(registry.AddCallbackGauge(
               "jobs_queue_depth",
               "Live jobs (queued or running) per queue (job type) and "
               "state, in the database.",
               {"queue", "state"},
               [&m](obs::SampleWriter& out) { m.WriteDepth(out); }),
           &m.depth, &status) &&
      Take(registry.AddCallbackGauge(
               "jobs_by_state", "Jobs per job type and state, in the database.",
               {"type", "state"},
               [&m](obs::SampleWriter& out) { m.WriteByState(out); }),
           &m.by_state, &status);
  if (!registered) {
    if (m.depth != nullptr) m.depth->SetCallback(nullptr);
    return status;
  }

  m.errors->WithLabels();
  for (const std::string& type : m.types) {
    m.attempts->WithLabels({type, kSucceeded});
    m.attempts->WithLabels({type, kFailed});
    m.retries->WithLabels({type});
    m.dead->WithLabels({type});
    m.failed->WithLabels({type});
  }
  return std::unique_ptr<JobMetrics>(new JobMetrics(std::move(impl)));
}

JobMetrics::JobMetrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JobMetrics::~JobMetrics() {
  impl_->depth->SetCallback(nullptr);
  impl_->by_state->SetCallback(nullptr);
}

void JobMetrics::Observe(const Job& job, const absl::Status& outcome,
                         absl::Duration took, const Job* after_failure) {
  const std::string_view result = outcome.ok() ? kSucceeded : kFailed;
  impl_->attempts->WithLabels({job.type, result}).Increment();
  impl_->duration->WithLabels({job.type, result})
      .Observe(absl::ToDoubleSeconds(took));
  if (outcome.ok() || after_failure == nullptr) return;
  switch (after_failure->state) {
    case JobState::kQueued:
      impl_->retries->WithLabels({job.type}).Increment();
      break;
    case JobState::kDead:
      impl_->dead->WithLabels({job.type}).Increment();
      break;
    case JobState::kFailed:
      impl_->failed->WithLabels({job.type}).Increment();
      break;
    case JobState::kRunning:
    case JobState::kSucceeded:
    case JobState::kCancelled:
      break;  // Not what Fail returns.
  }
}

}  // namespace lia::jobs
