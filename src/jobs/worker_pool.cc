#include "jobs/worker_pool.h"

#include <unistd.h>

#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "jobs/task_registry.h"

namespace lia::jobs {
namespace {

constexpr int kMaxWorkers = 256;

std::string DefaultOwnerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "localhost", ":", getpid());
}

}  // namespace

WorkerPool::WorkerPool(JobQueue& queue, const TaskRegistry& registry,
                       Clock& clock, WorkerPoolOptions options)
    : queue_(queue),
      registry_(registry),
      clock_(clock),
      options_(std::move(options)) {}

WorkerPool::~WorkerPool() { Stop(); }

absl::Status WorkerPool::Start() {
  if (options_.workers < 1 || options_.workers > kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers must be 1..", kMaxWorkers));
  }
  if (options_.lease_duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease_duration must be positive");
  }
  if (options_.extend_interval == absl::ZeroDuration()) {
    options_.extend_interval = options_.lease_duration / 3;
  }
  if (options_.extend_interval <= absl::ZeroDuration() ||
      options_.extend_interval >= options_.lease_duration) {
    return absl::InvalidArgumentError(
        "extend_interval must be positive and shorter than lease_duration");
  }
  if (options_.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poll_interval must be positive");
  }
  if (options_.owner_id.empty()) options_.owner_id = DefaultOwnerId();
  types_ = registry_.Types();
  if (types_.empty()) {
    return absl::InvalidArgumentError("no task is registered");
  }
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("started already");
    started_ = true;
  }
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
  extender_ = std::thread([this] { ExtendLoop(); });
  return absl::OkStatus();
}

void WorkerPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  {
    absl::MutexLock lock(&mu_);
    workers_done_ = true;
  }
  if (extender_.joinable()) extender_.join();
}

WorkerPool::Stats WorkerPool::stats() const {
  Stats s;
  s.succeeded = succeeded_.load();
  s.failed = failed_.load();
  s.unrecorded = unrecorded_.load();
  s.lease_errors = lease_errors_.load();
  return s;
}

absl::Status WorkerPool::RunTask(const Job& job) {
  const TaskRegistry::Entry* entry = registry_.Find(job.type);
  if (entry == nullptr) {
    // Lease asks for registered types only; reaching here is a bug.
    return absl::FailedPreconditionError(
        absl::StrCat("no task for job type ", job.type));
  }
  try {
    return entry->task(job);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("task ", job.type, " threw: ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("task ", job.type, " threw"));
  }
}

void WorkerPool::WorkerLoop(int index) {
  const std::string owner = absl::StrCat(options_.owner_id, "/", index);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::StatusOr<std::optional<Job>> leased =
        queue_.Lease(owner, types_, options_.lease_duration);
    if (!leased.ok()) lease_errors_.fetch_add(1);
    if (!leased.ok() || !leased->has_value()) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval);
      continue;
    }
    const Job& job = **leased;
    {
      absl::MutexLock lock(&mu_);
      in_flight_[job.id] = owner;
    }
    const absl::Status outcome = RunTask(job);
    {
      absl::MutexLock lock(&mu_);
      in_flight_.erase(job.id);
    }
    absl::Status recorded;
    if (outcome.ok()) {
      succeeded_.fetch_add(1);
      recorded = queue_.Complete(job.id, owner);
    } else {
      failed_.fetch_add(1);
      const TaskRegistry::Entry* entry = registry_.Find(job.type);
      recorded = queue_
                     .Fail(job.id, owner, outcome,
                           entry != nullptr ? entry->retry : RetryPolicy{})
                     .status();
    }
    if (!recorded.ok()) unrecorded_.fetch_add(1);
  }
}

void WorkerPool::ExtendLoop() {
  while (true) {
    std::vector<std::pair<int64_t, std::string>> running;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&workers_done_),
                           options_.extend_interval);
      if (workers_done_) return;
      running.assign(in_flight_.begin(), in_flight_.end());
    }
    for (const auto& [id, owner] : running) {
      absl::Status s =
          queue_.ExtendLease(id, owner, clock_.Now() + options_.lease_duration);
      // A lost lease (expired and taken, or cancelled) cannot be won back;
      // the task finishes and its outcome is refused.
      if (!s.ok()) lease_errors_.fetch_add(1);
    }
  }
}

}  // namespace lia::jobs
