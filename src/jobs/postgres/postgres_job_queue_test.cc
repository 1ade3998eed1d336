// What only the PostgreSQL queue does (the JobQueue contract itself runs on
// both backends in job_queue_test.cc): processes with pools of their own
// leasing in parallel, NOTIFY waking idle workers, connections killed and
// made again. Skipped without LIA_TEST_POSTGRES_URL.

#include "jobs/postgres/postgres_job_queue.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/postgres_schedule_store.h"
#include "jobs/task_registry.h"
#include "jobs/worker_pool.h"
#include "store/postgres.h"
#include "store/postgres/pool.h"
#include "store/postgres/testing/test_database.h"

namespace lia::jobs {
namespace {

using store::PostgresOptions;
using store::postgres::Pool;
using store::testing::FreshPostgresSchema;
using store::testing::kNoPostgres;

class PostgresJobQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<PostgresOptions> options = FreshPostgresSchema();
    if (!options) GTEST_SKIP() << kNoPostgres;
    options_ = *options;
    absl::StatusOr<std::shared_ptr<Pool>> admin = OpenPool();
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = *admin;
  }

  // A pool of its own on the test's schema: another process, as it were.
  absl::StatusOr<std::shared_ptr<Pool>> OpenPool(
      const std::string& application_name = "lia") {
    PostgresOptions options = options_;
    options.application_name = application_name;
    return store::OpenPostgresPool(options);
  }

  std::unique_ptr<JobQueue> OpenQueue(std::shared_ptr<Pool> pool,
                                      Clock* clock = nullptr) {
    store::PostgresJobQueueOptions options;
    options.clock = clock;
    options.listener_reconnect_delay = absl::Milliseconds(50);
    auto queue = store::OpenPostgresJobQueue(std::move(pool), options);
    EXPECT_TRUE(queue.ok()) << queue.status();
    return queue.ok() ? *std::move(queue) : nullptr;
  }

  // The backends pg_stat_activity shows under `application_name`, or only
  // those listening (their last statement a LISTEN, finished).
  std::vector<int> Backends(const std::string& application_name,
                            bool listening = false) {
    absl::StatusOr<std::vector<int>> pids = admin_->Transact<std::vector<int>>(
        "find backends",
        [&](pqxx::work& tx) -> absl::StatusOr<std::vector<int>> {
          std::vector<int> out;
          const pqxx::result rows = tx.exec_params(
              "SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
              "AND ($2 = false OR (state = 'idle' AND query LIKE 'LISTEN%'))",
              application_name, listening);
          for (const pqxx::row& row : rows) out.push_back(row[0].as<int>());
          return out;
        });
    EXPECT_TRUE(pids.ok()) << pids.status();
    return pids.ok() ? *pids : std::vector<int>{};
  }

  // Waits (real time, up to 10 s) until `done` holds.
  template <typename F>
  static bool Eventually(F done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  void Terminate(const std::vector<int>& pids) {
    for (int pid : pids) {
      absl::Status killed =
          admin_->TransactStatus("terminate a backend", [&](pqxx::work& tx) {
            tx.exec_params("SELECT pg_terminate_backend($1)", pid);
            return absl::OkStatus();
          });
      ASSERT_TRUE(killed.ok()) << killed;
    }
  }

  std::string ListenerName() const { return "lia listener " + options_.schema; }

  PostgresOptions options_;
  std::shared_ptr<Pool> admin_;
};

// Four processes, each with a pool of its own, lease 2,000 jobs; two lease
// one at a time, two in batches. Every job is leased once.
TEST_F(PostgresJobQueueTest, FourProcessesLeaseTwoThousandJobsOnceEach) {
  constexpr int kProcesses = 4;
  constexpr int kJobs = 2000;
  {
    absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    std::unique_ptr<JobQueue> queue = OpenQueue(*pool);
    ASSERT_NE(queue, nullptr);
    std::vector<NewJob> batch(kJobs);
    for (NewJob& j : batch) j.type = "noop";
    ASSERT_TRUE(queue->EnqueueBatch(batch).ok());
  }
  // No connection may cross a fork: the admin pool's goes first.
  admin_.reset();

  pid_t children[kProcesses];
  int pipes[kProcesses][2];
  for (int p = 0; p < kProcesses; ++p) {
    ASSERT_EQ(pipe(pipes[p]), 0);
    children[p] = fork();
    ASSERT_NE(children[p], -1);
    if (children[p] != 0) {
      close(pipes[p][1]);
      continue;
    }
    close(pipes[p][0]);
    absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool();
    if (!pool.ok()) _exit(2);
    store::PostgresJobQueueOptions options;
    auto queue = store::OpenPostgresJobQueue(*pool, options);
    if (!queue.ok()) _exit(3);
    const std::string owner = "process" + std::to_string(p);
    int errors = 0;
    while (errors < 100) {
      absl::StatusOr<std::vector<Job>> leased = (*queue)->LeaseBatch(
          owner, {}, absl::Minutes(5), p % 2 == 0 ? 1 : 16);
      if (!leased.ok()) {
        ++errors;
        continue;
      }
      if (leased->empty()) break;
      std::vector<int64_t> ids;
      for (const Job& j : *leased) ids.push_back(j.id);
      absl::StatusOr<std::vector<absl::Status>> done =
          (*queue)->CompleteBatch(ids, owner);
      if (!done.ok()) ++errors;
      const size_t bytes = ids.size() * sizeof(int64_t);
      if (write(pipes[p][1], ids.data(), bytes) !=
          static_cast<ssize_t>(bytes)) {
        _exit(4);
      }
    }
    _exit(errors == 0 ? 0 : 1);
  }

  // 2,000 ids of 8 bytes fit in the pipes' buffers: read after the exits.
  std::vector<int64_t> seen;
  for (int p = 0; p < kProcesses; ++p) {
    int status = 0;
    ASSERT_EQ(waitpid(children[p], &status, 0), children[p]);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "process " << p;
    int64_t id = 0;
    while (read(pipes[p][0], &id, sizeof(id)) == sizeof(id)) {
      seen.push_back(id);
    }
    close(pipes[p][0]);
  }
  absl::flat_hash_set<int64_t> unique(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(unique.size(), seen.size());

  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool();
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::unique_ptr<JobQueue> queue = OpenQueue(*pool);
  ASSERT_NE(queue, nullptr);
  absl::StatusOr<JobCounts> counts = queue->Counts();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, (JobCounts{{{"succeeded", "noop"}, kJobs}}));
  // Leased once: one attempt each.
  JobFilter filter;
  filter.limit = 500;
  for (filter.skip = 0; filter.skip < kJobs; filter.skip += filter.limit) {
    absl::StatusOr<std::vector<Job>> jobs = queue->List(filter);
    ASSERT_TRUE(jobs.ok()) << jobs.status();
    for (const Job& j : *jobs) ASSERT_EQ(j.attempts, 1) << "job " << j.id;
  }
}

// Producers on other pools retrying one enqueue at once get one job.
TEST_F(PostgresJobQueueTest, ConcurrentEnqueuesOfOneKeyMakeOneJob) {
  constexpr int kProducers = 6;
  std::vector<std::unique_ptr<JobQueue>> queues;
  for (int i = 0; i < kProducers; ++i) {
    absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    queues.push_back(OpenQueue(*pool));
    ASSERT_NE(queues.back(), nullptr);
  }
  for (int round = 0; round < 20; ++round) {
    NewJob job;
    job.type = "import";
    job.idempotency_key = "upload:" + std::to_string(round);
    std::atomic<int> ready{0};
    std::vector<std::optional<int64_t>> ids(kProducers);
    std::vector<std::thread> threads;
    for (int i = 0; i < kProducers; ++i) {
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < kProducers) {
        }
        absl::StatusOr<Job> added = queues[i]->Enqueue(job);
        if (added.ok()) ids[i] = added->id;
      });
    }
    for (std::thread& t : threads) t.join();
    for (int i = 0; i < kProducers; ++i) {
      ASSERT_TRUE(ids[i].has_value()) << "round " << round << " producer " << i;
      EXPECT_EQ(*ids[i], *ids[0]) << "round " << round;
    }
  }
  absl::StatusOr<JobCounts> counts = queues[0]->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (JobCounts{{{"queued", "import"}, 20}}));
}

// A worker pool whose one worker polls every 10 s, and a job enqueued
// through another pool: the NOTIFY gets it running well within a second.
class WakeUpTest : public PostgresJobQueueTest {
 protected:
  void SetUp() override {
    PostgresJobQueueTest::SetUp();
    if (IsSkipped()) return;
    absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    worker_queue_ = OpenQueue(*pool);
    ASSERT_NE(worker_queue_, nullptr);
    absl::StatusOr<std::shared_ptr<Pool>> other = OpenPool();
    ASSERT_TRUE(other.ok()) << other.status();
    producer_ = OpenQueue(*other);
    ASSERT_NE(producer_, nullptr);
    ASSERT_TRUE(registry_
                    .Register("wake",
                              [this](const Job&) {
                                absl::MutexLock lock(&mu_);
                                ran_at_.push_back(absl::Now());
                                return absl::OkStatus();
                              })
                    .ok());
    WorkerPoolOptions options;
    options.workers = 1;
    options.poll_interval = absl::Seconds(10);
    options.owner_id = "waker";
    workers_ = std::make_unique<WorkerPool>(*worker_queue_, registry_,
                                            SystemClock(), options);
    ASSERT_TRUE(workers_->Start().ok());
  }
  void TearDown() override {
    if (workers_ != nullptr) {
      const absl::Time before = absl::Now();
      workers_->Stop();
      // Stop does not wait out the poll interval either.
      EXPECT_LT(absl::Now() - before, absl::Seconds(2));
    }
    workers_.reset();
    worker_queue_.reset();
    producer_.reset();
  }

  size_t runs() {
    absl::MutexLock lock(&mu_);
    return ran_at_.size();
  }

  // Enqueues a job through the producer and returns how long it took to
  // run; InfiniteDuration if it did not within 5 s.
  absl::Duration EnqueueAndTimeTheRun() {
    const size_t before = runs();
    NewJob job;
    job.type = "wake";
    const absl::Time enqueued = absl::Now();
    EXPECT_TRUE(producer_->Enqueue(job).ok());
    const absl::Time deadline = enqueued + absl::Seconds(5);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (ran_at_.size() > before) return ran_at_.back() - enqueued;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    return absl::InfiniteDuration();
  }

  // Waits until the worker's queue listens, then a little longer, so that
  // the worker is past its first (empty) lease and waiting.
  bool ListenerReady(const std::vector<int>& not_these = {}) {
    const bool listening = Eventually([&] {
      for (int pid : Backends(ListenerName(), /*listening=*/true)) {
        bool old = false;
        for (int other : not_these) old = old || other == pid;
        if (!old) return true;
      }
      return false;
    });
    absl::SleepFor(absl::Milliseconds(300));
    return listening;
  }

  std::unique_ptr<JobQueue> worker_queue_;
  std::unique_ptr<JobQueue> producer_;
  TaskRegistry registry_;
  std::unique_ptr<WorkerPool> workers_;
  absl::Mutex mu_;
  std::vector<absl::Time> ran_at_ ABSL_GUARDED_BY(mu_);
};

TEST_F(WakeUpTest, NotifyWakesAnIdleWorkerLongBeforeItsPollInterval) {
  ASSERT_TRUE(ListenerReady());
  for (int i = 0; i < 3; ++i) {
    const absl::Duration took = EnqueueAndTimeTheRun();
    EXPECT_LT(took, absl::Seconds(1)) << "job " << i;
    absl::SleepFor(absl::Milliseconds(100));  // Idle again.
  }
  // One listening connection for the queue, however many workers.
  EXPECT_EQ(Backends(ListenerName()).size(), 1u);
}

TEST_F(WakeUpTest, AKilledListenerConnectionIsMadeAgain) {
  ASSERT_TRUE(ListenerReady());
  EXPECT_LT(EnqueueAndTimeTheRun(), absl::Seconds(1));
  for (int kill = 0; kill < 2; ++kill) {
    const std::vector<int> old = Backends(ListenerName());
    ASSERT_EQ(old.size(), 1u);
    Terminate(old);
    ASSERT_TRUE(ListenerReady(old)) << "no new listener after kill " << kill;
    EXPECT_LT(EnqueueAndTimeTheRun(), absl::Seconds(1)) << "kill " << kill;
  }
}

// A pool's connection killed between calls: the next call runs on a new
// one, and a lease taken before the kill is completed after it.
TEST_F(PostgresJobQueueTest, CallsSurviveAKilledPoolConnection) {
  const std::string name = "lia victim " + options_.schema;
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPool(name);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::unique_ptr<JobQueue> queue = OpenQueue(*pool);
  ASSERT_NE(queue, nullptr);
  NewJob job;
  job.type = "t";
  ASSERT_TRUE(queue->Enqueue(job).ok());
  ASSERT_TRUE(queue->Enqueue(job).ok());

  auto kill_pool_connections = [&] {
    const std::vector<int> victims = Backends(name);
    ASSERT_FALSE(victims.empty());
    Terminate(victims);
    ASSERT_TRUE(Eventually([&] { return Backends(name).empty(); }));
  };
  kill_pool_connections();
  absl::StatusOr<std::optional<Job>> leased =
      queue->Lease("w", {}, absl::Minutes(1));
  ASSERT_TRUE(leased.ok()) << leased.status();
  ASSERT_TRUE(leased->has_value());

  kill_pool_connections();
  absl::Status completed = queue->Complete((*leased)->id, "w");
  EXPECT_TRUE(completed.ok()) << completed;

  kill_pool_connections();
  absl::StatusOr<JobCounts> counts = queue->Counts();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts,
            (JobCounts{{{"queued", "t"}, 1}, {{"succeeded", "t"}, 1}}));
}

TEST(PostgresJobsOpenTest, RefusesBadArguments) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(store::OpenPostgresJobQueue(nullptr).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      store::OpenPostgresScheduleStore(nullptr).status()));
  std::optional<PostgresOptions> options = FreshPostgresSchema();
  if (!options) GTEST_SKIP() << kNoPostgres;
  absl::StatusOr<std::shared_ptr<Pool>> pool =
      store::OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  store::PostgresJobQueueOptions bad;
  bad.listener_reconnect_delay = absl::ZeroDuration();
  EXPECT_TRUE(absl::IsInvalidArgument(
      store::OpenPostgresJobQueue(*pool, bad).status()));
}

}  // namespace
}  // namespace lia::jobs
