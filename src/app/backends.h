#pragma once

// The persistent parts of a lia process, on the database LIA_DATABASE_URL
// names: SQLite (one file, a connection set per concern) or PostgreSQL (one
// pool shared by all of them), and the cache LIA_CACHE_URL names.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "jobs/job_queue.h"
#include "jobs/scheduler.h"
#include "llm/answer_cache.h"
#include "store/event_log.h"
#include "store/store.h"

namespace lia::store::postgres {
class Pool;
}  // namespace lia::store::postgres

namespace lia::app {

struct DatabaseSettings {
  // "sqlite://PATH" or "postgresql://user:password@host:port/db[?schema=S]"
  // (also "postgres://"). `schema` is lia's, not libpq's: it names the
  // PostgreSQL schema the tables live in.
  std::string url;
  int pool_size = 10;  // PostgreSQL connections of this process.
  int acquire_timeout_ms = 5000;
  int statement_timeout_ms = 30000;
};

struct Backends {
  std::string kind;  // "sqlite" or "postgresql".
  // PostgreSQL only; shared by everything below.
  std::shared_ptr<store::postgres::Pool> pool;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<jobs::JobQueue> queue;
  std::unique_ptr<jobs::ScheduleStore> schedules;
  std::unique_ptr<store::EventLog> event_log;
  std::unique_ptr<llm::AnswerStore> answers;
};

// Opens (and migrates) every part. InvalidArgument for a URL of another
// scheme; the store's errors otherwise.
absl::StatusOr<Backends> OpenBackends(const DatabaseSettings& settings);

// The store alone (lia token create), without the queue and the rest.
absl::StatusOr<std::unique_ptr<store::Store>> OpenStoreOnly(
    const DatabaseSettings& settings);

// The LLM answer table alone (lia analyze --engine).
absl::StatusOr<std::unique_ptr<llm::AnswerStore>> OpenAnswerStoreOnly(
    const DatabaseSettings& settings);

// Applies pending migrations; the schema version reached.
absl::StatusOr<int> MigrateDatabase(const DatabaseSettings& settings);

// The URL with its password replaced by "***", for logs and messages.
std::string RedactUrl(const std::string& url);

}  // namespace lia::app
