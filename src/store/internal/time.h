#pragma once

// The one timestamp shape the store writes: RFC 3339, UTC, milliseconds and
// 'Z' ("2026-11-29T10:00:00.123Z"). Fixed width, so text order is time order
// and SQL can compare and index timestamps as plain text.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::store::internal {

std::string FormatUtc(absl::Time t);

// The system clock in the shape above.
std::string SystemNow();

// Accepts RFC 3339 with any offset and fraction ("2026-11-29T11:00:00+01:00")
// or a bare date ("2026-11-29", midnight UTC) and returns the canonical
// shape. InvalidArgument otherwise, and for years outside 0001..9999 (they
// would break the fixed width).
absl::StatusOr<std::string> NormalizeTimestamp(std::string_view s);

}  // namespace lia::store::internal
