#pragma once

// Five-field cron expressions, evaluated in UTC (DESIGN §6): the schedules of
// the scheduler (scheduler.h).
//
//   minute hour day-of-month month day-of-week
//   0-59   0-23 1-31         1-12  0-7 (0 and 7 are Sunday)
//
// Each field is a comma-separated list of elements: `*`, `*/step`, `n`,
// `a-b`, `a-b/step` or `a/step` (a up to the field's maximum). Months take
// the names jan..dec and days sun..sat, in any case; "fri-sun" is Friday to
// Sunday. Day of month and day of week combine as in Vixie cron: when both
// fields are restricted (neither starts with `*`), a day matches if either
// matches; otherwise it must match both. So "0 9 1 * mon" runs on the 1st
// and on Mondays, while "0 9 */2 * mon" runs on odd days that are Mondays.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::jobs {

// A value type: cheap to copy, immutable, thread-compatible.
class CronExpression {
 public:
  // At most this many bytes of text are parsed.
  static constexpr size_t kMaxLength = 256;

  // InvalidArgument naming the field and the offending text ("hour field:
  // \"24\" is out of range 0-23"), also for a day that no month has
  // ("30 2": February 30th never comes).
  static absl::StatusOr<CronExpression> Parse(std::string_view text);

  // The first whole minute strictly after `after` that matches, in UTC.
  // Searches 400 years ahead (a full Gregorian cycle, so every expression
  // Parse accepts has a match within it); NotFound past that, or when the
  // answer would fall after year 9999; InvalidArgument for an infinite
  // `after`.
  absl::StatusOr<absl::Time> Next(absl::Time after) const;

  // The canonical text, built from what each field matches: a leading `*`
  // or `*/s` kept (it decides how the day fields combine), then the values
  // it does not cover; every other field as sorted runs ("1-3,7,9"),
  // numbers instead of names, Sunday as 0. Never longer than kMaxLength
  // however the input repeats itself, and parses back to an equal
  // expression.
  const std::string& ToString() const { return text_; }

  bool operator==(const CronExpression&) const = default;

 private:
  CronExpression() = default;

  bool DayMatches(int year, int month, int day) const;

  uint64_t minutes_ = 0;       // Bit m: minute m.
  uint32_t hours_ = 0;         // Bit h: hour h.
  uint32_t days_ = 0;          // Bit d: day of month d (1..31).
  uint16_t months_ = 0;        // Bit m: month m (1..12).
  uint8_t weekdays_ = 0;       // Bit d: day of week d (0..6, 0 is Sunday).
  bool days_star_ = true;      // Day-of-month field starts with `*`.
  bool weekdays_star_ = true;  // Day-of-week field starts with `*`.
  std::string text_;
};

}  // namespace lia::jobs
