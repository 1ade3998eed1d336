#include "app/backends.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "jobs/postgres/postgres_job_queue.h"
#include "jobs/postgres/postgres_schedule_store.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "jobs/sqlite/sqlite_schedule_store.h"
#include "llm/postgres/postgres_answer_store.h"
#include "llm/sqlite/sqlite_answer_store.h"
#include "store/postgres.h"
#include "store/sqlite/sqlite_event_log.h"

namespace lia::app {
namespace {

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

constexpr std::string_view kSqliteScheme = "sqlite://";

// The file of a sqlite:// URL, its folder created.
absl::StatusOr<std::string> SqlitePath(const std::string& url) {
  if (url.rfind(kSqliteScheme, 0) != 0 || url.size() == kSqliteScheme.size()) {
    return absl::InvalidArgumentError(
        "LIA_DATABASE_URL: expected sqlite://PATH or "
        "postgresql://USER@HOST:PORT/DB, got '" +
        RedactUrl(url) + "'");
  }
  std::string path = url.substr(kSqliteScheme.size());
  if (path == ":memory:") {
    return absl::InvalidArgumentError(
        "LIA_DATABASE_URL: sqlite://:memory: cannot be shared by the store, "
        "the job queue and the event log; give a file path");
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::UnavailableError("cannot create " + parent.string() + ": " +
                                    ec.message());
    }
  }
  return path;
}

// Splits lia's own `schema` parameter off a PostgreSQL URL: libpq would
// refuse a parameter it does not know.
store::PostgresOptions PostgresOptionsFrom(const DatabaseSettings& settings) {
  store::PostgresOptions options;
  options.pool_size = settings.pool_size;
  options.acquire_timeout = absl::Milliseconds(settings.acquire_timeout_ms);
  options.statement_timeout = absl::Milliseconds(settings.statement_timeout_ms);
  const size_t query = settings.url.find('?');
  if (query == std::string::npos) {
    options.url = settings.url;
    return options;
  }
  std::string kept;
  for (absl::string_view param :
       absl::StrSplit(absl::string_view(settings.url).substr(query + 1), '&',
                      absl::SkipEmpty())) {
    if (absl::StartsWith(param, "schema=")) {
      options.schema = std::string(param.substr(7));
      continue;
    }
    kept += kept.empty() ? "?" : "&";
    kept += std::string(param);
  }
  options.url = settings.url.substr(0, query) + kept;
  return options;
}

absl::StatusOr<Backends> OpenSqlite(const DatabaseSettings& settings) {
  absl::StatusOr<std::string> path = SqlitePath(settings.url);
  if (!path.ok()) return path.status();
  Backends b;
  b.kind = "sqlite";
  store::SqliteStoreOptions store_options;
  store_options.path = *path;
  absl::StatusOr<std::unique_ptr<store::Store>> st =
      store::OpenSqliteStore(store_options);
  if (!st.ok()) return st.status();
  b.store = *std::move(st);
  store::SqliteJobQueueOptions queue_options;
  queue_options.path = *path;
  absl::StatusOr<std::unique_ptr<jobs::JobQueue>> queue =
      store::OpenSqliteJobQueue(queue_options);
  if (!queue.ok()) return queue.status();
  b.queue = *std::move(queue);
  store::SqliteScheduleStoreOptions schedule_options;
  schedule_options.path = *path;
  absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> schedules =
      store::OpenSqliteScheduleStore(schedule_options);
  if (!schedules.ok()) return schedules.status();
  b.schedules = *std::move(schedules);
  store::SqliteEventLogOptions log_options;
  log_options.path = *path;
  absl::StatusOr<std::unique_ptr<store::EventLog>> log =
      store::OpenSqliteEventLog(log_options);
  if (!log.ok()) return log.status();
  b.event_log = *std::move(log);
  llm::SqliteAnswerStoreOptions answer_options;
  answer_options.path = *path;
  absl::StatusOr<std::unique_ptr<llm::AnswerStore>> answers =
      llm::OpenSqliteAnswerStore(answer_options);
  if (!answers.ok()) return answers.status();
  b.answers = *std::move(answers);
  return b;
}

absl::StatusOr<Backends> OpenPostgres(const DatabaseSettings& settings) {
  Backends b;
  b.kind = "postgresql";
  absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool =
      store::OpenPostgresPool(PostgresOptionsFrom(settings));
  if (!pool.ok()) return pool.status();
  b.pool = *std::move(pool);
  absl::StatusOr<std::unique_ptr<store::Store>> st =
      store::OpenPostgresStore(b.pool);
  if (!st.ok()) return st.status();
  b.store = *std::move(st);
  absl::StatusOr<std::unique_ptr<jobs::JobQueue>> queue =
      store::OpenPostgresJobQueue(b.pool, store::PostgresJobQueueOptions{});
  if (!queue.ok()) return queue.status();
  b.queue = *std::move(queue);
  absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> schedules =
      store::OpenPostgresScheduleStore(b.pool,
                                       store::PostgresScheduleStoreOptions{});
  if (!schedules.ok()) return schedules.status();
  b.schedules = *std::move(schedules);
  absl::StatusOr<std::unique_ptr<store::EventLog>> log =
      store::OpenPostgresEventLog(b.pool);
  if (!log.ok()) return log.status();
  b.event_log = *std::move(log);
  absl::StatusOr<std::unique_ptr<llm::AnswerStore>> answers =
      llm::OpenPostgresAnswerStore(b.pool);
  if (!answers.ok()) return answers.status();
  b.answers = *std::move(answers);
  return b;
}

}  // namespace

absl::StatusOr<Backends> OpenBackends(const DatabaseSettings& settings) {
  if (IsPostgresUrl(settings.url)) return OpenPostgres(settings);
  return OpenSqlite(settings);
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenStoreOnly(
    const DatabaseSettings& settings) {
  if (IsPostgresUrl(settings.url)) {
    DatabaseSettings small = settings;
    small.pool_size = 2;
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool =
        store::OpenPostgresPool(PostgresOptionsFrom(small));
    if (!pool.ok()) return pool.status();
    return store::OpenPostgresStore(*std::move(pool));
  }
  absl::StatusOr<std::string> path = SqlitePath(settings.url);
  if (!path.ok()) return path.status();
  store::SqliteStoreOptions options;
  options.path = *path;
  return store::OpenSqliteStore(options);
}

absl::StatusOr<std::unique_ptr<llm::AnswerStore>> OpenAnswerStoreOnly(
    const DatabaseSettings& settings) {
  if (IsPostgresUrl(settings.url)) {
    DatabaseSettings small = settings;
    small.pool_size = 4;
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool =
        store::OpenPostgresPool(PostgresOptionsFrom(small));
    if (!pool.ok()) return pool.status();
    return llm::OpenPostgresAnswerStore(*std::move(pool));
  }
  absl::StatusOr<std::string> path = SqlitePath(settings.url);
  if (!path.ok()) return path.status();
  llm::SqliteAnswerStoreOptions options;
  options.path = *path;
  return llm::OpenSqliteAnswerStore(options);
}

absl::StatusOr<int> MigrateDatabase(const DatabaseSettings& settings) {
  if (IsPostgresUrl(settings.url)) {
    DatabaseSettings small = settings;
    small.pool_size = 1;
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool =
        store::OpenPostgresPool(PostgresOptionsFrom(small));
    if (!pool.ok()) return pool.status();
    return store::PostgresSchemaVersion(**pool);
  }
  absl::StatusOr<std::string> path = SqlitePath(settings.url);
  if (!path.ok()) return path.status();
  return store::MigrateSqlite(*path);
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  // scheme://user:password@host -> scheme://user:***@host
  const size_t scheme = out.find("://");
  const size_t at =
      scheme == std::string::npos ? std::string::npos : out.find('@', scheme);
  if (at != std::string::npos) {
    const size_t colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) {
      out = out.substr(0, colon + 1) + "***" + out.substr(at);
    }
  }
  // ...?password=secret&... -> ...?password=***&...
  const size_t query = out.find('?');
  if (query == std::string::npos) return out;
  for (size_t p = out.find("password=", query); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    if (out[p - 1] != '?' && out[p - 1] != '&') continue;
    const size_t value = p + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value,
                "***");
  }
  return out;
}

}  // namespace lia::app
