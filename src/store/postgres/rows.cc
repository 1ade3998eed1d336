#include "store/postgres/rows.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/json.h"
#include "nlohmann/json.hpp"

namespace lia::store::postgres_internal {

absl::Status Corrupt(absl::string_view what, int64_t id,
                     absl::string_view why) {
  return absl::DataLossError(
      absl::StrCat("stored ", what, " ", id, " is unreadable: ", why));
}

std::string Text(const pqxx::field& field) {
  if (field.is_null()) return std::string();
  return std::string(field.c_str(), field.size());
}

std::string TimestampText(const pqxx::field& field) {
  return postgres::Rfc3339FromPostgres(
      std::string_view(field.c_str(), field.size()));
}

std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<Opportunity> ReadOpportunity(const pqxx::row& row) {
  Opportunity o;
  o.id = row[0].as<int64_t>();
  o.message_id = row[1].as<int64_t>();
  o.conversation_id = Text(row[2]);
  o.recruiter_name = Text(row[3]);
  o.raw_message = Text(row[4]);
  absl::StatusOr<nlohmann::json> json = core::ParseJson(Text(row[5]));
  if (!json.ok()) return Corrupt("opportunity", o.id, json.status().message());
  absl::StatusOr<core::Analysis> analysis = core::AnalysisFromJson(*json);
  if (!analysis.ok()) {
    return Corrupt("opportunity", o.id, analysis.status().message());
  }
  o.analysis = *std::move(analysis);
  if (!row[6].is_null()) {
    std::optional<core::Tier> tier = core::ParseTier(Text(row[6]));
    if (!tier) return Corrupt("opportunity", o.id, "manual_tier");
    o.manual_tier = tier;
  }
  std::optional<OpportunityStatus> status =
      ParseOpportunityStatus(Text(row[7]));
  std::optional<ProcessingStatus> processing =
      ParseProcessingStatus(Text(row[8]));
  if (!status || !processing) return Corrupt("opportunity", o.id, "status");
  o.status = *status;
  o.processing_status = *processing;
  o.notes = Text(row[9]);
  o.profile_version = row[10].as<int64_t>();
  o.created_at = TimestampText(row[11]);
  o.updated_at = TimestampText(row[12]);
  return o;
}

absl::StatusOr<Response> ReadResponse(const pqxx::row& row) {
  Response r;
  r.id = row[0].as<int64_t>();
  r.opportunity_id = row[1].as<int64_t>();
  std::optional<ResponseStatus> status = ParseResponseStatus(Text(row[2]));
  std::optional<core::ReplyKind> kind = core::ParseReplyKind(Text(row[3]));
  std::optional<core::Language> language = core::ParseLanguage(Text(row[4]));
  if (!status || !kind || !language) {
    return Corrupt("response", r.id, "status, kind or language");
  }
  r.status = *status;
  r.kind = *kind;
  r.language = *language;
  r.draft_text = Text(row[5]);
  r.final_text = Text(row[6]);
  r.created_at = TimestampText(row[7]);
  r.updated_at = TimestampText(row[8]);
  return r;
}

std::string ThreadToJson(const std::vector<core::ThreadEntry>& thread) {
  nlohmann::json out = nlohmann::json::array();
  for (const core::ThreadEntry& e : thread) {
    out.push_back({{"from", core::ToString(e.from)},
                   {"text", e.text},
                   {"sent_at", e.sent_at}});
  }
  return Dump(out);
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
    core::ThreadEntry entry;
    std::optional<core::Speaker> from =
        core::ParseSpeaker(e.value("from", std::string()));
    if (!from) return Corrupt("message", message_id, "thread speaker");
    entry.from = *from;
    entry.text = e.value("text", std::string());
    entry.sent_at = e.value("sent_at", std::string());
    thread.push_back(std::move(entry));
  }
  return thread;
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  // Every element double-quoted, so commas, braces, spaces and the word
  // NULL are plain text; inside the quotes only '"' and '\' need escaping.
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace lia::store::postgres_internal
