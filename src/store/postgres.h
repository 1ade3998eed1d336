#pragma once

// The PostgreSQL side of the store (DESIGN §5, scale-out): one connection
// pool per process, shared by the store, the event log, the job queue, the
// schedule store and the LLM answer store. libpqxx stays behind this header
// (postgres::Pool is opaque here), so nothing but the PostgreSQL
// implementations compiles against it.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/event_log.h"
#include "store/store.h"

namespace lia::store {

namespace postgres {
class Pool;  // store/postgres/pool.h
}  // namespace postgres

struct PostgresOptions {
  // "postgresql://user:password@host:port/dbname?sslmode=..." (libpq URI).
  std::string url;
  // Default 10. Connections this process holds at most; callers beyond it
  // wait up to acquire_timeout, then get Unavailable.
  int pool_size = 10;
  absl::Duration acquire_timeout = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(5);
  // Default 30 s. A statement running longer is cancelled (Unavailable).
  absl::Duration statement_timeout = absl::Seconds(30);
  std::string application_name = "lia";
  // Default "" (the server's search_path, usually "public"). The schema
  // lia's tables live in, created if missing: [a-z_][a-z0-9_]{0,62}. Tests
  // use one schema per test; a host can run several lia on one database.
  std::string schema;
  // Default: the system clock, as SqliteStoreOptions::now (RFC 3339 UTC with
  // milliseconds and 'Z'); injected by tests.
  std::function<std::string()> now;
};

// Connects (one connection, to fail fast with a clear message) and applies
// pending migrations under an advisory lock, so replicas starting together
// migrate once. FailedPrecondition when the database was made by a newer
// lia; Unavailable when the server cannot be reached.
absl::StatusOr<std::shared_ptr<postgres::Pool>> OpenPostgresPool(
    const PostgresOptions& options);

// The pool's bound and use right now (db_pool_connections{state}).
ConnectionPoolStats PostgresPoolStats(const postgres::Pool& pool);

// The schema version the database is at.
absl::StatusOr<int> PostgresSchemaVersion(postgres::Pool& pool);

// A Store on the pool (shared ownership: the pool lives as long as its
// longest user).
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    std::shared_ptr<postgres::Pool> pool);

// An EventLog on the pool. Appends commit in id order across processes.
absl::StatusOr<std::unique_ptr<EventLog>> OpenPostgresEventLog(
    std::shared_ptr<postgres::Pool> pool);

}  // namespace lia::store
