// The SQLite EventLog: one connection behind a mutex, every write one
// IMMEDIATE transaction. SQLite allows one writer per database file, so ids
// (AUTOINCREMENT) are handed out and committed in the same order, whichever
// process appends.

#include "store/sqlite/sqlite_event_log.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/internal/event_validation.h"
#include "store/internal/rows.h"
#include "store/internal/time.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_errors.h"
#include "store/store.h"

namespace lia::store {
namespace {

constexpr int kMaxAfterLimit = 1000;

using internal::ValidateEvent;

absl::StatusOr<Event> ReadEvent(const SQLite::Statement& st) {
  return internal::DecodeEvent(
      st.getColumn(0).getInt64(), st.getColumn(1).getString(),
      st.getColumn(2).getString(), st.getColumn(3).getString());
}

class SqliteEventLog final : public EventLog {
 public:
  explicit SqliteEventLog(std::unique_ptr<SQLite::Database> db)
      : conn_(std::move(db), "event log") {}

  // EventLog:
  absl::StatusOr<int64_t> Append(const std::string& type,
                                 const std::string& data_json) override;
  absl::StatusOr<std::vector<int64_t>> AppendBatch(
      const std::vector<std::pair<std::string, std::string>>& events) override;
  absl::StatusOr<std::vector<Event>> After(int64_t after_id,
                                           int limit) override;
  absl::StatusOr<int64_t> LastId() override;
  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override;

 private:
  template <typename F>
  auto Run(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    return conn_.Run(std::forward<F>(body));
  }
  // Inside Run's body only.
  SQLite::Statement& Prepared(SQLite::Database&, const std::string& sql) {
    return conn_.Prepared(sql);
  }

  // Inside the caller's transaction.
  int64_t Insert(SQLite::Database& db, const std::string& type,
                 const std::string& data, const std::string& now_text) {
    SQLite::Statement& st = Prepared(
        db, "INSERT INTO events (type, data, created_at) VALUES (?, ?, ?)");
    st.bind(1, type);
    st.bind(2, data);
    st.bind(3, now_text);
    st.exec();
    return db.getLastInsertRowid();
  }

  sqlite_internal::ExclusiveConnection conn_;
};

absl::StatusOr<int64_t> SqliteEventLog::Append(const std::string& type,
                                               const std::string& data_json) {
  LIA_RETURN_IF_ERROR(ValidateEvent(type, data_json));
  return Run([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const int64_t id = Insert(db, type, data_json, internal::SystemNow());
    txn.commit();
    return id;
  });
}

absl::StatusOr<std::vector<int64_t>> SqliteEventLog::AppendBatch(
    const std::vector<std::pair<std::string, std::string>>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    absl::Status valid = ValidateEvent(events[i].first, events[i].second);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "]: ", valid.message()));
    }
  }
  if (events.empty()) return std::vector<int64_t>();
  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<int64_t>> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string now_text = internal::SystemNow();
    std::vector<int64_t> ids;
    ids.reserve(events.size());
    for (const auto& [type, data] : events) {
      ids.push_back(Insert(db, type, data, now_text));
    }
    txn.commit();
    return ids;
  });
}

absl::StatusOr<std::vector<Event>> SqliteEventLog::After(int64_t after_id,
                                                         int limit) {
  if (limit < 1 || limit > kMaxAfterLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxAfterLimit, ", got ", limit));
  }
  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<Event>> {
    SQLite::Statement& st =
        Prepared(db,
                 "SELECT id, type, data, created_at FROM events WHERE id > ? "
                 "ORDER BY id LIMIT ?");
    st.bind(1, after_id);
    st.bind(2, limit);
    std::vector<Event> out;
    while (st.executeStep()) {
      absl::StatusOr<Event> event = ReadEvent(st);
      if (!event.ok()) {
        st.reset();
        return event.status();
      }
      out.push_back(*std::move(event));
    }
    st.reset();
    return out;
  });
}

absl::StatusOr<int64_t> SqliteEventLog::LastId() {
  return Run([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    SQLite::Statement& st =
        Prepared(db, "SELECT ifnull(max(id), 0) FROM events");
    st.executeStep();
    const int64_t id = st.getColumn(0).getInt64();
    st.reset();
    return id;
  });
}

absl::StatusOr<int64_t> SqliteEventLog::DeleteBefore(absl::Time cutoff) {
  // Stored timestamps are fixed-width years 0001..9999; outside that range
  // the text comparison would be wrong, and the answer is known anyway.
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (cutoff <= absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), utc)) {
    return 0;
  }
  const bool everything =
      cutoff >= absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), utc);
  return Run([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement& st =
        Prepared(db, everything ? "DELETE FROM events"
                                : "DELETE FROM events WHERE created_at < ?");
    if (!everything) st.bind(1, internal::FormatUtc(cutoff));
    const int64_t deleted = st.exec();
    txn.commit();
    return deleted;
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> OpenSqliteEventLog(
    const SqliteEventLogOptions& options) {
  // ":memory:" is refused: a database of its own, where no other process
  // (nor the store) would see these events.
  LIA_ASSIGN_OR_RETURN(
      std::unique_ptr<SQLite::Database> db,
      sqlite_internal::OpenComponentConnection(
          options.path, options.busy_timeout_ms, "the event log"));
  return std::make_unique<SqliteEventLog>(std::move(db));
}

}  // namespace lia::store
