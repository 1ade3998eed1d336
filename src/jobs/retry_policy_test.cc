#include "jobs/retry_policy.h"

#include <random>

#include "gtest/gtest.h"
#include "jobs/job.h"

namespace lia::jobs {
namespace {

TEST(RetryPolicyTest, RetriesByStatusCode) {
  struct Case {
    absl::StatusCode code;
    bool retry;
  };
  const Case cases[] = {
      {absl::StatusCode::kUnavailable, true},
      {absl::StatusCode::kDeadlineExceeded, true},
      {absl::StatusCode::kResourceExhausted, true},
      {absl::StatusCode::kInternal, true},
      {absl::StatusCode::kAborted, true},
      {absl::StatusCode::kInvalidArgument, false},
      {absl::StatusCode::kFailedPrecondition, false},
      {absl::StatusCode::kNotFound, false},
      {absl::StatusCode::kAlreadyExists, false},
      {absl::StatusCode::kPermissionDenied, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsRetryable(c.code), c.retry) << absl::StatusCodeToString(c.code);
  }
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  RetryPolicy p;
  p.base_delay = absl::Seconds(1);
  p.max_delay = absl::Seconds(30);
  EXPECT_EQ(BackoffCap(p, 1), absl::Seconds(1));
  EXPECT_EQ(BackoffCap(p, 2), absl::Seconds(2));
  EXPECT_EQ(BackoffCap(p, 5), absl::Seconds(16));
  EXPECT_EQ(BackoffCap(p, 6), absl::Seconds(30));
  EXPECT_EQ(BackoffCap(p, 1000), absl::Seconds(30));
}

TEST(RetryPolicyTest, FullJitterSpansZeroToTheCap) {
  RetryPolicy p;
  p.base_delay = absl::Seconds(4);
  std::mt19937_64 gen(7);
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    const absl::Duration d = BackoffDelay(p, 1, gen);
    ASSERT_GE(d, absl::ZeroDuration());
    ASSERT_LE(d, absl::Seconds(4));
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, absl::Milliseconds(100));  // Full, not "equal", jitter.
  EXPECT_GT(hi, absl::Milliseconds(3900));
}

TEST(JobTest, WireNamesRoundTrip) {
  for (JobState s :
       {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
        JobState::kFailed, JobState::kDead, JobState::kCancelled}) {
    EXPECT_EQ(ParseJobState(ToString(s)), s);
  }
  for (Priority p : {Priority::kHigh, Priority::kNormal, Priority::kLow}) {
    EXPECT_EQ(ParsePriority(ToString(p)), p);
  }
  EXPECT_EQ(ToString(JobState::kCancelled), "cancelled");
  EXPECT_FALSE(ParseJobState("done").has_value());
}

}  // namespace
}  // namespace lia::jobs
