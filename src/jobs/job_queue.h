#pragma once

// The durable job queue (DESIGN §6): at-least-once delivery through leases.
// One interface; the SQLite implementation lives in jobs/sqlite
// (OpenSqliteJobQueue), the PostgreSQL one in jobs/postgres
// (OpenPostgresJobQueue).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jobs/job.h"
#include "jobs/retry_policy.h"

namespace lia::jobs {

struct NewJob {
  std::string type;            // Required.
  std::string payload = "{}";  // JSON text; InvalidArgument if malformed.
  Priority priority = Priority::kNormal;
  int max_attempts = 5;  // Default 5. Attempts before the job is dead; >= 1.
  // Default: now. Not leased before this instant.
  std::optional<absl::Time> run_at;
  // Empty: none. See JobQueue::Enqueue.
  std::string idempotency_key;
};

struct JobFilter {
  std::optional<JobState> state;  // Empty: every state.
  std::string type;               // Empty: every type.
  int64_t limit = 50;             // Default 50; 1..500.
  int64_t skip = 0;               // Default 0.
};

// Number of jobs per (state wire name, type).
using JobCounts = std::map<std::pair<std::string, std::string>, int64_t>;

// The checks every JobQueue implementation makes before it writes, so
// both databases refuse the same input with the same words.
inline constexpr int kMaxLeaseBatch = 256;    // Jobs per LeaseBatch.
inline constexpr int kMaxTypesPerLease = 64;  // Types one lease may ask for.
// InvalidArgument for a job Enqueue refuses: no type, max_attempts < 1, a
// payload that is not JSON.
absl::Status ValidateNewJob(const NewJob& job);
// InvalidArgument for a LeaseBatch that asks for nothing sensible.
absl::Status ValidateLeaseRequest(const std::string& owner,
                                  const std::vector<std::string>& types,
                                  absl::Duration lease_duration, int max_jobs);

// A registration made with JobQueue::SubscribeToWork; destroying it ends
// the calls (see there).
class WorkSubscription {
 public:
  virtual ~WorkSubscription() = default;
};

// Thread-safe; every method is one transaction. Time comes from the Clock
// the implementation was opened with; retry jitter from its random source.
//
// Errors: NotFound for an unknown id; FailedPrecondition when the job is not
// in a state the call applies to — in particular when `owner` no longer
// holds the lease (it expired and another worker took the job, or the job
// was cancelled): the caller must drop its result; InvalidArgument for bad
// input; Unavailable when the database is busy past its timeout (retry).
class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Adds a queued job. With an idempotency key that a live (queued or
  // running) job holds already, adds nothing and returns that job: a
  // producer that retries its enqueue gets the same job back, which is what
  // at-least-once producers want (compare created_at or id to tell). A key
  // whose job has finished (any other state) may be used again.
  virtual absl::StatusOr<Job> Enqueue(const NewJob& job) = 0;
  // Enqueue for many jobs in one transaction: all or nothing.
  virtual absl::StatusOr<std::vector<Job>> EnqueueBatch(
      const std::vector<NewJob>& jobs) = 0;

  // Takes the next runnable job: queued with run_at <= now, or running with
  // an expired lease (its worker died), highest priority first, then
  // earliest run_at, then lowest id; of the given types only, unless
  // `types` is empty. Marks it running, owned by `owner` until now +
  // lease_duration, and counts an attempt. nullopt when there is none.
  // A job whose lease expired on its last allowed attempt is marked dead
  // instead of being taken again (a job that kills its worker must stop).
  virtual absl::StatusOr<std::optional<Job>> Lease(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration) = 0;

  // Lease for up to `max_jobs` (1..256) jobs in one transaction, in the
  // order Lease would take them one by one (types may be mixed). Empty when
  // there is none. A worker that processes jobs in batches saves a
  // transaction per job here and in CompleteBatch.
  virtual absl::StatusOr<std::vector<Job>> LeaseBatch(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration, int max_jobs) = 0;

  // Moves the lease of a running job that `owner` holds to `until`.
  virtual absl::Status ExtendLease(int64_t id, const std::string& owner,
                                   absl::Time until) = 0;

  // Marks a job that `owner` holds succeeded.
  virtual absl::Status Complete(int64_t id, const std::string& owner) = 0;
  // Complete for many jobs in one transaction. Returns one status per id,
  // in order: OK, or the error Complete would give for that job (its
  // failure does not undo the others). The outer status is for the
  // transaction itself (Unavailable when the database is busy).
  virtual absl::StatusOr<std::vector<absl::Status>> CompleteBatch(
      const std::vector<int64_t>& ids, const std::string& owner) = 0;

  // Records a failed attempt of a job that `owner` holds, with the task's
  // status (not OK). Not retryable (IsRetryable): failed. Retryable with
  // attempts left: queued again at now + BackoffDelay(policy, attempts).
  // Retryable on the last attempt: dead. Returns the job as it is now.
  virtual absl::StatusOr<Job> Fail(int64_t id, const std::string& owner,
                                   const absl::Status& status,
                                   const RetryPolicy& policy) = 0;

  // Cancels a queued or running job (a running job's worker then finds its
  // lease gone). Cancelling a cancelled job is a no-op; FailedPrecondition
  // for succeeded, failed and dead jobs.
  virtual absl::StatusOr<Job> Cancel(int64_t id) = 0;

  // Queues a failed, dead or cancelled job again, now, with its attempts
  // reset to 0 (a person decided it deserves a full budget).
  // FailedPrecondition for other states, and AlreadyExists when another
  // live job holds its idempotency key.
  virtual absl::StatusOr<Job> Retry(int64_t id) = 0;

  virtual absl::StatusOr<Job> Get(int64_t id) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<Job>> List(const JobFilter& filter) = 0;
  // Jobs per (state, type); pairs with no job are absent.
  virtual absl::StatusOr<JobCounts> Counts() = 0;

  // Prompt wake-up for idle workers, who otherwise poll (DESIGN §6): calls
  // `wake` whenever a job may have become runnable — on PostgreSQL, a
  // NOTIFY from whichever process enqueued it — until the returned
  // subscription is destroyed; its destructor waits for a call in progress,
  // and it must be destroyed before the queue. Calls may be spurious (the
  // job was another worker's) and may not come (while the notification
  // connection is down; one call follows its return): polling stays the
  // safety net. `wake` runs on a
  // thread of the queue's: it must be quick, must not throw and must not
  // call the queue. nullptr when the queue has no such signal (SQLite: its
  // workers share one process and poll).
  virtual std::unique_ptr<WorkSubscription> SubscribeToWork(
      std::function<void()> wake) {
    static_cast<void>(wake);
    return nullptr;
  }
};

}  // namespace lia::jobs
