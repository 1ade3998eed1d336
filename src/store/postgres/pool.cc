#include "store/postgres/pool.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lia::store::postgres {
namespace {

std::string Millis(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(0, absl::ToInt64Milliseconds(d)));
}

// The options every session runs with: UTC so timestamptz reads back as
// UTC text, ISO dates, and the statement timeout. In a libpq URI the
// `options` value is percent-encoded; in a key=value string it is quoted.
std::string ConnectionString(const PostgresOptions& options) {
  std::string session =
      absl::StrCat("-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=",
                   Millis(options.statement_timeout));
  if (!options.schema.empty()) {
    absl::StrAppend(&session, " -c search_path=", options.schema);
  }
  const std::string connect_seconds = absl::StrCat(
      std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout)));
  const bool uri = options.url.rfind("postgresql://", 0) == 0 ||
                   options.url.rfind("postgres://", 0) == 0;
  if (uri) {
    const std::string encoded = absl::StrReplaceAll(
        session, {{"%", "%25"}, {" ", "%20"}, {"=", "%3D"}});
    return absl::StrCat(
        options.url, options.url.find('?') == std::string::npos ? "?" : "&",
        "application_name=", options.application_name,
        "&connect_timeout=", connect_seconds, "&options=", encoded);
  }
  return absl::StrCat(
      options.url, " application_name='", options.application_name,
      "' connect_timeout=", connect_seconds, " options='", session, "'");
}

// SQLSTATE classes (PostgreSQL manual, appendix A).
absl::Status StatusOfSqlState(std::string_view state, const std::string& what,
                              const std::string& message) {
  const std::string text = absl::StrCat(what, ": ", message);
  if (state == "23505") return absl::AlreadyExistsError(text);
  if (state == "23503") return absl::FailedPreconditionError(text);
  if (state.substr(0, 2) == "23" || state.substr(0, 2) == "22") {
    return absl::InvalidArgumentError(text);
  }
  if (state == "40001" || state == "40P01") return absl::AbortedError(text);
  // 08: connection exception; 53: insufficient resources (too many
  // connections); 57: operator intervention (statement timeout, shutdown).
  if (state.substr(0, 2) == "08" || state.substr(0, 2) == "53" ||
      state.substr(0, 2) == "57") {
    return absl::UnavailableError(text);
  }
  return absl::InternalError(text);
}

std::string FirstLine(std::string_view text) {
  std::string line(text.substr(0, text.find('\n')));
  absl::StripTrailingAsciiWhitespace(&line);
  return line;
}

}  // namespace

absl::Status StatusOfCurrentException(std::string_view operation) {
  const std::string what(operation);
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnavailableError(
        absl::StrCat(what,
                     ": the connection was lost during the commit; the "
                     "outcome is unknown: ",
                     FirstLine(e.what())));
  } catch (const pqxx::broken_connection& e) {
    // Before the commit was sent: the server rolled the transaction back.
    return absl::AbortedError(absl::StrCat(
        what, ": PostgreSQL connection lost: ", FirstLine(e.what())));
  } catch (const pqxx::serialization_failure& e) {
    return absl::AbortedError(absl::StrCat(what, ": ", FirstLine(e.what())));
  } catch (const pqxx::deadlock_detected& e) {
    return absl::AbortedError(absl::StrCat(what, ": ", FirstLine(e.what())));
  } catch (const pqxx::statement_completion_unknown& e) {
    return absl::UnavailableError(
        absl::StrCat(what, ": outcome unknown: ", FirstLine(e.what())));
  } catch (const pqxx::sql_error& e) {
    return StatusOfSqlState(e.sqlstate(), what, FirstLine(e.what()));
  } catch (const pqxx::conversion_error& e) {
    return absl::InternalError(
        absl::StrCat(what, ": unexpected value: ", FirstLine(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", FirstLine(e.what())));
  } catch (...) {
    return absl::InternalError(absl::StrCat(what, ": unknown error"));
  }
}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      discard_(other.discard_) {
  other.pool_ = nullptr;
}

Pool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_), discard_);
  }
}

Pool::Pool(const PostgresOptions& options)
    : options_(options), connection_string_(ConnectionString(options)) {}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect() {
  try {
    return std::make_unique<pqxx::connection>(connection_string_);
  } catch (...) {
    absl::Status status = StatusOfCurrentException("connect to PostgreSQL");
    if (absl::IsAborted(status)) {
      return absl::UnavailableError(status.message());
    }
    return status;
  }
}

bool Pool::CanAcquire() const {
  return !idle_.empty() || open_ < options_.pool_size;
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<pqxx::connection> connection;
  {
    absl::MutexLock lock(&mu_);
    ++waiting_;
    const bool ready = mu_.AwaitWithTimeout(
        absl::Condition(this, &Pool::CanAcquire), options_.acquire_timeout);
    --waiting_;
    if (!ready) {
      return absl::UnavailableError(absl::StrCat(
          "no PostgreSQL connection free within ",
          absl::FormatDuration(options_.acquire_timeout), " (pool of ",
          options_.pool_size, "; raise database.pool_size)"));
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // Reserved while connecting, outside the lock.
    }
  }
  if (connection == nullptr) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> made = Connect();
    if (!made.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
      return made.status();
    }
    connection = *std::move(made);
  }
  Lease lease(this, std::move(connection));
  try {
    PrepareRegistered(lease.connection());
  } catch (...) {
    lease.Discard();
    absl::Status status = StatusOfCurrentException("prepare statements");
    if (absl::IsAborted(status)) {
      return absl::UnavailableError(status.message());
    }
    return status;
  }
  return lease;
}

void Pool::Return(std::unique_ptr<pqxx::connection> connection, bool discard) {
  const bool keep = !discard && connection->is_open();
  if (!keep) connection.reset();  // Closes outside the lock.
  absl::MutexLock lock(&mu_);
  if (keep) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
}

void Pool::DiscardIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  // Closed here, outside the lock, as `idle` goes out of scope.
}

void Pool::Prepare(std::string name, std::string sql) {
  absl::MutexLock lock(&mu_);
  for (const auto& [known, text] : statements_) {
    if (known == name) return;
  }
  statements_.emplace_back(std::move(name), std::move(sql));
}

void Pool::PrepareRegistered(pqxx::connection& connection) {
  std::vector<std::pair<std::string, std::string>> statements;
  {
    absl::MutexLock lock(&mu_);
    statements = statements_;
  }
  // libpqxx remembers the definitions per connection; preparing a name it
  // already has with the same text is a no-op for it.
  for (const auto& [name, sql] : statements) connection.prepare(name, sql);
}

std::string Pool::Now() const {
  if (options_.now) return options_.now();
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

ConnectionPoolStats Pool::stats() const {
  absl::MutexLock lock(&mu_);
  ConnectionPoolStats stats;
  stats.idle = static_cast<int64_t>(idle_.size());
  stats.in_use = open_ - stats.idle;
  stats.max = options_.pool_size;
  stats.waiting = waiting_;
  return stats;
}

absl::Status Pool::TransactStatus(
    std::string_view what, absl::FunctionRef<absl::Status(pqxx::work&)> body) {
  return Transact<bool>(what,
                        [&](pqxx::work& tx) -> absl::StatusOr<bool> {
                          absl::Status status = body(tx);
                          if (!status.ok()) return status;
                          return true;
                        })
      .status();
}

std::string Rfc3339FromPostgres(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS[.f{1,6}]+00[:00]"
  if (text.size() < 22 || text[10] != ' ') return std::string(text);
  std::string out(text.substr(0, 19));
  out[10] = 'T';
  size_t pos = 19;
  std::string fraction;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && absl::ascii_isdigit(text[pos])) {
      fraction.push_back(text[pos++]);
    }
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "+00" && zone != "+00:00") return std::string(text);
  fraction.resize(3, '0');
  absl::StrAppend(&out, ".", fraction, "Z");
  return out;
}

}  // namespace lia::store::postgres
