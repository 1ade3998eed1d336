#pragma once

// The store's INSERT of a job row on PostgreSQL (the transactional outbox,
// store.h OutboxJob), kept identical to what the job queue (jobs/postgres)
// reads from the `jobs` table. Internal to store/postgres.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "store/postgres/pool.h"
#include "store/store.h"

namespace lia::store::postgres_internal {

// Registers with the pool the statements below run. Idempotent.
void PrepareOutbox(postgres::Pool& pool);

struct OutboxResult {
  int64_t job_id = 0;
  bool queued = false;  // A new job; false: the live one holding the key.
};

// InvalidArgument for an empty type, a payload that is not a JSON object, an
// unknown priority or max_attempts < 1; checked without a round trip.
absl::Status ValidateOutboxJob(const OutboxJob& job);

// Inside the caller's transaction, for a job ValidateOutboxJob accepted:
// the live (queued or running) job holding job.idempotency_key if there is
// one, else a queued job inserted to run at `now` (RFC 3339). Race-free
// across processes: the insert relies on the partial unique index
// jobs_idempotency_live. The caller runs NotifyJobs once when anything was
// queued. pqxx exceptions propagate; Unavailable (retry) when the live job
// kept finishing between the insert and the look-up.
absl::StatusOr<OutboxResult> InsertOutboxJob(pqxx::work& tx,
                                             const OutboxJob& job,
                                             const std::string& now);

// NOTIFY on the jobs channel (postgres::kJobsChannel), delivered to the
// workers' LISTEN connections when the transaction commits.
void NotifyJobs(pqxx::work& tx);

}  // namespace lia::store::postgres_internal
