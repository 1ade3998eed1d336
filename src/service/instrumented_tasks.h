#pragma once

// Job attempts as live spans (DESIGN §8): a copy of a task registry whose
// every task runs inside a consumer span "job <type>", current on the
// worker's thread while the task runs, so the pipeline, store, cache and
// LLM spans of the job are its children.
//
// Each attempt starts a trace of its own (a job may run long after, and
// more than once for, the request that queued it) and links to that
// request: the "traceparent" of the job's payload (written by
// OpportunityService::Enqueue). The job is recorded when that request was
// (sampling), so a traced request's jobs are traced too. Attributes:
// lia.job.id, lia.job.type, lia.job.attempt, lia.job.batch_size; an error
// status when the attempt failed.
//
// A batch task (process_message: a worker leases up to [jobs] batch_size
// jobs and saves their opportunities in one transaction) runs as one piece
// of work for many jobs. Each job still gets its own span, linked to its
// own request, but the shared work — every message's analysis, the one
// transaction — is the child of the batch's first job's span (the lead);
// the others link to the lead, and all of them span the whole batch.
// Splitting the shared transaction per job would be a fiction, and so
// would copying it under every job.

#include <memory>

#include "absl/status/statusor.h"

namespace lia::jobs {
class TaskRegistry;
}  // namespace lia::jobs
namespace lia::obs {
class Tracer;
}  // namespace lia::obs

namespace lia::service {

// Every task of `tasks` (types, batch tasks and retry policies alike),
// wrapped. `tracer` is not owned and must outlive the result; `tasks` may
// go once this returns. With tracing off the tasks run as they are, at the
// cost of a branch.
absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> NewTracedTaskRegistry(
    const jobs::TaskRegistry& tasks, obs::Tracer& tracer);

}  // namespace lia::service
