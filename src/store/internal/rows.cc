#include "store/internal/rows.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/json.h"
#include "nlohmann/json.hpp"

namespace lia::store::internal {

absl::Status Corrupt(absl::string_view what, int64_t id,
                     absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("stored ", what, " ", id, " is unreadable: ", why));
}

absl::StatusOr<Opportunity> DecodeOpportunity(OpportunityColumns c) {
  Opportunity o;
  o.id = c.id;
  o.message_id = c.message_id;
  o.conversation_id = std::move(c.conversation_id);
  o.recruiter_name = std::move(c.recruiter_name);
  o.raw_message = std::move(c.raw_message);
  absl::StatusOr<nlohmann::json> json = core::ParseJson(c.analysis_json);
  if (!json.ok()) return Corrupt("opportunity", o.id, json.status().message());
  absl::StatusOr<core::Analysis> analysis = core::AnalysisFromJson(*json);
  if (!analysis.ok()) {
    return Corrupt("opportunity", o.id, analysis.status().message());
  }
  o.analysis = *std::move(analysis);
  if (c.manual_tier) {
    std::optional<core::Tier> tier = core::ParseTier(*c.manual_tier);
    if (!tier) return Corrupt("opportunity", o.id, "manual_tier");
    o.manual_tier = tier;
  }
  std::optional<OpportunityStatus> status = ParseOpportunityStatus(c.status);
  std::optional<ProcessingStatus> processing =
      ParseProcessingStatus(c.processing_status);
  if (!status || !processing) return Corrupt("opportunity", o.id, "status");
  o.status = *status;
  o.processing_status = *processing;
  o.notes = std::move(c.notes);
  o.profile_version = c.profile_version;
  o.created_at = std::move(c.created_at);
  o.updated_at = std::move(c.updated_at);
  return o;
}

absl::StatusOr<Response> DecodeResponse(ResponseColumns c) {
  Response r;
  r.id = c.id;
  r.opportunity_id = c.opportunity_id;
  std::optional<ResponseStatus> status = ParseResponseStatus(c.status);
  std::optional<core::ReplyKind> kind = core::ParseReplyKind(c.kind);
  std::optional<core::Language> language = core::ParseLanguage(c.language);
  if (!status || !kind || !language) {
    return Corrupt("response", r.id, "status, kind or language");
  }
  r.status = *status;
  r.kind = *kind;
  r.language = *language;
  r.draft_text = std::move(c.draft_text);
  r.final_text = std::move(c.final_text);
  r.created_at = std::move(c.created_at);
  r.updated_at = std::move(c.updated_at);
  return r;
}

absl::StatusOr<Event> DecodeEvent(int64_t id, std::string type,
                                  std::string data,
                                  const std::string& created_at) {
  Event e;
  e.id = id;
  e.type = std::move(type);
  e.data = std::move(data);
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, created_at, &e.created_at, &err)) {
    return absl::DataLossError(absl::StrCat("stored event ", e.id,
                                            " has a bad timestamp \"",
                                            created_at, "\": ", err));
  }
  return e;
}

std::string ThreadToJson(const std::vector<core::ThreadEntry>& thread) {
  nlohmann::json out = nlohmann::json::array();
  for (const core::ThreadEntry& e : thread) {
    out.push_back({{"from", core::ToString(e.from)},
                   {"text", e.text},
                   {"sent_at", e.sent_at}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::vector<core::ThreadEntry>> ThreadFromJson(
    int64_t message_id, const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Corrupt("message", message_id, "thread_json");
  }
  std::vector<core::ThreadEntry> thread;
  for (const nlohmann::json& e : j) {
    if (!e.is_object()) return Corrupt("message", message_id, "thread_json");
    // A missing field reads as ""; one of another type is corrupt (and
    // must not throw from nlohmann's value()).
    auto field = [&e](const char* name) -> std::optional<std::string> {
      const auto it = e.find(name);
      if (it == e.end()) return std::string();
      if (!it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    const std::optional<std::string> from_text = field("from");
    std::optional<std::string> text_field = field("text");
    std::optional<std::string> sent_at = field("sent_at");
    if (!from_text || !text_field || !sent_at) {
      return Corrupt("message", message_id, "thread_json");
    }
    std::optional<core::Speaker> from = core::ParseSpeaker(*from_text);
    if (!from) return Corrupt("message", message_id, "thread speaker");
    core::ThreadEntry entry;
    entry.from = *from;
    entry.text = *std::move(text_field);
    entry.sent_at = *std::move(sent_at);
    thread.push_back(std::move(entry));
  }
  return thread;
}

}  // namespace lia::store::internal
