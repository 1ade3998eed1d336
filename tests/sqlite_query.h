#pragma once

// Reads a database file behind a running process's back, read-only, for
// end-to-end tests that assert what was stored.

#include <cstdint>
#include <filesystem>
#include <string>

#include "sqlite3.h"

namespace lia::testing {

// The first column of the first row of `sql`; -1 when the file cannot be
// opened or the query yields nothing.
inline int64_t QueryInt(const std::filesystem::path& db_path,
                        const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  int64_t value = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    value = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

}  // namespace lia::testing
