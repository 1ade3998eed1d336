// Cron expressions (the [schedules] of a configuration file) from arbitrary
// bytes: CronExpression::Parse, then the canonical text, then Next.
//
// Fails (aborts) when the canonical text does not parse back to an equal
// expression, or Next gives an instant that is not strictly later, not on a
// whole minute, or that does not yield itself again from one minute before.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "fuzz_check.h"
#include "jobs/cron.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<lia::jobs::CronExpression> cron =
      lia::jobs::CronExpression::Parse(text);
  if (!cron.ok()) return 0;
  absl::StatusOr<lia::jobs::CronExpression> again =
      lia::jobs::CronExpression::Parse(cron->ToString());
  LIA_FUZZ_CHECK(again.ok() && *again == *cron,
                 "canonical text does not parse back");
  // A fixed start keeps runs reproducible; 2026-11-29T10:17:31Z.
  const absl::Time start = absl::FromUnixSeconds(1'795'947'451);
  absl::StatusOr<absl::Time> next = cron->Next(start);
  if (!next.ok()) return 0;  // No match within 400 years (e.g. Feb 30 only).
  LIA_FUZZ_CHECK(*next > start, "Next is not after its argument");
  LIA_FUZZ_CHECK(absl::ToUnixSeconds(*next) % 60 == 0,
                 "Next is not on a whole minute");
  absl::StatusOr<absl::Time> same = cron->Next(*next - absl::Minutes(1));
  LIA_FUZZ_CHECK(same.ok() && *same == *next,
                 "Next from a minute before differs");
  return 0;
}
