#pragma once

// In-process workers (DESIGN §6): N threads that lease jobs, run their tasks
// and report the outcome, plus one thread that extends the leases of the
// jobs running.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lia::jobs {

class Clock;
class JobQueue;
class TaskRegistry;
class WorkSubscription;
struct Job;

struct WorkerPoolOptions {
  int workers = 2;  // Default 2. Threads leasing and running jobs; 1..256.
  // Default 60 s. How long a lease lasts without extension: a dead worker's
  // job is taken again this long after its last extension.
  absl::Duration lease_duration = absl::Seconds(60);
  // Default lease_duration / 3. How often running jobs' leases are extended
  // (real time); must be shorter than lease_duration.
  absl::Duration extend_interval = absl::ZeroDuration();
  // Default 250 ms. How long an idle worker sleeps (real time) before it
  // asks the queue again, unless the queue wakes it sooner
  // (JobQueue::SubscribeToWork: PostgreSQL's LISTEN/NOTIFY).
  absl::Duration poll_interval = absl::Milliseconds(250);
  // Default "<hostname>:<pid>". Worker i leases as "<owner_id>/<i>".
  std::string owner_id;
  // Default 1 (1..256). Jobs a worker leases at once (JobQueue::LeaseBatch);
  // those of a type with a batch task run as one batch, the others one by
  // one, and the successes are completed in one transaction. Larger batches
  // cost fewer transactions per job and hold more jobs per lease.
  int batch_size = 1;
  // Optional. Called on the worker's thread after every attempt with the
  // job as leased, the task's status, how long the task ran (real time),
  // and — after a failure the queue recorded — the job as it is now
  // (queued again, failed or dead); null otherwise. For metrics and events:
  // must be thread-safe, quick, and must not throw.
  std::function<void(const Job& job, const absl::Status& outcome,
                     absl::Duration took, const Job* after_failure)>
      on_attempt;
};

// Runs the jobs of the registered types. Start once, Stop once (Stop is
// idempotent and the destructor calls it). Start and Stop must not race
// each other; everything else is thread-safe.
//
// Delivery is at least once: when Complete or Fail cannot be recorded (the
// database is unavailable, or the lease was lost), the job is left to its
// lease and runs again later. Tasks must be idempotent.
class WorkerPool {
 public:
  // Not owned; all must outlive the pool. The registry must not change
  // after Start.
  WorkerPool(JobQueue& queue, const TaskRegistry& registry, Clock& clock,
             WorkerPoolOptions options);
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // InvalidArgument for bad options or an empty registry;
  // FailedPrecondition when started before.
  absl::Status Start();

  // Stops leasing, lets the tasks in flight finish and records their
  // outcome (their leases are extended meanwhile), then joins every thread.
  // Finishing rather than releasing: tasks cannot be interrupted, and a
  // released job would only run twice. Blocks as long as the slowest task.
  void Stop();

  struct Stats {
    int64_t succeeded = 0;     // Attempts completed.
    int64_t failed = 0;        // Attempts failed (retried or not).
    int64_t unrecorded = 0;    // Outcomes the queue refused (lease lost...).
    int64_t lease_errors = 0;  // Lease or ExtendLease calls that failed.
  };
  Stats stats() const;

 private:
  // What an idle worker waits for: Stop, or a wake-up from the queue since
  // it last asked for jobs.
  struct IdleWait {
    const WorkerPool* pool;
    uint64_t wakeups_seen;
    // Evaluated by mu_.AwaitWithTimeout, which holds mu_.
    bool Done() const ABSL_NO_THREAD_SAFETY_ANALYSIS;
  };
  void WorkerLoop(int index);
  void ExtendLoop();
  absl::Status RunTask(const Job& job);
  // Runs jobs of one type (a batch task when the type has one) and returns
  // one status per job, with the time each took.
  std::vector<absl::Status> RunGroup(const std::vector<Job>& jobs,
                                     absl::Duration* took_each);
  // Records the outcome of each job and reports it (on_attempt).
  void Record(const std::string& owner, const std::vector<Job>& jobs,
              const std::vector<absl::Status>& outcomes, absl::Duration took);

  JobQueue& queue_;
  const TaskRegistry& registry_;
  Clock& clock_;
  WorkerPoolOptions options_;
  std::vector<std::string> types_;  // Set by Start, then read-only.

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;      // Workers stop leasing.
  bool workers_done_ ABSL_GUARDED_BY(mu_) = false;  // Extender stops.
  // Running jobs: id -> the owner that leased it.
  absl::flat_hash_map<int64_t, std::string> in_flight_ ABSL_GUARDED_BY(mu_);
  // Wake-ups the queue sent (JobQueue::SubscribeToWork).
  uint64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;

  // Touched only by Start and Stop, which do not race.
  std::vector<std::thread> workers_;
  std::thread extender_;
  // Null when the queue sends no wake-ups; reset by Stop once the workers
  // are joined.
  std::unique_ptr<WorkSubscription> wake_subscription_;

  std::atomic<int64_t> succeeded_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> unrecorded_{0};
  std::atomic<int64_t> lease_errors_{0};
};

}  // namespace lia::jobs
