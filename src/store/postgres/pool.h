#pragma once

// The PostgreSQL connection pool and the one way lia runs a transaction on
// it (private to the PostgreSQL implementations: store/postgres,
// jobs/postgres, llm/postgres). libpqxx appears here and in their .cc files
// only.
//
//   absl::StatusOr<int64_t> id = pool.Transact<int64_t>(
//       "insert message", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
//         return tx.exec_prepared1("insert_message", ...)[0].as<int64_t>();
//       });
//
// Errors become statuses in one place (StatusOf): a constraint violation is
// AlreadyExists / InvalidArgument / FailedPrecondition, a lost or refused
// connection, a statement timeout, a full pool are Unavailable.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "store/postgres.h"

namespace lia::store::postgres {

// The LISTEN/NOTIFY channel that wakes workers: whoever inserts a queued job
// (the queue, the store's outbox, the scheduler) runs
// "SELECT pg_notify('lia_jobs', '')" in the inserting transaction, so the
// notification is delivered at its commit. One channel per database; a
// spurious wake-up (another schema's job) costs one empty lease.
inline constexpr char kJobsChannel[] = "lia_jobs";

// The status of the exception being handled; call only inside a catch
// block. `what` names the operation ("save analysis") for the message.
// Aborted means the server rolled the transaction back and running it again
// is safe (a connection lost before the commit was sent, a serialization
// failure, a deadlock); a connection lost during the commit is Unavailable
// ("outcome unknown"): it may have committed.
absl::Status StatusOfCurrentException(std::string_view what);

// Thread-safe. Owns its connections; a Lease lends one to one caller.
class Pool {
 public:
  // A connection lent to one caller; returned to the pool when destroyed,
  // or closed instead when Discard() was called or it broke.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    pqxx::connection& connection() { return *connection_; }
    // Closes the connection instead of returning it (it broke, or holds
    // session state nobody else should inherit).
    void Discard() { discard_ = true; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}

    Pool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool discard_ = false;
  };

  // Opens nothing yet; OpenPostgresPool connects and migrates.
  explicit Pool(const PostgresOptions& options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection, a new one while under the bound, else waits up to
  // acquire_timeout. The connection has every registered statement
  // prepared. Unavailable when the server is unreachable or the wait ends.
  absl::StatusOr<Lease> Acquire();

  // Registers a prepared statement for every connection of the pool, now
  // and later. Idempotent for the same (name, sql); call at start-up.
  void Prepare(std::string name, std::string sql);

  // Runs `body` in a read-committed transaction and commits when it returns
  // a value (a non-OK status rolls back). Retries the whole body, on a
  // fresh connection where the old one broke, while the failure is Aborted
  // (at most three attempts; then Unavailable): the body must not have
  // effects outside the database.
  template <typename T>
  absl::StatusOr<T> Transact(
      std::string_view what,
      absl::FunctionRef<absl::StatusOr<T>(pqxx::work&)> body);
  absl::Status TransactStatus(
      std::string_view what, absl::FunctionRef<absl::Status(pqxx::work&)> body);

  // The current time for created_at / updated_at (options.now or the system
  // clock), RFC 3339 UTC with milliseconds.
  std::string Now() const;

  ConnectionPoolStats stats() const;
  const PostgresOptions& options() const { return options_; }
  static constexpr int kMaxAttempts = 3;
  // The libpq connection string of the pool's connections (for a LISTEN
  // connection of one's own).
  const std::string& connection_string() const { return connection_string_; }

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);
  // Prepares what was registered since the connection last saw the list.
  void PrepareRegistered(pqxx::connection& connection);
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes every idle connection (they are opened again on demand).
  void DiscardIdle();

  const PostgresOptions options_;
  const std::string connection_string_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // Idle + lent out + connecting.
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<std::string, std::string>> statements_
      ABSL_GUARDED_BY(mu_);
};

// Formats a PostgreSQL timestamptz text (DateStyle ISO, TimeZone UTC, as
// the pool's sessions use: "2026-11-29 10:00:00.12+00") as RFC 3339 UTC with
// milliseconds ("2026-11-29T10:00:00.120Z"). Input it does not recognise is
// returned unchanged.
std::string Rfc3339FromPostgres(std::string_view timestamptz);

template <typename T>
absl::StatusOr<T> Pool::Transact(
    std::string_view what,
    absl::FunctionRef<absl::StatusOr<T>(pqxx::work&)> body) {
  absl::Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    absl::StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    try {
      pqxx::work tx(lease->connection());
      absl::StatusOr<T> result = body(tx);
      if (!result.ok()) return result.status();  // ~work rolls back.
      tx.commit();
      return result;
    } catch (...) {
      last = StatusOfCurrentException(what);
      if (!lease->connection().is_open()) {
        lease->Discard();
        // What broke this one (a server restart, a failover) most likely
        // broke the idle ones too: without this, a retry would take another
        // dead connection, and a pool of more than kMaxAttempts could fail
        // a call that one new connection would serve.
        DiscardIdle();
      }
    }
    if (!absl::IsAborted(last)) return last;
  }
  return absl::UnavailableError(last.message());
}

}  // namespace lia::store::postgres
