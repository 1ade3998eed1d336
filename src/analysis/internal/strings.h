#pragma once

// String building over std::string_view. Debian's Abseil (20220623) has its
// own absl::string_view, which absl::StrCat and absl::StrJoin do not accept
// from std::string_view (docs/decisions.md), so the module carries these.

#include <cstdint>
#include <string>
#include <string_view>

namespace lia::analysis::internal {

inline void AppendPiece(std::string& out, std::string_view text) {
  out.append(text);
}
inline void AppendPiece(std::string& out, int64_t number) {
  out.append(std::to_string(number));
}

template <typename... Pieces>
void Append(std::string& out, const Pieces&... pieces) {
  (AppendPiece(out, pieces), ...);
}

template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  Append(out, pieces...);
  return out;
}

template <typename Strings>
std::string Join(const Strings& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(separator);
    out.append(item);
    first = false;
  }
  return out;
}

}  // namespace lia::analysis::internal
