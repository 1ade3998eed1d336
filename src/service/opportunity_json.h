#pragma once

// The JSON form of stored opportunities and responses: what the API returns
// (field names of the original system: recruiter_name, raw_message,
// total_score, tier, ai_response...) and what the cache holds.

#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"
#include "store/store.h"

namespace lia::service {

struct ImportSummary;

// Flat fields for clients of the original system, plus "analysis" with the
// full pipeline result (core/json.h). List items (`with_analysis` false)
// leave the analysis out: a page stays small, and GET .../{id} has it.
nlohmann::json ToJson(const store::Opportunity& opportunity,
                      bool with_analysis = true);
absl::StatusOr<store::Opportunity> OpportunityFromJson(const nlohmann::json& j);

nlohmann::json ToJson(const store::Response& response);
nlohmann::json ToJson(const store::OpportunityStats& stats);
// The counts of an import (POST /api/v1/imports, the import_export job).
nlohmann::json ToJson(const ImportSummary& summary);
// {"items" (without analysis), "total", "skip", "limit", "has_more",
// "next_cursor"}.
nlohmann::json ToJson(const store::OpportunityPage& page, int64_t skip,
                      int64_t limit);

}  // namespace lia::service
