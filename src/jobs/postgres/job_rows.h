#pragma once

// Rows of the `jobs` table on PostgreSQL (store/postgres/migrations/
// 0002_jobs.sql), shared by the PostgreSQL job queue and schedule store,
// which enqueues its jobs in its own transactions. Internal to
// jobs/postgres; libpqxx appears here because pool.h brings it anyway.
//
// Timestamps go in as RFC 3339 text with milliseconds (FormatUtc, as the
// SQLite queue stores them, so both queues keep the same precision) and
// come out as microseconds since the epoch.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "store/postgres/pool.h"

namespace lia::store::postgres_internal {

// The columns ReadJob reads, in order: "SELECT <kJobColumns> FROM jobs" or
// "... RETURNING <kJobColumns>". Unqualified: a statement that joins must
// not give another relation a column of these names.
extern const char kJobColumns[];

// `t` as the text a timestamptz parameter takes.
std::string TimestampParam(absl::Time t);

// Reads a row selected (or returned) with kJobColumns. DataLoss for an
// unknown priority or state; pqxx conversion errors propagate (the caller's
// Pool::Transact turns them into statuses).
absl::StatusOr<jobs::Job> ReadJob(const pqxx::row& row);

// One definition for both databases (jobs/job_queue.h).
using jobs::ValidateNewJob;

// Makes `text` storable as PostgreSQL text: at most `max_bytes` bytes (cut
// on a character boundary, then "..."), bytes that are not UTF-8 and NULs
// replaced by '?'. For messages lia writes itself (a task's error), which
// must not make the write fail.
std::string StorableText(std::string_view text, size_t max_bytes);

// A PostgreSQL array literal ("{"a","b\"c"}") for a text[] parameter (or
// one of another type that reads its elements from text).
std::string ArrayParam(const std::vector<std::string>& values);

// Registers with the pool the statements InsertJob and InsertJobs run.
// Idempotent.
void PrepareInsertJob(postgres::Pool& pool);

// JobQueue::Enqueue inside the caller's transaction, for a job
// ValidateNewJob accepted: the live job holding its idempotency key if
// there is one, else the job inserted — and then a NOTIFY on the jobs
// channel, delivered when the transaction commits. `now_text` is
// TimestampParam(now). pqxx exceptions propagate.
absl::StatusOr<jobs::Job> InsertJob(pqxx::work& tx, const jobs::NewJob& job,
                                    const std::string& now_text,
                                    absl::Time now);

// InsertJob for each job, in order, with one INSERT for all (one round trip
// instead of one per job); the jobs whose key a live job holds are looked
// up afterwards. A key given twice yields the first job twice, as
// successive InsertJob calls would.
absl::StatusOr<std::vector<jobs::Job>> InsertJobs(
    pqxx::work& tx, const std::vector<jobs::NewJob>& jobs,
    const std::string& now_text, absl::Time now);

}  // namespace lia::store::postgres_internal
