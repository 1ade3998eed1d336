#include "store/sqlite/outbox.h"

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace lia::store::sqlite_internal {

absl::StatusOr<int64_t> InsertOutboxJob(SQLite::Database& db,
                                        const OutboxJob& job,
                                        const std::string& now) {
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
  if (!job.idempotency_key.empty()) {
    SQLite::Statement live(db,
                           "SELECT id FROM jobs WHERE idempotency_key = ? AND "
                           "state IN ('queued', 'running')");
    live.bind(1, job.idempotency_key);
    if (live.executeStep()) return live.getColumn(0).getInt64();
  }
  SQLite::Statement insert(
      db,
      "INSERT INTO jobs (type, payload, priority, state, attempts, "
      "max_attempts, run_at, idempotency_key, created_at, updated_at) "
      "VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)");
  insert.bind(1, job.type);
  insert.bind(2, job.payload);
  insert.bind(3, job.priority);
  insert.bind(4, job.max_attempts);
  insert.bind(5, now);
  if (job.idempotency_key.empty()) {
    insert.bind(6);
  } else {
    insert.bind(6, job.idempotency_key);
  }
  insert.bind(7, now);
  insert.bind(8, now);
  insert.exec();
  return db.getLastInsertRowid();
}

}  // namespace lia::store::sqlite_internal
