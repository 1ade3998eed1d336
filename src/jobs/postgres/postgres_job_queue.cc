// The PostgreSQL JobQueue: every call one transaction on a pooled
// connection (Pool::Transact, which retries a transaction the server rolled
// back). Leasing is one statement: it marks dead the jobs whose lease ran
// out on their last attempt, picks the next runnable jobs — queued and due,
// or running with an expired lease — with FOR UPDATE SKIP LOCKED, and marks
// them running. Rows another transaction has locked are skipped, not waited
// for, so concurrent workers in any number of processes take distinct
// jobs. Whoever queues a job runs pg_notify in the same transaction
// (job_rows.h), which wakes the subscribed workers when it commits.

#include "jobs/postgres/postgres_job_queue.h"

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "jobs/clock.h"
#include "jobs/postgres/job_rows.h"
#include "jobs/postgres/notification_listener.h"
#include "jobs/retry_policy.h"
#include "store/postgres/pool.h"

namespace lia::store {
namespace {

using jobs::Job;
using jobs::JobState;
using jobs::NewJob;
using postgres_internal::kJobColumns;
using postgres_internal::ReadJob;
using postgres_internal::TimestampParam;

constexpr int64_t kMaxListLimit = 500;
constexpr size_t kMaxErrorLength = 2000;
// PostgreSQL truncates longer names; pg_stat_activity shows the rest.
constexpr size_t kMaxApplicationName = 63;

// Prepared statements (Pool::Prepare), by name.
constexpr char kGet[] = "lia_jobs_get";
constexpr char kGetForUpdate[] = "lia_jobs_get_for_update";
constexpr char kLease[] = "lia_jobs_lease";
constexpr char kExtend[] = "lia_jobs_extend";
constexpr char kComplete[] = "lia_jobs_complete";
constexpr char kFail[] = "lia_jobs_fail";
constexpr char kCancel[] = "lia_jobs_cancel";
constexpr char kLiveIdByKey[] = "lia_jobs_live_id_by_key";
constexpr char kRetry[] = "lia_jobs_retry";
constexpr char kCounts[] = "lia_jobs_counts";
constexpr char kList[] = "lia_jobs_list";
constexpr char kListByState[] = "lia_jobs_list_by_state";
constexpr char kListByType[] = "lia_jobs_list_by_type";
constexpr char kListByStateAndType[] = "lia_jobs_list_by_state_type";

void PrepareStatements(postgres::Pool& pool) {
  postgres_internal::PrepareInsertJob(pool);
  const std::string notify =
      absl::StrCat("pg_notify('", postgres::kJobsChannel, "', '')");
  pool.Prepare(
      kGet, absl::StrCat("SELECT ", kJobColumns, " FROM jobs WHERE id = $1"));
  pool.Prepare(kGetForUpdate, absl::StrCat("SELECT ", kJobColumns,
                                           " FROM jobs WHERE id = $1 "
                                           "FOR UPDATE"));
  // $1 now, $2 the types (text[]; empty: all), $3 how many, $4 the owner,
  // $5 the lease's end. The two candidate sets are disjoint from the jobs
  // `dead` marks (attempts < max_attempts), since one statement must not
  // update a row twice; each is locked in its own CTE, as FOR UPDATE is
  // not allowed under UNION.
  const std::string of_types =
      "(cardinality($2::text[]) = 0 OR type = ANY ($2::text[]))";
  pool.Prepare(
      kLease,
      absl::StrCat(
          "WITH dead AS (UPDATE jobs SET state = 'dead', last_error = "
          "'lease of ' || coalesce(lease_owner, '?') || ' expired on the "
          "last attempt', lease_owner = NULL, lease_expires_at = NULL, "
          "updated_at = $1 WHERE state = 'running' AND lease_expires_at <= $1 "
          "AND attempts >= max_attempts), "
          "queued AS (SELECT id, priority_rank, run_at FROM jobs "
          "WHERE state = 'queued' AND run_at <= $1 AND ",
          of_types,
          " ORDER BY priority_rank, run_at, id LIMIT $3 "
          "FOR UPDATE SKIP LOCKED), "
          "expired AS (SELECT id, priority_rank, run_at FROM jobs "
          "WHERE state = 'running' AND lease_expires_at <= $1 AND "
          "attempts < max_attempts AND ",
          of_types,
          " ORDER BY priority_rank, run_at, id LIMIT $3 "
          "FOR UPDATE SKIP LOCKED), "
          "chosen AS (SELECT id AS chosen_id FROM (SELECT * FROM queued "
          "UNION ALL SELECT * FROM expired) AS candidates "
          "ORDER BY priority_rank, run_at, id LIMIT $3), "
          "leased AS (UPDATE jobs SET state = 'running', lease_owner = $4, "
          "lease_expires_at = $5, attempts = attempts + 1, updated_at = $1 "
          "FROM chosen WHERE id = chosen_id RETURNING ",
          kJobColumns,
          ", priority_rank) "
          "SELECT * FROM leased ORDER BY priority_rank, run_at_us, id"));
  pool.Prepare(kExtend,
               "UPDATE jobs SET lease_expires_at = $1, updated_at = $2 "
               "WHERE id = $3 AND state = 'running' AND lease_owner = $4");
  pool.Prepare(kComplete,
               "UPDATE jobs SET state = 'succeeded', lease_owner = NULL, "
               "lease_expires_at = NULL, updated_at = $1 WHERE id = ANY "
               "($2::bigint[]) AND state = 'running' AND lease_owner = $3 "
               "RETURNING id");
  pool.Prepare(kFail, absl::StrCat("UPDATE jobs SET state = $1, run_at = $2, "
                                   "last_error = $3, lease_owner = NULL, "
                                   "lease_expires_at = NULL, updated_at = $4 "
                                   "WHERE id = $5 RETURNING ",
                                   kJobColumns));
  pool.Prepare(kCancel, absl::StrCat("UPDATE jobs SET state = 'cancelled', "
                                     "lease_owner = NULL, lease_expires_at = "
                                     "NULL, updated_at = $1 WHERE id = $2 "
                                     "RETURNING ",
                                     kJobColumns));
  pool.Prepare(kLiveIdByKey,
               "SELECT id FROM jobs WHERE idempotency_key = $1 AND state IN "
               "('queued', 'running')");
  pool.Prepare(kRetry,
               absl::StrCat("WITH retried AS (UPDATE jobs SET state = "
                            "'queued', attempts = 0, run_at = $1, "
                            "lease_owner = NULL, lease_expires_at = NULL, "
                            "updated_at = $1 WHERE id = $2 RETURNING ",
                            kJobColumns, ") SELECT retried.*, ", notify,
                            " FROM retried"));
  pool.Prepare(kCounts,
               "SELECT state, type, count(*) FROM jobs GROUP BY state, type");
  // One statement per filter, so each uses the index that matches it
  // (jobs_state, jobs_type, the primary key) instead of a generic plan.
  const std::string list = absl::StrCat("SELECT ", kJobColumns, " FROM jobs");
  pool.Prepare(kList, absl::StrCat(list,
                                   " ORDER BY id DESC LIMIT $1 "
                                   "OFFSET $2"));
  pool.Prepare(kListByState, absl::StrCat(list,
                                          " WHERE state = $1 ORDER BY id DESC "
                                          "LIMIT $2 OFFSET $3"));
  pool.Prepare(kListByType, absl::StrCat(list,
                                         " WHERE type = $1 ORDER BY id DESC "
                                         "LIMIT $2 OFFSET $3"));
  pool.Prepare(kListByStateAndType,
               absl::StrCat(list,
                            " WHERE state = $1 AND type = $2 ORDER BY "
                            "id DESC LIMIT $3 OFFSET $4"));
}

absl::Status NoJob(int64_t id) {
  return absl::NotFoundError(absl::StrCat("no job ", id));
}

std::string BigintArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", values[i]);
  }
  out += '}';
  return out;
}

std::string ListenerName(const PostgresOptions& options) {
  std::string name = absl::StrCat(options.application_name, " listener");
  if (!options.schema.empty()) absl::StrAppend(&name, " ", options.schema);
  if (name.size() > kMaxApplicationName) name.resize(kMaxApplicationName);
  return name;
}

// ---------------------------------------------------------------------------

class PostgresJobQueue final : public jobs::JobQueue {
 public:
  PostgresJobQueue(std::shared_ptr<postgres::Pool> pool, jobs::Clock& clock,
                   uint64_t seed, absl::Duration reconnect_delay)
      : pool_(std::move(pool)),
        clock_(clock),
        gen_(seed),
        listener_(pool_->connection_string(), ListenerName(pool_->options()),
                  reconnect_delay) {}

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
  std::unique_ptr<jobs::WorkSubscription> SubscribeToWork(
      std::function<void()> wake) override {
    return listener_.Subscribe(std::move(wake));
  }

 private:
  absl::Duration Jitter(const jobs::RetryPolicy& policy, int attempts) {
    absl::MutexLock lock(&gen_mu_);
    return jobs::BackoffDelay(policy, attempts, gen_);
  }

  // The job as stored, inside the caller's transaction; locked until its
  // end with `statement` kGetForUpdate.
  static absl::StatusOr<Job> Load(pqxx::work& tx, int64_t id,
                                  const char* statement = kGet);
  // Why `owner` cannot act on `job`: FailedPrecondition.
  static absl::Status LeaseLost(const Job& job, const std::string& owner);
  // The same for job `id`, read in the caller's transaction (or NotFound).
  static absl::Status LeaseLost(pqxx::work& tx, int64_t id,
                                const std::string& owner);

  const std::shared_ptr<postgres::Pool> pool_;
  jobs::Clock& clock_;
  absl::Mutex gen_mu_;  // The retry jitter's generator.
  std::mt19937_64 gen_ ABSL_GUARDED_BY(gen_mu_);
  postgres_internal::NotificationListener listener_;
};

absl::StatusOr<Job> PostgresJobQueue::Load(pqxx::work& tx, int64_t id,
                                           const char* statement) {
  const pqxx::result rows = tx.exec_prepared(statement, id);
  if (rows.empty()) return NoJob(id);
  return ReadJob(rows[0]);
}

absl::Status PostgresJobQueue::LeaseLost(const Job& job,
                                         const std::string& owner) {
  if (job.state != JobState::kRunning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", job.id, " is ", std::string(jobs::ToString(job.state)),
        ", not running; ", owner, " holds no lease on it"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("job ", job.id, " is leased by ", job.lease_owner, ", not ",
                   owner, " (the lease expired and was taken again)"));
}

absl::Status PostgresJobQueue::LeaseLost(pqxx::work& tx, int64_t id,
                                         const std::string& owner) {
  LIA_ASSIGN_OR_RETURN(Job job, Load(tx, id));
  return LeaseLost(job, owner);
}

absl::StatusOr<Job> PostgresJobQueue::Enqueue(const NewJob& job) {
  LIA_RETURN_IF_ERROR(postgres_internal::ValidateNewJob(job));
  return pool_->Transact<Job>(
      "enqueue a job", [&](pqxx::work& tx) -> absl::StatusOr<Job> {
        const absl::Time now = clock_.Now();
        return postgres_internal::InsertJob(tx, job, TimestampParam(now), now);
      });
}

absl::StatusOr<std::vector<Job>> PostgresJobQueue::EnqueueBatch(
    const std::vector<NewJob>& jobs) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    absl::Status valid = postgres_internal::ValidateNewJob(jobs[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("jobs[", i, "]: ", valid.message()));
    }
  }
  return pool_->Transact<std::vector<Job>>(
      "enqueue jobs", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Job>> {
        const absl::Time now = clock_.Now();
        return postgres_internal::InsertJobs(tx, jobs, TimestampParam(now),
                                             now);
      });
}

absl::StatusOr<std::optional<Job>> PostgresJobQueue::Lease(
    const std::string& owner, const std::vector<std::string>& types,
    absl::Duration lease_duration) {
  LIA_ASSIGN_OR_RETURN(std::vector<Job> leased,
                       LeaseBatch(owner, types, lease_duration, 1));
  if (leased.empty()) return std::nullopt;
  return std::move(leased.front());
}

absl::StatusOr<std::vector<Job>> PostgresJobQueue::LeaseBatch(
    const std::string& owner, const std::vector<std::string>& types,
    absl::Duration lease_duration, int max_jobs) {
  LIA_RETURN_IF_ERROR(
      jobs::ValidateLeaseRequest(owner, types, lease_duration, max_jobs));
  const std::string type_array = postgres_internal::ArrayParam(types);
  return pool_->Transact<std::vector<Job>>(
      "lease jobs", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Job>> {
        const absl::Time now = clock_.Now();
        const pqxx::result rows =
            tx.exec_prepared(kLease, TimestampParam(now), type_array, max_jobs,
                             owner, TimestampParam(now + lease_duration));
        std::vector<Job> leased;
        leased.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          LIA_ASSIGN_OR_RETURN(Job job, ReadJob(row));
          leased.push_back(std::move(job));
        }
        return leased;
      });
}

absl::Status PostgresJobQueue::ExtendLease(int64_t id, const std::string& owner,
                                           absl::Time until) {
  return pool_->TransactStatus("extend a lease", [&](pqxx::work& tx) {
    const pqxx::result updated =
        tx.exec_prepared(kExtend, TimestampParam(until),
                         TimestampParam(clock_.Now()), id, owner);
    if (updated.affected_rows() == 0) return LeaseLost(tx, id, owner);
    return absl::OkStatus();
  });
}

absl::Status PostgresJobQueue::Complete(int64_t id, const std::string& owner) {
  absl::StatusOr<std::vector<absl::Status>> done = CompleteBatch({id}, owner);
  if (!done.ok()) return done.status();
  return done->front();
}

absl::StatusOr<std::vector<absl::Status>> PostgresJobQueue::CompleteBatch(
    const std::vector<int64_t>& ids, const std::string& owner) {
  if (ids.empty()) return std::vector<absl::Status>{};
  const std::string id_array = BigintArray(ids);
  return pool_->Transact<std::vector<absl::Status>>(
      "complete jobs",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<absl::Status>> {
        const pqxx::result updated = tx.exec_prepared(
            kComplete, TimestampParam(clock_.Now()), id_array, owner);
        absl::flat_hash_set<int64_t> completed;
        for (const pqxx::row& row : updated) {
          completed.insert(row[0].as<int64_t>());
        }
        std::vector<absl::Status> outcomes;
        outcomes.reserve(ids.size());
        for (int64_t id : ids) {
          // erase: an id given twice is completed once, and the second
          // time finds it succeeded, as one Complete after another would.
          outcomes.push_back(completed.erase(id) > 0
                                 ? absl::OkStatus()
                                 : LeaseLost(tx, id, owner));
        }
        return outcomes;
      });
}

absl::StatusOr<Job> PostgresJobQueue::Fail(int64_t id, const std::string& owner,
                                           const absl::Status& status,
                                           const jobs::RetryPolicy& policy) {
  if (status.ok()) {
    return absl::InvalidArgumentError("Fail needs a failed status");
  }
  const std::string error =
      postgres_internal::StorableText(status.ToString(), kMaxErrorLength);
  return pool_->Transact<Job>(
      "record a failed attempt", [&](pqxx::work& tx) -> absl::StatusOr<Job> {
        LIA_ASSIGN_OR_RETURN(Job job, Load(tx, id, kGetForUpdate));
        if (job.state != JobState::kRunning || job.lease_owner != owner) {
          return LeaseLost(job, owner);
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
        const pqxx::result updated = tx.exec_prepared(
            kFail, std::string(jobs::ToString(next)), TimestampParam(run_at),
            error, TimestampParam(now), id);
        if (updated.empty()) return NoJob(id);
        return ReadJob(updated[0]);
      });
}

absl::StatusOr<Job> PostgresJobQueue::Cancel(int64_t id) {
  return pool_->Transact<Job>(
      "cancel a job", [&](pqxx::work& tx) -> absl::StatusOr<Job> {
        LIA_ASSIGN_OR_RETURN(Job job, Load(tx, id, kGetForUpdate));
        if (job.state == JobState::kCancelled) return job;
        if (!jobs::IsLive(job.state)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "job ", id, " is ", std::string(jobs::ToString(job.state)),
              "; only queued or running jobs can be cancelled"));
        }
        const pqxx::result updated =
            tx.exec_prepared(kCancel, TimestampParam(clock_.Now()), id);
        if (updated.empty()) return NoJob(id);
        return ReadJob(updated[0]);
      });
}

absl::StatusOr<Job> PostgresJobQueue::Retry(int64_t id) {
  return pool_->Transact<Job>(
      "retry a job", [&](pqxx::work& tx) -> absl::StatusOr<Job> {
        LIA_ASSIGN_OR_RETURN(Job job, Load(tx, id, kGetForUpdate));
        if (job.state != JobState::kFailed && job.state != JobState::kDead &&
            job.state != JobState::kCancelled) {
          return absl::FailedPreconditionError(absl::StrCat(
              "job ", id, " is ", std::string(jobs::ToString(job.state)),
              "; only failed, dead or cancelled jobs can be retried"));
        }
        if (!job.idempotency_key.empty()) {
          // A live job enqueued concurrently is caught by the unique index
          // instead (AlreadyExists too, with the server's message).
          const pqxx::result live =
              tx.exec_prepared(kLiveIdByKey, job.idempotency_key);
          if (!live.empty()) {
            return absl::AlreadyExistsError(
                absl::StrCat("job ", live[0][0].as<int64_t>(),
                             " is doing this work already (idempotency key ",
                             job.idempotency_key, ")"));
          }
        }
        const pqxx::result updated =
            tx.exec_prepared(kRetry, TimestampParam(clock_.Now()), id);
        if (updated.empty()) return NoJob(id);
        return ReadJob(updated[0]);
      });
}

absl::StatusOr<Job> PostgresJobQueue::Get(int64_t id) {
  return pool_->Transact<Job>(
      "get a job",
      [&](pqxx::work& tx) -> absl::StatusOr<Job> { return Load(tx, id); });
}

absl::StatusOr<std::vector<Job>> PostgresJobQueue::List(
    const jobs::JobFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxListLimit));
  }
  if (filter.skip < 0) return absl::InvalidArgumentError("skip must be >= 0");
  const std::string state =
      filter.state ? std::string(jobs::ToString(*filter.state)) : "";
  return pool_->Transact<std::vector<Job>>(
      "list jobs", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Job>> {
        pqxx::result rows;
        if (filter.state && !filter.type.empty()) {
          rows = tx.exec_prepared(kListByStateAndType, state, filter.type,
                                  filter.limit, filter.skip);
        } else if (filter.state) {
          rows =
              tx.exec_prepared(kListByState, state, filter.limit, filter.skip);
        } else if (!filter.type.empty()) {
          rows = tx.exec_prepared(kListByType, filter.type, filter.limit,
                                  filter.skip);
        } else {
          rows = tx.exec_prepared(kList, filter.limit, filter.skip);
        }
        std::vector<Job> out;
        out.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          LIA_ASSIGN_OR_RETURN(Job job, ReadJob(row));
          out.push_back(std::move(job));
        }
        return out;
      });
}

absl::StatusOr<jobs::JobCounts> PostgresJobQueue::Counts() {
  return pool_->Transact<jobs::JobCounts>(
      "count jobs", [&](pqxx::work& tx) -> absl::StatusOr<jobs::JobCounts> {
        jobs::JobCounts out;
        for (const pqxx::row& row : tx.exec_prepared(kCounts)) {
          out[{row[0].as<std::string>(), row[1].as<std::string>()}] =
              row[2].as<int64_t>();
        }
        return out;
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<jobs::JobQueue>> OpenPostgresJobQueue(
    std::shared_ptr<postgres::Pool> pool,
    const PostgresJobQueueOptions& options) {
  if (pool == nullptr) {
    return absl::InvalidArgumentError("the job queue needs a PostgreSQL pool");
  }
  if (options.listener_reconnect_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "listener_reconnect_delay must be positive");
  }
  PrepareStatements(*pool);
  jobs::Clock& clock = options.clock ? *options.clock : jobs::SystemClock();
  const uint64_t seed =
      options.random_seed != 0 ? options.random_seed : std::random_device{}();
  return std::make_unique<PostgresJobQueue>(std::move(pool), clock, seed,
                                            options.listener_reconnect_delay);
}

}  // namespace lia::store
