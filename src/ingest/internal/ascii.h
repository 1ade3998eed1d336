#pragma once

// ASCII helpers on std::string_view. Debian's abseil has its own
// absl::string_view, which std::string_view does not convert to, so the
// absl::Strip/EqualsIgnoreCase family cannot take ours.

#include <cstddef>
#include <string>
#include <string_view>

namespace lia::ingest::internal {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool AsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool AsciiAlnum(char c) {
  return AsciiAlpha(c) || (c >= '0' && c <= '9');
}

inline bool AsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

inline std::string_view StripLeadingWhitespace(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && AsciiSpace(s[i])) ++i;
  return s.substr(i);
}

inline std::string_view StripWhitespace(std::string_view s) {
  s = StripLeadingWhitespace(s);
  while (!s.empty() && AsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace lia::ingest::internal
