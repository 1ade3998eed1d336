#pragma once

// A circuit breaker (private to llm/): after `failure_threshold`
// consecutive failures it opens and refuses calls for `cooldown`; then it
// lets one trial call through (half-open), which closes it on success or
// opens it again on failure.

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "llm/provider_config.h"

namespace lia::llm::internal {

// Thread-safe.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  // `now` is the clock (injected so tests can move it).
  CircuitBreaker(CircuitBreakerOptions options,
                 std::function<absl::Time()> now);

  // Whether a call may go ahead now. Closed: yes. Open: no until the
  // cool-down has passed; then the breaker is half-open and this call is its
  // trial. Half-open: no while the trial is unfinished. Every call allowed
  // must end with one of the Record* methods.
  bool Allow();
  // The server answered properly: closes the breaker.
  void RecordSuccess();
  // The server failed (connection, timeout, 5xx): counts toward opening;
  // a failed trial opens the breaker again.
  void RecordFailure();
  // The call ended without saying anything about the server's health (a
  // 4xx, a cancelled call): frees the half-open trial for another call.
  void RecordNeutral();

  State state();
  // How long until an open breaker lets a trial through (zero otherwise).
  absl::Duration RetryIn();

 private:
  const CircuitBreakerOptions options_;
  const std::function<absl::Time()> now_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time opened_at_ ABSL_GUARDED_BY(mu_);
  bool trial_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace lia::llm::internal
