// The WorkerPool (worker_pool.h) on every backend's queue: the SQLite
// queue on a temporary file, the PostgreSQL queue on a fresh schema
// (skipped without LIA_TEST_POSTGRES_URL).

#include "jobs/worker_pool.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/testing/backends.h"
#include "jobs/task_registry.h"

namespace lia::jobs {
namespace {

using testing::AllBackends;
using testing::Backend;
using testing::BackendName;
using testing::kNoPostgres;
using testing::TestDatabase;

class WorkerPoolTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = TestDatabase::Create(GetParam());
    if (database_ == nullptr) GTEST_SKIP() << kNoPostgres;
    // The system clock (nullptr): the workers wait in real time.
    auto queue = database_->OpenQueue(/*clock=*/nullptr, /*random_seed=*/1);
    ASSERT_TRUE(queue.ok()) << queue.status();
    queue_ = *std::move(queue);
  }
  void TearDown() override {
    queue_.reset();
    database_.reset();
  }

  int64_t Count(const std::string& state, const std::string& type) {
    absl::StatusOr<JobCounts> counts = queue_->Counts();
    if (!counts.ok()) return -1;
    auto it = counts->find({state, type});
    return it == counts->end() ? 0 : it->second;
  }

  // Waits (real time) until `n` jobs of `type` are in `state`.
  bool WaitFor(const std::string& state, const std::string& type, int64_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      if (Count(state, type) == n) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  WorkerPoolOptions FastOptions() {
    WorkerPoolOptions o;
    o.workers = 2;
    o.poll_interval = absl::Milliseconds(10);
    o.lease_duration = absl::Seconds(30);
    o.owner_id = "test";
    return o;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<JobQueue> queue_;
};

INSTANTIATE_TEST_SUITE_P(Backends, WorkerPoolTest, AllBackends(), BackendName);

TEST_P(WorkerPoolTest, RunsAThousandNoOpJobsToCompletion) {
  std::atomic<int> runs{0};
  TaskRegistry registry;
  ASSERT_TRUE(registry
                  .Register("noop",
                            [&](const Job&) {
                              ++runs;
                              return absl::OkStatus();
                            })
                  .ok());
  std::vector<NewJob> batch(1000);
  for (NewJob& j : batch) j.type = "noop";
  ASSERT_TRUE(queue_->EnqueueBatch(batch).ok());

  WorkerPool pool(*queue_, registry, SystemClock(), FastOptions());
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_TRUE(WaitFor("succeeded", "noop", 1000));
  pool.Stop();
  EXPECT_EQ(runs.load(), 1000);
  EXPECT_EQ(Count("running", "noop"), 0);
  EXPECT_EQ(pool.stats().succeeded, 1000);
  EXPECT_EQ(pool.stats().unrecorded, 0);
}

TEST_P(WorkerPoolTest, BatchTasksGetJobsTogetherAndEachOutcomeCounts) {
  std::atomic<int> batches{0};
  std::atomic<int> largest{0};
  std::atomic<int> singles{0};
  TaskRegistry registry;
  RetryPolicy fast;
  fast.base_delay = absl::Milliseconds(1);
  fast.max_delay = absl::Milliseconds(2);
  // Jobs whose payload is {"bad":true} fail for good; the rest succeed.
  ASSERT_TRUE(registry
                  .RegisterBatch(
                      "batched",
                      [&](const std::vector<Job>& jobs) {
                        ++batches;
                        int n = static_cast<int>(jobs.size());
                        int seen = largest.load();
                        while (n > seen &&
                               !largest.compare_exchange_weak(seen, n)) {
                        }
                        std::vector<absl::Status> out;
                        for (const Job& j : jobs) {
                          out.push_back(j.payload == R"({"bad":true})"
                                            ? absl::InvalidArgumentError("bad")
                                            : absl::OkStatus());
                        }
                        return out;
                      },
                      fast)
                  .ok());
  ASSERT_TRUE(registry
                  .Register("single",
                            [&](const Job&) {
                              ++singles;
                              return absl::OkStatus();
                            })
                  .ok());
  std::vector<NewJob> jobs;
  for (int i = 0; i < 500; ++i) {
    NewJob j;
    j.type = i % 5 == 0 ? "single" : "batched";
    if (i % 50 == 1) j.payload = R"({"bad":true})";
    jobs.push_back(j);
  }
  ASSERT_TRUE(queue_->EnqueueBatch(jobs).ok());
  std::atomic<int> reported{0};
  WorkerPoolOptions options = FastOptions();
  options.batch_size = 16;
  options.on_attempt = [&](const Job&, const absl::Status&, absl::Duration,
                           const Job*) { ++reported; };
  WorkerPool pool(*queue_, registry, SystemClock(), options);
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_TRUE(WaitFor("succeeded", "batched", 390));
  EXPECT_TRUE(WaitFor("failed", "batched", 10));
  EXPECT_TRUE(WaitFor("succeeded", "single", 100));
  pool.Stop();
  EXPECT_EQ(singles.load(), 100);
  EXPECT_GT(largest.load(), 1);   // Batches happened...
  EXPECT_LE(largest.load(), 16);  // ...no larger than a lease.
  EXPECT_LT(batches.load(), 400);
  EXPECT_EQ(reported.load(), 500);  // One report per job, batch or not.
  EXPECT_EQ(pool.stats().succeeded, 490);
  EXPECT_EQ(pool.stats().failed, 10);
  EXPECT_EQ(pool.stats().unrecorded, 0);
  EXPECT_EQ(Count("running", "batched"), 0);
}

TEST_P(WorkerPoolTest, ABatchTaskGivingTheWrongCountFailsItsJobs) {
  TaskRegistry registry;
  ASSERT_TRUE(registry
                  .RegisterBatch("broken",
                                 [](const std::vector<Job>&) {
                                   return std::vector<absl::Status>{};
                                 })
                  .ok());
  // A batch of one goes through the single-job wrapper, which says so too.
  Job one;
  one.type = "broken";
  EXPECT_TRUE(absl::IsInternal(registry.Find("broken")->task(one)));
  std::vector<NewJob> jobs(4);
  for (NewJob& j : jobs) {
    j.type = "broken";
    j.max_attempts = 1;
  }
  ASSERT_TRUE(queue_->EnqueueBatch(jobs).ok());
  WorkerPoolOptions options = FastOptions();
  options.workers = 1;
  options.batch_size = 4;
  WorkerPool pool(*queue_, registry, SystemClock(), options);
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_TRUE(WaitFor("dead", "broken", 4));  // Internal: retryable, 1 try.
  pool.Stop();
}

TEST_P(WorkerPoolTest, FailuresFollowTheStatusCode) {
  TaskRegistry registry;
  RetryPolicy fast;
  fast.base_delay = absl::Milliseconds(1);
  fast.max_delay = absl::Milliseconds(5);
  ASSERT_TRUE(registry
                  .Register(
                      "bad_input",
                      [](const Job&) {
                        return absl::InvalidArgumentError("malformed message");
                      },
                      fast)
                  .ok());
  ASSERT_TRUE(registry
                  .Register(
                      "flaky",
                      [](const Job&) -> absl::Status {
                        throw std::runtime_error("llm timeout");
                      },
                      fast)
                  .ok());
  NewJob bad;
  bad.type = "bad_input";
  NewJob flaky;
  flaky.type = "flaky";
  flaky.max_attempts = 3;
  ASSERT_TRUE(queue_->Enqueue(bad).ok());
  const int64_t flaky_id = queue_->Enqueue(flaky)->id;

  WorkerPool pool(*queue_, registry, SystemClock(), FastOptions());
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_TRUE(WaitFor("failed", "bad_input", 1));
  EXPECT_TRUE(WaitFor("dead", "flaky", 1));
  pool.Stop();
  absl::StatusOr<Job> dead = queue_->Get(flaky_id);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->attempts, 3);
  EXPECT_NE(dead->last_error.find("llm timeout"), std::string::npos);
}

TEST_P(WorkerPoolTest, StopLetsTheTaskInFlightFinishAndExtendsItsLease) {
  absl::Notification started;
  absl::Notification release;
  TaskRegistry registry;
  ASSERT_TRUE(registry
                  .Register("slow",
                            [&](const Job&) {
                              started.Notify();
                              release.WaitForNotification();
                              return absl::OkStatus();
                            })
                  .ok());
  NewJob slow;
  slow.type = "slow";
  const int64_t id = queue_->Enqueue(slow)->id;

  WorkerPoolOptions options = FastOptions();
  options.lease_duration = absl::Milliseconds(300);
  WorkerPool pool(*queue_, registry, SystemClock(), options);
  ASSERT_TRUE(pool.Start().ok());
  started.WaitForNotification();
  // Past several lease durations the job is still ours: the lease is
  // extended while the task runs.
  absl::SleepFor(absl::Milliseconds(900));
  auto other = queue_->Lease("intruder", {}, absl::Seconds(1));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());

  std::thread stopper([&] { pool.Stop(); });
  absl::SleepFor(absl::Milliseconds(50));
  release.Notify();
  stopper.join();
  absl::StatusOr<Job> job = queue_->Get(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kSucceeded);
}

TEST_P(WorkerPoolTest, StartRejectsBadOptions) {
  TaskRegistry registry;
  WorkerPool empty(*queue_, registry, SystemClock(), FastOptions());
  EXPECT_EQ(empty.Start().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      registry.Register("t", [](const Job&) { return absl::OkStatus(); }).ok());
  EXPECT_EQ(registry.Register("t", [](const Job&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kAlreadyExists);
  WorkerPoolOptions o = FastOptions();
  o.workers = 0;
  WorkerPool none(*queue_, registry, SystemClock(), o);
  EXPECT_EQ(none.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lia::jobs
