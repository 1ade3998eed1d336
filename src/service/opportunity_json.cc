#include "service/opportunity_json.h"

#include "service/opportunity_service.h"

#include <nlohmann/json.hpp>

#include "core/json.h"

namespace lia::service {
namespace {

nlohmann::json OptionalString(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json ToJson(const store::Opportunity& o, bool with_analysis) {
  const core::Analysis& a = o.analysis;
  const core::Extraction& e = a.extraction;
  nlohmann::json j;
  j["id"] = o.id;
  j["message_id"] = o.message_id;
  j["conversation_id"] = o.conversation_id;
  j["recruiter_name"] = o.recruiter_name;
  j["raw_message"] = o.raw_message;
  j["company"] = OptionalString(e.company);
  j["role"] = OptionalString(e.role);
  j["seniority"] = core::ToString(e.seniority);
  j["tech_stack"] = e.tech_stack;
  if (e.salary) {
    j["salary_min"] = e.salary->min;
    j["salary_max"] = e.salary->max;
    j["salary_currency"] = e.salary->currency;
    j["salary_period"] = core::ToString(e.salary->period);
    j["salary_usd_min"] = e.salary->yearly_usd_min
                              ? nlohmann::json(*e.salary->yearly_usd_min)
                              : nlohmann::json(nullptr);
    j["salary_usd_max"] = e.salary->yearly_usd_max
                              ? nlohmann::json(*e.salary->yearly_usd_max)
                              : nlohmann::json(nullptr);
  } else {
    for (const char* k :
         {"salary_min", "salary_max", "salary_currency", "salary_period",
          "salary_usd_min", "salary_usd_max"}) {
      j[k] = nullptr;
    }
  }
  j["remote_policy"] = core::ToString(e.remote_policy);
  j["location"] = OptionalString(e.location);
  j["job_type"] = core::ToString(e.job_type);
  j["work_week"] = core::ToString(e.work_week);
  j["agency"] = e.agency;
  j["conversation_state"] = core::ToString(a.classification.state);
  j["question_type"] =
      a.follow_up ? nlohmann::json(core::ToString(a.follow_up->question_type))
                  : nlohmann::json(nullptr);
  j["language"] = core::ToString(a.language);
  j["tech_stack_score"] = a.scores.tech;
  j["salary_score"] = a.scores.salary;
  j["seniority_score"] = a.scores.seniority;
  j["company_score"] = a.scores.company;
  j["penalty"] = a.scores.penalty;
  j["total_score"] = a.scores.total;
  j["tier"] = core::ToString(o.tier());
  j["computed_tier"] = core::ToString(a.tier);
  j["manual_tier"] = o.manual_tier
                         ? nlohmann::json(core::ToString(*o.manual_tier))
                         : nlohmann::json(nullptr);
  j["ai_response"] = a.reply.text.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json(a.reply.text);
  j["status"] = store::ToString(o.status);
  j["processing_status"] = store::ToString(o.processing_status);
  j["notes"] = o.notes;
  j["profile_version"] = o.profile_version;
  j["created_at"] = o.created_at;
  j["updated_at"] = o.updated_at;
  if (with_analysis) j["analysis"] = core::ToJson(a);
  return j;
}

absl::StatusOr<store::Opportunity> OpportunityFromJson(
    const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("analysis")) {
    return absl::InvalidArgumentError("opportunity: expected an object");
  }
  absl::StatusOr<core::Analysis> analysis =
      core::AnalysisFromJson(j["analysis"]);
  if (!analysis.ok()) return analysis.status();
  store::Opportunity o;
  try {
    o.id = j.at("id").get<int64_t>();
    o.message_id = j.at("message_id").get<int64_t>();
    o.conversation_id = j.at("conversation_id").get<std::string>();
    o.recruiter_name = j.at("recruiter_name").get<std::string>();
    o.raw_message = j.at("raw_message").get<std::string>();
    o.notes = j.at("notes").get<std::string>();
    o.profile_version = j.at("profile_version").get<int64_t>();
    o.created_at = j.at("created_at").get<std::string>();
    o.updated_at = j.at("updated_at").get<std::string>();
    if (!j.at("manual_tier").is_null()) {
      o.manual_tier = core::ParseTier(j.at("manual_tier").get<std::string>());
    }
    const auto status =
        store::ParseOpportunityStatus(j.at("status").get<std::string>());
    const auto processing = store::ParseProcessingStatus(
        j.at("processing_status").get<std::string>());
    if (!status || !processing) {
      return absl::InvalidArgumentError("opportunity: bad status");
    }
    o.status = *status;
    o.processing_status = *processing;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(std::string("opportunity: ") + e.what());
  }
  o.analysis = *std::move(analysis);
  return o;
}

nlohmann::json ToJson(const store::Response& r) {
  nlohmann::json j;
  j["id"] = r.id;
  j["opportunity_id"] = r.opportunity_id;
  j["status"] = store::ToString(r.status);
  j["kind"] = core::ToString(r.kind);
  j["language"] = core::ToString(r.language);
  j["ai_response"] = r.draft_text;
  j["final_response"] = r.final_text.empty() ? nlohmann::json(nullptr)
                                             : nlohmann::json(r.final_text);
  j["created_at"] = r.created_at;
  j["updated_at"] = r.updated_at;
  return j;
}

nlohmann::json ToJson(const store::OpportunityStats& s) {
  nlohmann::json j;
  j["total_count"] = s.total_count;
  j["by_tier"] = s.by_tier;
  j["by_status"] = s.by_status;
  j["by_processing_status"] = s.by_processing_status;
  j["by_conversation_state"] = s.by_conversation_state;
  j["average_score"] = s.average_score;
  j["highest_score"] = s.highest_score;
  j["lowest_score"] = s.lowest_score;
  return j;
}

nlohmann::json ToJson(const store::OpportunityPage& page, int64_t skip,
                      int64_t limit) {
  nlohmann::json items = nlohmann::json::array();
  for (const store::Opportunity& o : page.items) {
    items.push_back(ToJson(o, /*with_analysis=*/false));
  }
  nlohmann::json j;
  j["items"] = std::move(items);
  j["total"] = page.total;
  j["skip"] = skip;
  j["limit"] = limit;
  j["has_more"] = page.has_more;
  j["next_cursor"] = page.next_cursor.empty()
                         ? nlohmann::json(nullptr)
                         : nlohmann::json(page.next_cursor);
  return j;
}

nlohmann::json ToJson(const ImportSummary& s) {
  return {{"rows", s.rows},
          {"conversations", s.conversations},
          {"analysed", s.analysed},
          {"queued", s.queued},
          {"duplicates", s.duplicates},
          {"skipped_drafts", s.skipped_drafts},
          {"skipped_sponsored", s.skipped_sponsored},
          {"without_inbound", s.without_inbound},
          {"errors", s.errors}};
}

}  // namespace lia::service
