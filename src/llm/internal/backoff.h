#pragma once

// Retry timing (private to llm/): exponential backoff with full jitter, and
// the server's Retry-After.

#include <optional>
#include <string_view>

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace lia::llm::internal {

// The wait before retry number `retry` (1 for the first retry): uniform in
// [0, min(max, initial * 2^(retry-1))] ("full jitter").
absl::Duration FullJitterBackoff(int retry, absl::Duration initial,
                                 absl::Duration max, absl::BitGenRef gen);

// A Retry-After header value: delay-seconds ("120") or an HTTP-date (IMF
// fixdate, RFC 850 or asctime form). A date in the past is zero. nullopt
// when `value` is empty or neither form.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value,
                                              absl::Time now);

// The non-standard "retry-after-ms" header (OpenAI's servers send it):
// milliseconds, possibly fractional. nullopt when empty or not a number.
std::optional<absl::Duration> ParseRetryAfterMs(std::string_view value);

}  // namespace lia::llm::internal
