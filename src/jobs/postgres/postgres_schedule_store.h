#pragma once

// The ScheduleStore on PostgreSQL: table `schedules` (migration 0003) on the
// process's connection pool. Every lia process may run a Scheduler on it:
// each tick is claimed by one of them, which enqueues the job into `jobs`
// in the same transaction, exactly as the PostgreSQL job queue would.

#include <memory>

#include "absl/status/statusor.h"
#include "jobs/scheduler.h"

namespace lia::jobs {
class Clock;
}  // namespace lia::jobs

namespace lia::store {

namespace postgres {
class Pool;  // store/postgres/pool.h
}  // namespace postgres

struct PostgresScheduleStoreOptions {
  // Default: jobs::SystemClock(). Not owned; must outlive the store. Stamps
  // created_at and updated_at of the rows it writes, schedules and jobs;
  // what is due is decided by the `now` given to each call.
  jobs::Clock* clock = nullptr;
};

// A store on `pool` (shared ownership), which OpenPostgresPool migrated.
// InvalidArgument for a null pool.
absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> OpenPostgresScheduleStore(
    std::shared_ptr<postgres::Pool> pool,
    const PostgresScheduleStoreOptions& options = {});

}  // namespace lia::store
