#pragma once

// Turning stored text into values, shared by the SQLite and PostgreSQL
// stores: each reads its columns into the plain structs below (its own
// driver, its own timestamp format) and decodes them here, so both refuse a
// corrupt row with the same DataLoss message.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/types.h"
#include "store/event_log.h"
#include "store/store.h"

namespace lia::store::internal {

// DataLoss: "stored <what> <id> is unreadable: <why>".
absl::Status Corrupt(absl::string_view what, int64_t id, absl::string_view why);

// An opportunity row's columns as stored (timestamps already RFC 3339).
struct OpportunityColumns {
  int64_t id = 0;
  int64_t message_id = 0;
  std::string conversation_id;
  std::string recruiter_name;
  std::string raw_message;
  std::string analysis_json;
  std::optional<std::string> manual_tier;  // NULL: none.
  std::string status;
  std::string processing_status;
  std::string notes;
  int64_t profile_version = 0;
  std::string created_at;
  std::string updated_at;
};
absl::StatusOr<Opportunity> DecodeOpportunity(OpportunityColumns columns);

// A response row's columns as stored.
struct ResponseColumns {
  int64_t id = 0;
  int64_t opportunity_id = 0;
  std::string status;
  std::string kind;
  std::string language;
  std::string draft_text;
  std::string final_text;
  std::string created_at;
  std::string updated_at;
};
absl::StatusOr<Response> DecodeResponse(ResponseColumns columns);

// An event row; `created_at` RFC 3339 as stored (DataLoss when it is not).
absl::StatusOr<Event> DecodeEvent(int64_t id, std::string type,
                                  std::string data,
                                  const std::string& created_at);

// A message's thread as stored JSON text ([{"from","text","sent_at"}...]);
// invalid UTF-8 is replaced, never thrown.
std::string ThreadToJson(const std::vector<core::ThreadEntry>& thread);
absl::StatusOr<std::vector<core::ThreadEntry>> ThreadFromJson(
    int64_t message_id, const std::string& text);

}  // namespace lia::store::internal
