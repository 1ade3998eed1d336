// The jobs API (DESIGN §6, §7): list and inspect jobs, retry and cancel
// them, list schedules, read the latest digest. A GET never starts work.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/json.h"
#include "http/api_v1.h"
#include "http/handler_util.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "jobs/scheduler.h"
#include "nlohmann/json.hpp"
#include "service/opportunity_service.h"
#include "store/store.h"

namespace lia::http {
namespace {

using nlohmann::json;

// RFC 3339 UTC with milliseconds, as the store writes timestamps.
std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

json TimeOrNull(const std::optional<absl::Time>& t) {
  return t ? json(Rfc3339(*t)) : json(nullptr);
}

// The payload as JSON when it parses (it always should), else as text.
json PayloadOf(const std::string& payload) {
  absl::StatusOr<json> parsed = core::ParseJson(payload);
  return parsed.ok() ? *parsed : json(payload);
}

Response ListJobs(ApiContext& ctx, const Request& request) {
  if (auto bad =
          RejectUnknownParams(request, {"state", "type", "limit", "skip"})) {
    return *bad;
  }
  FieldErrors errors;
  jobs::JobFilter filter;
  if (std::optional<std::string> state = request.Query("state")) {
    filter.state = jobs::ParseJobState(*state);
    if (!filter.state) {
      errors.Add("state",
                 "expected queued, running, succeeded, failed, dead or "
                 "cancelled");
    }
  }
  if (std::optional<std::string> type = request.Query("type")) {
    filter.type = *type;
  }
  if (std::optional<std::string> limit = request.Query("limit")) {
    std::optional<int64_t> v = ParseInt(*limit);
    if (!v || *v < 1 || *v > 500) {
      errors.Add("limit", "expected an integer from 1 to 500");
    } else {
      filter.limit = *v;
    }
  }
  if (std::optional<std::string> skip = request.Query("skip")) {
    std::optional<int64_t> v = ParseInt(*skip);
    if (!v || *v < 0) {
      errors.Add("skip", "expected a non-negative integer");
    } else {
      filter.skip = *v;
    }
  }
  if (!errors.empty()) return errors.ToResponse(400);
  absl::StatusOr<std::vector<jobs::Job>> list = ctx.queue.List(filter);
  if (!list.ok()) return ProblemFromStatus(list.status());
  json items = json::array();
  for (const jobs::Job& job : *list) items.push_back(JobToJson(job));
  return Response::Json(
      200, {{"items", items},
            {"skip", filter.skip},
            {"limit", filter.limit},
            {"has_more", static_cast<int64_t>(list->size()) == filter.limit}});
}

Response GetJob(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<jobs::Job> job = ctx.queue.Get(*id);
  if (!job.ok()) return ProblemFromStatus(job.status());
  return Response::Json(200, JobToJson(*job));
}

Response RetryJob(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<jobs::Job> job = ctx.queue.Retry(*id);
  if (!job.ok()) return ProblemFromStatus(job.status());
  return Response::Json(200, JobToJson(*job));
}

Response CancelJob(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<jobs::Job> job = ctx.queue.Cancel(*id);
  if (!job.ok()) return ProblemFromStatus(job.status());
  return Response::Json(200, JobToJson(*job));
}

Response ListSchedules(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  absl::StatusOr<std::vector<jobs::Schedule>> list = ctx.schedules.List();
  if (!list.ok()) return ProblemFromStatus(list.status());
  json items = json::array();
  for (const jobs::Schedule& s : *list) {
    items.push_back({{"name", s.name},
                     {"cron", s.cron},
                     {"job_type", s.job_type},
                     {"payload", PayloadOf(s.payload)},
                     {"priority", jobs::ToString(s.priority)},
                     {"enabled", s.enabled},
                     {"last_run_at", TimeOrNull(s.last_run_at)},
                     {"next_run_at", TimeOrNull(s.next_run_at)}});
  }
  return Response::Json(200, {{"items", items}});
}

Response LatestDigest(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  absl::StatusOr<std::optional<store::Digest>> digest =
      ctx.store.LatestDigest();
  if (!digest.ok()) return ProblemFromStatus(digest.status());
  if (!*digest) {
    return Problem(404, "Not Found",
                   "No digest yet: the daily_digest schedule builds the "
                   "first one.");
  }
  absl::StatusOr<json> body = core::ParseJson((*digest)->body);
  if (!body.ok()) return ProblemFromStatus(body.status());
  (*body)["created_at"] = (*digest)->created_at;
  return Response::Json(200, *body);
}

}  // namespace

json JobToJson(const jobs::Job& job) {
  return {
      {"id", job.id},
      {"type", job.type},
      {"payload", PayloadOf(job.payload)},
      {"priority", jobs::ToString(job.priority)},
      {"state", jobs::ToString(job.state)},
      {"attempts", job.attempts},
      {"max_attempts", job.max_attempts},
      {"run_at", Rfc3339(job.run_at)},
      {"lease_owner",
       job.lease_owner.empty() ? json(nullptr) : json(job.lease_owner)},
      {"lease_expires_at", TimeOrNull(job.lease_expires_at)},
      {"last_error",
       job.last_error.empty() ? json(nullptr) : json(job.last_error)},
      {"idempotency_key",
       job.idempotency_key.empty() ? json(nullptr) : json(job.idempotency_key)},
      {"created_at", Rfc3339(job.created_at)},
      {"updated_at", Rfc3339(job.updated_at)}};
}

void RegisterJobsApi(Router& router, ApiContext& ctx) {
  ApiContext* c = &ctx;
  auto bind = [c](Response (*f)(ApiContext&, const Request&)) {
    return [c, f](const Request& r) { return f(*c, r); };
  };
  router.Handle("GET", "/api/v1/jobs", bind(ListJobs));
  router.Handle("GET", "/api/v1/jobs/{id}", bind(GetJob));
  router.Handle("POST", "/api/v1/jobs/{id}/retry", bind(RetryJob));
  router.Handle("POST", "/api/v1/jobs/{id}/cancel", bind(CancelJob));
  router.Handle("GET", "/api/v1/schedules", bind(ListSchedules));
  router.Handle("GET", "/api/v1/digests/latest", bind(LatestDigest));
}

}  // namespace lia::http
