#include "store/internal/time.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"

namespace lia::store::internal {

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string SystemNow() { return FormatUtc(absl::Now()); }

absl::StatusOr<std::string> NormalizeTimestamp(std::string_view s) {
  absl::Time t;
  std::string err;
  const std::string text(s);
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err) &&
      !absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" is not an RFC 3339 timestamp (2026-11-29T10:00:00Z) or a date "
        "(2026-11-29)"));
  }
  const int64_t year = absl::ToCivilYear(t, absl::UTCTimeZone()).year();
  if (year < 1 || year > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is outside the years 0001..9999"));
  }
  return FormatUtc(t);
}

}  // namespace lia::store::internal
