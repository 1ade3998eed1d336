// The PostgreSQL ScheduleStore. A claim moves a schedule's next_run_at with
// "WHERE name = $ AND next_run_at = <the tick it read>" and enqueues the job
// in the same transaction. Under READ COMMITTED a second claimer of the
// same tick waits for the first's row lock, then re-reads the row, finds
// next_run_at moved and updates nothing: of any number of processes
// claiming one tick, exactly one enqueues its job. Claimers take the rows
// in the same order (due tick, name), so they cannot deadlock. Sync locks
// the table against other Syncs and claims for its transaction.

#include "jobs/postgres/postgres_schedule_store.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "jobs/clock.h"
#include "jobs/cron.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/job_rows.h"
#include "store/postgres/pool.h"

namespace lia::store {
namespace {

using jobs::Job;
using jobs::Schedule;
using jobs::ScheduleSpec;
using postgres_internal::TimestampParam;

constexpr char kSelectStored[] = "lia_schedules_stored";
constexpr char kInsert[] = "lia_schedules_insert";
constexpr char kUpdate[] = "lia_schedules_update";
constexpr char kDelete[] = "lia_schedules_delete";
constexpr char kSelectDue[] = "lia_schedules_due";
constexpr char kClaim[] = "lia_schedules_claim";
constexpr char kList[] = "lia_schedules_list";

// `column` as microseconds since the epoch, or NULL. (Optional timestamps
// go in as text, "" for NULL, through NULLIF: a statement takes a fixed
// list of parameters.)
std::string Micros(const char* column) {
  return absl::StrCat("(extract(epoch FROM ", column, ") * 1000000)::bigint");
}

void PrepareStatements(postgres::Pool& pool) {
  postgres_internal::PrepareInsertJob(pool);
  pool.Prepare(kSelectStored,
               "SELECT name, cron, job_type, payload, priority, enabled, "
               "next_run_at::text FROM schedules");
  pool.Prepare(
      kInsert,
      "INSERT INTO schedules (name, cron, job_type, payload, "
      "priority, enabled, next_run_at, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, '')::timestamptz, $8, "
      "$8)");
  pool.Prepare(kUpdate,
               "UPDATE schedules SET cron = $1, job_type = $2, payload = $3, "
               "priority = $4, enabled = $5, "
               "next_run_at = NULLIF($6, '')::timestamptz, "
               "updated_at = $7 WHERE name = $8");
  pool.Prepare(kDelete, "DELETE FROM schedules WHERE name = $1");
  pool.Prepare(kSelectDue,
               absl::StrCat("SELECT name, cron, job_type, payload, priority, "
                            "next_run_at::text, ",
                            Micros("next_run_at"),
                            " FROM schedules WHERE enabled AND next_run_at <= "
                            "$1 ORDER BY next_run_at, name"));
  pool.Prepare(kClaim,
               "UPDATE schedules SET last_run_at = $1, next_run_at = $2, "
               "updated_at = $3 WHERE name = $4 AND enabled AND "
               "next_run_at = $1");
  pool.Prepare(
      kList,
      absl::StrCat("SELECT name, cron, job_type, payload, priority, "
                   "enabled, ",
                   Micros("last_run_at"), ", ", Micros("next_run_at"), ", ",
                   Micros("created_at"), ", ", Micros("updated_at"),
                   " FROM schedules ORDER BY name"));
}

std::optional<absl::Time> OptionalMicros(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

std::optional<std::string> OptionalText(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<std::string>();
}

// Reads a row of kList.
absl::StatusOr<Schedule> ReadSchedule(const pqxx::row& row) {
  Schedule s;
  s.name = row[0].as<std::string>();
  s.cron = row[1].as<std::string>();
  s.job_type = row[2].as<std::string>();
  s.payload = row[3].as<std::string>();
  const std::string priority = row[4].as<std::string>();
  std::optional<jobs::Priority> p = jobs::ParsePriority(priority);
  if (!p) {
    return absl::DataLossError(absl::StrCat(
        "stored schedule ", s.name, " has priority \"", priority, "\""));
  }
  s.priority = *p;
  s.enabled = row[5].as<bool>();
  s.last_run_at = OptionalMicros(row[6]);
  s.next_run_at = OptionalMicros(row[7]);
  s.created_at = absl::FromUnixMicros(row[8].as<int64_t>());
  s.updated_at = absl::FromUnixMicros(row[9].as<int64_t>());
  return s;
}

// A spec checked and with its cron parsed.
using Configured = jobs::ConfiguredSchedule;

// A stored row as Sync compares it, unparsed, so that a row it cannot read
// is simply rewritten from the configuration. next_run_at is the server's
// text, given back as is when it stands.
struct StoredRow {
  std::string cron;
  std::string job_type;
  std::string payload;
  std::string priority;
  bool enabled = false;
  std::optional<std::string> next_run_at;
};

class PostgresScheduleStore final : public jobs::ScheduleStore {
 public:
  PostgresScheduleStore(std::shared_ptr<postgres::Pool> pool,
                        jobs::Clock& clock)
      : pool_(std::move(pool)), clock_(clock) {}

  // ScheduleStore:
  absl::Status Sync(const std::vector<ScheduleSpec>& specs,
                    absl::Time now) override;
  absl::StatusOr<std::vector<Job>> ClaimDue(absl::Time now) override;
  absl::StatusOr<std::vector<Schedule>> List() override;

 private:
  const std::shared_ptr<postgres::Pool> pool_;
  jobs::Clock& clock_;
};

absl::Status PostgresScheduleStore::Sync(const std::vector<ScheduleSpec>& specs,
                                         absl::Time now) {
  LIA_ASSIGN_OR_RETURN(std::vector<Configured> configured,
                       jobs::ConfigureSchedules(specs, now));
  std::vector<std::optional<std::string>> first_ticks;
  first_ticks.reserve(configured.size());
  for (const Configured& c : configured) {
    first_ticks.push_back(
        c.first_tick ? std::optional<std::string>(TimestampParam(*c.first_tick))
                     : std::nullopt);
  }

  return pool_->TransactStatus(
      "sync schedules", [&](pqxx::work& tx) -> absl::Status {
        // Against other Syncs (which would insert the same names) and claims,
        // which would move a next_run_at this one is about to write.
        tx.exec0("LOCK TABLE schedules IN SHARE ROW EXCLUSIVE MODE");
        const std::string stamp = TimestampParam(clock_.Now());
        absl::flat_hash_map<std::string, StoredRow> stored;
        for (const pqxx::row& row : tx.exec_prepared(kSelectStored)) {
          stored[row[0].as<std::string>()] =
              StoredRow{row[1].as<std::string>(), row[2].as<std::string>(),
                        row[3].as<std::string>(), row[4].as<std::string>(),
                        row[5].as<bool>(),        OptionalText(row[6])};
        }
        for (size_t i = 0; i < configured.size(); ++i) {
          const ScheduleSpec& spec = *configured[i].spec;
          const std::string& cron = configured[i].cron.ToString();
          const std::string priority(jobs::ToString(spec.priority));
          auto it = stored.find(spec.name);
          if (it == stored.end()) {
            tx.exec_prepared(kInsert, spec.name, cron, spec.job_type,
                             spec.payload, priority, spec.enabled,
                             first_ticks[i].value_or(""), stamp);
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
          if (spec.enabled && row.enabled && row.cron == cron &&
              row.next_run_at) {
            next = row.next_run_at;
          }
          tx.exec_prepared(kUpdate, cron, spec.job_type, spec.payload, priority,
                           spec.enabled, next.value_or(""), stamp, spec.name);
        }
        absl::flat_hash_set<std::string> names;
        for (const Configured& c : configured) names.insert(c.spec->name);
        for (const auto& [name, row] : stored) {
          if (!names.contains(name)) tx.exec_prepared(kDelete, name);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<Job>> PostgresScheduleStore::ClaimDue(
    absl::Time now) {
  const std::string now_text = TimestampParam(now);
  return pool_->Transact<std::vector<Job>>(
      "claim due schedules",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Job>> {
        std::vector<Job> enqueued;
        // Most ticks find nothing due and end here, having locked nothing.
        const pqxx::result due = tx.exec_prepared(kSelectDue, now_text);
        if (due.empty()) return enqueued;
        const absl::Time stamp = clock_.Now();
        const std::string stamp_text = TimestampParam(stamp);
        for (const pqxx::row& row : due) {
          const std::string name = row[0].as<std::string>();
          const std::string cron_text = row[1].as<std::string>();
          const std::string priority_text = row[4].as<std::string>();
          const std::string what = absl::StrCat("schedule ", name);
          const absl::Time tick = absl::FromUnixMicros(row[6].as<int64_t>());
          absl::StatusOr<jobs::CronExpression> cron =
              jobs::CronExpression::Parse(cron_text);
          std::optional<jobs::Priority> priority =
              jobs::ParsePriority(priority_text);
          if (!cron.ok() || !priority) {
            return absl::DataLossError(
                absl::StrCat("stored ", what, " has cron \"", cron_text,
                             "\" and priority \"", priority_text, "\""));
          }
          // From now, not from the tick: after downtime the schedule fires
          // once and resumes at its next future tick.
          LIA_ASSIGN_OR_RETURN(absl::Time next, cron->Next(now));
          // The guard is the tick as read, in the server's own text.
          const pqxx::result claimed =
              tx.exec_prepared(kClaim, row[5].as<std::string>(),
                               TimestampParam(next), stamp_text, name);
          if (claimed.affected_rows() == 0) continue;  // Another claimed it.
          jobs::NewJob job;
          job.type = row[2].as<std::string>();
          job.payload = row[3].as<std::string>();
          job.priority = *priority;
          job.idempotency_key = jobs::ScheduleJobKey(name, tick);
          absl::Status valid = postgres_internal::ValidateNewJob(job);
          if (!valid.ok()) {
            return absl::DataLossError(
                absl::StrCat("stored ", what, ": ", valid.message()));
          }
          LIA_ASSIGN_OR_RETURN(Job added, postgres_internal::InsertJob(
                                              tx, job, stamp_text, stamp));
          enqueued.push_back(std::move(added));
        }
        return enqueued;
      });
}

absl::StatusOr<std::vector<Schedule>> PostgresScheduleStore::List() {
  return pool_->Transact<std::vector<Schedule>>(
      "list schedules",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Schedule>> {
        std::vector<Schedule> out;
        for (const pqxx::row& row : tx.exec_prepared(kList)) {
          LIA_ASSIGN_OR_RETURN(Schedule s, ReadSchedule(row));
          out.push_back(std::move(s));
        }
        return out;
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> OpenPostgresScheduleStore(
    std::shared_ptr<postgres::Pool> pool,
    const PostgresScheduleStoreOptions& options) {
  if (pool == nullptr) {
    return absl::InvalidArgumentError(
        "the schedule store needs a PostgreSQL pool");
  }
  PrepareStatements(*pool);
  jobs::Clock& clock = options.clock ? *options.clock : jobs::SystemClock();
  return std::make_unique<PostgresScheduleStore>(std::move(pool), clock);
}

}  // namespace lia::store
