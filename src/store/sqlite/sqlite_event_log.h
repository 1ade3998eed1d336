#pragma once

// The EventLog on SQLite: table `events` (migration 0004) in the store's
// database file, through a connection of its own.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "store/event_log.h"

namespace lia::store {

struct SqliteEventLogOptions {
  std::string path;            // The store's file. Required; not ":memory:".
  int busy_timeout_ms = 5000;  // Default 5 s. Waits for the write lock.
};

// Opens a connection to the database (WAL, busy timeout) and applies pending
// migrations first (MigrateSqlite), so it works with or without a store
// opened on the same file. Errors as OpenSqliteStore.
absl::StatusOr<std::unique_ptr<EventLog>> OpenSqliteEventLog(
    const SqliteEventLogOptions& options);

}  // namespace lia::store
