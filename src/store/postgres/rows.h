#pragma once

// Rows of the PostgreSQL store to values and back: the column lists its
// statements select, the readers of those rows, and the JSON forms of what
// is stored as json/jsonb. Internal to store/postgres. Readers return
// DataLoss for a stored value that no longer parses; pqxx conversion errors
// propagate as exceptions (Pool::Transact turns them into statuses).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/types.h"
#include "nlohmann/json_fwd.hpp"
#include "store/internal/rows.h"
#include "store/postgres/pool.h"
#include "store/store.h"

namespace lia::store::postgres_internal {

// The columns ReadOpportunity expects, in order, from `opportunities o`.
// Timestamps come as timestamptz text (the pool's sessions run in UTC).
inline constexpr char kOpportunityColumns[] =
    "o.id, o.message_id, o.conversation_id, o.recruiter_name, o.raw_message, "
    "o.analysis_json::text, o.manual_tier, o.status, o.processing_status, "
    "o.notes, o.profile_version, o.created_at, o.updated_at";
inline constexpr int kOpportunityColumnCount = 13;

// The columns ReadResponse expects, in order, from `responses`.
inline constexpr char kResponseColumns[] =
    "id, opportunity_id, status, kind, language, draft_text, final_text, "
    "created_at, updated_at";

absl::StatusOr<Opportunity> ReadOpportunity(const pqxx::row& row);
absl::StatusOr<Response> ReadResponse(const pqxx::row& row);

// A timestamptz column as RFC 3339 UTC with milliseconds.
std::string TimestampText(const pqxx::field& field);

// A text column; "" for NULL.
std::string Text(const pqxx::field& field);

// JSON text that never throws on invalid UTF-8 from hostile input: it is
// replaced.
std::string Dump(const nlohmann::json& json);

// Shared with the SQLite store (store/internal/rows.h).
using internal::Corrupt;
using internal::ThreadFromJson;
using internal::ThreadToJson;

// A text[] literal of the values ({"a","b\"c"}): for `$1::text[]`.
std::string TextArrayLiteral(const std::vector<std::string>& values);

}  // namespace lia::store::postgres_internal
