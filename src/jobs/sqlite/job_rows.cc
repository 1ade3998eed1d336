#include "jobs/sqlite/job_rows.h"

#include <string>
#include <utility>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/internal/time.h"

namespace lia::store::sqlite_internal {

using jobs::Job;
using jobs::JobState;

const char kJobColumns[] =
    "id, type, payload, priority, state, attempts, max_attempts, run_at, "
    "ifnull(lease_owner, ''), lease_expires_at, last_error, "
    "ifnull(idempotency_key, ''), created_at, updated_at";

absl::StatusOr<absl::Time> ParseStoredTime(const std::string& what,
                                           const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::DataLossError(absl::StrCat(
        "stored ", what, " has a bad timestamp \"", text, "\": ", err));
  }
  return t;
}

absl::StatusOr<Job> ReadJob(const SQLite::Statement& st) {
  Job j;
  j.id = st.getColumn(0).getInt64();
  const std::string what = absl::StrCat("job ", j.id);
  j.type = st.getColumn(1).getString();
  j.payload = st.getColumn(2).getString();
  const std::string priority = st.getColumn(3).getString();
  const std::string state = st.getColumn(4).getString();
  std::optional<jobs::Priority> p = jobs::ParsePriority(priority);
  std::optional<JobState> s = jobs::ParseJobState(state);
  if (!p || !s) {
    return absl::DataLossError(absl::StrCat("stored job ", j.id,
                                            " has priority \"", priority,
                                            "\" and state \"", state, "\""));
  }
  j.priority = *p;
  j.state = *s;
  j.attempts = st.getColumn(5).getInt();
  j.max_attempts = st.getColumn(6).getInt();
  LIA_ASSIGN_OR_RETURN(j.run_at,
                       ParseStoredTime(what, st.getColumn(7).getString()));
  j.lease_owner = st.getColumn(8).getString();
  if (!st.getColumn(9).isNull()) {
    LIA_ASSIGN_OR_RETURN(j.lease_expires_at,
                         ParseStoredTime(what, st.getColumn(9).getString()));
  }
  j.last_error = st.getColumn(10).getString();
  j.idempotency_key = st.getColumn(11).getString();
  LIA_ASSIGN_OR_RETURN(j.created_at,
                       ParseStoredTime(what, st.getColumn(12).getString()));
  LIA_ASSIGN_OR_RETURN(j.updated_at,
                       ParseStoredTime(what, st.getColumn(13).getString()));
  return j;
}

absl::StatusOr<std::optional<Job>> StepOneJob(SQLite::Statement& st) {
  if (!st.executeStep()) {
    st.reset();
    return std::nullopt;
  }
  absl::StatusOr<Job> job = ReadJob(st);
  st.reset();
  if (!job.ok()) return job.status();
  return *std::move(job);
}

absl::StatusOr<Job> InsertJob(StatementCache& statements, SQLite::Database& db,
                              const jobs::NewJob& job,
                              const std::string& now_text, absl::Time now) {
  if (!job.idempotency_key.empty()) {
    SQLite::Statement& st = statements.Get(
        db, absl::StrCat("SELECT ", kJobColumns,
                         " FROM jobs WHERE idempotency_key = ? AND state IN "
                         "('queued', 'running')"));
    st.bind(1, job.idempotency_key);
    LIA_ASSIGN_OR_RETURN(std::optional<Job> live, StepOneJob(st));
    if (live) return *std::move(live);
  }
  SQLite::Statement& st = statements.Get(
      db, absl::StrCat("INSERT INTO jobs (type, payload, priority, state, "
                       "attempts, max_attempts, run_at, idempotency_key, "
                       "created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, "
                       "?, ?, ?, ?, ?) RETURNING ",
                       kJobColumns));
  st.bind(1, job.type);
  st.bind(2, job.payload);
  st.bind(3, std::string(jobs::ToString(job.priority)));
  st.bind(4, job.max_attempts);
  st.bind(5, internal::FormatUtc(job.run_at.value_or(now)));
  if (job.idempotency_key.empty()) {
    st.bind(6);
  } else {
    st.bind(6, job.idempotency_key);
  }
  st.bind(7, now_text);
  st.bind(8, now_text);
  LIA_ASSIGN_OR_RETURN(std::optional<Job> added, StepOneJob(st));
  if (!added) return absl::InternalError("INSERT RETURNING returned no row");
  return *std::move(added);
}

}  // namespace lia::store::sqlite_internal
