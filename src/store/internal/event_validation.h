#pragma once

// What every EventLog implementation accepts (event_log.h), in one place so
// both databases refuse the same events with the same words.

#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace lia::store::internal {

inline constexpr size_t kMaxEventTypeLength = 64;

// InvalidArgument when `type` is not 1..64 characters of [a-z0-9._-] (types
// go into SSE "event:" lines and metric labels: no spaces, no line breaks)
// or `data_json` is not JSON text.
absl::Status ValidateEvent(const std::string& type,
                           const std::string& data_json);

}  // namespace lia::store::internal
