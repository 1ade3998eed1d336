#include "jobs/clock.h"

#include "absl/time/clock.h"

namespace lia::jobs {
namespace {

class RealClock final : public Clock {
 public:
  // Clock:
  absl::Time Now() override { return absl::Now(); }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* const clock = new RealClock();
  return *clock;
}

}  // namespace lia::jobs
