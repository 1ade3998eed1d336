#pragma once

// Time limits in tests check the algorithm (linear, not quadratic), not the
// build: sanitizer and unoptimised builds run many times slower, so limits
// are multiplied by this factor.

namespace lia::ingest::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr double kTimeLimitScale = 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr double kTimeLimitScale = 20;
#elif !defined(NDEBUG)
inline constexpr double kTimeLimitScale = 5;
#else
inline constexpr double kTimeLimitScale = 1;
#endif
#elif !defined(NDEBUG)
inline constexpr double kTimeLimitScale = 5;
#else
inline constexpr double kTimeLimitScale = 1;
#endif

}  // namespace lia::ingest::testing
