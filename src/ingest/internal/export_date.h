#pragma once

// The DATE column of LinkedIn's messages.csv ("2023-01-05 10:00:00 UTC")
// and the RFC 3339 form lia stores.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lia::ingest::internal {

// Seconds since the Unix epoch, or nullopt when `date` is not a valid
// calendar date and time. Accepts "YYYY-MM-DD HH:MM[:SS[.fff]]" with ' ' or
// 'T' between date and time, followed by nothing (UTC), "UTC", "GMT", "Z" or
// an offset "+HH:MM" / "-HHMM", which is applied. Years 1900..9999.
std::optional<int64_t> ParseExportDate(std::string_view date);

// "2023-01-05T10:00:00Z".
std::string FormatRfc3339Utc(int64_t epoch_seconds);

}  // namespace lia::ingest::internal
