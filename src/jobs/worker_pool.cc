#include "jobs/worker_pool.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
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
  if (options_.batch_size < 1 || options_.batch_size > 256) {
    return absl::InvalidArgumentError("batch_size must be 1..256");
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
  wake_subscription_ = queue_.SubscribeToWork([this] {
    absl::MutexLock lock(&mu_);
    ++wakeups_;
  });
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
  // Waits for a wake-up in progress, which takes mu_: not under mu_.
  wake_subscription_.reset();
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

std::vector<absl::Status> WorkerPool::RunGroup(const std::vector<Job>& jobs,
                                               absl::Duration* took_each) {
  const absl::Time started = absl::Now();
  std::vector<absl::Status> outcomes;
  const TaskRegistry::Entry* entry = registry_.Find(jobs.front().type);
  if (entry != nullptr && entry->batch && jobs.size() > 1) {
    try {
      outcomes = entry->batch(jobs);
    } catch (const std::exception& e) {
      outcomes.clear();
      outcomes.resize(jobs.size(),
                      absl::InternalError(absl::StrCat(
                          "task ", jobs.front().type, " threw: ", e.what())));
    } catch (...) {
      outcomes.clear();
      outcomes.resize(jobs.size(), absl::InternalError(absl::StrCat(
                                       "task ", jobs.front().type, " threw")));
    }
    if (outcomes.size() != jobs.size()) {
      outcomes.assign(
          jobs.size(),
          absl::InternalError(absl::StrCat(
              "batch task ", jobs.front().type, " gave ", outcomes.size(),
              " statuses for ", jobs.size(), " jobs")));
    }
  } else {
    outcomes.reserve(jobs.size());
    for (const Job& job : jobs) outcomes.push_back(RunTask(job));
  }
  *took_each = (absl::Now() - started) / static_cast<int64_t>(jobs.size());
  return outcomes;
}

void WorkerPool::Record(const std::string& owner, const std::vector<Job>& jobs,
                        const std::vector<absl::Status>& outcomes,
                        absl::Duration took) {
  std::vector<int64_t> done;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (outcomes[i].ok()) done.push_back(jobs[i].id);
  }
  if (!done.empty()) {
    succeeded_.fetch_add(static_cast<int64_t>(done.size()));
    absl::StatusOr<std::vector<absl::Status>> completed =
        queue_.CompleteBatch(done, owner);
    if (!completed.ok()) {
      unrecorded_.fetch_add(static_cast<int64_t>(done.size()));
    } else {
      for (const absl::Status& c : *completed) {
        if (!c.ok()) unrecorded_.fetch_add(1);
      }
    }
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    std::optional<Job> after_failure;
    if (!outcomes[i].ok()) {
      failed_.fetch_add(1);
      const TaskRegistry::Entry* entry = registry_.Find(job.type);
      absl::StatusOr<Job> now =
          queue_.Fail(job.id, owner, outcomes[i],
                      entry != nullptr ? entry->retry : RetryPolicy{});
      if (now.ok()) {
        after_failure = *std::move(now);
      } else {
        unrecorded_.fetch_add(1);
      }
    }
    if (options_.on_attempt) {
      options_.on_attempt(job, outcomes[i], took,
                          after_failure ? &*after_failure : nullptr);
    }
  }
}

bool WorkerPool::IdleWait::Done() const {
  return pool->stopping_ || pool->wakeups_ != wakeups_seen;
}

void WorkerPool::WorkerLoop(int index) {
  const std::string owner = absl::StrCat(options_.owner_id, "/", index);
  while (true) {
    // Read before leasing: a wake-up sent while the lease finds nothing
    // ends the wait below at once.
    uint64_t wakeups_seen = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      wakeups_seen = wakeups_;
    }
    absl::StatusOr<std::vector<Job>> leased =
        options_.batch_size == 1 ? [&]() -> absl::StatusOr<std::vector<Job>> {
      absl::StatusOr<std::optional<Job>> one =
          queue_.Lease(owner, types_, options_.lease_duration);
      if (!one.ok()) return one.status();
      std::vector<Job> jobs;
      if (one->has_value()) jobs.push_back(**std::move(one));
      return jobs;
    }()
        : queue_.LeaseBatch(owner, types_, options_.lease_duration,
                            options_.batch_size);
    if (!leased.ok()) lease_errors_.fetch_add(1);
    if (!leased.ok() || leased->empty()) {
      const IdleWait idle{this, wakeups_seen};
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&idle, &IdleWait::Done),
                           options_.poll_interval);
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      for (const Job& job : *leased) in_flight_[job.id] = owner;
    }
    // Jobs of one type together, in lease order otherwise.
    std::vector<std::vector<Job>> groups;
    for (Job& job : *leased) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
        return g.front().type == job.type;
      });
      if (it == groups.end()) {
        groups.push_back({std::move(job)});
      } else {
        it->push_back(std::move(job));
      }
    }
    for (const std::vector<Job>& group : groups) {
      absl::Duration took;
      const std::vector<absl::Status> outcomes = RunGroup(group, &took);
      {
        absl::MutexLock lock(&mu_);
        for (const Job& job : group) in_flight_.erase(job.id);
      }
      Record(owner, group, outcomes, took);
    }
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
