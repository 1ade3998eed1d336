// The PostgreSQL EventLog: table `events` (migration 0004) on the shared
// pool. Appends from every process take one transaction-scoped advisory
// lock before their ids are drawn and hold it until they commit, so ids
// commit in order: a reader that has seen id N never finds a new event at or
// below N later (SQLite gets this from its single writer). The lock is per
// schema (several lia may share a database) and held for two short
// statements.
//
// Thread-safe: no state but the pool.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/event_log.h"
#include "store/internal/event_validation.h"
#include "store/internal/rows.h"
#include "store/internal/time.h"
#include "store/postgres.h"
#include "store/postgres/pool.h"
#include "store/postgres/rows.h"

namespace lia::store {
namespace {

using postgres::Pool;

constexpr int kMaxAfterLimit = 1000;

constexpr char kLockAppends[] = "events_lock_appends";
constexpr char kInsertEvent[] = "events_insert";
constexpr char kEventsAfter[] = "events_after";
constexpr char kLastEventId[] = "events_last_id";
constexpr char kDeleteEventsBefore[] = "events_delete_before";
constexpr char kDeleteAllEvents[] = "events_delete_all";

// The advisory lock's first key ("lia_" as ASCII); the second is the
// schema's hash. The two-key form never meets the single-key locks of the
// migrations.
constexpr int32_t kAppendLockClass = 0x6c69615f;

void PrepareStatements(Pool& pool) {
  pool.Prepare(kLockAppends,
               absl::StrCat("SELECT pg_advisory_xact_lock(", kAppendLockClass,
                            ", hashtext(current_schema()))"));
  // json, not jsonb: the data comes back as appended, byte for byte.
  pool.Prepare(kInsertEvent,
               "INSERT INTO events (type, data, created_at) VALUES ($1, "
               "$2::json, $3::timestamptz) RETURNING id");
  pool.Prepare(kEventsAfter,
               "SELECT id, type, data::text, created_at FROM events WHERE id "
               "> $1 ORDER BY id LIMIT $2");
  pool.Prepare(kLastEventId, "SELECT coalesce(max(id), 0) FROM events");
  pool.Prepare(kDeleteEventsBefore,
               "DELETE FROM events WHERE created_at < $1::timestamptz");
  pool.Prepare(kDeleteAllEvents, "DELETE FROM events");
}

using internal::ValidateEvent;

absl::StatusOr<Event> ReadEvent(const pqxx::row& row) {
  return internal::DecodeEvent(row[0].as<int64_t>(),
                               postgres_internal::Text(row[1]),
                               postgres_internal::Text(row[2]),
                               postgres_internal::TimestampText(row[3]));
}

class PostgresEventLog final : public EventLog {
 public:
  explicit PostgresEventLog(std::shared_ptr<Pool> pool)
      : pool_(std::move(pool)) {}

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
  // Appends events already validated, in one transaction.
  absl::StatusOr<std::vector<int64_t>> Insert(
      const std::vector<std::pair<std::string, std::string>>& events);

  const std::shared_ptr<Pool> pool_;
};

absl::StatusOr<int64_t> PostgresEventLog::Append(const std::string& type,
                                                 const std::string& data_json) {
  LIA_RETURN_IF_ERROR(ValidateEvent(type, data_json));
  LIA_ASSIGN_OR_RETURN(std::vector<int64_t> ids, Insert({{type, data_json}}));
  return ids.front();
}

absl::StatusOr<std::vector<int64_t>> PostgresEventLog::AppendBatch(
    const std::vector<std::pair<std::string, std::string>>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    absl::Status valid = ValidateEvent(events[i].first, events[i].second);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("events[", i, "]: ", valid.message()));
    }
  }
  if (events.empty()) return std::vector<int64_t>();
  return Insert(events);
}

absl::StatusOr<std::vector<int64_t>> PostgresEventLog::Insert(
    const std::vector<std::pair<std::string, std::string>>& events) {
  return pool_->Transact<std::vector<int64_t>>(
      "append events",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<int64_t>> {
        tx.exec_prepared(kLockAppends);
        const std::string now = pool_->Now();
        std::vector<int64_t> ids;
        ids.reserve(events.size());
        for (const auto& [type, data] : events) {
          ids.push_back(tx.exec_prepared1(kInsertEvent, type, data, now)[0]
                            .as<int64_t>());
        }
        return ids;
      });
}

absl::StatusOr<std::vector<Event>> PostgresEventLog::After(int64_t after_id,
                                                           int limit) {
  if (limit < 1 || limit > kMaxAfterLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxAfterLimit, ", got ", limit));
  }
  return pool_->Transact<std::vector<Event>>(
      "read events", [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Event>> {
        std::vector<Event> out;
        for (const pqxx::row& row :
             tx.exec_prepared(kEventsAfter, after_id, limit)) {
          LIA_ASSIGN_OR_RETURN(Event event, ReadEvent(row));
          out.push_back(std::move(event));
        }
        return out;
      });
}

absl::StatusOr<int64_t> PostgresEventLog::LastId() {
  return pool_->Transact<int64_t>(
      "last event id", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        return tx.exec_prepared1(kLastEventId)[0].as<int64_t>();
      });
}

absl::StatusOr<int64_t> PostgresEventLog::DeleteBefore(absl::Time cutoff) {
  // Cutoffs outside the years lia writes (0001..9999) answer themselves, as
  // on SQLite; FormatUtc could not spell them anyway.
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (cutoff <= absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), utc)) {
    return 0;
  }
  const bool everything =
      cutoff >= absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), utc);
  return pool_->Transact<int64_t>(
      "delete events", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        const pqxx::result r =
            everything ? tx.exec_prepared(kDeleteAllEvents)
                       : tx.exec_prepared(kDeleteEventsBefore,
                                          internal::FormatUtc(cutoff));
        return static_cast<int64_t>(r.affected_rows());
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> OpenPostgresEventLog(
    std::shared_ptr<postgres::Pool> pool) {
  if (pool == nullptr) {
    return absl::InvalidArgumentError("PostgreSQL event log: no pool");
  }
  PrepareStatements(*pool);
  return std::make_unique<PostgresEventLog>(std::move(pool));
}

}  // namespace lia::store
