#include "store/postgres/rows.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/json.h"
#include "nlohmann/json.hpp"

namespace lia::store::postgres_internal {

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
  internal::OpportunityColumns c;
  c.id = row[0].as<int64_t>();
  c.message_id = row[1].as<int64_t>();
  c.conversation_id = Text(row[2]);
  c.recruiter_name = Text(row[3]);
  c.raw_message = Text(row[4]);
  c.analysis_json = Text(row[5]);
  if (!row[6].is_null()) c.manual_tier = Text(row[6]);
  c.status = Text(row[7]);
  c.processing_status = Text(row[8]);
  c.notes = Text(row[9]);
  c.profile_version = row[10].as<int64_t>();
  c.created_at = TimestampText(row[11]);
  c.updated_at = TimestampText(row[12]);
  return internal::DecodeOpportunity(std::move(c));
}

absl::StatusOr<Response> ReadResponse(const pqxx::row& row) {
  internal::ResponseColumns c;
  c.id = row[0].as<int64_t>();
  c.opportunity_id = row[1].as<int64_t>();
  c.status = Text(row[2]);
  c.kind = Text(row[3]);
  c.language = Text(row[4]);
  c.draft_text = Text(row[5]);
  c.final_text = Text(row[6]);
  c.created_at = TimestampText(row[7]);
  c.updated_at = TimestampText(row[8]);
  return internal::DecodeResponse(std::move(c));
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
