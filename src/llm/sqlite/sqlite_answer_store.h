#pragma once

// The AnswerStore (llm/answer_cache.h) on SQLite: table llm_answers
// (migration 0006) in the store's database file, through a connection of
// its own, like the event log and the job queue.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llm/answer_cache.h"

namespace lia::llm {

struct SqliteAnswerStoreOptions {
  std::string path;            // The store's file. Required; not ":memory:".
  int busy_timeout_ms = 5000;  // Default 5 s. Waits for the write lock.
};

// Opens a connection to the database (WAL, busy timeout) and applies
// pending migrations first, so it works with or without a store opened on
// the same file. Errors as store::OpenSqliteStore.
absl::StatusOr<std::unique_ptr<AnswerStore>> OpenSqliteAnswerStore(
    const SqliteAnswerStoreOptions& options);

}  // namespace lia::llm
