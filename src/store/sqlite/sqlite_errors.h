#pragma once

// SQLite exceptions as absl::Status, coded by what the caller should do next
// (STYLE habit 3). Shared by the SQLite store and the SQLite job queue
// (jobs/sqlite), which sit on the same database; internal to those two.

#include <new>
#include <string>
#include <string_view>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace lia::store::sqlite_internal {

// One mutex per database file, for this process's write transactions. The
// store, the job queue, the schedule store and the event log each hold a
// connection to the same file, and SQLite lets one of them write at a time;
// a connection that finds the lock taken sleeps in its busy handler (1, 2,
// 5, 10... ms), which under steady load cost more than the transactions did
// (background ingest ran at 700 messages/s). Holding this around every
// write serialises them in-process with no sleeping; the busy handler is
// left for other processes. Lock it after the component's own mutex, and
// never call another component while holding it. Lives for the process.
absl::Mutex& FileWriteMutex(SQLite::Database& db);

// Busy/locked and I/O: Unavailable (retry); unique constraint: AlreadyExists;
// other constraints and too-big: InvalidArgument; full: ResourceExhausted;
// read-only and permissions: FailedPrecondition; corrupt: DataLoss;
// interrupted: Aborted; the rest Internal.
absl::Status FromSqlite(const SQLite::Exception& e);

// Runs body and turns any exception into a Status, so none crosses a module
// boundary (STYLE habit 2). `what` prefixes the messages ("store").
template <typename F>
auto GuardedSqlite(std::string_view what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e);
  } catch (const nlohmann::json::exception& e) {
    return absl::InternalError(std::string(what) + " json: " + e.what());
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return absl::InternalError(std::string(what) + ": " + e.what());
  }
}

}  // namespace lia::store::sqlite_internal
