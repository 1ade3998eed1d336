#pragma once

// Rows of the `jobs` table (migration 0002), shared by the SQLite job queue
// and the SQLite schedule store, which enqueues its jobs in its own
// transactions. Internal to jobs/sqlite.

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "store/sqlite/connection.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace lia::store::sqlite_internal {

// The columns ReadJob reads, in order: "SELECT <kJobColumns> FROM jobs".
extern const char kJobColumns[];

// A stored timestamp; DataLoss naming `what` ("job 7") when unreadable.
absl::StatusOr<absl::Time> ParseStoredTime(const std::string& what,
                                           const std::string& text);

// Reads a row selected (or returned) with kJobColumns.
absl::StatusOr<jobs::Job> ReadJob(const SQLite::Statement& st);

// Steps a statement that yields at most one job row (a SELECT by id, or a
// write with RETURNING), reads it and resets the statement, so no write
// statement is left in progress when the transaction commits.
absl::StatusOr<std::optional<jobs::Job>> StepOneJob(SQLite::Statement& st);

// One definition for both databases (jobs/job_queue.h).
using jobs::ValidateNewJob;

// JobQueue::Enqueue inside the caller's IMMEDIATE transaction, for a job
// ValidateNewJob accepted: returns the live job holding its idempotency key
// if there is one, else inserts it. `now_text` is FormatUtc(now).
// SQLite exceptions propagate (the caller's GuardedSqlite converts them).
absl::StatusOr<jobs::Job> InsertJob(StatementCache& statements,
                                    SQLite::Database& db,
                                    const jobs::NewJob& job,
                                    const std::string& now_text,
                                    absl::Time now);

}  // namespace lia::store::sqlite_internal
