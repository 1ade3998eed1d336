#pragma once

// The tasks behind lia's job types (DESIGN §6): payload parsing and the
// call into the service. Every task is idempotent — delivery is at least
// once — and answers with a status whose code decides the retry
// (jobs::IsRetryable): a malformed payload or a missing row is not retried,
// a busy database is.

#include "absl/status/status.h"

namespace lia::jobs {
class Clock;
class TaskRegistry;
}  // namespace lia::jobs

namespace lia::service {

class Maintenance;
class OpportunityService;

// Registers process_message, reprocess_opportunity, import_export,
// rescore_all, cleanup and daily_digest. Collaborators are not owned and
// must outlive the registry's use. AlreadyExists when one is registered.
absl::Status RegisterTasks(jobs::TaskRegistry& registry,
                           OpportunityService& service,
                           Maintenance& maintenance, jobs::Clock& clock);

}  // namespace lia::service
