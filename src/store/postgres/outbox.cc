#include "store/postgres/outbox.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace lia::store::postgres_internal {
namespace {

constexpr char kInsertJob[] = "store_outbox_insert_job";
constexpr char kLiveJob[] = "store_outbox_live_job";
constexpr char kNotifyJobs[] = "store_outbox_notify";
// Rounds of "insert conflicts, yet no live job is found": each means the
// live job finished in between, which cannot go on for long.
constexpr int kMaxRounds = 3;

}  // namespace

void PrepareOutbox(postgres::Pool& pool) {
  pool.Prepare(
      kInsertJob,
      "INSERT INTO jobs (type, payload, priority, state, attempts, "
      "max_attempts, run_at, idempotency_key, created_at, updated_at) "
      "VALUES ($1, $2::json, $3, 'queued', 0, $4, $5::timestamptz, "
      "NULLIF($6, ''), $5::timestamptz, $5::timestamptz) "
      "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL AND "
      "state IN ('queued', 'running') DO NOTHING RETURNING id");
  pool.Prepare(kLiveJob,
               "SELECT id FROM jobs WHERE idempotency_key = $1 AND state IN "
               "('queued', 'running')");
  pool.Prepare(kNotifyJobs, absl::StrCat("SELECT pg_notify('",
                                         postgres::kJobsChannel, "', '')"));
}

absl::Status ValidateOutboxJob(const OutboxJob& job) {
  if (job.type.empty()) return absl::InvalidArgumentError("job type is empty");
  if (job.priority != "high" && job.priority != "normal" &&
      job.priority != "low") {
    return absl::InvalidArgumentError(
        "job priority must be high, normal or low");
  }
  if (job.max_attempts < 1) {
    return absl::InvalidArgumentError("job max_attempts must be at least 1");
  }
  const nlohmann::json payload =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) {
    return absl::InvalidArgumentError("job payload must be a JSON object");
  }
  return absl::OkStatus();
}

absl::StatusOr<OutboxResult> InsertOutboxJob(pqxx::work& tx,
                                             const OutboxJob& job,
                                             const std::string& now) {
  for (int round = 0; round < kMaxRounds; ++round) {
    const pqxx::result inserted =
        tx.exec_prepared(kInsertJob, job.type, job.payload, job.priority,
                         job.max_attempts, now, job.idempotency_key);
    if (!inserted.empty()) {
      return OutboxResult{inserted[0][0].as<int64_t>(), true};
    }
    // Only a key can conflict: the live job holds it.
    const pqxx::result live = tx.exec_prepared(kLiveJob, job.idempotency_key);
    if (!live.empty()) return OutboxResult{live[0][0].as<int64_t>(), false};
  }
  return absl::UnavailableError(absl::StrCat(
      "the live job of \"", job.idempotency_key, "\" kept changing; retry"));
}

void NotifyJobs(pqxx::work& tx) { tx.exec_prepared(kNotifyJobs); }

}  // namespace lia::store::postgres_internal
