// The JobQueue contract (job_queue.h), run on every backend: the SQLite
// queue against a temporary database file, the PostgreSQL queue against a
// fresh schema (skipped without LIA_TEST_POSTGRES_URL).

#include "jobs/job_queue.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/postgres/testing/backends.h"

namespace lia::jobs {
namespace {

using testing::AllBackends;
using testing::Backend;
using testing::BackendName;
using testing::kNoPostgres;
using testing::TestDatabase;

class JobQueueTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = TestDatabase::Create(GetParam());
    if (database_ == nullptr) GTEST_SKIP() << kNoPostgres;
    queue_ = Open();
    ASSERT_NE(queue_, nullptr);
  }
  void TearDown() override {
    queue_.reset();
    database_.reset();
  }

  // Another queue on the same database, on connections of its own.
  std::unique_ptr<JobQueue> Open() {
    auto queue = database_->OpenQueue(&clock_, /*random_seed=*/42);
    EXPECT_TRUE(queue.ok()) << queue.status();
    return queue.ok() ? *std::move(queue) : nullptr;
  }

  Job Add(const std::string& type, Priority priority = Priority::kNormal,
          std::optional<absl::Time> run_at = std::nullopt,
          int max_attempts = 5) {
    NewJob j;
    j.type = type;
    j.priority = priority;
    j.run_at = run_at;
    j.max_attempts = max_attempts;
    absl::StatusOr<Job> added = queue_->Enqueue(j);
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? *added : Job{};
  }

  std::optional<Job> LeaseOne(const std::string& owner = "w1",
                              std::vector<std::string> types = {}) {
    auto leased = queue_->Lease(owner, types, absl::Seconds(30));
    EXPECT_TRUE(leased.ok()) << leased.status();
    return leased.ok() ? *leased : std::nullopt;
  }

  std::unique_ptr<TestDatabase> database_;
  FakeClock clock_;
  std::unique_ptr<JobQueue> queue_;
};

INSTANTIATE_TEST_SUITE_P(Backends, JobQueueTest, AllBackends(), BackendName);

TEST_P(JobQueueTest, EnqueueStoresAQueuedJob) {
  NewJob j;
  j.type = "process_message";
  j.payload = R"({"message_id": 7})";
  j.priority = Priority::kHigh;
  absl::StatusOr<Job> added = queue_->Enqueue(j);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->state, JobState::kQueued);
  EXPECT_EQ(added->run_at, clock_.Now());
  EXPECT_EQ(added->attempts, 0);
  absl::StatusOr<Job> got = queue_->Get(added->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->payload, R"({"message_id": 7})");
  EXPECT_EQ(got->priority, Priority::kHigh);
}

TEST_P(JobQueueTest, EnqueueRejectsMalformedInput) {
  NewJob j;
  j.type = "x";
  j.payload = "{not json";
  EXPECT_EQ(queue_->Enqueue(j).status().code(),
            absl::StatusCode::kInvalidArgument);
  j.payload = "{}";
  j.type = "";
  EXPECT_EQ(queue_->Enqueue(j).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(queue_->Get(12345).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(JobQueueTest, LeasesByPriorityThenRunAtThenId) {
  const absl::Time now = clock_.Now();
  const int64_t low = Add("t", Priority::kLow).id;
  const int64_t normal_late = Add("t", Priority::kNormal, now).id;
  const int64_t normal_early =
      Add("t", Priority::kNormal, now - absl::Seconds(5)).id;
  const int64_t high = Add("t", Priority::kHigh).id;
  const int64_t normal_same = Add("t", Priority::kNormal, now).id;
  const int64_t future = Add("t", Priority::kHigh, now + absl::Hours(1)).id;

  std::vector<int64_t> order;
  while (std::optional<Job> j = LeaseOne()) {
    order.push_back(j->id);
    ASSERT_TRUE(queue_->Complete(j->id, "w1").ok());
  }
  EXPECT_EQ(order, (std::vector<int64_t>{high, normal_early, normal_late,
                                         normal_same, low}));
  clock_.Advance(absl::Hours(1));
  std::optional<Job> later = LeaseOne();
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->id, future);
}

TEST_P(JobQueueTest, LeaseMarksRunningAndFiltersByType) {
  Add("a");
  const int64_t b = Add("b").id;
  std::optional<Job> j = LeaseOne("w1", {"b", "c"});
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->id, b);
  EXPECT_EQ(j->state, JobState::kRunning);
  EXPECT_EQ(j->lease_owner, "w1");
  EXPECT_EQ(j->attempts, 1);
  EXPECT_EQ(j->lease_expires_at, clock_.Now() + absl::Seconds(30));
  EXPECT_FALSE(LeaseOne("w1", {"b"}).has_value());
}

TEST_P(JobQueueTest, ALeaseIsExclusiveAcrossThreadsAndConnections) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<NewJob> batch(kThreads * kPerThread);
  for (NewJob& j : batch) j.type = "noop";
  ASSERT_TRUE(queue_->EnqueueBatch(batch).ok());

  // Each thread its own queue (own connection), like separate processes.
  std::vector<std::unique_ptr<JobQueue>> queues;
  for (int t = 0; t < kThreads; ++t) queues.push_back(Open());
  absl::Mutex mu;
  std::vector<int64_t> seen;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string owner = "w" + std::to_string(t);
      while (true) {
        auto leased = queues[t]->Lease(owner, {}, absl::Minutes(5));
        if (!leased.ok()) {
          ++errors;
          continue;
        }
        if (!leased->has_value()) return;
        if (!queues[t]->Complete((*leased)->id, owner).ok()) ++errors;
        absl::MutexLock lock(&mu);
        seen.push_back((*leased)->id);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  absl::flat_hash_set<int64_t> unique(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(unique.size(), seen.size());
  auto counts = queue_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(
      (*counts)[std::make_pair(std::string("succeeded"), std::string("noop"))],
      kThreads * kPerThread);
}

TEST_P(JobQueueTest, AnExpiredLeaseIsTakenAgain) {
  const int64_t id = Add("t").id;
  ASSERT_TRUE(LeaseOne("dead-worker").has_value());
  EXPECT_FALSE(LeaseOne("w2").has_value());  // Still leased.
  clock_.Advance(absl::Seconds(31));
  std::optional<Job> again = LeaseOne("w2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(again->lease_owner, "w2");
  EXPECT_EQ(again->attempts, 2);
  // The dead worker's late report is refused.
  EXPECT_EQ(queue_->Complete(id, "dead-worker").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(queue_->Complete(id, "w2").ok());
}

TEST_P(JobQueueTest, ExtendLeaseKeepsTheJobFromOthers) {
  const int64_t id = Add("t").id;
  ASSERT_TRUE(LeaseOne("w1").has_value());
  clock_.Advance(absl::Seconds(20));
  ASSERT_TRUE(
      queue_->ExtendLease(id, "w1", clock_.Now() + absl::Seconds(30)).ok());
  clock_.Advance(absl::Seconds(20));
  EXPECT_FALSE(LeaseOne("w2").has_value());
  EXPECT_EQ(queue_->ExtendLease(id, "w2", clock_.Now()).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue_->ExtendLease(999, "w1", clock_.Now()).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(JobQueueTest, ALeaseExpiredOnTheLastAttemptMakesTheJobDead) {
  const int64_t id = Add("t", Priority::kNormal, std::nullopt, 1).id;
  ASSERT_TRUE(LeaseOne("crashing-worker").has_value());
  clock_.Advance(absl::Minutes(1));
  EXPECT_FALSE(LeaseOne("w2").has_value());
  absl::StatusOr<Job> job = queue_->Get(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kDead);
  EXPECT_NE(job->last_error.find("crashing-worker"), std::string::npos);
}

TEST_P(JobQueueTest, RetryableFailureBacksOffWithFullJitter) {
  RetryPolicy policy;
  policy.base_delay = absl::Seconds(2);
  policy.max_delay = absl::Seconds(10);
  const int64_t id = Add("t", Priority::kNormal, std::nullopt, 5).id;
  // Caps after attempts 1..4: 2 s, 4 s, 8 s, 10 s (max_delay).
  const absl::Duration caps[] = {absl::Seconds(2), absl::Seconds(4),
                                 absl::Seconds(8), absl::Seconds(10)};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    std::optional<Job> j = LeaseOne();
    ASSERT_TRUE(j.has_value()) << "attempt " << attempt;
    ASSERT_EQ(j->attempts, attempt);
    const absl::Time failed_at = clock_.Now();
    absl::StatusOr<Job> after =
        queue_->Fail(id, "w1", absl::UnavailableError("llm down"), policy);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->state, JobState::kQueued);
    EXPECT_GE(after->run_at, failed_at);
    EXPECT_LE(after->run_at, failed_at + caps[attempt - 1]);
    EXPECT_NE(after->last_error.find("llm down"), std::string::npos);
    EXPECT_EQ(BackoffCap(policy, attempt), caps[attempt - 1]);
    // Not before its run_at.
    if (after->run_at > clock_.Now()) {
      EXPECT_FALSE(LeaseOne().has_value());
    }
    clock_.Set(after->run_at);
  }
  // The fifth and last attempt fails: dead.
  ASSERT_TRUE(LeaseOne().has_value());
  absl::StatusOr<Job> dead =
      queue_->Fail(id, "w1", absl::DeadlineExceededError("timeout"), policy);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->state, JobState::kDead);
  EXPECT_EQ(dead->attempts, 5);
  clock_.Advance(absl::Hours(1));
  EXPECT_FALSE(LeaseOne().has_value());
}

TEST_P(JobQueueTest, NonRetryableFailureFailsAtOnce) {
  for (absl::Status s : {absl::InvalidArgumentError("malformed"),
                         absl::FailedPreconditionError("gone"),
                         absl::NotFoundError("no message")}) {
    const int64_t id = Add("t").id;
    ASSERT_TRUE(LeaseOne().has_value());
    absl::StatusOr<Job> after = queue_->Fail(id, "w1", s, RetryPolicy{});
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->state, JobState::kFailed) << s;
    EXPECT_EQ(after->attempts, 1);
  }
  EXPECT_FALSE(LeaseOne().has_value());
}

TEST_P(JobQueueTest, CancelStopsQueuedAndRunningJobs) {
  const int64_t queued = Add("t", Priority::kLow).id;
  const int64_t running = Add("t", Priority::kHigh).id;
  ASSERT_EQ(LeaseOne()->id, running);
  absl::StatusOr<Job> c1 = queue_->Cancel(queued);
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->state, JobState::kCancelled);
  ASSERT_TRUE(queue_->Cancel(running).ok());
  EXPECT_TRUE(queue_->Cancel(running).ok());  // Again: no-op.
  EXPECT_FALSE(LeaseOne().has_value());
  // The worker of the running job finds its lease gone.
  EXPECT_EQ(queue_->Complete(running, "w1").code(),
            absl::StatusCode::kFailedPrecondition);
  const int64_t done = Add("t").id;
  ASSERT_TRUE(LeaseOne().has_value());
  ASSERT_TRUE(queue_->Complete(done, "w1").ok());
  EXPECT_EQ(queue_->Cancel(done).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue_->Cancel(4242).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(JobQueueTest, RetryQueuesADeadJobWithAFreshBudget) {
  const int64_t id = Add("t", Priority::kNormal, std::nullopt, 1).id;
  ASSERT_TRUE(LeaseOne().has_value());
  ASSERT_EQ(queue_->Fail(id, "w1", absl::UnavailableError("x"), {})->state,
            JobState::kDead);
  clock_.Advance(absl::Minutes(3));
  absl::StatusOr<Job> retried = queue_->Retry(id);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state, JobState::kQueued);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(retried->run_at, clock_.Now());
  std::optional<Job> again = LeaseOne();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, id);
  EXPECT_EQ(queue_->Retry(id).status().code(),
            absl::StatusCode::kFailedPrecondition);  // Running.
}

TEST_P(JobQueueTest, OneLiveJobPerIdempotencyKey) {
  NewJob j;
  j.type = "process_message";
  j.idempotency_key = "message:7";
  absl::StatusOr<Job> first = queue_->Enqueue(j);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<Job> second = queue_->Enqueue(j);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first->id);  // The live job, not a new one.
  ASSERT_TRUE(LeaseOne().has_value());
  EXPECT_EQ(queue_->Enqueue(j)->id, first->id);  // Running is live too.
  ASSERT_TRUE(queue_->Complete(first->id, "w1").ok());
  // A finished job's key can be used again.
  absl::StatusOr<Job> third = queue_->Enqueue(j);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->id, first->id);
  EXPECT_EQ(third->idempotency_key, "message:7");
}

TEST_P(JobQueueTest, EnqueueBatchKeepsItsOrderAndOneLiveJobPerKey) {
  NewJob live;
  live.type = "t";
  live.idempotency_key = "held";
  const int64_t held = queue_->Enqueue(live)->id;
  std::vector<NewJob> batch(5);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].type = "t";
    batch[i].payload = "{\"i\": " + std::to_string(i) + "}";
  }
  batch[0].idempotency_key = "k";
  batch[2].idempotency_key = "k";     // Twice in the batch: the first job.
  batch[3].idempotency_key = "held";  // Live already: that job.
  absl::StatusOr<std::vector<Job>> added = queue_->EnqueueBatch(batch);
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_EQ(added->size(), 5u);
  EXPECT_EQ((*added)[0].payload, R"({"i": 0})");
  EXPECT_EQ((*added)[1].payload, R"({"i": 1})");
  EXPECT_EQ((*added)[2].id, (*added)[0].id);
  EXPECT_EQ((*added)[3].id, held);
  EXPECT_EQ((*added)[4].payload, R"({"i": 4})");
  EXPECT_LT((*added)[0].id, (*added)[1].id);  // Ids in the batch's order.
  EXPECT_LT((*added)[1].id, (*added)[4].id);
  absl::StatusOr<JobCounts> counts = queue_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (JobCounts{{{"queued", "t"}, 4}}));
  // All or nothing: one bad job fails the batch and adds none.
  batch[1].payload = "{nope";
  EXPECT_TRUE(absl::IsInvalidArgument(queue_->EnqueueBatch(batch).status()));
  EXPECT_EQ((*queue_->Counts())[std::make_pair(std::string("queued"),
                                               std::string("t"))],
            4);
}

TEST_P(JobQueueTest, RetryRefusesWhenAnotherLiveJobHoldsTheKey) {
  NewJob j;
  j.type = "t";
  j.idempotency_key = "k";
  const int64_t first = queue_->Enqueue(j)->id;
  ASSERT_TRUE(queue_->Cancel(first).ok());
  ASSERT_TRUE(queue_->Enqueue(j).ok());
  EXPECT_EQ(queue_->Retry(first).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(JobQueueTest, CountsAndListsByStateAndType) {
  Add("a");
  Add("a");
  const int64_t b = Add("b", Priority::kHigh).id;
  ASSERT_EQ(LeaseOne()->id, b);
  ASSERT_TRUE(queue_->Complete(b, "w1").ok());
  const int64_t a_running = LeaseOne()->id;
  absl::StatusOr<JobCounts> counts = queue_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (JobCounts{{{"queued", "a"}, 1},
                                {{"running", "a"}, 1},
                                {{"succeeded", "b"}, 1}}));

  JobFilter running;
  running.state = JobState::kRunning;
  absl::StatusOr<std::vector<Job>> listed = queue_->List(running);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, a_running);

  JobFilter of_a;
  of_a.type = "a";
  listed = queue_->List(of_a);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_GT((*listed)[0].id, (*listed)[1].id);  // Newest first.
  of_a.limit = 1;
  of_a.skip = 1;
  EXPECT_EQ(queue_->List(of_a)->size(), 1u);
  of_a.limit = 0;
  EXPECT_EQ(queue_->List(of_a).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(JobQueueTest, SharesTheDatabaseWithTheStore) {
  absl::Status pinged = database_->PingStore();
  EXPECT_TRUE(pinged.ok()) << pinged;
  Add("t");
  EXPECT_TRUE(LeaseOne().has_value());
}

TEST_P(JobQueueTest, LeaseBatchTakesJobsInLeaseOrderInOneGo) {
  std::vector<NewJob> jobs(5);
  for (int i = 0; i < 5; ++i) {
    jobs[i].type = i == 3 ? "other" : "work";
    jobs[i].priority = i == 4 ? Priority::kHigh : Priority::kNormal;
  }
  absl::StatusOr<std::vector<Job>> added = queue_->EnqueueBatch(jobs);
  ASSERT_TRUE(added.ok()) << added.status();
  absl::StatusOr<std::vector<Job>> leased =
      queue_->LeaseBatch("w", {"work"}, absl::Seconds(30), 3);
  ASSERT_TRUE(leased.ok()) << leased.status();
  ASSERT_EQ(leased->size(), 3u);
  EXPECT_EQ((*leased)[0].id, (*added)[4].id);  // High priority first.
  EXPECT_EQ((*leased)[1].id, (*added)[0].id);
  EXPECT_EQ((*leased)[2].id, (*added)[1].id);
  for (const Job& j : *leased) {
    EXPECT_EQ(j.state, JobState::kRunning);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_EQ(j.lease_owner, "w");
  }
  // The rest of "work": one left; "other" untouched.
  absl::StatusOr<std::vector<Job>> rest =
      queue_->LeaseBatch("w2", {"work"}, absl::Seconds(30), 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].id, (*added)[2].id);
  EXPECT_TRUE(
      queue_->LeaseBatch("w", {"work"}, absl::Seconds(30), 10)->empty());
  EXPECT_TRUE(absl::IsInvalidArgument(
      queue_->LeaseBatch("w", {}, absl::Seconds(30), 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      queue_->LeaseBatch("w", {}, absl::Seconds(30), 257).status()));

  // CompleteBatch: each job on its own; a lease held by another owner is
  // refused without undoing the rest.
  absl::StatusOr<std::vector<absl::Status>> done = queue_->CompleteBatch(
      {(*leased)[0].id, (*rest)[0].id, (*leased)[2].id}, "w");
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->size(), 3u);
  EXPECT_TRUE((*done)[0].ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*done)[1])) << (*done)[1];
  EXPECT_TRUE((*done)[2].ok());
  EXPECT_EQ(queue_->Get((*leased)[0].id)->state, JobState::kSucceeded);
  EXPECT_EQ(queue_->Get((*rest)[0].id)->state, JobState::kRunning);
  EXPECT_EQ(queue_->Get((*leased)[1].id)->state, JobState::kRunning);
  absl::StatusOr<std::vector<absl::Status>> unknown =
      queue_->CompleteBatch({999999}, "w");
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(absl::IsNotFound((*unknown)[0]));
}

TEST_P(JobQueueTest, LeaseBatchTakesExpiredLeasesAgain) {
  NewJob j;
  j.type = "work";
  ASSERT_TRUE(queue_->EnqueueBatch({j, j}).ok());
  ASSERT_EQ(queue_->LeaseBatch("dead", {}, absl::Seconds(10), 2)->size(), 2u);
  EXPECT_TRUE(queue_->LeaseBatch("alive", {}, absl::Seconds(10), 2)->empty());
  clock_.Advance(absl::Seconds(11));
  absl::StatusOr<std::vector<Job>> again =
      queue_->LeaseBatch("alive", {}, absl::Seconds(10), 2);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].attempts, 2);
  EXPECT_EQ((*again)[0].lease_owner, "alive");
}

}  // namespace
}  // namespace lia::jobs
