#include "service/maintenance.h"

#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "core/types.h"
#include "nlohmann/json.hpp"
#include "service/opportunity_service.h"
#include "store/event_log.h"
#include "store/internal/time.h"

namespace lia::service {
namespace {

constexpr int kTopCount = 5;
constexpr int64_t kPendingListed = 50;

// Empty (keep forever) for 0 days.
std::string CutoffOf(absl::Time now, int days) {
  if (days <= 0) return "";
  return store::internal::FormatUtc(now - absl::Hours(24) * days);
}

nlohmann::json Brief(const store::Opportunity& o) {
  const core::Extraction& x = o.analysis.extraction;
  return {{"opportunity_id", o.id},
          {"company", x.company ? nlohmann::json(*x.company) : nullptr},
          {"role", x.role ? nlohmann::json(*x.role) : nullptr},
          {"recruiter_name", o.recruiter_name},
          {"tier", core::ToString(o.tier())},
          {"score", o.analysis.scores.total}};
}

}  // namespace

Maintenance::Maintenance(store::Store& store, store::EventLog* events,
                         RetentionOptions retention)
    : store_(store), events_(events), retention_(retention) {}

absl::StatusOr<std::string> Maintenance::BuildDigest(absl::Time now) {
  const std::string to = store::internal::FormatUtc(now);
  const std::string from = store::internal::FormatUtc(now - absl::Hours(24));

  store::OpportunityQuery window;
  window.created_from = from;
  window.created_to = to;
  window.limit = 1;
  nlohmann::json by_tier = nlohmann::json::object();
  int64_t total = 0;
  for (core::Tier tier : {core::Tier::kHighPriority, core::Tier::kInteresting,
                          core::Tier::kLow, core::Tier::kNotInterested}) {
    store::OpportunityQuery q = window;
    q.tiers = {tier};
    LIA_ASSIGN_OR_RETURN(store::OpportunityPage page,
                         store_.ListOpportunities(q));
    by_tier[std::string(core::ToString(tier))] = page.total;
    total += page.total;
  }

  store::OpportunityQuery best = window;
  best.limit = kTopCount;
  best.sort_by = store::SortBy::kTotalScore;
  best.descending = true;
  LIA_ASSIGN_OR_RETURN(store::OpportunityPage top,
                       store_.ListOpportunities(best));
  nlohmann::json top_json = nlohmann::json::array();
  for (const store::Opportunity& o : top.items) top_json.push_back(Brief(o));

  LIA_ASSIGN_OR_RETURN(
      std::vector<store::Response> pending,
      store_.ListResponses(store::ResponseStatus::kPending, 0, kPendingListed));
  nlohmann::json pending_json = nlohmann::json::array();
  for (const store::Response& r : pending) {
    absl::StatusOr<store::Opportunity> o =
        store_.GetOpportunity(r.opportunity_id);
    if (!o.ok()) continue;  // Deleted since.
    pending_json.push_back(Brief(*o));
  }

  const std::string day =
      absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  nlohmann::json digest = {
      {"day", day},
      {"from", from},
      {"to", to},
      {"new_opportunities", {{"total", total}, {"by_tier", by_tier}}},
      {"top", top_json},
      {"pending_replies",
       {{"count", pending_json.size()},
        {"complete", pending.size() < static_cast<size_t>(kPendingListed)},
        {"items", pending_json}}}};
  std::string body =
      digest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  LIA_RETURN_IF_ERROR(store_.SaveDigest({day, body, ""}));
  return body;
}

absl::StatusOr<CleanupResult> Maintenance::Cleanup(absl::Time now) {
  store::RetentionCutoffs cutoffs;
  const std::pair<core::Tier, int> tiers[] = {
      {core::Tier::kHighPriority, retention_.high_priority_days},
      {core::Tier::kInteresting, retention_.interesting_days},
      {core::Tier::kLow, retention_.low_days},
      {core::Tier::kNotInterested, retention_.not_interested_days}};
  for (const auto& [tier, days] : tiers) {
    const std::string cutoff = CutoffOf(now, days);
    if (!cutoff.empty()) {
      cutoffs.opportunities_before[std::string(core::ToString(tier))] = cutoff;
    }
  }
  cutoffs.finished_jobs_before = CutoffOf(now, retention_.finished_jobs_days);
  cutoffs.failed_jobs_before = CutoffOf(now, retention_.failed_jobs_days);
  cutoffs.uploads_before = CutoffOf(now, retention_.uploads_days);

  CleanupResult result;
  LIA_ASSIGN_OR_RETURN(result.removed, store_.ApplyRetention(cutoffs));
  if (events_ != nullptr && retention_.events_days > 0) {
    LIA_ASSIGN_OR_RETURN(
        result.events,
        events_->DeleteBefore(now - absl::Hours(24) * retention_.events_days));
  }
  if (purge_answers_ && retention_.llm_answers_days > 0) {
    LIA_ASSIGN_OR_RETURN(
        result.llm_answers,
        purge_answers_(now - absl::Hours(24) * retention_.llm_answers_days));
  }
  if (retention_.requeue_limit > 0) {
    store::OutboxJob job;
    job.type = kProcessMessageJob;
    LIA_ASSIGN_OR_RETURN(result.requeued, store_.RequeueUnanalysed(
                                              job, retention_.requeue_limit));
  }
  return result;
}

}  // namespace lia::service
