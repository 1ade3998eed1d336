#pragma once

// The keyset cursor of OpportunityPage::next_cursor: the sort key and id of
// the last row served, so the next page starts right after it whatever was
// inserted or deleted meanwhile, and costs the same at any depth.
//
// Wire form: base64url (no padding) of a small JSON object,
//   {"s": "created_at", "d": true, "k": <string|integer>, "i": 42}
// Opaque to clients; only the store reads it.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"

namespace lia::store::internal {

struct Cursor {
  std::string sort;  // "created_at", "total_score", "company", "salary".
  bool descending = true;
  std::variant<int64_t, std::string> key;
  int64_t id = 0;
};

std::string EncodeCursor(const Cursor& cursor);

// InvalidArgument for anything EncodeCursor did not make.
absl::StatusOr<Cursor> DecodeCursor(std::string_view text);

}  // namespace lia::store::internal
