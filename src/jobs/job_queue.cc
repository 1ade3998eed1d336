#include "jobs/job_queue.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace lia::jobs {

absl::Status ValidateNewJob(const NewJob& job) {
  if (job.type.empty()) return absl::InvalidArgumentError("job type is empty");
  if (job.max_attempts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_attempts must be >= 1, got ", job.max_attempts));
  }
  if (!nlohmann::json::accept(job.payload)) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload of a ", job.type, " job is not JSON"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLeaseRequest(const std::string& owner,
                                  const std::vector<std::string>& types,
                                  absl::Duration lease_duration, int max_jobs) {
  if (max_jobs < 1 || max_jobs > kMaxLeaseBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_jobs must be 1..", kMaxLeaseBatch));
  }
  if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
  if (lease_duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease duration must be positive");
  }
  if (types.size() > kMaxTypesPerLease) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxTypesPerLease, " types per lease"));
  }
  return absl::OkStatus();
}

}  // namespace lia::jobs
