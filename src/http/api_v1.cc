#include "http/api_v1.h"

#include <charconv>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "cache/cache.h"
#include "core/json.h"
#include "http/handler_util.h"
#include "jobs/job.h"
#include "service/opportunity_json.h"
#include "service/opportunity_service.h"
#include "store/store.h"

namespace lia::http {
namespace {

using nlohmann::json;

// In a batch answer the opportunities come without their analysis (GET
// /api/v1/opportunities/{id} has it): a thousand analyses would make the
// answer megabytes.
json IngestedToJson(const service::IngestedMessage& m,
                    bool with_analysis = true) {
  json j;
  j["message_id"] = m.message_id;
  j["duplicate"] = m.duplicate;
  j["opportunity_id"] =
      m.opportunity_id ? json(*m.opportunity_id) : json(nullptr);
  j["opportunity"] = m.opportunity
                         ? service::ToJson(*m.opportunity, with_analysis)
                         : json(nullptr);
  return j;
}

// --- health -----------------------------------------------------------------

Response Health(ApiContext& ctx) {
  return Response::Json(200, {{"status", "ok"}, {"version", ctx.version}});
}

Response Ready(ApiContext& ctx) {
  json checks;
  bool ok = true;
  const absl::Status store = ctx.store.Ping();
  checks["store"] = store.ok() ? "ok" : std::string(store.message());
  ok = ok && store.ok();
  // The cache never fails a request; a dead remote cache degrades, so it is
  // reported but does not make the service unready.
  ctx.cache.Set("ready:probe", "1", std::chrono::milliseconds(10000));
  checks["cache"] = ctx.cache.Get("ready:probe") ? "ok" : "degraded";
  return Response::Json(
      ok ? 200 : 503,
      {{"status", ok ? "ready" : "unavailable"}, {"checks", checks}});
}

// --- messages ---------------------------------------------------------------

// 202: stored, analysis queued (one job per message, Location: the job of
// a single message). A duplicate that has its opportunity already is 200
// with it, as in the synchronous answer.
Response QueuedMessages(ApiContext& ctx,
                        const std::vector<core::Message>& messages,
                        bool batch) {
  absl::StatusOr<std::vector<service::IngestedMessage>> queued =
      ctx.service.Enqueue(messages);
  if (!queued.ok()) return InvalidInput(queued.status());
  auto item = [](const service::IngestedMessage& m) {
    return json{{"message_id", m.message_id},
                {"duplicate", m.duplicate},
                {"opportunity_id",
                 m.opportunity_id ? json(*m.opportunity_id) : json(nullptr)},
                {"job_id", m.job_id ? json(*m.job_id) : json(nullptr)}};
  };
  if (!batch) {
    const service::IngestedMessage& m = queued->front();
    Response r = Response::Json(m.job_id ? 202 : 200, item(m));
    if (m.job_id) {
      r.headers.emplace_back("Location",
                             "/api/v1/jobs/" + std::to_string(*m.job_id));
    } else if (m.opportunity_id) {
      r.headers.emplace_back("Location", "/api/v1/opportunities/" +
                                             std::to_string(*m.opportunity_id));
    }
    return r;
  }
  json items = json::array();
  int64_t accepted = 0, duplicates = 0, jobs = 0;
  for (const service::IngestedMessage& m : *queued) {
    items.push_back(item(m));
    m.duplicate ? ++duplicates : ++accepted;
    if (m.job_id) ++jobs;
  }
  return Response::Json(jobs > 0 ? 202 : 200, {{"items", items},
                                               {"accepted", accepted},
                                               {"duplicates", duplicates},
                                               {"jobs", jobs}});
}

Response PostMessages(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"wait"})) return *bad;
  absl::StatusOr<json> body = ParseBody(request);
  if (!body.ok()) return InvalidInput(body.status());
  std::vector<core::Message> messages;
  const bool batch = body->contains("messages");
  if (batch) {
    const json& list = (*body)["messages"];
    if (!list.is_array()) {
      return InvalidInput(
          absl::InvalidArgumentError("messages: expected an array"));
    }
    FieldErrors errors;
    for (size_t i = 0; i < list.size(); ++i) {
      absl::StatusOr<core::Message> m = core::MessageFromJson(list[i]);
      if (!m.ok()) {
        errors.Add("messages[" + std::to_string(i) + "]",
                   std::string(m.status().message()));
      } else {
        messages.push_back(*std::move(m));
      }
    }
    if (!errors.empty()) return errors.ToResponse();
  } else {
    absl::StatusOr<core::Message> m = core::MessageFromJson(*body);
    if (!m.ok()) return InvalidInput(m.status());
    messages.push_back(*std::move(m));
  }
  std::optional<Response> bad;
  const bool wait = WantsWait(request, &bad);
  if (bad) return *bad;
  if (!wait) return QueuedMessages(ctx, messages, batch);
  absl::StatusOr<std::vector<service::IngestedMessage>> done =
      ctx.service.Ingest(messages);
  if (!done.ok()) return InvalidInput(done.status());
  if (!batch) {
    const service::IngestedMessage& m = done->front();
    Response r = Response::Json(m.duplicate ? 200 : 201, IngestedToJson(m));
    if (m.opportunity_id) {
      r.headers.emplace_back("Location", "/api/v1/opportunities/" +
                                             std::to_string(*m.opportunity_id));
    }
    return r;
  }
  json items = json::array();
  int64_t created = 0, duplicates = 0;
  for (const service::IngestedMessage& m : *done) {
    items.push_back(IngestedToJson(m, /*with_analysis=*/false));
    m.duplicate ? ++duplicates : ++created;
  }
  return Response::Json(
      created > 0 ? 201 : 200,
      {{"items", items}, {"created", created}, {"duplicates", duplicates}});
}

// The original system's body: {"recruiter_name", "raw_message"}.
Response PostOpportunity(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  absl::StatusOr<json> body = ParseBody(request);
  if (!body.ok()) return InvalidInput(body.status());
  FieldErrors errors;
  core::Message message;
  const json& raw = (*body).value("raw_message", json());
  if (!raw.is_string() || raw.get<std::string>().find_first_not_of(" \t\r\n") ==
                              std::string::npos) {
    errors.Add("raw_message", "expected a non-empty string");
  } else {
    message.text = raw.get<std::string>();
  }
  const json& name = (*body).value("recruiter_name", json(""));
  if (!name.is_string()) {
    errors.Add("recruiter_name", "expected a string");
  } else {
    message.sender = name.get<std::string>();
  }
  for (const auto& [key, value] : body->items()) {
    if (key != "raw_message" && key != "recruiter_name") {
      errors.Add(key, "unknown field");
    }
  }
  if (!errors.empty()) return errors.ToResponse();
  absl::StatusOr<std::vector<service::IngestedMessage>> done =
      ctx.service.Ingest({message});
  if (!done.ok()) return InvalidInput(done.status());
  const service::IngestedMessage& m = done->front();
  absl::StatusOr<store::Opportunity> o =
      m.opportunity ? absl::StatusOr<store::Opportunity>(*m.opportunity)
                    : ctx.service.Get(m.opportunity_id.value_or(0));
  if (!o.ok()) return ProblemFromStatus(o.status());
  Response r = Response::Json(m.duplicate ? 200 : 201, service::ToJson(*o));
  r.headers.emplace_back("Location",
                         "/api/v1/opportunities/" + std::to_string(o->id));
  return r;
}

// --- opportunities ----------------------------------------------------------

absl::StatusOr<store::OpportunityQuery> ParseListQuery(const Request& request,
                                                       FieldErrors& errors) {
  store::OpportunityQuery q;
  auto int_param = [&](std::string_view name, int64_t min, int64_t max,
                       auto& out) {
    std::optional<std::string> v = request.Query(name);
    if (!v) return;
    std::optional<int64_t> n = ParseInt(*v);
    if (!n || *n < min || *n > max) {
      errors.Add(std::string(name), "expected an integer from " +
                                        std::to_string(min) + " to " +
                                        std::to_string(max));
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
  };
  int_param("skip", 0, 1000000000, q.skip);
  int_param("limit", 1, 500, q.limit);
  if (auto c = request.Query("cursor")) q.cursor = *c;
  for (const std::string& t : request.QueryAll("tier")) {
    if (auto tier = core::ParseTier(t)) {
      q.tiers.push_back(*tier);
    } else {
      errors.Add("tier",
                 "expected HIGH_PRIORITY, INTERESTING, LOW or "
                 "NOT_INTERESTED");
    }
  }
  if (auto s = request.Query("status")) {
    q.status = store::ParseOpportunityStatus(*s);
    if (!q.status) errors.Add("status", "unknown status '" + *s + "'");
  }
  if (auto s = request.Query("processing_status")) {
    q.processing_status = store::ParseProcessingStatus(*s);
    if (!q.processing_status) {
      errors.Add("processing_status", "unknown processing status");
    }
  }
  if (auto s = request.Query("conversation_state")) {
    q.conversation_state = core::ParseConversationState(*s);
    if (!q.conversation_state) {
      errors.Add("conversation_state",
                 "expected NEW_OPPORTUNITY, FOLLOW_UP "
                 "or COURTESY_CLOSE");
    }
  }
  int min_score = -1, max_score = -1;
  int_param("min_score", 0, 100, min_score);
  int_param("max_score", 0, 100, max_score);
  if (min_score >= 0) q.min_score = min_score;
  if (max_score >= 0) q.max_score = max_score;
  if (q.min_score && q.max_score && *q.min_score > *q.max_score) {
    errors.Add("min_score", "must not exceed max_score");
  }
  if (auto c = request.Query("company")) q.company = *c;
  q.tech = request.QueryAll("tech");
  if (auto m = request.Query("tech_match")) {
    if (*m == "all") {
      q.tech_match_all = true;
    } else if (*m != "any") {
      errors.Add("tech_match", "expected any or all");
    }
  }
  if (auto r = request.Query("remote_policy")) {
    q.remote_policy = core::ParseRemotePolicy(*r);
    if (!q.remote_policy) {
      errors.Add("remote_policy", "expected Remote, Hybrid, Onsite or Unknown");
    }
  }
  int64_t min_salary = -1;
  int_param("min_salary_usd", 0, 100000000, min_salary);
  if (min_salary >= 0) q.min_salary_usd = min_salary;
  if (auto s = request.Query("q")) q.q = *s;
  if (auto s = request.Query("created_from")) q.created_from = *s;
  if (auto s = request.Query("created_to")) q.created_to = *s;
  if (auto s = request.Query("sort_by")) {
    if (*s == "created_at") {
      q.sort_by = store::SortBy::kCreatedAt;
    } else if (*s == "total_score") {
      q.sort_by = store::SortBy::kTotalScore;
    } else if (*s == "company") {
      q.sort_by = store::SortBy::kCompany;
    } else if (*s == "salary") {
      q.sort_by = store::SortBy::kSalary;
    } else {
      errors.Add("sort_by",
                 "expected created_at, total_score, company or "
                 "salary");
    }
  }
  if (auto s = request.Query("sort_order")) {
    if (*s == "asc") {
      q.descending = false;
    } else if (*s != "desc") {
      errors.Add("sort_order", "expected asc or desc");
    }
  }
  return q;
}

Response ListOpportunities(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(
          request,
          {"skip", "limit", "cursor", "tier", "status", "processing_status",
           "conversation_state", "min_score", "max_score", "company", "tech",
           "tech_match", "remote_policy", "min_salary_usd", "q", "created_from",
           "created_to", "sort_by", "sort_order"})) {
    return *bad;
  }
  FieldErrors errors;
  absl::StatusOr<store::OpportunityQuery> query =
      ParseListQuery(request, errors);
  if (!errors.empty()) return errors.ToResponse();
  absl::StatusOr<std::string> page = ctx.service.ListJson(*query);
  if (!page.ok()) return InvalidInput(page.status());
  Response r;
  r.body = *std::move(page);
  return r;
}

Response ManualReview(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"skip", "limit"})) return *bad;
  FieldErrors errors;
  absl::StatusOr<store::OpportunityQuery> query =
      ParseListQuery(request, errors);
  if (!errors.empty()) return errors.ToResponse();
  // Awaiting the person: new opportunities worth a look, best first.
  query->status = store::OpportunityStatus::kNew;
  query->conversation_state = core::ConversationState::kNewOpportunity;
  query->tiers = {core::Tier::kHighPriority, core::Tier::kInteresting};
  query->sort_by = store::SortBy::kTotalScore;
  query->descending = true;
  absl::StatusOr<std::string> page = ctx.service.ListJson(*query);
  if (!page.ok()) return ProblemFromStatus(page.status());
  Response r;
  r.body = *std::move(page);
  return r;
}

Response GetOpportunity(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<store::Opportunity> o = ctx.service.Get(*id);
  if (!o.ok()) return ProblemFromStatus(o.status());
  return Response::Json(200, service::ToJson(*o));
}

Response PatchOpportunity(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<json> body = ParseBody(request);
  if (!body.ok()) return InvalidInput(body.status());
  store::OpportunityPatch patch;
  FieldErrors errors;
  for (const auto& [key, value] : body->items()) {
    if (key == "status") {
      if (value.is_string())
        patch.status = store::ParseOpportunityStatus(value.get<std::string>());
      if (!patch.status) {
        errors.Add("status",
                   "expected new, reviewed, interested, applied, "
                   "rejected or archived");
      }
    } else if (key == "notes") {
      if (!value.is_string() || value.get<std::string>().size() > 10000) {
        errors.Add("notes", "expected a string of at most 10,000 bytes");
      } else {
        patch.notes = value.get<std::string>();
      }
    } else if (key == "tier" || key == "manual_tier") {
      patch.set_manual_tier = true;
      if (!value.is_null()) {
        if (value.is_string())
          patch.manual_tier = core::ParseTier(value.get<std::string>());
        if (!patch.manual_tier) {
          errors.Add(key, "expected a tier or null");
        }
      }
    } else {
      errors.Add(key, "unknown field");
    }
  }
  if (!errors.empty()) return errors.ToResponse();
  absl::StatusOr<store::Opportunity> o = ctx.service.Update(*id, patch);
  if (!o.ok()) return ProblemFromStatus(o.status());
  return Response::Json(200, service::ToJson(*o));
}

Response DeleteOpportunity(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"force"})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  bool force = false;
  if (auto f = request.Query("force")) {
    if (*f == "true" || *f == "1") {
      force = true;
    } else if (*f != "false" && *f != "0") {
      FieldErrors errors;
      errors.Add("force", "expected true or false");
      return errors.ToResponse();
    }
  }
  absl::Status status = ctx.service.Delete(*id, force);
  if (!status.ok()) return ProblemFromStatus(status);
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// 202 with the job and Location: /api/v1/jobs/{id}.
Response Accepted(const absl::StatusOr<jobs::Job>& job) {
  if (!job.ok()) return ProblemFromStatus(job.status());
  Response r = Response::Json(202, JobToJson(*job));
  r.headers.emplace_back("Location", "/api/v1/jobs/" + std::to_string(job->id));
  return r;
}

Response Reprocess(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"wait"})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  std::optional<Response> bad;
  if (!WantsWait(request, &bad)) {
    return bad ? *bad : Accepted(ctx.service.EnqueueReprocess(*id));
  }
  absl::StatusOr<store::Opportunity> o = ctx.service.Reprocess(*id);
  if (!o.ok()) return ProblemFromStatus(o.status());
  return Response::Json(200, service::ToJson(*o));
}

Response Rescore(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"wait"})) return *bad;
  std::optional<Response> bad;
  if (!WantsWait(request, &bad)) {
    return bad ? *bad : Accepted(ctx.service.EnqueueRescore());
  }
  absl::StatusOr<int64_t> n = ctx.service.RescoreAll();
  if (!n.ok()) return ProblemFromStatus(n.status());
  return Response::Json(
      200, {{"rescored", *n},
            {"profile_version", ctx.service.profiles().version()}});
}

Response Stats(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  absl::StatusOr<std::string> s = ctx.service.StatsJson();
  if (!s.ok()) return ProblemFromStatus(s.status());
  Response r;
  r.body = *std::move(s);
  return r;
}

// --- responses --------------------------------------------------------------

Response ListResponses(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"status", "skip", "limit"})) {
    return *bad;
  }
  FieldErrors errors;
  std::optional<store::ResponseStatus> status;
  if (auto s = request.Query("status")) {
    status = store::ParseResponseStatus(*s);
    if (!status) {
      errors.Add("status", "expected pending, approved, declined or sent");
    }
  }
  int64_t skip = 0, limit = 50;
  if (auto s = request.Query("skip")) {
    auto n = ParseInt(*s);
    if (!n || *n < 0) errors.Add("skip", "expected a non-negative integer");
    if (n) skip = *n;
  }
  if (auto s = request.Query("limit")) {
    auto n = ParseInt(*s);
    if (!n || *n < 1 || *n > 500) {
      errors.Add("limit", "expected an integer from 1 to 500");
    }
    if (n) limit = *n;
  }
  if (!errors.empty()) return errors.ToResponse();
  absl::StatusOr<std::vector<store::Response>> list =
      ctx.service.ListResponses(status, skip, limit);
  if (!list.ok()) return ProblemFromStatus(list.status());
  json items = json::array();
  for (const store::Response& r : *list) items.push_back(service::ToJson(r));
  return Response::Json(200,
                        {{"items", items}, {"skip", skip}, {"limit", limit}});
}

Response GetResponse(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request, "opportunity_id");
  if (!id) return BadId();
  absl::StatusOr<store::Response> r = ctx.service.GetResponse(*id);
  if (!r.ok()) return ProblemFromStatus(r.status());
  return Response::Json(200, service::ToJson(*r));
}

Response DecideResponse(ApiContext& ctx, const Request& request,
                        store::Decision decision) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request, "opportunity_id");
  if (!id) return BadId();
  std::optional<std::string> text;
  if (!request.body.empty()) {
    absl::StatusOr<json> body = ParseBody(request);
    if (!body.ok()) return InvalidInput(body.status());
    FieldErrors errors;
    for (const auto& [key, value] : body->items()) {
      // "response_text" is the original system's name; "text" is shorter.
      if (key == "text" || key == "response_text" || key == "edited_response") {
        if (!value.is_string() ||
            value.get<std::string>().find_first_not_of(" \t\r\n") ==
                std::string::npos ||
            value.get<std::string>().size() > 20000) {
          errors.Add(key,
                     "expected a non-empty string of at most 20,000 bytes");
        } else {
          text = value.get<std::string>();
        }
      } else {
        errors.Add(key, "unknown field");
      }
    }
    if (!errors.empty()) return errors.ToResponse();
  }
  if (decision == store::Decision::kEdit && !text) {
    FieldErrors errors;
    errors.Add("text", "required to edit a reply");
    return errors.ToResponse();
  }
  absl::StatusOr<store::Response> r = ctx.service.Decide(*id, decision, text);
  if (!r.ok()) return ProblemFromStatus(r.status());
  return Response::Json(200, service::ToJson(*r));
}

// --- profile ----------------------------------------------------------------

Response GetProfile(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  json j = core::ToJson(*ctx.service.profiles().Get());
  Response r = Response::Json(200, j);
  r.headers.emplace_back(
      "ETag", absl::StrCat("\"", ctx.service.profiles().version(), "\""));
  return r;
}

Response PutProfile(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  absl::StatusOr<json> body = ParseBody(request);
  if (!body.ok()) return InvalidInput(body.status());
  absl::StatusOr<core::Profile> profile = core::ProfileFromJson(*body);
  if (!profile.ok()) return InvalidInput(profile.status());
  absl::Status status = ctx.service.profiles().Replace(*profile);
  if (!status.ok()) return InvalidInput(status);
  return GetProfile(ctx, Request{});
}

// --- imports ----------------------------------------------------------------

// 202 with {import_id, job_id} (Location: the job); ?wait=true imports
// and analyses before answering 201 with the counts.
Response PostImport(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"wait"})) return *bad;
  if (request.body.empty()) {
    FieldErrors errors;
    errors.Add("body", "expected the export archive (zip) or messages.csv");
    return errors.ToResponse();
  }
  std::optional<Response> bad;
  if (!WantsWait(request, &bad)) {
    if (bad) return *bad;
    absl::StatusOr<service::QueuedImport> queued =
        ctx.service.EnqueueImport(request.body);
    if (!queued.ok()) return InvalidInput(queued.status());
    Response r = Response::Json(
        202, {{"import_id", queued->upload_id}, {"job_id", queued->job_id}});
    r.headers.emplace_back("Location",
                           "/api/v1/jobs/" + std::to_string(queued->job_id));
    return r;
  }
  absl::StatusOr<service::ImportSummary> s =
      ctx.service.ImportLinkedInExport(request.body);
  if (!s.ok()) return InvalidInput(s.status());
  return Response::Json(201, service::ToJson(*s));
}

Response GetImport(ApiContext& ctx, const Request& request) {
  if (auto bad = RejectUnknownParams(request, {})) return *bad;
  const std::optional<int64_t> id = PathId(request);
  if (!id) return BadId();
  absl::StatusOr<store::Upload> upload =
      ctx.store.GetUpload(*id, /*with_bytes=*/false);
  if (!upload.ok()) return ProblemFromStatus(upload.status());
  absl::StatusOr<json> summary = core::ParseJson(upload->summary);
  return Response::Json(200,
                        {{"id", upload->id},
                         {"kind", upload->kind},
                         {"size", upload->size},
                         {"state", upload->state},
                         {"summary", summary.ok() ? *summary : json::object()},
                         {"created_at", upload->created_at},
                         {"updated_at", upload->updated_at}});
}

}  // namespace

void RegisterApiV1(Router& router, ApiContext& ctx) {
  ApiContext* c = &ctx;
  auto bind = [c](Response (*f)(ApiContext&, const Request&)) {
    return [c, f](const Request& r) { return f(*c, r); };
  };
  router.Handle("GET", "/health", [c](const Request&) { return Health(*c); });
  router.Handle("GET", "/api/v1/health/live",
                [c](const Request&) { return Health(*c); });
  router.Handle("GET", "/startup", [c](const Request&) { return Health(*c); });
  router.Handle("GET", "/ready", [c](const Request&) { return Ready(*c); });

  router.Handle("POST", "/api/v1/messages", bind(PostMessages));
  router.Handle("POST", "/api/v1/imports", bind(PostImport));
  router.Handle("GET", "/api/v1/imports/{id}", bind(GetImport));

  router.Handle("GET", "/api/v1/opportunities", bind(ListOpportunities));
  router.Handle("POST", "/api/v1/opportunities", bind(PostOpportunity));
  router.Handle("GET", "/api/v1/opportunities/stats", bind(Stats));
  router.Handle("GET", "/api/v1/opportunities/manual-review",
                bind(ManualReview));
  router.Handle("POST", "/api/v1/opportunities/rescore", bind(Rescore));
  router.Handle("GET", "/api/v1/opportunities/{id}", bind(GetOpportunity));
  router.Handle("PATCH", "/api/v1/opportunities/{id}", bind(PatchOpportunity));
  router.Handle("DELETE", "/api/v1/opportunities/{id}",
                bind(DeleteOpportunity));
  router.Handle("POST", "/api/v1/opportunities/{id}/reprocess",
                bind(Reprocess));

  router.Handle("GET", "/api/v1/responses", bind(ListResponses));
  router.Handle("GET", "/api/v1/responses/{opportunity_id}", bind(GetResponse));
  router.Handle("POST", "/api/v1/responses/{opportunity_id}/approve",
                [c](const Request& r) {
                  return DecideResponse(*c, r, store::Decision::kApprove);
                });
  router.Handle("POST", "/api/v1/responses/{opportunity_id}/edit",
                [c](const Request& r) {
                  return DecideResponse(*c, r, store::Decision::kEdit);
                });
  router.Handle("POST", "/api/v1/responses/{opportunity_id}/decline",
                [c](const Request& r) {
                  return DecideResponse(*c, r, store::Decision::kDecline);
                });

  RegisterJobsApi(router, ctx);

  router.Handle("GET", "/api/v1/profile", bind(GetProfile));
  router.Handle("PUT", "/api/v1/profile", bind(PutProfile));
}

}  // namespace lia::http
