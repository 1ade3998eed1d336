#pragma once

// What every SQLite component beside the store shares — the job queue, the
// schedule store (jobs/sqlite) and the event log: how its connection to the
// store's file is opened, a statement cache, and the one way the connection
// is used. Internal to store/sqlite and jobs/sqlite.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "SQLiteCpp/Database.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "store/sqlite/sqlite_errors.h"

namespace SQLite {
class Statement;
}

namespace lia::store::sqlite_internal {

// Opens a component's connection to the store's file: refuses an empty
// path and ":memory:" (a private database nobody else would see), applies
// pending migrations first (so it works with or without a store opened on
// the file), then WAL, synchronous NORMAL and in-memory temp files.
// `component` names it in errors ("the job queue"). Errors as
// OpenSqliteStore.
absl::StatusOr<std::unique_ptr<SQLite::Database>> OpenComponentConnection(
    const std::string& path, int busy_timeout_ms, std::string_view component);

// Statements prepared once per connection and reused. Not thread-safe: its
// owner's lock guards it with the connection.
class StatementCache {
 public:
  // The statement for `sql`, reset and with no bindings. Valid while the
  // cache lives.
  SQLite::Statement& Get(SQLite::Database& db, const std::string& sql);

  // Resets every statement. Call after each use of the connection: a
  // stepped statement left pending keeps its read snapshot, and once another
  // connection writes to the file, this one's next BEGIN IMMEDIATE fails at
  // once with SQLITE_BUSY_SNAPSHOT instead of waiting.
  void ResetAll();

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

// A connection used by one caller at a time. Thread-safe.
class ExclusiveConnection {
 public:
  // `what` prefixes error messages ("job queue").
  ExclusiveConnection(std::unique_ptr<SQLite::Database> db, std::string what)
      : db_(std::move(db)),
        file_mu_(FileWriteMutex(*db_)),
        what_(std::move(what)) {}

  // Runs body(db) alone on the connection, with the file's write mutex held
  // (sqlite_errors.h); exceptions become a Status; cached statements are
  // reset afterwards.
  template <typename F>
  auto Run(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    absl::MutexLock lock(&mu_);
    absl::MutexLock file_lock(&file_mu_);
    SQLite::Database& db = *db_;
    auto result = GuardedSqlite(what_, [&] { return body(db); });
    statements_.ResetAll();
    return result;
  }

  // The cached statement for `sql`. Only inside Run's body, which holds the
  // lock but as a lambda the analysis cannot follow; AssertHeld checks.
  SQLite::Statement& Prepared(const std::string& sql)
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.AssertHeld();
    return statements_.Get(*db_, sql);
  }
  // The cache itself, for helpers that take one. Only inside Run's body.
  StatementCache& statements() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.AssertHeld();
    return statements_;
  }

 private:
  absl::Mutex mu_;
  const std::unique_ptr<SQLite::Database> db_ ABSL_PT_GUARDED_BY(mu_);
  // Every write of this process to the file (sqlite_errors.h).
  absl::Mutex& file_mu_;
  StatementCache statements_ ABSL_GUARDED_BY(mu_);
  const std::string what_;
};

}  // namespace lia::store::sqlite_internal
