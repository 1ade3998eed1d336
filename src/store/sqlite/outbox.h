#pragma once

// The one INSERT of a job row on SQLite, shared by the store's outbox
// writes (messages and uploads with their jobs) and kept identical to what
// the job queue (jobs/sqlite) reads. Internal to store/sqlite and
// jobs/sqlite.

#include <cstdint>
#include <string>

#include "SQLiteCpp/Database.h"
#include "absl/status/statusor.h"
#include "store/store.h"

namespace lia::store::sqlite_internal {

// Inside the caller's transaction: returns the id of the live job holding
// job.idempotency_key if there is one, else inserts a queued job to run at
// `now` and returns its id. InvalidArgument for an empty type, a payload
// that is not a JSON object, an unknown priority or max_attempts < 1.
absl::StatusOr<int64_t> InsertOutboxJob(SQLite::Database& db,
                                        const OutboxJob& job,
                                        const std::string& now);

}  // namespace lia::store::sqlite_internal
