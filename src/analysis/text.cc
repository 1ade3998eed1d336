#include "analysis/text.h"

#include <utf8proc.h>

#include <array>

namespace lia::analysis {
namespace {

// Decodes one UTF-8 sequence at s[i]. Returns its length (>= 1) and the code
// point, or length 1 and -1 for a byte that starts no valid sequence
// (overlong forms, surrogates and values past U+10FFFF are invalid).
size_t DecodeUtf8(std::string_view s, size_t i, int32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  cp = -1;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len;
  int32_t value;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, value = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, value = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, value = b0 & 0x07, min = 0x10000;
  } else {
    return 1;
  }
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 1;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return 1;
  }
  cp = value;
  return len;
}

// Punctuation outside ASCII that carries meaning for the rules: dashes in
// ranges ("$120k–$150k"), quotes, and spaces.
char FoldPunctuation(int32_t cp) {
  switch (cp) {
    case 0x2010:  // hyphen
    case 0x2011:  // non-breaking hyphen
    case 0x2012:  // figure dash
    case 0x2013:  // en dash
    case 0x2014:  // em dash
    case 0x2015:  // horizontal bar
    case 0x2212:  // minus sign
      return '-';
    case 0x2018:
    case 0x2019:
    case 0x201B:
    case 0x2032:
      return '\'';
    case 0x201C:
    case 0x201D:
    case 0x00AB:
    case 0x00BB:
      return '"';
    case 0x2026:  // ellipsis
      return '.';
    case 0x2192:  // right arrow, used as a bullet
    case 0x2022:  // bullet
      return ' ';
    default:
      return ' ';
  }
}

void AppendFolded(int32_t cp, uint32_t origin, FoldedText& out) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((cp < 0x20 && cp != '\n') || cp == 0x7F) c = ' ';
    out.text.push_back(c);
    out.origin.push_back(origin);
    return;
  }
  std::array<utf8proc_int32_t, 8> decomposed;
  utf8proc_ssize_t n = utf8proc_decompose_char(
      cp, decomposed.data(), decomposed.size(),
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                                     UTF8PROC_CASEFOLD | UTF8PROC_COMPAT),
      nullptr);
  bool any = false;
  if (n > 0 && static_cast<size_t>(n) <= decomposed.size()) {
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      const int32_t d = decomposed[k];
      if (d < 0x80 && d >= 0x20) {
        char c = static_cast<char>(d);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        out.text.push_back(c);
        out.origin.push_back(origin);
        any = true;
      }
    }
  }
  if (!any) {
    out.text.push_back(FoldPunctuation(cp));
    out.origin.push_back(origin);
  }
}

}  // namespace

std::string_view FoldedText::Original(std::string_view source, size_t begin,
                                      size_t end) const {
  if (begin >= end || end > text.size()) return {};
  const size_t from = origin[begin];
  // The source span ends where the character after text[end - 1] starts.
  size_t to = origin[end];
  if (to < from) to = from;
  if (to > source.size()) to = source.size();
  return source.substr(from, to - from);
}

FoldedText Fold(std::string_view utf8) {
  FoldedText out;
  out.text.reserve(utf8.size());
  out.origin.reserve(utf8.size() + 1);
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {  // Fast path: ASCII.
      char c = static_cast<char>(b);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      // Line breaks carry structure (labels, signatures); other control
      // characters are noise.
      if ((b < 0x20 && b != '\n') || b == 0x7F) c = ' ';
      out.text.push_back(c);
      out.origin.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    int32_t cp;
    const size_t len = DecodeUtf8(utf8, i, cp);
    if (cp < 0) {
      out.text.push_back(' ');
      out.origin.push_back(static_cast<uint32_t>(i));
    } else {
      AppendFolded(cp, static_cast<uint32_t>(i), out);
    }
    i += len;
  }
  out.origin.push_back(static_cast<uint32_t>(utf8.size()));
  return out;
}

std::string FoldString(std::string_view utf8) { return Fold(utf8).text; }

bool WordAt(std::string_view text, size_t pos, std::string_view word) {
  if (word.empty() || pos + word.size() > text.size()) return false;
  if (text.compare(pos, word.size(), word) != 0) return false;
  // A boundary matters only where the word itself starts or ends with a word
  // character: ".net" may follow a letter-free position, "c++" may be
  // followed by anything that is not a word character.
  if (pos > 0 && IsWordChar(word.front()) && IsWordChar(text[pos - 1])) {
    return false;
  }
  const size_t end = pos + word.size();
  if (end < text.size() && IsWordChar(word.back()) && IsWordChar(text[end])) {
    return false;
  }
  return true;
}

size_t FindWord(std::string_view text, std::string_view word, size_t from) {
  if (word.empty()) return std::string_view::npos;
  size_t pos = text.find(word, from);
  while (pos != std::string_view::npos) {
    if (WordAt(text, pos, word)) return pos;
    pos = text.find(word, pos + 1);
  }
  return std::string_view::npos;
}

std::string_view Trim(std::string_view s, std::string_view extra) {
  auto strip = [&](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v' || extra.find(c) != std::string_view::npos;
  };
  while (!s.empty() && strip(s.front())) s.remove_prefix(1);
  while (!s.empty() && strip(s.back())) s.remove_suffix(1);
  return s;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    int32_t cp;
    const size_t len = DecodeUtf8(s, i, cp);
    if (cp < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace lia::analysis
