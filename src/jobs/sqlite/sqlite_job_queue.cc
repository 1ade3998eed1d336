// The SQLite JobQueue: one connection behind a mutex, every call one
// IMMEDIATE transaction. Leasing selects the candidate and marks it running
// in the same transaction, and SQLite allows one writer per database file,
// so two workers — threads here or other processes on the file — never
// lease the same job.

#include "jobs/sqlite/sqlite_job_queue.h"

#include <memory>
#include <new>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "jobs/clock.h"
#include "jobs/retry_policy.h"
#include "jobs/sqlite/job_rows.h"
#include "sqlite3.h"
#include "store/internal/time.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_errors.h"
#include "store/store.h"

namespace lia::store {
namespace {

using jobs::Job;
using jobs::JobState;
using jobs::NewJob;

constexpr int64_t kMaxListLimit = 500;
constexpr size_t kMaxErrorLength = 2000;

// Rows: shared with the schedule store (jobs/sqlite/job_rows.h).
using sqlite_internal::kJobColumns;
using sqlite_internal::ReadJob;
using sqlite_internal::StepOneJob;
using sqlite_internal::ValidateNewJob;

absl::Status NoJob(int64_t id) {
  return absl::NotFoundError(absl::StrCat("no job ", id));
}

std::string Truncated(std::string s) {
  if (s.size() > kMaxErrorLength) {
    s.resize(kMaxErrorLength);
    s += "...";
  }
  return s;
}

// ---------------------------------------------------------------------------

class SqliteJobQueue final : public jobs::JobQueue {
 public:
  SqliteJobQueue(std::unique_ptr<SQLite::Database> db, jobs::Clock& clock,
                 uint64_t seed)
      : clock_(clock), conn_(std::move(db), "job queue"), gen_(seed) {}

  // JobQueue:
  absl::StatusOr<Job> Enqueue(const NewJob& job) override;
  absl::StatusOr<std::vector<Job>> EnqueueBatch(
      const std::vector<NewJob>& jobs) override;
  absl::StatusOr<std::optional<Job>> Lease(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration) override;
  absl::StatusOr<std::vector<Job>> LeaseBatch(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration, int max_jobs) override;
  absl::Status ExtendLease(int64_t id, const std::string& owner,
                           absl::Time until) override;
  absl::Status Complete(int64_t id, const std::string& owner) override;
  absl::StatusOr<std::vector<absl::Status>> CompleteBatch(
      const std::vector<int64_t>& ids, const std::string& owner) override;
  absl::StatusOr<Job> Fail(int64_t id, const std::string& owner,
                           const absl::Status& status,
                           const jobs::RetryPolicy& policy) override;
  absl::StatusOr<Job> Cancel(int64_t id) override;
  absl::StatusOr<Job> Retry(int64_t id) override;
  absl::StatusOr<Job> Get(int64_t id) override;
  absl::StatusOr<std::vector<Job>> List(const jobs::JobFilter& filter) override;
  absl::StatusOr<jobs::JobCounts> Counts() override;

 private:
  template <typename F>
  auto Run(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    return conn_.Run(std::forward<F>(body));
  }
  // Inside Run's body only.
  SQLite::Statement& Prepared(SQLite::Database&, const std::string& sql) {
    return conn_.Prepared(sql);
  }

  absl::Duration Jitter(const jobs::RetryPolicy& policy, int attempts) {
    absl::MutexLock lock(&gen_mu_);
    return jobs::BackoffDelay(policy, attempts, gen_);
  }

  // The job as stored, inside the caller's transaction.
  absl::StatusOr<Job> Load(SQLite::Database& db, int64_t id);
  // Why `owner` cannot act on job `id`: NotFound or FailedPrecondition.
  absl::Status LeaseLost(SQLite::Database& db, int64_t id,
                         const std::string& owner);
  // Enqueue inside the caller's transaction (job_rows.h, InsertJob).
  absl::StatusOr<Job> EnqueueIn(SQLite::Database& db, const NewJob& job,
                                const std::string& now_text, absl::Time now) {
    return sqlite_internal::InsertJob(conn_.statements(), db, job, now_text,
                                      now);
  }

  jobs::Clock& clock_;
  sqlite_internal::ExclusiveConnection conn_;
  absl::Mutex gen_mu_;  // The retry jitter's generator.
  std::mt19937_64 gen_ ABSL_GUARDED_BY(gen_mu_);
};

absl::StatusOr<Job> SqliteJobQueue::Load(SQLite::Database& db, int64_t id) {
  SQLite::Statement& st = Prepared(
      db, absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = ?"));
  st.bind(1, id);
  LIA_ASSIGN_OR_RETURN(std::optional<Job> job, StepOneJob(st));
  if (!job) return NoJob(id);
  return *std::move(job);
}

absl::Status SqliteJobQueue::LeaseLost(SQLite::Database& db, int64_t id,
                                       const std::string& owner) {
  LIA_ASSIGN_OR_RETURN(Job job, Load(db, id));
  if (job.state != JobState::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", id, " is ", std::string(jobs::ToString(job.state)),
                     ", not running; ", owner, " holds no lease on it"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("job ", id, " is leased by ", job.lease_owner, ", not ",
                   owner, " (the lease expired and was taken again)"));
}

absl::StatusOr<Job> SqliteJobQueue::Enqueue(const NewJob& job) {
  LIA_RETURN_IF_ERROR(ValidateNewJob(job));
  return Run([&](SQLite::Database& db) -> absl::StatusOr<Job> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const absl::Time now = clock_.Now();
    LIA_ASSIGN_OR_RETURN(Job added,
                         EnqueueIn(db, job, internal::FormatUtc(now), now));
    txn.commit();
    return added;
  });
}

absl::StatusOr<std::vector<Job>> SqliteJobQueue::EnqueueBatch(
    const std::vector<NewJob>& jobs) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    absl::Status valid = ValidateNewJob(jobs[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("jobs[", i, "]: ", valid.message()));
    }
  }
  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<Job>> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const absl::Time now = clock_.Now();
    const std::string now_text = internal::FormatUtc(now);
    std::vector<Job> added;
    added.reserve(jobs.size());
    for (const NewJob& job : jobs) {
      LIA_ASSIGN_OR_RETURN(Job one, EnqueueIn(db, job, now_text, now));
      added.push_back(std::move(one));
    }
    txn.commit();
    return added;
  });
}

absl::StatusOr<std::optional<Job>> SqliteJobQueue::Lease(
    const std::string& owner, const std::vector<std::string>& types,
    absl::Duration lease_duration) {
  LIA_ASSIGN_OR_RETURN(std::vector<Job> leased,
                       LeaseBatch(owner, types, lease_duration, 1));
  if (leased.empty()) return std::nullopt;
  return std::move(leased.front());
}

absl::StatusOr<std::vector<Job>> SqliteJobQueue::LeaseBatch(
    const std::string& owner, const std::vector<std::string>& types,
    absl::Duration lease_duration, int max_jobs) {
  LIA_RETURN_IF_ERROR(
      jobs::ValidateLeaseRequest(owner, types, lease_duration, max_jobs));
  // ?1 is now; ?2.. the types, shared by both arms.
  std::string type_filter;
  if (!types.empty()) {
    type_filter = " AND type IN (";
    for (size_t i = 0; i < types.size(); ++i) {
      absl::StrAppend(&type_filter, i == 0 ? "" : ", ", "?", i + 2);
    }
    type_filter += ")";
  }
  const std::string candidate_sql = absl::StrCat(
      "SELECT id, priority_rank, run_at FROM (SELECT id, priority_rank, run_at "
      "FROM jobs WHERE state = 'queued' AND run_at <= ?1",
      type_filter,
      " ORDER BY priority_rank, run_at, id LIMIT 1) UNION ALL "
      "SELECT id, priority_rank, run_at FROM (SELECT id, priority_rank, run_at "
      "FROM jobs WHERE state = 'running' AND lease_expires_at <= ?1",
      type_filter,
      " ORDER BY priority_rank, run_at, id LIMIT 1) ORDER BY 2, 3, 1 LIMIT 1");

  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<Job>> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const absl::Time now = clock_.Now();
    const std::string now_text = internal::FormatUtc(now);
    // A job whose lease ran out on its last attempt is dead: taking it
    // again would let a job that crashes its worker crash them all.
    {
      SQLite::Statement& st = Prepared(
          db,
          "UPDATE jobs SET state = 'dead', last_error = 'lease of ' || "
          "ifnull(lease_owner, '?') || ' expired on the last attempt', "
          "lease_owner = NULL, lease_expires_at = NULL, updated_at = ?1 "
          "WHERE state = 'running' AND lease_expires_at <= ?1 AND "
          "attempts >= max_attempts");
      st.bind(1, now_text);
      st.exec();
    }
    std::vector<Job> leased;
    while (static_cast<int>(leased.size()) < max_jobs) {
      int64_t id = 0;
      {
        SQLite::Statement& st = Prepared(db, candidate_sql);
        st.bind(1, now_text);
        for (size_t i = 0; i < types.size(); ++i) {
          st.bind(static_cast<int>(i) + 2, types[i]);
        }
        const bool found = st.executeStep();
        if (found) id = st.getColumn(0).getInt64();
        st.reset();
        if (!found) break;
      }
      SQLite::Statement& st = Prepared(
          db,
          absl::StrCat("UPDATE jobs SET state = 'running', lease_owner = ?1, "
                       "lease_expires_at = ?2, attempts = attempts + 1, "
                       "updated_at = ?3 WHERE id = ?4 AND (state = 'queued' "
                       "OR (state = 'running' AND lease_expires_at <= ?3)) "
                       "RETURNING ",
                       kJobColumns));
      st.bind(1, owner);
      st.bind(2, internal::FormatUtc(now + lease_duration));
      st.bind(3, now_text);
      st.bind(4, id);
      LIA_ASSIGN_OR_RETURN(std::optional<Job> one, StepOneJob(st));
      if (!one) return absl::InternalError("leased job vanished");
      leased.push_back(*std::move(one));
    }
    txn.commit();  // Also keeps the dead-marking when nothing was leased.
    return leased;
  });
}

absl::Status SqliteJobQueue::ExtendLease(int64_t id, const std::string& owner,
                                         absl::Time until) {
  return Run([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement& st = Prepared(
        db,
        "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? "
        "AND state = 'running' AND lease_owner = ?");
    st.bind(1, internal::FormatUtc(until));
    st.bind(2, internal::FormatUtc(clock_.Now()));
    st.bind(3, id);
    st.bind(4, owner);
    if (st.exec() == 0) return LeaseLost(db, id, owner);
    txn.commit();
    return absl::OkStatus();
  });
}

absl::Status SqliteJobQueue::Complete(int64_t id, const std::string& owner) {
  absl::StatusOr<std::vector<absl::Status>> done = CompleteBatch({id}, owner);
  if (!done.ok()) return done.status();
  return done->front();
}

absl::StatusOr<std::vector<absl::Status>> SqliteJobQueue::CompleteBatch(
    const std::vector<int64_t>& ids, const std::string& owner) {
  return Run(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<absl::Status>> {
        SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now_text = internal::FormatUtc(clock_.Now());
        std::vector<absl::Status> outcomes;
        outcomes.reserve(ids.size());
        for (int64_t id : ids) {
          SQLite::Statement& st = Prepared(
              db,
              "UPDATE jobs SET state = 'succeeded', lease_owner = NULL, "
              "lease_expires_at = NULL, updated_at = ? WHERE id = ? AND "
              "state = 'running' AND lease_owner = ?");
          st.bind(1, now_text);
          st.bind(2, id);
          st.bind(3, owner);
          outcomes.push_back(st.exec() == 0 ? LeaseLost(db, id, owner)
                                            : absl::OkStatus());
        }
        txn.commit();
        return outcomes;
      });
}

absl::StatusOr<Job> SqliteJobQueue::Fail(int64_t id, const std::string& owner,
                                         const absl::Status& status,
                                         const jobs::RetryPolicy& policy) {
  if (status.ok()) {
    return absl::InvalidArgumentError("Fail needs a failed status");
  }
  return Run([&](SQLite::Database& db) -> absl::StatusOr<Job> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_ASSIGN_OR_RETURN(Job job, Load(db, id));
    if (job.state != JobState::kRunning || job.lease_owner != owner) {
      return LeaseLost(db, id, owner);
    }
    const absl::Time now = clock_.Now();
    JobState next = JobState::kFailed;
    absl::Time run_at = job.run_at;
    if (jobs::IsRetryable(status.code())) {
      if (job.attempts >= job.max_attempts) {
        next = JobState::kDead;
      } else {
        next = JobState::kQueued;
        run_at = now + Jitter(policy, job.attempts);
      }
    }
    SQLite::Statement& st = Prepared(
        db, absl::StrCat("UPDATE jobs SET state = ?, run_at = ?, "
                         "last_error = ?, lease_owner = NULL, "
                         "lease_expires_at = NULL, updated_at = ? WHERE id = ? "
                         "RETURNING ",
                         kJobColumns));
    st.bind(1, std::string(jobs::ToString(next)));
    st.bind(2, internal::FormatUtc(run_at));
    st.bind(3, Truncated(status.ToString()));
    st.bind(4, internal::FormatUtc(now));
    st.bind(5, id);
    LIA_ASSIGN_OR_RETURN(std::optional<Job> updated, StepOneJob(st));
    if (!updated) return NoJob(id);
    txn.commit();
    return *std::move(updated);
  });
}

absl::StatusOr<Job> SqliteJobQueue::Cancel(int64_t id) {
  return Run([&](SQLite::Database& db) -> absl::StatusOr<Job> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_ASSIGN_OR_RETURN(Job job, Load(db, id));
    if (job.state == JobState::kCancelled) return job;
    if (!jobs::IsLive(job.state)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", id, " is ", std::string(jobs::ToString(job.state)),
          "; only queued or running jobs can be cancelled"));
    }
    SQLite::Statement& st = Prepared(
        db, absl::StrCat("UPDATE jobs SET state = 'cancelled', "
                         "lease_owner = NULL, lease_expires_at = NULL, "
                         "updated_at = ? WHERE id = ? RETURNING ",
                         kJobColumns));
    st.bind(1, internal::FormatUtc(clock_.Now()));
    st.bind(2, id);
    LIA_ASSIGN_OR_RETURN(std::optional<Job> updated, StepOneJob(st));
    if (!updated) return NoJob(id);
    txn.commit();
    return *std::move(updated);
  });
}

absl::StatusOr<Job> SqliteJobQueue::Retry(int64_t id) {
  return Run([&](SQLite::Database& db) -> absl::StatusOr<Job> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_ASSIGN_OR_RETURN(Job job, Load(db, id));
    if (job.state != JobState::kFailed && job.state != JobState::kDead &&
        job.state != JobState::kCancelled) {
      return absl::FailedPreconditionError(absl::StrCat(
          "job ", id, " is ", std::string(jobs::ToString(job.state)),
          "; only failed, dead or cancelled jobs can be retried"));
    }
    const std::string now_text = internal::FormatUtc(clock_.Now());
    if (!job.idempotency_key.empty()) {
      SQLite::Statement& live =
          Prepared(db,
                   "SELECT id FROM jobs WHERE idempotency_key = ? AND state IN "
                   "('queued', 'running')");
      live.bind(1, job.idempotency_key);
      if (live.executeStep()) {
        const int64_t holder = live.getColumn(0).getInt64();
        live.reset();
        return absl::AlreadyExistsError(absl::StrCat(
            "job ", holder, " is doing this work already (idempotency key ",
            job.idempotency_key, ")"));
      }
      live.reset();
    }
    SQLite::Statement& st = Prepared(
        db, absl::StrCat("UPDATE jobs SET state = 'queued', attempts = 0, "
                         "run_at = ?1, lease_owner = NULL, "
                         "lease_expires_at = NULL, updated_at = ?1 "
                         "WHERE id = ?2 RETURNING ",
                         kJobColumns));
    st.bind(1, now_text);
    st.bind(2, id);
    LIA_ASSIGN_OR_RETURN(std::optional<Job> updated, StepOneJob(st));
    if (!updated) return NoJob(id);
    txn.commit();
    return *std::move(updated);
  });
}

absl::StatusOr<Job> SqliteJobQueue::Get(int64_t id) {
  return Run([&](SQLite::Database& db) { return Load(db, id); });
}

absl::StatusOr<std::vector<Job>> SqliteJobQueue::List(
    const jobs::JobFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxListLimit));
  }
  if (filter.skip < 0) return absl::InvalidArgumentError("skip must be >= 0");
  std::string sql = absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE 1");
  if (filter.state) sql += " AND state = :state";
  if (!filter.type.empty()) sql += " AND type = :type";
  sql += " ORDER BY id DESC LIMIT :limit OFFSET :skip";
  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<Job>> {
    SQLite::Statement& st = Prepared(db, sql);
    if (filter.state) {
      st.bind(":state", std::string(jobs::ToString(*filter.state)));
    }
    if (!filter.type.empty()) st.bind(":type", filter.type);
    st.bind(":limit", filter.limit);
    st.bind(":skip", filter.skip);
    std::vector<Job> out;
    while (st.executeStep()) {
      LIA_ASSIGN_OR_RETURN(Job job, ReadJob(st));
      out.push_back(std::move(job));
    }
    st.reset();
    return out;
  });
}

absl::StatusOr<jobs::JobCounts> SqliteJobQueue::Counts() {
  return Run([&](SQLite::Database& db) -> absl::StatusOr<jobs::JobCounts> {
    SQLite::Statement& st = Prepared(
        db, "SELECT state, type, count(*) FROM jobs GROUP BY state, type");
    jobs::JobCounts out;
    while (st.executeStep()) {
      out[{st.getColumn(0).getString(), st.getColumn(1).getString()}] =
          st.getColumn(2).getInt64();
    }
    st.reset();
    return out;
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<jobs::JobQueue>> OpenSqliteJobQueue(
    const SqliteJobQueueOptions& options) {
  // ":memory:" is refused: a database of its own, which the store would
  // never see.
  LIA_ASSIGN_OR_RETURN(
      std::unique_ptr<SQLite::Database> db,
      sqlite_internal::OpenComponentConnection(
          options.path, options.busy_timeout_ms, "the job queue"));
  jobs::Clock& clock = options.clock ? *options.clock : jobs::SystemClock();
  const uint64_t seed =
      options.random_seed != 0 ? options.random_seed : std::random_device{}();
  return std::make_unique<SqliteJobQueue>(std::move(db), clock, seed);
}

}  // namespace lia::store
