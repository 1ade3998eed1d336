#include "jobs/postgres/job_rows.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/internal/time.h"

namespace lia::store::postgres_internal {
namespace {

using jobs::Job;
using jobs::JobState;

constexpr char kInsertJob[] = "lia_jobs_insert";
constexpr char kInsertJobs[] = "lia_jobs_insert_many";
constexpr char kLiveJobByKey[] = "lia_jobs_live_by_key";

// How often InsertJob tries when the live job holding the key finishes
// between its insert and its look-up.
constexpr int kInsertAttempts = 3;

absl::Time FromMicros(const pqxx::field& field) {
  return absl::FromUnixMicros(field.as<int64_t>());
}

// The length of the UTF-8 character starting at text[i], or 0 when the
// bytes there are not one (overlong forms, surrogates and values past
// U+10FFFF included, as PostgreSQL refuses them).
size_t Utf8Length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char c = byte(i);
  if (c < 0x80) return c == 0 ? 0 : 1;
  size_t n = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
    code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

const char kJobColumns[] =
    "id, type, payload, priority, state, attempts, max_attempts, "
    "(extract(epoch FROM run_at) * 1000000)::bigint AS run_at_us, "
    "coalesce(lease_owner, '') AS lease_owner_text, "
    "(extract(epoch FROM lease_expires_at) * 1000000)::bigint "
    "AS lease_expires_at_us, last_error, "
    "coalesce(idempotency_key, '') AS idempotency_key_text, "
    "(extract(epoch FROM created_at) * 1000000)::bigint AS created_at_us, "
    "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_at_us";

std::string TimestampParam(absl::Time t) { return internal::FormatUtc(t); }

absl::StatusOr<Job> ReadJob(const pqxx::row& row) {
  Job j;
  j.id = row[0].as<int64_t>();
  j.type = row[1].as<std::string>();
  j.payload = row[2].as<std::string>();
  const std::string priority = row[3].as<std::string>();
  const std::string state = row[4].as<std::string>();
  std::optional<jobs::Priority> p = jobs::ParsePriority(priority);
  std::optional<JobState> s = jobs::ParseJobState(state);
  if (!p || !s) {
    return absl::DataLossError(absl::StrCat("stored job ", j.id,
                                            " has priority \"", priority,
                                            "\" and state \"", state, "\""));
  }
  j.priority = *p;
  j.state = *s;
  j.attempts = row[5].as<int>();
  j.max_attempts = row[6].as<int>();
  j.run_at = FromMicros(row[7]);
  j.lease_owner = row[8].as<std::string>();
  if (!row[9].is_null()) j.lease_expires_at = FromMicros(row[9]);
  j.last_error = row[10].as<std::string>();
  j.idempotency_key = row[11].as<std::string>();
  j.created_at = FromMicros(row[12]);
  j.updated_at = FromMicros(row[13]);
  return j;
}

std::string StorableText(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = Utf8Length(text, i);
    if (out.size() + std::max<size_t>(n, 1) > max_bytes) {
      out += "...";
      break;
    }
    if (n == 0) {
      out += '?';
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string ArrayParam(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void PrepareInsertJob(postgres::Pool& pool) {
  pool.Prepare(
      kInsertJob,
      absl::StrCat(
          "WITH added AS (INSERT INTO jobs (type, payload, priority, state, "
          "attempts, max_attempts, run_at, idempotency_key, created_at, "
          "updated_at) VALUES ($1, $2, $3, 'queued', 0, $4, $5, "
          "NULLIF($6, ''), $7, $7) ON CONFLICT (idempotency_key) WHERE "
          "idempotency_key IS NOT NULL AND state IN ('queued', 'running') "
          "DO NOTHING RETURNING ",
          kJobColumns, ") SELECT added.*, pg_notify('", postgres::kJobsChannel,
          "', '') FROM added"));
  // $1..$6 the columns, one array each, in the jobs' order; $7 now. Each
  // row takes its id from the sequence first, so that the rows returned
  // (fewer when keys conflict) can be matched to their input by `ord`.
  pool.Prepare(
      kInsertJobs,
      absl::StrCat(
          "WITH input AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence("
          "'jobs', 'id')) AS new_id, t.* FROM unnest($1::text[], $2::text[], "
          "$3::text[], $4::integer[], $5::timestamptz[], $6::text[]) WITH "
          "ORDINALITY AS t(type, payload, priority, max_attempts, run_at, "
          "idempotency_key, ord)), "
          "added AS (INSERT INTO jobs (id, type, payload, priority, state, "
          "attempts, max_attempts, run_at, idempotency_key, created_at, "
          "updated_at) SELECT new_id, type, payload::json, priority, "
          "'queued', 0, max_attempts, run_at, NULLIF(idempotency_key, ''), "
          "$7, $7 FROM input ORDER BY ord ON CONFLICT (idempotency_key) "
          "WHERE idempotency_key IS NOT NULL AND state IN ('queued', "
          "'running') DO NOTHING RETURNING ",
          kJobColumns, ") SELECT added.*, input.ord, pg_notify('",
          postgres::kJobsChannel,
          "', '') FROM added JOIN input ON input.new_id = added.id"));
  pool.Prepare(kLiveJobByKey,
               absl::StrCat("SELECT ", kJobColumns,
                            " FROM jobs WHERE idempotency_key = $1 AND state "
                            "IN ('queued', 'running')"));
}

absl::StatusOr<Job> InsertJob(pqxx::work& tx, const jobs::NewJob& job,
                              const std::string& now_text, absl::Time now) {
  const std::string run_at = TimestampParam(job.run_at.value_or(now));
  const std::string priority(jobs::ToString(job.priority));
  for (int attempt = 0; attempt < kInsertAttempts; ++attempt) {
    // ON CONFLICT waits for a concurrent insert of the same key to commit
    // or roll back, then inserts nothing or inserts.
    const pqxx::result added = tx.exec_prepared(
        kInsertJob, job.type, job.payload, priority, job.max_attempts, run_at,
        job.idempotency_key, now_text);
    if (!added.empty()) return ReadJob(added[0]);
    const pqxx::result live =
        tx.exec_prepared(kLiveJobByKey, job.idempotency_key);
    if (!live.empty()) return ReadJob(live[0]);
    // The holder finished in between: its key is free again.
  }
  return absl::UnavailableError(
      absl::StrCat("idempotency key ", job.idempotency_key,
                   " keeps changing hands; enqueue again"));
}

absl::StatusOr<std::vector<Job>> InsertJobs(
    pqxx::work& tx, const std::vector<jobs::NewJob>& jobs,
    const std::string& now_text, absl::Time now) {
  std::vector<Job> out;
  if (jobs.size() <= 1) {
    for (const jobs::NewJob& job : jobs) {
      LIA_ASSIGN_OR_RETURN(Job one, InsertJob(tx, job, now_text, now));
      out.push_back(std::move(one));
    }
    return out;
  }
  std::vector<std::string> types, payloads, priorities, max_attempts, run_ats,
      keys;
  for (const jobs::NewJob& job : jobs) {
    types.push_back(job.type);
    payloads.push_back(job.payload);
    priorities.emplace_back(jobs::ToString(job.priority));
    max_attempts.push_back(absl::StrCat(job.max_attempts));
    run_ats.push_back(TimestampParam(job.run_at.value_or(now)));
    keys.push_back(job.idempotency_key);
  }
  const pqxx::result added =
      tx.exec_prepared(kInsertJobs, ArrayParam(types), ArrayParam(payloads),
                       ArrayParam(priorities), ArrayParam(max_attempts),
                       ArrayParam(run_ats), ArrayParam(keys), now_text);
  std::vector<std::optional<Job>> placed(jobs.size());
  for (const pqxx::row& row : added) {
    // ord (after the job's columns) counts from 1.
    const int64_t ord = row[14].as<int64_t>();
    if (ord < 1 || ord > static_cast<int64_t>(jobs.size())) {
      return absl::InternalError("inserted job matches no input");
    }
    LIA_ASSIGN_OR_RETURN(placed[ord - 1], ReadJob(row));
  }
  out.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (placed[i]) {
      out.push_back(*std::move(placed[i]));
      continue;
    }
    // Its key is a live job's, perhaps one inserted just now.
    LIA_ASSIGN_OR_RETURN(Job one, InsertJob(tx, jobs[i], now_text, now));
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace lia::store::postgres_internal
