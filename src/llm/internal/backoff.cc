#include "llm/internal/backoff.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/random/distributions.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace lia::llm::internal {

absl::Duration FullJitterBackoff(int retry, absl::Duration initial,
                                 absl::Duration max, absl::BitGenRef gen) {
  if (retry < 1 || initial <= absl::ZeroDuration() ||
      max <= absl::ZeroDuration()) {
    return absl::ZeroDuration();
  }
  // 2^62 overflows nothing in double; the min() below caps it anyway.
  const double factor = std::ldexp(1.0, std::min(retry - 1, 62));
  const double ceiling_s = std::min(absl::ToDoubleSeconds(max),
                                    absl::ToDoubleSeconds(initial) * factor);
  return absl::Seconds(
      absl::Uniform(absl::IntervalClosedClosed, gen, 0.0, ceiling_s));
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value,
                                              absl::Time now) {
  const std::string text(absl::StripAsciiWhitespace(
      absl::string_view(value.data(), value.size())));
  if (text.empty()) return std::nullopt;
  if (absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(text, &seconds) || seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // RFC 9110 §5.6.7: IMF-fixdate, then the two obsolete forms.
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",
      "%A, %d-%b-%y %H:%M:%S GMT",
      "%a %b %e %H:%M:%S %Y",
  };
  for (const char* format : kFormats) {
    absl::Time when;
    std::string error;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &when, &error)) {
      return std::max(absl::ZeroDuration(), when - now);
    }
  }
  return std::nullopt;
}

std::optional<absl::Duration> ParseRetryAfterMs(std::string_view value) {
  const std::string text(absl::StripAsciiWhitespace(
      absl::string_view(value.data(), value.size())));
  double ms = 0.0;
  if (text.empty() || !absl::SimpleAtod(text, &ms) || !std::isfinite(ms) ||
      ms < 0.0) {
    return std::nullopt;
  }
  return absl::Milliseconds(ms);
}

}  // namespace lia::llm::internal
