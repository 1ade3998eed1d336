#include "store/sqlite/sqlite_errors.h"

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "sqlite3.h"

namespace lia::store::sqlite_internal {

absl::Mutex& FileWriteMutex(SQLite::Database& db) {
  static absl::Mutex registry_mu;
  static auto* registry ABSL_GUARDED_BY(registry_mu) =
      new absl::flat_hash_map<std::string, std::unique_ptr<absl::Mutex>>();
  const char* file = sqlite3_db_filename(db.getHandle(), "main");
  // An in-memory database is private to its connection: key it by handle.
  const std::string key =
      file != nullptr && *file != '\0'
          ? std::string(file)
          : "memory:" +
                std::to_string(reinterpret_cast<uintptr_t>(db.getHandle()));
  absl::MutexLock lock(&registry_mu);
  std::unique_ptr<absl::Mutex>& mu = (*registry)[key];
  if (!mu) mu = std::make_unique<absl::Mutex>();
  return *mu;
}

absl::Status FromSqlite(const SQLite::Exception& e) {
  const int extended = e.getExtendedErrorCode();
  // With extended result codes on, either may carry the extended code; the
  // low byte is the primary one.
  const int primary = (extended < 0 ? e.getErrorCode() : extended) & 0xff;
  const std::string message = std::string("sqlite: ") + e.what();
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message + " (database busy; retry)");
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE ||
          extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(message);
      }
      return absl::InvalidArgumentError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_TOOBIG:
      return absl::InvalidArgumentError(message);
    case SQLITE_INTERRUPT:
      return absl::AbortedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace lia::store::sqlite_internal
