#pragma once

// Cron schedules (DESIGN §6): each schedule enqueues a job on every tick of
// its five-field UTC cron expression (cron.h), once per tick however many
// processes share the database, and once — not once per missed tick —
// after downtime. A ScheduleStore persists the schedules with their last
// and next run; the Scheduler asks it every second to claim what is due.
// The SQLite store lives in lia_jobs_sqlite (OpenSqliteScheduleStore).

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jobs/cron.h"
#include "jobs/job.h"

namespace lia::jobs {

class Clock;

// A schedule as configured.
struct ScheduleSpec {
  // Required: 1-64 of [A-Za-z0-9_.-], unique. Names the schedule and goes
  // into the idempotency key of its jobs.
  std::string name;
  std::string cron;            // Required: five fields, UTC (cron.h).
  std::string job_type;        // Required: the task the job runs.
  std::string payload = "{}";  // JSON text, given to the job as is.
  Priority priority = Priority::kNormal;
  bool enabled = true;  // A disabled schedule is kept but never fires.
};

// The built-in schedules, every day: "daily_digest" (job type
// "daily_digest", normal priority) at 09:00 UTC and "cleanup" (job type
// "cleanup", low priority) at 02:00 UTC. The configuration's [schedules]
// may move or disable them.
std::vector<ScheduleSpec> DefaultSchedules();

// A schedule as persisted.
struct Schedule {
  std::string name;
  std::string cron;  // Canonical (CronExpression::ToString).
  std::string job_type;
  std::string payload;
  Priority priority = Priority::kNormal;
  bool enabled = true;
  // The tick last claimed (its scheduled instant, not when it was claimed);
  // nullopt before the first.
  std::optional<absl::Time> last_run_at;
  // The tick to claim next; nullopt while disabled.
  std::optional<absl::Time> next_run_at;
  absl::Time created_at;
  absl::Time updated_at;
};

// Thread-safe; every method is one transaction, and several stores (threads
// or processes) may share one database.
//
// Errors: InvalidArgument for bad specs; DataLoss for a stored row that
// cannot be read; Unavailable when the database is busy past its timeout
// (retry).
class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;

  // Makes the stored schedules those of `specs`, validated first (all or
  // nothing):
  //  - a new schedule is created with next_run_at = its first tick after
  //    `now`;
  //  - an unchanged one keeps its last and next run, so a tick missed while
  //    no process ran is still due and is caught up (once) by ClaimDue;
  //  - a changed one is updated; a changed cron (compared canonically) or
  //    a schedule enabled again recomputes next_run_at from `now` (no
  //    catch-up for ticks of another cron or of a disabled period);
  //  - a schedule absent from `specs` is deleted, with its history: the
  //    configuration is the source of truth, and a removed schedule would
  //    otherwise linger in listings. Processes sharing a database must
  //    therefore share its schedule configuration.
  virtual absl::Status Sync(const std::vector<ScheduleSpec>& specs,
                            absl::Time now) = 0;

  // Claims every enabled schedule with next_run_at <= now: sets last_run_at
  // to that due tick and next_run_at to the first tick after `now` (so
  // after downtime it fires once, not once per missed tick), and enqueues
  // its job — max_attempts 5, runnable now, idempotency key
  // "schedule:<name>:<due tick, RFC 3339 UTC to the second>" — in the same
  // transaction. Of several stores claiming the same tick, exactly one
  // enqueues the job. Returns the jobs enqueued, by due tick then name.
  virtual absl::StatusOr<std::vector<Job>> ClaimDue(absl::Time now) = 0;

  // Every schedule, by name.
  virtual absl::StatusOr<std::vector<Schedule>> List() = 0;
};

// "schedule:<name>:<tick>", the idempotency key of a schedule's job, the
// tick as "2027-01-15T09:00:00Z".
std::string ScheduleJobKey(const std::string& name, absl::Time tick);

// What every ScheduleStore::Sync checks before writing: names valid and
// unique, job type present, cron parses. InvalidArgument naming the
// schedule. (The payload's JSON is checked by the store, as the queue does.)
absl::Status ValidateScheduleSpecs(const std::vector<ScheduleSpec>& specs);

// A spec as ScheduleStore::Sync applies it, checked and parsed.
struct ConfiguredSchedule {
  const ScheduleSpec* spec;  // Into the vector given; not owned.
  CronExpression cron;
  // The first tick after `now`; nullopt while disabled. Only a schedule
  // created, re-timed or enabled again uses it.
  std::optional<absl::Time> first_tick;
};
// ValidateScheduleSpecs, each spec's job as the queue would check it
// (ValidateNewJob, errors naming the schedule), its cron parsed and its
// first tick after `now`: all a store computes before its transaction.
absl::StatusOr<std::vector<ConfiguredSchedule>> ConfigureSchedules(
    const std::vector<ScheduleSpec>& specs, absl::Time now);

struct SchedulerOptions {
  // Default 1 s. How often (real time) the scheduler claims due schedules;
  // a tick fires at most this late. Positive.
  absl::Duration tick_interval = absl::Seconds(1);
};

// Claims due schedules (ScheduleStore::ClaimDue) with the clock's time,
// right after Start and then every tick_interval, on a thread of its own.
// Sync the store before starting. Thread-safe, Start and Stop included.
class Scheduler {
 public:
  // Not owned; both must outlive the scheduler.
  Scheduler(ScheduleStore& store, Clock& clock, SchedulerOptions options = {});
  ~Scheduler();  // Stops.

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // InvalidArgument for bad options; FailedPrecondition when started before
  // (a scheduler runs once).
  absl::Status Start();

  // Returns once the thread has finished its tick in progress, if any, and
  // exited; promptly otherwise. Idempotent; a no-op before Start.
  void Stop();

  // One claim, now, on the calling thread: store.ClaimDue(clock.Now()).
  // Counted in stats(). For tests and for callers that drive time.
  absl::StatusOr<std::vector<Job>> Tick();

  struct Stats {
    int64_t ticks = 0;        // Claims made.
    int64_t jobs = 0;         // Jobs the claims enqueued.
    int64_t errors = 0;       // Claims that failed (retried next tick).
    absl::Status last_error;  // Of the latest failed claim; OK if none.
  };
  Stats stats() const;

 private:
  void Loop();

  ScheduleStore& store_;
  Clock& clock_;
  const SchedulerOptions options_;

  // Serializes Start and Stop (held while joining); never taken by the
  // thread.
  absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lia::jobs
