#include "store/sqlite/sqlite_errors.h"

#include "sqlite3.h"

namespace lia::store::sqlite_internal {

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
