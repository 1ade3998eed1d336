#pragma once

// The ScheduleStore on SQLite: table `schedules` (migration 0003) in the same
// database file as the store and the job queue, through a connection of its
// own. A claim enqueues into `jobs` in its own transaction, exactly as
// SqliteJobQueue::Enqueue would.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "jobs/scheduler.h"

namespace lia::jobs {
class Clock;
}  // namespace lia::jobs

namespace lia::store {

struct SqliteScheduleStoreOptions {
  std::string path;            // The store's file; not ":memory:".
  int busy_timeout_ms = 5000;  // Default 5 s. Waits for the write lock.
  // Default: jobs::SystemClock(). Not owned; must outlive the store. Stamps
  // created_at and updated_at of the rows it writes, schedules and jobs;
  // what is due is decided by the `now` given to each call.
  jobs::Clock* clock = nullptr;
};

// Opens a connection to the database (WAL, busy timeout) and applies pending
// migrations first (MigrateSqlite). Errors as OpenSqliteStore.
absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> OpenSqliteScheduleStore(
    const SqliteScheduleStoreOptions& options);

}  // namespace lia::store
