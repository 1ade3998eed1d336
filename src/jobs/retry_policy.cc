#include "jobs/retry_policy.h"

#include <algorithm>

#include "absl/random/distributions.h"

namespace lia::jobs {

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

absl::Duration BackoffCap(const RetryPolicy& policy, int attempts) {
  absl::Duration cap = std::max(policy.base_delay, absl::ZeroDuration());
  for (int i = 1; i < attempts && cap < policy.max_delay; ++i) cap *= 2;
  return std::min(cap, policy.max_delay);
}

absl::Duration BackoffDelay(const RetryPolicy& policy, int attempts,
                            absl::BitGenRef gen) {
  const absl::Duration cap = BackoffCap(policy, attempts);
  if (cap <= absl::ZeroDuration()) return absl::ZeroDuration();
  const int64_t cap_ms = absl::ToInt64Milliseconds(cap);
  return absl::Milliseconds(
      absl::Uniform(absl::IntervalClosedClosed, gen, int64_t{0}, cap_ms));
}

}  // namespace lia::jobs
