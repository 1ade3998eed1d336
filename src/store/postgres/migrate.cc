// Opening the pool: connect once, then bring the schema up to date under a
// session advisory lock, so replicas starting together apply each migration
// once (the others wait on the lock, then find nothing to do).

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "store/postgres.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pool.h"

namespace lia::store {
namespace {

// pg_advisory_lock key: "lia" and a schema tag, any constant unlikely to
// collide with another application's locks on the same database.
constexpr int64_t kMigrationLock = 0x6c69615f736368;  // "lia_sch"

int LatestKnownVersion() {
  int latest = 0;
  for (const postgres_internal::Migration& m :
       postgres_internal::Migrations()) {
    latest = std::max(latest, m.version);
  }
  return latest;
}

bool ValidSchemaName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

absl::StatusOr<int> Migrate(pqxx::connection& connection,
                            const std::string& schema) {
  // Each step its own (non)transaction: libpqxx allows one at a time per
  // connection. The advisory lock belongs to the session, so it spans them.
  auto run = [&connection](const std::string& sql) {
    pqxx::nontransaction step(connection);
    return step.exec(sql);
  };
  // The name was checked: no quoting needed.
  if (!schema.empty()) run("CREATE SCHEMA IF NOT EXISTS " + schema);
  run(absl::StrCat("SELECT pg_advisory_lock(", kMigrationLock, ")"));
  struct Unlock {
    pqxx::connection& connection;
    ~Unlock() {
      try {
        pqxx::nontransaction step(connection);
        step.exec(
            absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLock, ")"));
      } catch (...) {
        // The lock ends with the session anyway (the caller discards the
        // connection).
      }
    }
  } unlock{connection};
  run("CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY,"
      " name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  const int current =
      run("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0]
          .as<int>();
  const int latest = LatestKnownVersion();
  if (current > latest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", current,
                     " is newer than this lia (", latest, ")"));
  }
  for (const postgres_internal::Migration& m :
       postgres_internal::Migrations()) {
    if (m.version <= current) continue;
    pqxx::work tx(connection);
    tx.exec(std::string(m.sql));
    tx.exec_params(
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
        m.version, std::string(m.name));
    tx.commit();
  }
  return latest;
}

}  // namespace

absl::StatusOr<std::shared_ptr<postgres::Pool>> OpenPostgresPool(
    const PostgresOptions& options) {
  if (options.url.empty()) {
    return absl::InvalidArgumentError("PostgreSQL: the database URL is empty");
  }
  if (options.pool_size < 1 || options.pool_size > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PostgreSQL: pool_size must be 1..1000, not ", options.pool_size));
  }
  if (!options.schema.empty() && !ValidSchemaName(options.schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL: schema \"", options.schema,
                     "\" is not [a-z_][a-z0-9_]{0,62}"));
  }
  auto pool = std::make_shared<postgres::Pool>(options);
  absl::StatusOr<postgres::Pool::Lease> lease = pool->Acquire();
  if (!lease.ok()) return lease.status();
  // Schema changes leave nothing behind a pooled connection should not
  // inherit, but a failed migration leaves the session unknown: discard it.
  lease->Discard();
  try {
    absl::StatusOr<int> version = Migrate(lease->connection(), options.schema);
    if (!version.ok()) return version.status();
  } catch (...) {
    absl::Status status = postgres::StatusOfCurrentException("migrate");
    if (absl::IsAborted(status))
      return absl::UnavailableError(status.message());
    return status;
  }
  return pool;
}

ConnectionPoolStats PostgresPoolStats(const postgres::Pool& pool) {
  return pool.stats();
}

absl::StatusOr<int> PostgresSchemaVersion(postgres::Pool& pool) {
  return pool.Transact<int>(
      "schema version", [](pqxx::work& tx) -> absl::StatusOr<int> {
        return tx
            .exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0]
            .as<int>();
      });
}

}  // namespace lia::store
