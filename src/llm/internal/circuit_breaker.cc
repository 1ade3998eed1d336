#include "llm/internal/circuit_breaker.h"

#include <utility>

namespace lia::llm::internal {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options,
                               std::function<absl::Time()> now)
    : options_(options), now_(std::move(now)) {}

bool CircuitBreaker::Allow() {
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now_() - opened_at_ < options_.cooldown) return false;
      state_ = State::kHalfOpen;
      trial_in_flight_ = true;
      return true;
    case State::kHalfOpen:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  absl::MutexLock lock(&mu_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::RecordFailure() {
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      ++consecutive_failures_;
      if (options_.failure_threshold > 0 &&
          consecutive_failures_ >= options_.failure_threshold) {
        state_ = State::kOpen;
        opened_at_ = now_();
      }
      break;
    case State::kHalfOpen:
      state_ = State::kOpen;
      opened_at_ = now_();
      trial_in_flight_ = false;
      break;
    case State::kOpen:
      break;  // A call allowed before the breaker opened; already counted.
  }
}

void CircuitBreaker::RecordNeutral() {
  absl::MutexLock lock(&mu_);
  if (state_ == State::kHalfOpen) trial_in_flight_ = false;
}

CircuitBreaker::State CircuitBreaker::state() {
  absl::MutexLock lock(&mu_);
  return state_;
}

absl::Duration CircuitBreaker::RetryIn() {
  absl::MutexLock lock(&mu_);
  if (state_ != State::kOpen) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(),
                  options_.cooldown - (now_() - opened_at_));
}

}  // namespace lia::llm::internal
