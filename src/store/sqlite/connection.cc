#include "store/sqlite/connection.h"

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "store/store.h"

namespace lia::store::sqlite_internal {

absl::StatusOr<std::unique_ptr<SQLite::Database>> OpenComponentConnection(
    const std::string& path, int busy_timeout_ms, std::string_view component) {
  if (path.empty()) return absl::InvalidArgumentError("sqlite path is empty");
  if (path == ":memory:") {
    return absl::InvalidArgumentError(std::string(component) +
                                      " needs a database file");
  }
  if (busy_timeout_ms < 0) {
    return absl::InvalidArgumentError("busy_timeout_ms must be >= 0");
  }
  absl::StatusOr<int> migrated = MigrateSqlite(path);
  if (!migrated.ok()) return migrated.status();
  return GuardedSqlite(
      component, [&]() -> absl::StatusOr<std::unique_ptr<SQLite::Database>> {
        // NOMUTEX: one caller at a time (ExclusiveConnection's lock).
        auto db = std::make_unique<SQLite::Database>(
            path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX,
            busy_timeout_ms);
        db->exec("PRAGMA journal_mode = WAL");
        db->exec("PRAGMA synchronous = NORMAL");
        db->exec("PRAGMA temp_store = MEMORY");
        return db;
      });
}

SQLite::Statement& StatementCache::Get(SQLite::Database& db,
                                       const std::string& sql) {
  std::unique_ptr<SQLite::Statement>& st = cache_[sql];
  if (!st) {
    st = std::make_unique<SQLite::Statement>(db, sql);
  } else {
    st->reset();
    st->clearBindings();
  }
  return *st;
}

void StatementCache::ResetAll() {
  for (auto& [sql, st] : cache_) st->tryReset();
}

}  // namespace lia::store::sqlite_internal
