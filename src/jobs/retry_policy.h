#pragma once

// When a failed job runs again (DESIGN §6, STYLE habit 3): whether to retry
// is decided by the status code alone, in one place; when is exponential
// backoff with full jitter.

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lia::jobs {

struct RetryPolicy {
  // Default 1 s. The backoff cap of the first retry.
  absl::Duration base_delay = absl::Seconds(1);
  // Default 1 h. No backoff cap grows beyond this.
  absl::Duration max_delay = absl::Hours(1);
};

// The one mapping from a task's status to "try again?". Retried: the codes
// that say "later may work" (Unavailable, DeadlineExceeded,
// ResourceExhausted, Aborted, Internal, Unknown). Not retried: the codes
// that say "the input or the state must change first" (InvalidArgument,
// FailedPrecondition, NotFound, AlreadyExists, OutOfRange, PermissionDenied,
// Unauthenticated, Unimplemented, DataLoss, Cancelled). OK is not a failure.
bool IsRetryable(absl::StatusCode code);

// The cap of the retry after `attempts` failed attempts (>= 1):
// min(max_delay, base_delay * 2^(attempts - 1)).
absl::Duration BackoffCap(const RetryPolicy& policy, int attempts);

// Full jitter: uniform in [0, BackoffCap(policy, attempts)]. Thread-safe
// only if `gen` is used by one thread at a time.
absl::Duration BackoffDelay(const RetryPolicy& policy, int attempts,
                            absl::BitGenRef gen);

}  // namespace lia::jobs
