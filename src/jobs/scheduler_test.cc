// The ScheduleStore contract and the Scheduler (scheduler.h), with a
// FakeClock, run on every backend: the SQLite store against a temporary
// database file, the PostgreSQL store against a fresh schema (skipped
// without LIA_TEST_POSTGRES_URL).

#include "jobs/scheduler.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/testing/backends.h"
#include "jobs/sqlite/sqlite_schedule_store.h"

namespace lia::jobs {
namespace {

using testing::AllBackends;
using testing::Backend;
using testing::BackendName;
using testing::kNoPostgres;
using testing::TestDatabase;

absl::Time Utc(const std::string& text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &err))
      << text << ": " << err;
  return t;
}

ScheduleSpec Spec(std::string name, std::string cron,
                  std::string job_type = "digest") {
  ScheduleSpec s;
  s.name = std::move(name);
  s.cron = std::move(cron);
  s.job_type = std::move(job_type);
  return s;
}

class SchedulerTest : public ::testing::TestWithParam<Backend> {
 protected:
  // 2027-01-15 is a Friday.
  SchedulerTest() : clock_(Utc("2027-01-15T08:00:00Z")) {}

  void SetUp() override {
    database_ = TestDatabase::Create(GetParam());
    if (database_ == nullptr) GTEST_SKIP() << kNoPostgres;
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    queue_ = OpenQueue();
    ASSERT_NE(queue_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    queue_.reset();
    database_.reset();
  }

  // A store on the database, on connections of its own (a process's).
  std::unique_ptr<ScheduleStore> OpenStore() {
    auto s = database_->OpenScheduleStore(&clock_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }
  std::unique_ptr<JobQueue> OpenQueue() {
    auto queue = database_->OpenQueue(&clock_, /*random_seed=*/0);
    EXPECT_TRUE(queue.ok()) << queue.status();
    return queue.ok() ? *std::move(queue) : nullptr;
  }

  void Sync(const std::vector<ScheduleSpec>& specs) {
    absl::Status synced = store_->Sync(specs, clock_.Now());
    ASSERT_TRUE(synced.ok()) << synced;
  }

  // ClaimDue at `t` (the clock is moved there first).
  std::vector<Job> ClaimAt(const std::string& t) {
    clock_.Set(Utc(t));
    absl::StatusOr<std::vector<Job>> jobs = store_->ClaimDue(clock_.Now());
    EXPECT_TRUE(jobs.ok()) << jobs.status();
    return jobs.ok() ? *std::move(jobs) : std::vector<Job>{};
  }

  std::optional<Schedule> Find(const std::string& name) {
    absl::StatusOr<std::vector<Schedule>> all = store_->List();
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return std::nullopt;
    for (Schedule& s : *all) {
      if (s.name == name) return std::move(s);
    }
    return std::nullopt;
  }

  std::vector<Job> AllJobs() {
    JobFilter filter;
    filter.limit = 500;
    absl::StatusOr<std::vector<Job>> jobs = queue_->List(filter);
    EXPECT_TRUE(jobs.ok()) << jobs.status();
    return jobs.ok() ? *std::move(jobs) : std::vector<Job>{};
  }

  std::unique_ptr<TestDatabase> database_;
  FakeClock clock_;
  std::unique_ptr<ScheduleStore> store_;
  std::unique_ptr<JobQueue> queue_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerTest, AllBackends(), BackendName);

TEST_P(SchedulerTest, FiresAtTheTickNotBefore) {
  Sync({Spec("digest", "0 9 * * *")});
  std::optional<Schedule> s = Find("digest");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->next_run_at, Utc("2027-01-15T09:00:00Z"));
  EXPECT_FALSE(s->last_run_at);

  EXPECT_TRUE(ClaimAt("2027-01-15T08:59:59.999Z").empty());
  std::vector<Job> jobs = ClaimAt("2027-01-15T09:00:00Z");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].idempotency_key, "schedule:digest:2027-01-15T09:00:00Z");

  s = Find("digest");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_run_at, Utc("2027-01-15T09:00:00Z"));
  EXPECT_EQ(s->next_run_at, Utc("2027-01-16T09:00:00Z"));
}

TEST_P(SchedulerTest, FiresOncePerTick) {
  clock_.Set(Utc("2027-01-15T08:59:30Z"));
  Sync({Spec("digest", "0 9 * * *"), Spec("quarter", "*/15 * * * *", "x")});
  std::vector<std::string> keys;
  for (const std::string t :
       {"2027-01-15T09:00:00Z", "2027-01-15T09:00:00Z", "2027-01-15T09:00:30Z",
        "2027-01-15T09:14:59Z", "2027-01-15T09:15:00Z", "2027-01-15T09:15:01Z",
        "2027-01-16T09:00:00Z"}) {
    for (const Job& j : ClaimAt(t)) keys.push_back(j.idempotency_key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "schedule:digest:2027-01-15T09:00:00Z",
                      "schedule:quarter:2027-01-15T09:00:00Z",
                      "schedule:quarter:2027-01-15T09:15:00Z",
                      // The 96 quarters of the day in between: caught up once.
                      "schedule:quarter:2027-01-15T09:30:00Z",
                      "schedule:digest:2027-01-16T09:00:00Z",
                  }));
  EXPECT_EQ(AllJobs().size(), 5u);
}

TEST_P(SchedulerTest, CatchesUpOnceAfterThreeDaysOfDowntime) {
  Sync({Spec("digest", "0 9 * * *"), Spec("minutely", "* * * * *", "tick")});
  ASSERT_EQ(ClaimAt("2027-01-15T09:00:00Z").size(), 2u);

  // Down for three days: the process stops, then starts again and syncs
  // the same configuration.
  store_.reset();
  clock_.Set(Utc("2027-01-18T10:30:00Z"));
  store_ = OpenStore();
  Sync({Spec("digest", "0 9 * * *"), Spec("minutely", "* * * * *", "tick")});

  std::vector<Job> jobs = ClaimAt("2027-01-18T10:30:00Z");
  ASSERT_EQ(jobs.size(), 2u);
  // By due tick, then name.
  EXPECT_EQ(jobs[0].idempotency_key, "schedule:minutely:2027-01-15T09:01:00Z");
  EXPECT_EQ(jobs[1].idempotency_key, "schedule:digest:2027-01-16T09:00:00Z");

  std::optional<Schedule> digest = Find("digest");
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->last_run_at, Utc("2027-01-16T09:00:00Z"));
  EXPECT_EQ(digest->next_run_at, Utc("2027-01-19T09:00:00Z"));
  std::optional<Schedule> minutely = Find("minutely");
  ASSERT_TRUE(minutely);
  EXPECT_EQ(minutely->last_run_at, Utc("2027-01-15T09:01:00Z"));
  EXPECT_EQ(minutely->next_run_at, Utc("2027-01-18T10:31:00Z"));

  EXPECT_TRUE(ClaimAt("2027-01-18T10:30:59Z").empty());
  EXPECT_EQ(ClaimAt("2027-01-18T10:31:00Z").size(), 1u);
  EXPECT_EQ(AllJobs().size(), 5u);
}

TEST_P(SchedulerTest, TwoStoresRacingForOneTickEnqueueOneJob) {
  Sync({Spec("minutely", "* * * * *", "tick")});
  std::unique_ptr<ScheduleStore> other = OpenStore();
  ASSERT_TRUE(other);
  Scheduler a(*store_, clock_);
  Scheduler b(*other, clock_);

  constexpr int kTicks = 100;
  absl::flat_hash_set<std::string> keys;
  for (int i = 0; i < kTicks; ++i) {
    clock_.Advance(absl::Minutes(1));
    std::atomic<int> ready{0};
    size_t got[2] = {0, 0};
    std::vector<std::string> added[2];
    bool ok[2] = {false, false};
    auto race = [&](Scheduler& s, int k) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      absl::StatusOr<std::vector<Job>> jobs = s.Tick();
      ok[k] = jobs.ok();
      if (!jobs.ok()) return;
      got[k] = jobs->size();
      for (const Job& j : *jobs) added[k].push_back(j.idempotency_key);
    };
    std::thread ta([&] { race(a, 0); });
    std::thread tb([&] { race(b, 1); });
    ta.join();
    tb.join();
    ASSERT_TRUE(ok[0] && ok[1]) << "tick " << i;
    ASSERT_EQ(got[0] + got[1], 1u) << "tick " << i;
    for (const auto& list : added) keys.insert(list.begin(), list.end());
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(kTicks));
  EXPECT_EQ(AllJobs().size(), static_cast<size_t>(kTicks));
  EXPECT_EQ(a.stats().jobs + b.stats().jobs, kTicks);
  EXPECT_EQ(a.stats().errors + b.stats().errors, 0);
}

// Processes rather than threads: each child opens its own connection and
// claims the same 100 ticks with a clock of its own; every tick is claimed
// once in all.
TEST_P(SchedulerTest, TwoProcessesClaimEachTickOnce) {
  Sync({Spec("minutely", "* * * * *", "tick")});
  // No connection may cross a fork (SQLite's rule, and libpq's): close
  // ours first.
  store_.reset();
  queue_.reset();
  const absl::Time start = clock_.Now();
  constexpr int kTicks = 100;
  pid_t children[2];
  for (pid_t& child : children) {
    child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
      FakeClock clock(start);
      auto s = database_->OpenScheduleStore(&clock);
      if (!s.ok()) _exit(255);
      int claimed = 0;
      for (int i = 0; i < kTicks; ++i) {
        clock.Advance(absl::Minutes(1));
        absl::StatusOr<std::vector<Job>> jobs = (*s)->ClaimDue(clock.Now());
        if (!jobs.ok()) _exit(254);
        claimed += static_cast<int>(jobs->size());
      }
      _exit(claimed);
    }
  }
  int total = 0;
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_LE(WEXITSTATUS(status), kTicks) << "child failed";
    total += WEXITSTATUS(status);
  }
  EXPECT_EQ(total, kTicks);

  queue_ = OpenQueue();
  ASSERT_NE(queue_, nullptr);
  store_ = OpenStore();
  absl::flat_hash_set<std::string> keys;
  for (const Job& j : AllJobs()) keys.insert(j.idempotency_key);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kTicks));
  EXPECT_EQ(Find("minutely")->last_run_at, start + absl::Minutes(kTicks));
}

TEST_P(SchedulerTest, SyncKeepsLastAndNextRunAcrossARestart) {
  Sync({Spec("digest", "0 9 * * *")});
  ASSERT_EQ(ClaimAt("2027-01-15T09:00:00Z").size(), 1u);
  std::optional<Schedule> before = Find("digest");
  ASSERT_TRUE(before);

  store_.reset();
  clock_.Set(Utc("2027-01-15T12:00:00Z"));
  store_ = OpenStore();
  Sync({Spec("digest", "0 9 * * *")});
  std::optional<Schedule> after = Find("digest");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->last_run_at, Utc("2027-01-15T09:00:00Z"));
  EXPECT_EQ(after->next_run_at, Utc("2027-01-16T09:00:00Z"));
  EXPECT_EQ(after->created_at, before->created_at);
  EXPECT_EQ(after->updated_at, before->updated_at);  // Nothing rewritten.
  // The same cron written differently is the same cron.
  Sync({Spec("digest", " 0  9 * * * ")});
  EXPECT_EQ(Find("digest")->updated_at, before->updated_at);
}

TEST_P(SchedulerTest, ChangedCronRecomputesNextRunFromNow) {
  Sync({Spec("digest", "0 9 * * *")});
  // Missed 09:00 while down, then restarted with another time: the new
  // cron starts from now, with no catch-up of the old one.
  clock_.Set(Utc("2027-01-18T08:00:00Z"));
  Sync({Spec("digest", "30 10 * * *")});
  std::optional<Schedule> s = Find("digest");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->cron, "30 10 * * *");
  EXPECT_EQ(s->next_run_at, Utc("2027-01-18T10:30:00Z"));
  EXPECT_TRUE(ClaimAt("2027-01-18T10:29:00Z").empty());
  EXPECT_EQ(ClaimAt("2027-01-18T10:30:00Z").size(), 1u);
}

TEST_P(SchedulerTest, ChangedJobKeepsNextRunSoDowntimeIsCaughtUp) {
  Sync({Spec("digest", "0 9 * * *")});
  clock_.Set(Utc("2027-01-18T08:00:00Z"));
  ScheduleSpec changed = Spec("digest", "0 9 * * *", "digest_v2");
  changed.payload = R"({"v":2})";
  changed.priority = Priority::kHigh;
  Sync({changed});
  std::optional<Schedule> s = Find("digest");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->job_type, "digest_v2");
  EXPECT_EQ(s->payload, R"({"v":2})");
  EXPECT_EQ(s->priority, Priority::kHigh);
  EXPECT_EQ(s->next_run_at, Utc("2027-01-15T09:00:00Z"));
  std::vector<Job> jobs = ClaimAt("2027-01-18T08:00:00Z");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].type, "digest_v2");
}

TEST_P(SchedulerTest, DisabledScheduleNeverFires) {
  ScheduleSpec spec = Spec("digest", "* * * * *");
  spec.enabled = false;
  Sync({spec});
  std::optional<Schedule> s = Find("digest");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->enabled);
  EXPECT_FALSE(s->next_run_at);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Hours(7));
    ASSERT_TRUE(ClaimAt(absl::FormatTime(absl::RFC3339_full, clock_.Now(),
                                         absl::UTCTimeZone()))
                    .empty());
  }
  // Enabled again: from now on, nothing owed for the disabled time.
  spec.enabled = true;
  Sync({spec});
  s = Find("digest");
  ASSERT_TRUE(s && s->next_run_at);
  EXPECT_EQ(*s->next_run_at, clock_.Now() + absl::Minutes(1));
  EXPECT_TRUE(store_->ClaimDue(clock_.Now())->empty());
  EXPECT_TRUE(AllJobs().empty());
}

TEST_P(SchedulerTest, EnqueuedJobCarriesTheSchedulesTypePayloadPriorityAndKey) {
  ScheduleSpec spec = Spec("digest", "0 9 * * *", "send_digest");
  spec.payload = R"({"channel": "email"})";
  spec.priority = Priority::kHigh;
  Sync({spec});
  std::vector<Job> jobs = ClaimAt("2027-01-15T09:00:02Z");
  ASSERT_EQ(jobs.size(), 1u);
  absl::StatusOr<Job> stored = queue_->Get(jobs[0].id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  for (const Job& j : {jobs[0], *stored}) {
    EXPECT_EQ(j.type, "send_digest");
    EXPECT_EQ(j.payload, R"({"channel": "email"})");
    EXPECT_EQ(j.priority, Priority::kHigh);
    EXPECT_EQ(j.state, JobState::kQueued);
    EXPECT_EQ(j.idempotency_key, "schedule:digest:2027-01-15T09:00:00Z");
    EXPECT_EQ(j.run_at, Utc("2027-01-15T09:00:02Z"));
    EXPECT_EQ(j.max_attempts, 5);
  }
  // The queue leases it like any other job.
  absl::StatusOr<std::optional<Job>> leased =
      queue_->Lease("w", {"send_digest"}, absl::Seconds(30));
  ASSERT_TRUE(leased.ok() && leased->has_value());
  EXPECT_EQ((*leased)->id, jobs[0].id);
}

TEST_P(SchedulerTest, ListReturnsEverySchedulesFieldsByName) {
  ScheduleSpec b = Spec("b", "*/5 * * * MON-FRI", "tb");
  b.payload = R"({"x":1})";
  b.priority = Priority::kLow;
  ScheduleSpec a = Spec("a", "0 2 * * *", "ta");
  a.enabled = false;
  Sync({b, a});
  absl::StatusOr<std::vector<Schedule>> all = store_->List();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  const Schedule& first = (*all)[0];
  const Schedule& second = (*all)[1];
  EXPECT_EQ(first.name, "a");
  EXPECT_EQ(first.cron, "0 2 * * *");
  EXPECT_EQ(first.job_type, "ta");
  EXPECT_EQ(first.payload, "{}");
  EXPECT_EQ(first.priority, Priority::kNormal);
  EXPECT_FALSE(first.enabled);
  EXPECT_FALSE(first.last_run_at);
  EXPECT_FALSE(first.next_run_at);
  EXPECT_EQ(second.name, "b");
  EXPECT_EQ(second.cron, "*/5 * * * 1-5");  // Canonical.
  EXPECT_EQ(second.job_type, "tb");
  EXPECT_EQ(second.payload, R"({"x":1})");
  EXPECT_EQ(second.priority, Priority::kLow);
  EXPECT_TRUE(second.enabled);
  EXPECT_EQ(second.next_run_at, Utc("2027-01-15T08:05:00Z"));
  EXPECT_EQ(second.created_at, clock_.Now());
  EXPECT_EQ(second.updated_at, clock_.Now());
}

TEST_P(SchedulerTest, SyncDeletesSchedulesNoLongerConfigured) {
  Sync({Spec("digest", "0 9 * * *"), Spec("cleanup", "0 2 * * *")});
  Sync({Spec("digest", "0 9 * * *")});
  absl::StatusOr<std::vector<Schedule>> all = store_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "digest");
  EXPECT_TRUE(ClaimAt("2027-01-16T02:00:00Z").size() == 1u);  // digest only.
}

TEST_P(SchedulerTest, SyncRefusesBadSpecsAndWritesNothing) {
  Sync({Spec("digest", "0 9 * * *")});
  ScheduleSpec bad_json = Spec("j", "* * * * *");
  bad_json.payload = "{nope";
  const std::vector<std::vector<ScheduleSpec>> bad = {
      {Spec("x", "0 25 * * *")},
      {Spec("x", "* * * *")},
      {Spec("x", "* * * * *"), Spec("x", "* * * * *")},
      {Spec("", "* * * * *")},
      {Spec("a b", "* * * * *")},
      {Spec("a:b", "* * * * *")},
      {Spec(std::string(65, 'a'), "* * * * *")},
      {Spec("x", "* * * * *", "")},
      {bad_json},
  };
  for (const std::vector<ScheduleSpec>& specs : bad) {
    absl::Status s = store_->Sync(specs, clock_.Now());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
        << specs[0].name << ": " << s;
  }
  absl::StatusOr<std::vector<Schedule>> all = store_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "digest");
}

TEST_P(SchedulerTest, DefaultSchedulesRunDigestAt9AndCleanupAt2) {
  Sync(DefaultSchedules());
  std::vector<Job> jobs = ClaimAt("2027-01-15T09:00:00Z");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].type, "daily_digest");
  jobs = ClaimAt("2027-01-16T02:00:00Z");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].type, "cleanup");
  EXPECT_EQ(jobs[0].priority, Priority::kLow);
}

TEST(SqliteScheduleStoreTest, OpenRefusesBadOptions) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("lia_scheduler_open_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "lia.db").string();
  store::SqliteScheduleStoreOptions options;
  EXPECT_EQ(store::OpenSqliteScheduleStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = ":memory:";
  EXPECT_EQ(store::OpenSqliteScheduleStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = path;
  options.busy_timeout_ms = -1;
  EXPECT_EQ(store::OpenSqliteScheduleStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST_P(SchedulerTest, SchedulerThreadClaimsWhatIsDue) {
  Sync({Spec("digest", "0 9 * * *")});
  SchedulerOptions options;
  options.tick_interval = absl::Milliseconds(5);
  Scheduler scheduler(*store_, clock_, options);
  ASSERT_TRUE(scheduler.Start().ok());
  EXPECT_EQ(scheduler.Start().code(), absl::StatusCode::kFailedPrecondition);
  clock_.Set(Utc("2027-01-15T09:00:00Z"));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (scheduler.stats().jobs < 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  // A few more ticks at the same instant add nothing.
  const int64_t ticks = scheduler.stats().ticks;
  while (scheduler.stats().ticks < ticks + 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  scheduler.Stop();
  scheduler.Stop();  // Idempotent.
  EXPECT_EQ(scheduler.stats().jobs, 1);
  EXPECT_EQ(scheduler.stats().errors, 0);
  EXPECT_EQ(AllJobs().size(), 1u);
}

TEST_P(SchedulerTest, StopIsPromptDuringALongInterval) {
  SchedulerOptions options;
  options.tick_interval = absl::Hours(1);
  Scheduler scheduler(*store_, clock_, options);
  ASSERT_TRUE(scheduler.Start().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (scheduler.stats().ticks < 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  const absl::Time before = absl::Now();
  scheduler.Stop();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  EXPECT_EQ(scheduler.stats().ticks, 1);
}

TEST_P(SchedulerTest, StartAndStopAreSafeFromManyThreads) {
  SchedulerOptions options;
  options.tick_interval = absl::Milliseconds(1);
  Scheduler scheduler(*store_, clock_, options);
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (i % 2 == 0) {
        if (scheduler.Start().ok()) started.fetch_add(1);
      } else {
        scheduler.Stop();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  scheduler.Stop();
  EXPECT_EQ(started.load(), 1);
}

TEST(SchedulerOptionsTest, StartRefusesANonPositiveInterval) {
  class NoStore final : public ScheduleStore {
   public:
    // ScheduleStore:
    absl::Status Sync(const std::vector<ScheduleSpec>&, absl::Time) override {
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<Job>> ClaimDue(absl::Time) override {
      return absl::UnavailableError("database is locked");
    }
    absl::StatusOr<std::vector<Schedule>> List() override {
      return std::vector<Schedule>{};
    }
  };
  NoStore store;
  FakeClock clock;
  SchedulerOptions options;
  options.tick_interval = absl::ZeroDuration();
  Scheduler bad(store, clock, options);
  EXPECT_EQ(bad.Start().code(), absl::StatusCode::kInvalidArgument);

  // A failing claim is counted and kept.
  Scheduler scheduler(store, clock);
  EXPECT_EQ(scheduler.Tick().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(scheduler.stats().ticks, 1);
  EXPECT_EQ(scheduler.stats().errors, 1);
  EXPECT_EQ(scheduler.stats().last_error.code(),
            absl::StatusCode::kUnavailable);
}

TEST(ScheduleJobKeyTest, NamesTheScheduleAndTheTickToTheSecond) {
  EXPECT_EQ(ScheduleJobKey("digest", absl::FromUnixSeconds(1'800'000'000)),
            "schedule:digest:2027-01-15T08:00:00Z");
}

}  // namespace
}  // namespace lia::jobs
