#pragma once

// The JobQueue on SQLite: table `jobs` (migration 0002) in the same database
// file as the SqliteStore, through a connection of its own.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "jobs/job_queue.h"

namespace lia::jobs {
class Clock;
}  // namespace lia::jobs

namespace lia::store {

struct SqliteJobQueueOptions {
  std::string path;            // The store's file. ":memory:" for tests.
  int busy_timeout_ms = 5000;  // Default 5 s. Waits for the write lock.
  // Default: jobs::SystemClock(). Not owned; must outlive the queue. Every
  // timestamp the queue writes and every "now" it compares with.
  jobs::Clock* clock = nullptr;
  // Default 0: seeded from entropy. Otherwise the seed of the retry jitter,
  // so tests see the same delays every run.
  uint64_t random_seed = 0;
};

// Opens a connection to the database (WAL, busy timeout) and applies pending
// migrations first (MigrateSqlite), so it works with or without a store
// opened on the same file. Errors as OpenSqliteStore.
absl::StatusOr<std::unique_ptr<jobs::JobQueue>> OpenSqliteJobQueue(
    const SqliteJobQueueOptions& options);

}  // namespace lia::store
