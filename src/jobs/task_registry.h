#pragma once

// What runs a job: one task per job type, with its retry policy.

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "jobs/job.h"
#include "jobs/retry_policy.h"

namespace lia::jobs {

// Runs one attempt of a job. Must be idempotent: delivery is at least once,
// so an attempt may run again after a crash or a lost lease. The returned
// code decides whether the job is retried (IsRetryable). Exceptions are
// caught by the worker and count as Internal, but a task should not throw.
using Task = std::function<absl::Status(const Job& job)>;

// Runs one attempt of several jobs of one type at once (a worker leased
// them together): one status per job, in order. For tasks whose cost is
// mostly a transaction per job, which a batch can share. Same rules as
// Task: idempotent, the codes decide the retries.
using BatchTask =
    std::function<std::vector<absl::Status>(const std::vector<Job>& jobs)>;

// Not thread-safe while registering; register every task before a
// WorkerPool starts, after which concurrent lookups are safe.
class TaskRegistry {
 public:
  struct Entry {
    Task task;        // Always set (for a batch task: a batch of one).
    BatchTask batch;  // Set by RegisterBatch only.
    RetryPolicy retry;
  };

  // AlreadyExists for a type registered before; InvalidArgument for an
  // empty type or task.
  absl::Status Register(const std::string& type, Task task,
                        RetryPolicy retry = {});
  // A task that takes jobs of `type` in batches (see BatchTask). Errors as
  // Register.
  absl::Status RegisterBatch(const std::string& type, BatchTask batch,
                             RetryPolicy retry = {});

  // nullptr for an unknown type. Valid until the registry changes.
  const Entry* Find(const std::string& type) const;

  // Every registered type, sorted.
  std::vector<std::string> Types() const;

 private:
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace lia::jobs
