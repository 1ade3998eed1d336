#include <optional>

#include <gtest/gtest.h>

#include "absl/random/random.h"
#include "absl/time/time.h"
#include "llm/internal/backoff.h"
#include "llm/internal/circuit_breaker.h"

namespace lia::llm::internal {
namespace {

TEST(BackoffTest, FullJitterStaysUnderTheDoublingCeiling) {
  absl::BitGen gen;
  const absl::Duration initial = absl::Milliseconds(100);
  const absl::Duration max = absl::Seconds(1);
  for (int retry = 1; retry <= 8; ++retry) {
    const absl::Duration ceiling = std::min(max, initial * (1 << (retry - 1)));
    absl::Duration longest = absl::ZeroDuration();
    for (int i = 0; i < 200; ++i) {
      const absl::Duration d = FullJitterBackoff(retry, initial, max, gen);
      EXPECT_GE(d, absl::ZeroDuration());
      EXPECT_LE(d, ceiling);
      longest = std::max(longest, d);
    }
    // Full jitter spreads over the whole range, not a sliver of it.
    EXPECT_GT(longest, ceiling / 2) << "retry " << retry;
  }
}

TEST(BackoffTest, NoBackoffBeforeTheFirstRetryOrWithZeroBase) {
  absl::BitGen gen;
  EXPECT_EQ(FullJitterBackoff(0, absl::Seconds(1), absl::Seconds(5), gen),
            absl::ZeroDuration());
  EXPECT_EQ(FullJitterBackoff(3, absl::ZeroDuration(), absl::Seconds(5), gen),
            absl::ZeroDuration());
  // Huge retry numbers stay capped.
  EXPECT_LE(FullJitterBackoff(1000, absl::Seconds(1), absl::Seconds(5), gen),
            absl::Seconds(5));
}

TEST(RetryAfterTest, ReadsSecondsAndTheThreeDateForms) {
  // Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example.
  const absl::Time now = absl::FromUnixSeconds(784111777);
  struct Case {
    const char* value;
    std::optional<absl::Duration> expected;
  } cases[] = {
      {"120", absl::Seconds(120)},
      {" 0 ", absl::ZeroDuration()},
      {"Sun, 06 Nov 1994 08:49:47 GMT", absl::Seconds(10)},
      {"Sunday, 06-Nov-94 08:50:37 GMT", absl::Seconds(60)},
      {"Sun Nov  6 08:49:40 1994", absl::Seconds(3)},
      {"Sun, 06 Nov 1994 08:00:00 GMT", absl::ZeroDuration()},  // Past.
      {"", std::nullopt},
      {"soon", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.expected) << c.value;
  }
}

TEST(RetryAfterTest, ReadsMilliseconds) {
  EXPECT_EQ(ParseRetryAfterMs("250"), absl::Milliseconds(250));
  EXPECT_EQ(ParseRetryAfterMs("12.5"), absl::Microseconds(12500));
  EXPECT_EQ(ParseRetryAfterMs(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs("x"), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMs("-1"), std::nullopt);
}

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker MakeBreaker(int threshold) {
    CircuitBreakerOptions options;
    options.failure_threshold = threshold;
    options.cooldown = absl::Seconds(30);
    return CircuitBreaker(options, [this] { return now_; });
  }
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(CircuitBreakerTest, OpensAfterThresholdConsecutiveFailures) {
  CircuitBreaker breaker = MakeBreaker(3);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
  }
  // A success in between resets the count.
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordSuccess();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_EQ(breaker.RetryIn(), absl::Seconds(30));
}

TEST_F(CircuitBreakerTest, HalfOpensAfterCooldownWithOneTrial) {
  CircuitBreaker breaker = MakeBreaker(1);
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordFailure();
  now_ += absl::Seconds(29);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_EQ(breaker.RetryIn(), absl::Seconds(1));
  now_ += absl::Seconds(1);
  EXPECT_TRUE(breaker.Allow());  // The trial.
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_FALSE(breaker.Allow());  // Only one at a time.
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker.Allow());
  EXPECT_TRUE(breaker.Allow());
}

TEST_F(CircuitBreakerTest, FailedTrialOpensAgainForAFullCooldown) {
  CircuitBreaker breaker = MakeBreaker(2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
  }
  now_ += absl::Seconds(31);
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_EQ(breaker.RetryIn(), absl::Seconds(30));
}

TEST_F(CircuitBreakerTest, NeutralTrialLetsAnotherCallTry) {
  CircuitBreaker breaker = MakeBreaker(1);
  ASSERT_TRUE(breaker.Allow());
  breaker.RecordFailure();
  now_ += absl::Seconds(30);
  ASSERT_TRUE(breaker.Allow());
  EXPECT_FALSE(breaker.Allow());
  breaker.RecordNeutral();  // e.g. the trial got a 400.
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(breaker.Allow());
}

TEST_F(CircuitBreakerTest, ZeroThresholdNeverOpens) {
  CircuitBreaker breaker = MakeBreaker(0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(breaker.Allow());
    breaker.RecordFailure();
  }
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
}

}  // namespace
}  // namespace lia::llm::internal
