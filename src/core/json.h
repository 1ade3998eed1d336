#pragma once

// The JSON form of the domain types. Field names follow the corpus
// (shared/corpus/README.md) and the original system's API.

#include <string_view>

#include "absl/status/statusor.h"
#include "core/types.h"
#include "nlohmann/json_fwd.hpp"

namespace lia::core {

// Analysis JSON (what `lia analyze` prints), flat where the scorer reads it:
//   {"id", "language", "conversation_state", "confidence", "question_type",
//    "follow_up": {"question_type", "answerable_from_profile"} | null,
//    "extracted": {"company", "role", "seniority", "tech_stack",
//                  "salary": {"min","max","currency","period",
//                             "yearly_usd_min","yearly_usd_max"} | null,
//                  "remote_policy", "location", "job_type", "work_week",
//                  "agency", "agency_name", "crypto", "pre_seed"},
//    "filters": [{"name","passed","reason","penalty"}],
//    "scores": {"tech","salary","seniority","company","penalty","total",
//               "tech_reason",...},
//    "total_score", "tier", "reply": {"kind","language","text"},
//    "engines": {"classify": "rules", ...}}
nlohmann::json ToJson(const Analysis& analysis);
absl::StatusOr<Analysis> AnalysisFromJson(const nlohmann::json& json);

nlohmann::json ToJson(const Extraction& extraction);
absl::StatusOr<Extraction> ExtractionFromJson(const nlohmann::json& json);

nlohmann::json ToJson(const Salary& salary);
absl::StatusOr<Salary> SalaryFromJson(const nlohmann::json& json);

// Message JSON: {"id", "sender", "sender_profile_url", "text" | "message",
// "sent_at", "conversation_id", "source_id",
// "thread": [{"from": "recruiter"|"candidate", "text", "sent_at"}]}.
// Only the text is required; "message" is accepted for "text" (the corpus and
// score.py use it). Unknown "from" values are InvalidArgument.
nlohmann::json ToJson(const Message& message);
absl::StatusOr<Message> MessageFromJson(const nlohmann::json& json);

nlohmann::json ToJson(const Profile& profile);
absl::StatusOr<Profile> ProfileFromJson(const nlohmann::json& json);

// Parses text as JSON; InvalidArgument naming the byte offset on error.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text);

}  // namespace lia::core
