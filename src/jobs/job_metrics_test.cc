// JobMetrics (job_metrics.h) on the SQLite queue: the exact exposition
// after known jobs and attempts, one Counts() read per scrape, and a failing
// read that leaves the rest of the scrape alone.

#include "jobs/job_metrics.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "obs/metrics.h"

namespace lia::jobs {
namespace {

// The real queue, counting Counts() reads and failing them on demand.
class CountingQueue final : public JobQueue {
 public:
  explicit CountingQueue(JobQueue& real) : real_(real) {}

  int counts_reads() const { return counts_reads_.load(); }
  void set_fail_counts(bool fail) { fail_counts_.store(fail); }

  // JobQueue:
  absl::StatusOr<Job> Enqueue(const NewJob& job) override {
    return real_.Enqueue(job);
  }
  absl::StatusOr<std::vector<Job>> EnqueueBatch(
      const std::vector<NewJob>& jobs) override {
    return real_.EnqueueBatch(jobs);
  }
  absl::StatusOr<std::optional<Job>> Lease(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration) override {
    return real_.Lease(owner, types, lease_duration);
  }
  absl::StatusOr<std::vector<Job>> LeaseBatch(
      const std::string& owner, const std::vector<std::string>& types,
      absl::Duration lease_duration, int max_jobs) override {
    return real_.LeaseBatch(owner, types, lease_duration, max_jobs);
  }
  absl::Status ExtendLease(int64_t id, const std::string& owner,
                           absl::Time until) override {
    return real_.ExtendLease(id, owner, until);
  }
  absl::Status Complete(int64_t id, const std::string& owner) override {
    return real_.Complete(id, owner);
  }
  absl::StatusOr<std::vector<absl::Status>> CompleteBatch(
      const std::vector<int64_t>& ids, const std::string& owner) override {
    return real_.CompleteBatch(ids, owner);
  }
  absl::StatusOr<Job> Fail(int64_t id, const std::string& owner,
                           const absl::Status& status,
                           const RetryPolicy& policy) override {
    return real_.Fail(id, owner, status, policy);
  }
  absl::StatusOr<Job> Cancel(int64_t id) override { return real_.Cancel(id); }
  absl::StatusOr<Job> Retry(int64_t id) override { return real_.Retry(id); }
  absl::StatusOr<Job> Get(int64_t id) override { return real_.Get(id); }
  absl::StatusOr<std::vector<Job>> List(const JobFilter& filter) override {
    return real_.List(filter);
  }
  absl::StatusOr<JobCounts> Counts() override {
    counts_reads_.fetch_add(1);
    if (fail_counts_.load()) {
      return absl::UnavailableError("database is locked");
    }
    return real_.Counts();
  }

 private:
  JobQueue& real_;
  std::atomic<int> counts_reads_{0};
  std::atomic<bool> fail_counts_{false};
};

// The sample lines of the family `name` (a histogram's _bucket, _sum and
// _count included), in exposition order.
std::vector<std::string> Samples(const std::string& exposition,
                                 std::string_view name) {
  std::vector<std::string> out;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string_view metric =
        std::string_view(line).substr(0, line.find_first_of("{ "));
    for (std::string_view suffix : {"", "_bucket", "_sum", "_count"}) {
      if (metric.size() == name.size() + suffix.size() &&
          metric.substr(0, name.size()) == name &&
          metric.substr(name.size()) == suffix) {
        out.push_back(line);
        break;
      }
    }
  }
  return out;
}

using Lines = std::vector<std::string>;

class JobMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_job_metrics_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::SqliteJobQueueOptions options;
    options.path = (dir_ / "lia.db").string();
    options.clock = &clock_;
    options.random_seed = 42;
    auto opened = store::OpenSqliteJobQueue(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    real_ = *std::move(opened);
    queue_ = std::make_unique<CountingQueue>(*real_);
    JobMetricsOptions metrics_options;
    metrics_options.types = {"process_message"};
    metrics_options.clock = &clock_;
    auto metrics = JobMetrics::Create(registry_, *queue_, metrics_options);
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_ = *std::move(metrics);
  }
  void TearDown() override {
    metrics_.reset();
    queue_.reset();
    real_.reset();
    std::filesystem::remove_all(dir_);
  }

  Job Add(const std::string& type, int max_attempts = 5) {
    NewJob j;
    j.type = type;
    j.max_attempts = max_attempts;
    absl::StatusOr<Job> added = queue_->Enqueue(j);
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? *added : Job{};
  }
  Job LeaseOne(const std::string& type) {
    auto leased = queue_->Lease("w1", {type}, absl::Seconds(30));
    EXPECT_TRUE(leased.ok() && leased->has_value()) << leased.status();
    return leased.ok() && leased->has_value() ? **leased : Job{};
  }
  Job AddAndLease(const std::string& type) {
    Add(type);
    return LeaseOne(type);
  }
  Job Fail(const Job& job, const absl::Status& status) {
    absl::StatusOr<Job> now = queue_->Fail(job.id, "w1", status, {});
    EXPECT_TRUE(now.ok()) << now.status();
    return now.ok() ? *now : Job{};
  }
  // A scrape in a later instant than the last one, so it reads anew.
  std::string Scrape() {
    clock_.Advance(absl::Seconds(1));
    return registry_.Expose();
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  obs::Registry registry_;
  std::unique_ptr<JobQueue> real_;
  std::unique_ptr<CountingQueue> queue_;
  std::unique_ptr<JobMetrics> metrics_;
};

TEST_F(JobMetricsTest, KnownTypesReadZeroBeforeAnyJob) {
  EXPECT_EQ(
      registry_.Expose(),
      "# HELP job_attempts_total Job attempts run by this process's workers, "
      "by job type and outcome (succeeded or failed).\n"
      "# TYPE job_attempts_total counter\n"
      "job_attempts_total{type=\"process_message\",outcome=\"failed\"} 0\n"
      "job_attempts_total{type=\"process_message\",outcome=\"succeeded\"} 0\n"
      "# HELP job_retries_total Failed job attempts queued again for a retry, "
      "by job type.\n"
      "# TYPE job_retries_total counter\n"
      "job_retries_total{type=\"process_message\"} 0\n"
      "# HELP jobs_by_state Jobs per job type and state, in the database.\n"
      "# TYPE jobs_by_state gauge\n"
      "jobs_by_state{type=\"process_message\",state=\"cancelled\"} 0\n"
      "jobs_by_state{type=\"process_message\",state=\"dead\"} 0\n"
      "jobs_by_state{type=\"process_message\",state=\"failed\"} 0\n"
      "jobs_by_state{type=\"process_message\",state=\"queued\"} 0\n"
      "jobs_by_state{type=\"process_message\",state=\"running\"} 0\n"
      "jobs_by_state{type=\"process_message\",state=\"succeeded\"} 0\n"
      "# HELP jobs_dead_total Jobs dead after failing their last allowed "
      "attempt, by job type.\n"
      "# TYPE jobs_dead_total counter\n"
      "jobs_dead_total{type=\"process_message\"} 0\n"
      "# HELP jobs_failed_total Jobs failed for good with an error not worth "
      "retrying, by job type.\n"
      "# TYPE jobs_failed_total counter\n"
      "jobs_failed_total{type=\"process_message\"} 0\n"
      "# HELP jobs_metrics_errors_total Scrapes whose read of the job counts "
      "failed (the job gauges are absent from them).\n"
      "# TYPE jobs_metrics_errors_total counter\n"
      "jobs_metrics_errors_total 0\n"
      "# HELP jobs_queue_depth Live jobs (queued or running) per queue (job "
      "type) and state, in the database.\n"
      "# TYPE jobs_queue_depth gauge\n"
      "jobs_queue_depth{queue=\"process_message\",state=\"queued\"} 0\n"
      "jobs_queue_depth{queue=\"process_message\",state=\"running\"} 0\n");
}

TEST_F(JobMetricsTest, DepthCountsLiveJobsPerQueueFromOneReadPerScrape) {
  Add("process_message");
  Add("process_message");
  Add("process_message");
  Add("cleanup");  // A type the metrics were not told about.
  LeaseOne("process_message");
  const Job done = LeaseOne("cleanup");
  ASSERT_TRUE(queue_->Complete(done.id, "w1").ok());
  Add("cleanup");

  const int reads = queue_->counts_reads();
  const std::string exposition = Scrape();
  EXPECT_EQ(queue_->counts_reads(), reads + 1);
  EXPECT_EQ(Samples(exposition, "jobs_queue_depth"),
            (Lines{"jobs_queue_depth{queue=\"cleanup\",state=\"queued\"} 1",
                   "jobs_queue_depth{queue=\"cleanup\",state=\"running\"} 0",
                   "jobs_queue_depth{queue=\"process_message\","
                   "state=\"queued\"} 2",
                   "jobs_queue_depth{queue=\"process_message\","
                   "state=\"running\"} 1"}));
  EXPECT_EQ(
      Samples(exposition, "jobs_by_state"),
      (Lines{"jobs_by_state{type=\"cleanup\",state=\"cancelled\"} 0",
             "jobs_by_state{type=\"cleanup\",state=\"dead\"} 0",
             "jobs_by_state{type=\"cleanup\",state=\"failed\"} 0",
             "jobs_by_state{type=\"cleanup\",state=\"queued\"} 1",
             "jobs_by_state{type=\"cleanup\",state=\"running\"} 0",
             "jobs_by_state{type=\"cleanup\",state=\"succeeded\"} 1",
             "jobs_by_state{type=\"process_message\",state=\"cancelled\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"dead\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"failed\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"queued\"} 2",
             "jobs_by_state{type=\"process_message\",state=\"running\"} 1",
             "jobs_by_state{type=\"process_message\",state=\"succeeded\"} "
             "0"}));
}

TEST_F(JobMetricsTest, CountsAttemptsRetriesDeadAndFailedJobs) {
  // Succeeds at once.
  const Job ok = AddAndLease("process_message");
  ASSERT_TRUE(queue_->Complete(ok.id, "w1").ok());
  metrics_->Observe(ok, absl::OkStatus(), absl::Milliseconds(250), nullptr);

  // Retried once, then dead on its second and last attempt.
  Add("process_message", /*max_attempts=*/2);
  const Job first = LeaseOne("process_message");
  const Job retried = Fail(first, absl::UnavailableError("llm down"));
  ASSERT_EQ(retried.state, JobState::kQueued);
  metrics_->Observe(first, absl::UnavailableError("llm down"),
                    absl::Milliseconds(1500), &retried);
  clock_.Advance(absl::Hours(2));  // Past the backoff.
  const Job second = LeaseOne("process_message");
  ASSERT_EQ(second.id, first.id);
  const Job dead = Fail(second, absl::UnavailableError("llm down"));
  ASSERT_EQ(dead.state, JobState::kDead);
  metrics_->Observe(second, absl::UnavailableError("llm down"),
                    absl::Milliseconds(500), &dead);

  // Fails for good: not worth retrying.
  const Job bad = AddAndLease("process_message");
  const Job failed = Fail(bad, absl::InvalidArgumentError("no message"));
  ASSERT_EQ(failed.state, JobState::kFailed);
  metrics_->Observe(bad, absl::InvalidArgumentError("no message"),
                    absl::Seconds(40), &failed);

  // A failure the queue did not record (lease lost): an attempt, no more.
  metrics_->Observe(bad, absl::InternalError("boom"), absl::Milliseconds(250),
                    nullptr);

  const std::string exposition = Scrape();
  EXPECT_EQ(Samples(exposition, "job_attempts_total"),
            (Lines{"job_attempts_total{type=\"process_message\","
                   "outcome=\"failed\"} 4",
                   "job_attempts_total{type=\"process_message\","
                   "outcome=\"succeeded\"} 1"}));
  EXPECT_EQ(Samples(exposition, "job_retries_total"),
            Lines{"job_retries_total{type=\"process_message\"} 1"});
  EXPECT_EQ(Samples(exposition, "jobs_dead_total"),
            Lines{"jobs_dead_total{type=\"process_message\"} 1"});
  EXPECT_EQ(Samples(exposition, "jobs_failed_total"),
            Lines{"jobs_failed_total{type=\"process_message\"} 1"});

  const std::string failed_series =
      "job_duration_seconds_bucket{type=\"process_message\","
      "outcome=\"failed\",le=\"";
  const std::string succeeded_series =
      "job_duration_seconds_bucket{type=\"process_message\","
      "outcome=\"succeeded\",le=\"";
  Lines expected;
  // Failed attempts: 0.25 s, 0.5 s, 1.5 s and 40 s.
  for (const auto& [le, n] :
       std::vector<std::pair<std::string, int>>{{"0.005", 0},
                                                {"0.01", 0},
                                                {"0.025", 0},
                                                {"0.05", 0},
                                                {"0.1", 0},
                                                {"0.25", 1},
                                                {"0.5", 2},
                                                {"1", 2},
                                                {"2.5", 3},
                                                {"5", 3},
                                                {"10", 3},
                                                {"30", 3},
                                                {"60", 4},
                                                {"120", 4},
                                                {"300", 4},
                                                {"600", 4},
                                                {"+Inf", 4}}) {
    expected.push_back(failed_series + le + "\"} " + std::to_string(n));
  }
  expected.push_back(
      "job_duration_seconds_sum{type=\"process_message\",outcome=\"failed\"} "
      "42.25");
  expected.push_back(
      "job_duration_seconds_count{type=\"process_message\","
      "outcome=\"failed\"} 4");
  for (const auto& [le, n] :
       std::vector<std::pair<std::string, int>>{{"0.005", 0},
                                                {"0.01", 0},
                                                {"0.025", 0},
                                                {"0.05", 0},
                                                {"0.1", 0},
                                                {"0.25", 1},
                                                {"0.5", 1},
                                                {"1", 1},
                                                {"2.5", 1},
                                                {"5", 1},
                                                {"10", 1},
                                                {"30", 1},
                                                {"60", 1},
                                                {"120", 1},
                                                {"300", 1},
                                                {"600", 1},
                                                {"+Inf", 1}}) {
    expected.push_back(succeeded_series + le + "\"} " + std::to_string(n));
  }
  expected.push_back(
      "job_duration_seconds_sum{type=\"process_message\","
      "outcome=\"succeeded\"} 0.25");
  expected.push_back(
      "job_duration_seconds_count{type=\"process_message\","
      "outcome=\"succeeded\"} 1");
  EXPECT_EQ(Samples(exposition, "job_duration_seconds"), expected);

  EXPECT_EQ(Samples(exposition, "jobs_queue_depth"),
            (Lines{"jobs_queue_depth{queue=\"process_message\","
                   "state=\"queued\"} 0",
                   "jobs_queue_depth{queue=\"process_message\","
                   "state=\"running\"} 0"}));
  const Lines by_state = Samples(exposition, "jobs_by_state");
  EXPECT_EQ(
      by_state,
      (Lines{"jobs_by_state{type=\"process_message\",state=\"cancelled\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"dead\"} 1",
             "jobs_by_state{type=\"process_message\",state=\"failed\"} 1",
             "jobs_by_state{type=\"process_message\",state=\"queued\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"running\"} 0",
             "jobs_by_state{type=\"process_message\",state=\"succeeded\"} "
             "1"}));
}

TEST_F(JobMetricsTest, NewTypesGetSeriesAtTheirFirstAttempt) {
  const Job job = AddAndLease("daily_digest");
  metrics_->Observe(job, absl::OkStatus(), absl::Seconds(2), nullptr);
  EXPECT_EQ(
      Samples(Scrape(), "job_attempts_total"),
      (Lines{"job_attempts_total{type=\"daily_digest\",outcome=\"succeeded\"} "
             "1",
             "job_attempts_total{type=\"process_message\",outcome=\"failed\"} "
             "0",
             "job_attempts_total{type=\"process_message\","
             "outcome=\"succeeded\"} 0"}));
}

TEST_F(JobMetricsTest, ScrapesWithinMaxAgeShareOneCountsRead) {
  const int reads = queue_->counts_reads();
  registry_.Expose();
  registry_.Expose();
  clock_.Advance(absl::Milliseconds(999));
  registry_.Expose();
  EXPECT_EQ(queue_->counts_reads(), reads + 1);
  clock_.Advance(absl::Milliseconds(1));
  Add("process_message");
  EXPECT_EQ(Samples(registry_.Expose(), "jobs_queue_depth")[0],
            "jobs_queue_depth{queue=\"process_message\",state=\"queued\"} 1");
  EXPECT_EQ(queue_->counts_reads(), reads + 2);
}

TEST_F(JobMetricsTest, FailingCountsReadIsCountedAndTheScrapeGoesOn) {
  Add("process_message");
  queue_->set_fail_counts(true);
  const int reads = queue_->counts_reads();
  std::string exposition = Scrape();
  EXPECT_EQ(queue_->counts_reads(), reads + 1);
  EXPECT_EQ(Samples(exposition, "jobs_metrics_errors_total"),
            Lines{"jobs_metrics_errors_total 1"});
  EXPECT_TRUE(Samples(exposition, "jobs_queue_depth").empty()) << exposition;
  EXPECT_TRUE(Samples(exposition, "jobs_by_state").empty()) << exposition;
  EXPECT_EQ(Samples(exposition, "jobs_dead_total"),
            Lines{"jobs_dead_total{type=\"process_message\"} 0"});

  EXPECT_EQ(Samples(Scrape(), "jobs_metrics_errors_total"),
            Lines{"jobs_metrics_errors_total 2"});

  queue_->set_fail_counts(false);
  exposition = Scrape();
  EXPECT_EQ(Samples(exposition, "jobs_metrics_errors_total"),
            Lines{"jobs_metrics_errors_total 2"});
  EXPECT_EQ(Samples(exposition, "jobs_queue_depth")[0],
            "jobs_queue_depth{queue=\"process_message\",state=\"queued\"} 1");
}

TEST_F(JobMetricsTest, DestroyedMetricsKeepCountersAndDropTheGauges) {
  const Job job = AddAndLease("process_message");
  metrics_->Observe(job, absl::OkStatus(), absl::Seconds(1), nullptr);
  metrics_.reset();
  const int reads = queue_->counts_reads();
  const std::string exposition = Scrape();
  EXPECT_EQ(queue_->counts_reads(), reads);
  EXPECT_TRUE(Samples(exposition, "jobs_queue_depth").empty()) << exposition;
  EXPECT_TRUE(Samples(exposition, "jobs_by_state").empty()) << exposition;
  EXPECT_EQ(Samples(exposition, "job_attempts_total")[1],
            "job_attempts_total{type=\"process_message\","
            "outcome=\"succeeded\"} 1");
}

TEST_F(JobMetricsTest, CreateFailsWhenANameIsTakenByAnotherShape) {
  obs::Registry registry;
  ASSERT_TRUE(registry.AddGauge("jobs_queue_depth", "Something else.").ok());
  absl::StatusOr<std::unique_ptr<JobMetrics>> metrics =
      JobMetrics::Create(registry, *queue_);
  EXPECT_EQ(metrics.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Samples(registry.Expose(), "jobs_queue_depth"),
            Lines{"jobs_queue_depth 0"});
}

TEST_F(JobMetricsTest, RejectsBadBuckets) {
  obs::Registry registry;
  JobMetricsOptions options;
  options.duration_buckets = {1, 0.5};
  EXPECT_EQ(JobMetrics::Create(registry, *queue_, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lia::jobs
