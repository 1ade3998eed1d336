#pragma once

// "Unknown, Intern, Junior, ...": every wire name of an enum, for error
// messages that show the fix. Internal to core.

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/types.h"

namespace lia::core::internal {

// Enums are contiguous from zero and ToString of the first value past the end
// is empty.
template <typename E>
std::string WireNames() {
  std::vector<std::string> names;
  for (int i = 0;; ++i) {
    std::string_view name = ToString(static_cast<E>(i));
    if (name.empty()) break;
    names.emplace_back(name);
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace lia::core::internal
