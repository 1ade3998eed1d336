// The SQLite ScheduleStore: one connection behind a mutex, every write one
// IMMEDIATE transaction (a claim that finds nothing due by a plain read
// first writes nothing). A claim moves a schedule's next_run_at with
// "WHERE name = ? AND next_run_at = <the tick it read>" and enqueues the job
// in the same transaction, so of several stores claiming one tick — threads
// here or other processes on the file — exactly one moves it and enqueues.
// (SQLite's single writer already serializes the claims; the guard keeps
// them right without relying on that.)

#include "jobs/sqlite/sqlite_schedule_store.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "jobs/clock.h"
#include "jobs/cron.h"
#include "jobs/job_queue.h"
#include "jobs/sqlite/job_rows.h"
#include "store/internal/time.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_errors.h"
#include "store/store.h"

namespace lia::store {
namespace {

using jobs::Job;
using jobs::Schedule;
using jobs::ScheduleSpec;
using sqlite_internal::ParseStoredTime;

constexpr char kScheduleColumns[] =
    "name, cron, job_type, payload, priority, enabled, last_run_at, "
    "next_run_at, created_at, updated_at";

std::optional<std::string> OptionalText(const SQLite::Statement& st, int i) {
  if (st.getColumn(i).isNull()) return std::nullopt;
  return st.getColumn(i).getString();
}

// Reads a row selected with kScheduleColumns.
absl::StatusOr<Schedule> ReadSchedule(const SQLite::Statement& st) {
  Schedule s;
  s.name = st.getColumn(0).getString();
  const std::string what = absl::StrCat("schedule ", s.name);
  s.cron = st.getColumn(1).getString();
  s.job_type = st.getColumn(2).getString();
  s.payload = st.getColumn(3).getString();
  const std::string priority = st.getColumn(4).getString();
  std::optional<jobs::Priority> p = jobs::ParsePriority(priority);
  if (!p) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " has priority \"", priority, "\""));
  }
  s.priority = *p;
  s.enabled = st.getColumn(5).getInt() != 0;
  if (std::optional<std::string> t = OptionalText(st, 6)) {
    LIA_ASSIGN_OR_RETURN(s.last_run_at, ParseStoredTime(what, *t));
  }
  if (std::optional<std::string> t = OptionalText(st, 7)) {
    LIA_ASSIGN_OR_RETURN(s.next_run_at, ParseStoredTime(what, *t));
  }
  LIA_ASSIGN_OR_RETURN(s.created_at,
                       ParseStoredTime(what, st.getColumn(8).getString()));
  LIA_ASSIGN_OR_RETURN(s.updated_at,
                       ParseStoredTime(what, st.getColumn(9).getString()));
  return s;
}

// A spec checked and with its cron parsed.
using Configured = jobs::ConfiguredSchedule;

// A stored row as Sync compares it: text, unparsed, so that a row it cannot
// read is simply rewritten from the configuration.
struct StoredRow {
  std::string cron;
  std::string job_type;
  std::string payload;
  std::string priority;
  bool enabled = false;
  std::optional<std::string> next_run_at;
};

// A schedule that is due, as ClaimDue read it.
struct DueRow {
  std::string name;
  std::string cron;
  std::string job_type;
  std::string payload;
  std::string priority;
  std::string next_run_at;  // The due tick, as stored (the claim's guard).
};

class SqliteScheduleStore final : public jobs::ScheduleStore {
 public:
  SqliteScheduleStore(std::unique_ptr<SQLite::Database> db, jobs::Clock& clock)
      : clock_(clock), conn_(std::move(db), "schedule store") {}

  // ScheduleStore:
  absl::Status Sync(const std::vector<ScheduleSpec>& specs,
                    absl::Time now) override;
  absl::StatusOr<std::vector<Job>> ClaimDue(absl::Time now) override;
  absl::StatusOr<std::vector<Schedule>> List() override;

 private:
  template <typename F>
  auto Run(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    return conn_.Run(std::forward<F>(body));
  }
  // Inside Run's body only.
  SQLite::Statement& Prepared(SQLite::Database&, const std::string& sql) {
    return conn_.Prepared(sql);
  }
  sqlite_internal::StatementCache& Statements() { return conn_.statements(); }

  jobs::Clock& clock_;
  sqlite_internal::ExclusiveConnection conn_;
};

absl::Status SqliteScheduleStore::Sync(const std::vector<ScheduleSpec>& specs,
                                       absl::Time now) {
  LIA_ASSIGN_OR_RETURN(std::vector<Configured> configured,
                       jobs::ConfigureSchedules(specs, now));
  std::vector<std::optional<std::string>> first_ticks;
  first_ticks.reserve(configured.size());
  for (const Configured& c : configured) {
    first_ticks.push_back(c.first_tick ? std::optional<std::string>(
                                             internal::FormatUtc(*c.first_tick))
                                       : std::nullopt);
  }

  return Run([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string stamp = internal::FormatUtc(clock_.Now());
    absl::flat_hash_map<std::string, StoredRow> stored;
    {
      SQLite::Statement& st =
          Prepared(db,
                   "SELECT name, cron, job_type, payload, priority, enabled, "
                   "next_run_at FROM schedules");
      while (st.executeStep()) {
        stored[st.getColumn(0).getString()] = StoredRow{
            st.getColumn(1).getString(),   st.getColumn(2).getString(),
            st.getColumn(3).getString(),   st.getColumn(4).getString(),
            st.getColumn(5).getInt() != 0, OptionalText(st, 6)};
      }
      st.reset();
    }
    for (size_t i = 0; i < configured.size(); ++i) {
      const ScheduleSpec& spec = *configured[i].spec;
      const std::string& cron = configured[i].cron.ToString();
      const std::string priority(jobs::ToString(spec.priority));
      auto it = stored.find(spec.name);
      if (it == stored.end()) {
        SQLite::Statement& st = Prepared(
            db,
            "INSERT INTO schedules (name, cron, job_type, payload, priority, "
            "enabled, next_run_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        st.bind(1, spec.name);
        st.bind(2, cron);
        st.bind(3, spec.job_type);
        st.bind(4, spec.payload);
        st.bind(5, priority);
        st.bind(6, spec.enabled ? 1 : 0);
        if (first_ticks[i]) {
          st.bind(7, *first_ticks[i]);
        } else {
          st.bind(7);
        }
        st.bind(8, stamp);
        st.bind(9, stamp);
        st.exec();
        continue;
      }
      const StoredRow& row = it->second;
      if (row.cron == cron && row.job_type == spec.job_type &&
          row.payload == spec.payload && row.priority == priority &&
          row.enabled == spec.enabled &&
          (!spec.enabled || row.next_run_at.has_value())) {
        continue;  // Unchanged: keeps its last and next run.
      }
      // Same cron and still enabled: the persisted next run stands, so a
      // tick missed meanwhile is still due.
      std::optional<std::string> next = first_ticks[i];
      if (spec.enabled && row.enabled && row.cron == cron && row.next_run_at) {
        next = row.next_run_at;
      }
      SQLite::Statement& st =
          Prepared(db,
                   "UPDATE schedules SET cron = ?, job_type = ?, payload = ?, "
                   "priority = ?, enabled = ?, next_run_at = ?, updated_at = ? "
                   "WHERE name = ?");
      st.bind(1, cron);
      st.bind(2, spec.job_type);
      st.bind(3, spec.payload);
      st.bind(4, priority);
      st.bind(5, spec.enabled ? 1 : 0);
      if (next) {
        st.bind(6, *next);
      } else {
        st.bind(6);
      }
      st.bind(7, stamp);
      st.bind(8, spec.name);
      st.exec();
    }
    absl::flat_hash_set<std::string> names;
    for (const Configured& c : configured) names.insert(c.spec->name);
    for (const auto& [name, row] : stored) {
      if (names.contains(name)) continue;
      SQLite::Statement& st =
          Prepared(db, "DELETE FROM schedules WHERE name = ?");
      st.bind(1, name);
      st.exec();
    }
    txn.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Job>> SqliteScheduleStore::ClaimDue(absl::Time now) {
  const std::string now_text = internal::FormatUtc(now);
  return Run([&](SQLite::Database& db) -> absl::StatusOr<std::vector<Job>> {
    // Most ticks find nothing due: a plain read says so without taking the
    // write lock every second from every process.
    {
      SQLite::Statement& st = Prepared(
          db,
          "SELECT 1 FROM schedules WHERE enabled = 1 AND next_run_at <= ? "
          "LIMIT 1");
      st.bind(1, now_text);
      const bool any = st.executeStep();
      st.reset();
      if (!any) return std::vector<Job>{};
    }
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<DueRow> due;
    {
      SQLite::Statement& st = Prepared(
          db,
          "SELECT name, cron, job_type, payload, priority, next_run_at "
          "FROM schedules WHERE enabled = 1 AND next_run_at <= ? "
          "ORDER BY next_run_at, name");
      st.bind(1, now_text);
      while (st.executeStep()) {
        due.push_back(
            DueRow{st.getColumn(0).getString(), st.getColumn(1).getString(),
                   st.getColumn(2).getString(), st.getColumn(3).getString(),
                   st.getColumn(4).getString(), st.getColumn(5).getString()});
      }
      st.reset();
    }
    std::vector<Job> enqueued;
    // Claimed by another store since the read above: nothing to write.
    if (due.empty()) return enqueued;
    const absl::Time stamp = clock_.Now();
    const std::string stamp_text = internal::FormatUtc(stamp);
    for (const DueRow& row : due) {
      const std::string what = absl::StrCat("schedule ", row.name);
      LIA_ASSIGN_OR_RETURN(absl::Time tick,
                           ParseStoredTime(what, row.next_run_at));
      absl::StatusOr<jobs::CronExpression> cron =
          jobs::CronExpression::Parse(row.cron);
      std::optional<jobs::Priority> priority =
          jobs::ParsePriority(row.priority);
      if (!cron.ok() || !priority) {
        return absl::DataLossError(absl::StrCat("stored ", what, " has cron \"",
                                                row.cron, "\" and priority \"",
                                                row.priority, "\""));
      }
      // From now, not from the tick: after downtime the schedule fires once
      // and resumes at its next future tick.
      LIA_ASSIGN_OR_RETURN(absl::Time next, cron->Next(now));
      {
        SQLite::Statement& st =
            Prepared(db,
                     "UPDATE schedules SET last_run_at = ?1, next_run_at = ?2, "
                     "updated_at = ?3 WHERE name = ?4 AND enabled = 1 AND "
                     "next_run_at = ?1");
        st.bind(1, row.next_run_at);
        st.bind(2, internal::FormatUtc(next));
        st.bind(3, stamp_text);
        st.bind(4, row.name);
        if (st.exec() == 0) continue;  // Claimed by another store.
      }
      jobs::NewJob job;
      job.type = row.job_type;
      job.payload = row.payload;
      job.priority = *priority;
      job.idempotency_key = jobs::ScheduleJobKey(row.name, tick);
      absl::Status valid = sqlite_internal::ValidateNewJob(job);
      if (!valid.ok()) {
        return absl::DataLossError(
            absl::StrCat("stored ", what, ": ", valid.message()));
      }
      LIA_ASSIGN_OR_RETURN(
          Job added,
          sqlite_internal::InsertJob(Statements(), db, job, stamp_text, stamp));
      enqueued.push_back(std::move(added));
    }
    txn.commit();
    return enqueued;
  });
}

absl::StatusOr<std::vector<Schedule>> SqliteScheduleStore::List() {
  return Run(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<Schedule>> {
        SQLite::Statement& st =
            Prepared(db, absl::StrCat("SELECT ", kScheduleColumns,
                                      " FROM schedules ORDER BY name"));
        std::vector<Schedule> out;
        while (st.executeStep()) {
          absl::StatusOr<Schedule> s = ReadSchedule(st);
          if (!s.ok()) {
            st.reset();
            return s.status();
          }
          out.push_back(*std::move(s));
        }
        st.reset();
        return out;
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> OpenSqliteScheduleStore(
    const SqliteScheduleStoreOptions& options) {
  // ":memory:" is refused: a database of its own, which no other process,
  // nor the job queue, would see.
  LIA_ASSIGN_OR_RETURN(
      std::unique_ptr<SQLite::Database> db,
      sqlite_internal::OpenComponentConnection(
          options.path, options.busy_timeout_ms, "the schedule store"));
  jobs::Clock& clock = options.clock ? *options.clock : jobs::SystemClock();
  return std::make_unique<SqliteScheduleStore>(std::move(db), clock);
}

}  // namespace lia::store
