#include "jobs/scheduler.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "jobs/clock.h"
#include "jobs/cron.h"
#include "jobs/job_queue.h"

namespace lia::jobs {
namespace {

constexpr size_t kMaxNameLength = 64;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

absl::Status ValidateName(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("schedule name is empty");
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule name \"", name.substr(0, kMaxNameLength),
                     "...\" is longer than ", kMaxNameLength, " bytes"));
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule name \"", absl::CHexEscape(name),
                       "\" may hold only letters, digits, '_', '.' and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<ScheduleSpec> DefaultSchedules() {
  std::vector<ScheduleSpec> specs(2);
  specs[0].name = "daily_digest";
  specs[0].cron = "0 9 * * *";
  specs[0].job_type = "daily_digest";
  specs[1].name = "cleanup";
  specs[1].cron = "0 2 * * *";
  specs[1].job_type = "cleanup";
  specs[1].priority = Priority::kLow;
  return specs;
}

std::string ScheduleJobKey(const std::string& name, absl::Time tick) {
  return absl::StrCat(
      "schedule:", name, ":",
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", tick, absl::UTCTimeZone()));
}

absl::Status ValidateScheduleSpecs(const std::vector<ScheduleSpec>& specs) {
  absl::flat_hash_set<std::string> names;
  for (const ScheduleSpec& spec : specs) {
    absl::Status name = ValidateName(spec.name);
    if (!name.ok()) return name;
    if (!names.insert(spec.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule \"", spec.name, "\" is configured twice"));
    }
    if (spec.job_type.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule \"", spec.name, "\" has no job type"));
    }
    absl::StatusOr<CronExpression> cron = CronExpression::Parse(spec.cron);
    if (!cron.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "schedule \"", spec.name, "\": ", cron.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ConfiguredSchedule>> ConfigureSchedules(
    const std::vector<ScheduleSpec>& specs, absl::Time now) {
  if (absl::Status valid = ValidateScheduleSpecs(specs); !valid.ok()) {
    return valid;
  }
  std::vector<ConfiguredSchedule> configured;
  configured.reserve(specs.size());
  for (const ScheduleSpec& spec : specs) {
    NewJob job;
    job.type = spec.job_type;
    job.payload = spec.payload;
    if (absl::Status valid = ValidateNewJob(job); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule \"", spec.name, "\": ", valid.message()));
    }
    absl::StatusOr<CronExpression> cron = CronExpression::Parse(spec.cron);
    if (!cron.ok()) return cron.status();
    std::optional<absl::Time> first_tick;
    if (spec.enabled) {
      absl::StatusOr<absl::Time> next = cron->Next(now);
      if (!next.ok()) return next.status();
      first_tick = *next;
    }
    configured.push_back({&spec, *std::move(cron), first_tick});
  }
  return configured;
}

Scheduler::Scheduler(ScheduleStore& store, Clock& clock,
                     SchedulerOptions options)
    : store_(store), clock_(clock), options_(options) {}

Scheduler::~Scheduler() { Stop(); }

absl::Status Scheduler::Start() {
  if (options_.tick_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("tick_interval must be positive");
  }
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (started_) return absl::FailedPreconditionError("started already");
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void Scheduler::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (!started_) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::vector<Job>> Scheduler::Tick() {
  absl::StatusOr<std::vector<Job>> jobs = store_.ClaimDue(clock_.Now());
  absl::MutexLock lock(&mu_);
  ++stats_.ticks;
  if (jobs.ok()) {
    stats_.jobs += static_cast<int64_t>(jobs->size());
  } else {
    ++stats_.errors;
    stats_.last_error = jobs.status();
  }
  return jobs;
}

Scheduler::Stats Scheduler::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Scheduler::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    // A failed claim is counted and tried again next tick: whatever was
    // due stays due.
    (void)Tick();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                             options_.tick_interval)) {
      return;
    }
  }
}

}  // namespace lia::jobs
