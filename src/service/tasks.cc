#include "service/tasks.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/json.h"
#include "core/status_macros.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/task_registry.h"
#include "nlohmann/json.hpp"
#include "service/maintenance.h"
#include "service/opportunity_service.h"

namespace lia::service {
namespace {

// The positive integer `field` of a job's payload; InvalidArgument (never
// retried: the payload will not change) otherwise.
absl::StatusOr<int64_t> IdField(const jobs::Job& job, std::string_view field) {
  absl::StatusOr<nlohmann::json> payload = core::ParseJson(job.payload);
  if (!payload.ok() || !payload->is_object()) {
    return absl::InvalidArgumentError("payload is not a JSON object");
  }
  const auto it = payload->find(std::string(field));
  if (it == payload->end() || !it->is_number_integer() ||
      it->get<int64_t>() < 1) {
    return absl::InvalidArgumentError("payload." + std::string(field) +
                                      ": expected a positive integer");
  }
  return it->get<int64_t>();
}

}  // namespace

absl::Status RegisterTasks(jobs::TaskRegistry& registry,
                           OpportunityService& service,
                           Maintenance& maintenance, jobs::Clock& clock) {
  // In batches: a worker that leased several saves their opportunities in
  // one transaction.
  LIA_RETURN_IF_ERROR(registry.RegisterBatch(
      kProcessMessageJob, [&service](const std::vector<jobs::Job>& jobs) {
        std::vector<absl::Status> outcomes(jobs.size());
        std::vector<int64_t> ids;
        std::vector<size_t> valid;
        for (size_t i = 0; i < jobs.size(); ++i) {
          absl::StatusOr<int64_t> id = IdField(jobs[i], "message_id");
          if (!id.ok()) {
            outcomes[i] = id.status();
            continue;
          }
          ids.push_back(*id);
          valid.push_back(i);
        }
        const std::vector<absl::Status> done = service.ProcessMessages(ids);
        for (size_t k = 0; k < valid.size(); ++k) outcomes[valid[k]] = done[k];
        return outcomes;
      }));
  LIA_RETURN_IF_ERROR(registry.Register(
      kReprocessOpportunityJob,
      [&service](const jobs::Job& job) -> absl::Status {
        LIA_ASSIGN_OR_RETURN(int64_t id, IdField(job, "opportunity_id"));
        return service.Reprocess(id).status();
      }));
  LIA_RETURN_IF_ERROR(registry.Register(
      kImportExportJob, [&service](const jobs::Job& job) -> absl::Status {
        LIA_ASSIGN_OR_RETURN(int64_t upload_id, IdField(job, "upload_id"));
        return service.RunImport(upload_id).status();
      }));
  LIA_RETURN_IF_ERROR(registry.Register(
      kRescoreAllJob, [&service](const jobs::Job&) -> absl::Status {
        return service.RescoreAll().status();
      }));
  // Scheduled work runs "as of now", not as of the tick it was due: a
  // digest caught up after downtime covers the day before it ran.
  LIA_RETURN_IF_ERROR(registry.Register(
      kCleanupJob, [&maintenance, &clock](const jobs::Job&) -> absl::Status {
        return maintenance.Cleanup(clock.Now()).status();
      }));
  LIA_RETURN_IF_ERROR(registry.Register(
      kDailyDigestJob,
      [&maintenance, &clock](const jobs::Job&) -> absl::Status {
        return maintenance.BuildDigest(clock.Now()).status();
      }));
  return absl::OkStatus();
}

}  // namespace lia::service
