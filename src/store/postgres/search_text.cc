#include "store/postgres/search_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lia::store::postgres_internal {
namespace {

constexpr size_t kMaxQueryRuns = 32;  // As FtsMatchQuery: bounds one search.
// PostgreSQL's tsvector limits: positions 1..16383, 256 per lexeme, 1 MiB of
// lexemes in all (we stay well below).
constexpr int kMaxPosition = 16383;
constexpr size_t kMaxPositionsPerWord = 256;
constexpr size_t kMaxDocumentWordBytes = 512 * 1024;

enum class CharClass { kWord, kJoin, kSeparator };

CharClass ClassOf(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_CO:
      return CharClass::kWord;
    case UTF8PROC_CATEGORY_MN:
      return CharClass::kJoin;
    default:
      return CharClass::kSeparator;
  }
}

void AppendUtf8(utf8proc_int32_t cp, std::string& out) {
  std::array<utf8proc_uint8_t, 4> bytes;
  const utf8proc_ssize_t n = utf8proc_encode_char(cp, bytes.data());
  out.append(reinterpret_cast<const char*>(bytes.data()),
             static_cast<size_t>(n));
}

// Appends the folded form of a word character: decomposed, marks stripped,
// case-folded.
void AppendFolded(utf8proc_int32_t cp, std::string& out) {
  std::array<utf8proc_int32_t, 16> folded;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      cp, folded.data(), folded.size(),
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                                     UTF8PROC_CASEFOLD),
      nullptr);
  if (n < 0 || static_cast<size_t>(n) > folded.size()) {
    AppendUtf8(cp, out);  // Cannot happen for a valid code point.
    return;
  }
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    if (ClassOf(folded[k]) == CharClass::kWord) AppendUtf8(folded[k], out);
  }
}

// Cuts a word to kMaxSearchWordBytes on a character boundary.
void CapWord(std::string& word) {
  if (word.size() <= kMaxSearchWordBytes) return;
  size_t end = kMaxSearchWordBytes;
  while (end > 0 && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) {
    --end;
  }
  word.resize(end);
}

// A lexeme inside a tsvector or tsquery literal. Words hold only letters
// and numbers, but quoting is cheap insurance against a Unicode surprise.
void AppendQuoted(std::string_view word, std::string& out) {
  out.push_back('\'');
  for (char c : word) {
    if (c == '\'' || c == '\\') out.push_back(c == '\'' ? '\'' : '\\');
    out.push_back(c);
  }
  out.push_back('\'');
}

bool IsQueryRunByte(unsigned char c) {
  return absl::ascii_isalnum(c) || c >= 0x80;
}

}  // namespace

std::vector<std::string> SearchWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto end_word = [&] {
    if (word.empty()) return;
    CapWord(word);
    words.push_back(std::move(word));
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (absl::ascii_isalnum(b)) {
        word.push_back(absl::ascii_tolower(b));
      } else {
        end_word();
      }
      ++i;
      continue;
    }
    utf8proc_int32_t cp = -1;
    const utf8proc_ssize_t len = utf8proc_iterate(
        reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
        static_cast<utf8proc_ssize_t>(std::min<size_t>(4, text.size() - i)),
        &cp);
    if (len <= 0 || cp < 0) {  // Not UTF-8: a separator.
      end_word();
      ++i;
      continue;
    }
    i += static_cast<size_t>(len);
    switch (ClassOf(cp)) {
      case CharClass::kWord:
        AppendFolded(cp, word);
        break;
      case CharClass::kJoin:
        break;
      case CharClass::kSeparator:
        end_word();
        break;
    }
  }
  end_word();
  return words;
}

std::string SearchDocument(const std::vector<std::string_view>& columns) {
  // Ordered so the literal (and so the stored value) is deterministic.
  std::map<std::string, std::vector<int>> positions;
  size_t word_bytes = 0;
  int position = 0;
  for (std::string_view column : columns) {
    for (std::string& word : SearchWords(column)) {
      position = std::min(position + 1, kMaxPosition);
      auto it = positions.find(word);
      if (it == positions.end()) {
        if (word_bytes + word.size() > kMaxDocumentWordBytes) continue;
        word_bytes += word.size();
        it = positions.emplace(std::move(word), std::vector<int>()).first;
      }
      std::vector<int>& at = it->second;
      if (at.size() < kMaxPositionsPerWord &&
          (at.empty() || at.back() != position)) {
        at.push_back(position);
      }
    }
    ++position;  // The gap between columns.
  }
  std::string out;
  for (const auto& [word, at] : positions) {
    if (!out.empty()) out.push_back(' ');
    AppendQuoted(word, out);
    for (size_t k = 0; k < at.size(); ++k) {
      absl::StrAppend(&out, k == 0 ? ":" : ",", at[k]);
    }
  }
  return out;
}

SearchQuery BuildSearchQuery(std::string_view q) {
  std::vector<std::string_view> runs;
  bool ends_on_run = false;
  size_t i = 0;
  while (i < q.size() && runs.size() < kMaxQueryRuns) {
    if (!IsQueryRunByte(static_cast<unsigned char>(q[i]))) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < q.size() && IsQueryRunByte(static_cast<unsigned char>(q[i]))) {
      ++i;
    }
    runs.push_back(q.substr(start, i - start));
    ends_on_run = i == q.size();
  }
  SearchQuery out;
  if (runs.empty()) return out;

  std::vector<std::string> phrases;
  for (size_t r = 0; r < runs.size(); ++r) {
    std::vector<std::string> words = SearchWords(runs[r]);
    // FTS5 ignores a phrase without tokens when others remain.
    if (words.empty()) continue;
    const bool prefix =
        r + 1 == runs.size() && ends_on_run && runs[r].size() >= 3;
    std::string phrase;
    for (size_t w = 0; w < words.size(); ++w) {
      if (w > 0) phrase.append(" <-> ");
      AppendQuoted(words[w], phrase);
      if (prefix && w + 1 == words.size()) phrase.append(":*");
    }
    phrases.push_back(words.size() > 1 ? absl::StrCat("(", phrase, ")")
                                       : std::move(phrase));
  }
  if (phrases.empty()) {
    out.kind = SearchQuery::Kind::kNothing;
    return out;
  }
  out.kind = SearchQuery::Kind::kMatch;
  for (size_t p = 0; p < phrases.size(); ++p) {
    absl::StrAppend(&out.tsquery, p ? " & " : "", phrases[p]);
  }
  return out;
}

}  // namespace lia::store::postgres_internal
