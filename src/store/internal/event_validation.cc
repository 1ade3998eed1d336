#include "store/internal/event_validation.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace lia::store::internal {

absl::Status ValidateEvent(const std::string& type,
                           const std::string& data_json) {
  bool type_ok = !type.empty() && type.size() <= kMaxEventTypeLength;
  for (char c : type) {
    type_ok = type_ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '.' || c == '_' || c == '-');
  }
  if (!type_ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("event type \"", type.substr(0, kMaxEventTypeLength),
                     "\" is not 1..64 characters of a-z, 0-9, '.', '_', '-'"));
  }
  if (!nlohmann::json::accept(data_json)) {
    return absl::InvalidArgumentError(
        absl::StrCat("data of a ", type, " event is not JSON"));
  }
  return absl::OkStatus();
}

}  // namespace lia::store::internal
