#pragma once

// The rules engine's view of one text: folded once, tokenised once, and
// scanned once per phrase table. Internal to the analysis module.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/text.h"

namespace lia::analysis::internal {

// A run of [a-z0-9] in the folded text.
struct Token {
  uint32_t begin = 0;  // Offsets in Doc::folded.text.
  uint32_t end = 0;
  bool capitalized = false;  // First letter upper-case as written.
  bool all_caps = false;     // Every letter upper-case as written (>= 2).
  bool has_letter = false;
  bool has_upper = false;  // Any letter upper-case as written ("iOS").
};

// A text prepared for the rules. Holds a view of `raw`: the caller keeps the
// string alive for the Doc's lifetime.
struct Doc {
  std::string_view raw;
  FoldedText folded;
  std::vector<Token> tokens;

  std::string_view Text(const Token& t) const {
    return std::string_view(folded.text).substr(t.begin, t.end - t.begin);
  }
  std::string_view Text(size_t i) const { return Text(tokens[i]); }
  // The source bytes of tokens [first, last] inclusive.
  std::string_view Span(size_t first, size_t last) const {
    return folded.Original(raw, tokens[first].begin, tokens[last].end);
  }
  // Folded characters between token i and token i + 1.
  std::string_view Gap(size_t i) const;
  // Folded characters before token i (from the previous token's end).
  std::string_view GapBefore(size_t i) const {
    return i == 0 ? std::string_view(folded.text).substr(0, tokens[0].begin)
                  : Gap(i - 1);
  }
  // True when a sentence or line ends between token i and token i + 1.
  bool BreakAfter(size_t i) const;
};

Doc MakeDoc(std::string_view raw);

struct PhraseHit {
  int tag = 0;
  uint32_t first = 0;  // Token index of the first token.
  uint32_t last = 0;   // Token index of the last token (inclusive).
};

// A table of phrases ("full time", "100 remote", "semana de 4 dias") matched
// token by token in one pass. Phrases are folded and tokenised on Add; tokens
// of a phrase must be adjacent in the text, separated by at most a few
// spaces, hyphens, slashes or percent signs, never by a sentence break.
// Build once, then const and thread-safe.
class PhraseMatcher {
 public:
  PhraseMatcher();
  ~PhraseMatcher();
  PhraseMatcher(PhraseMatcher&&) noexcept;
  PhraseMatcher& operator=(PhraseMatcher&&) noexcept;

  void Add(std::string_view phrase, int tag);
  void Add(std::initializer_list<std::string_view> phrases, int tag);

  // Every phrase occurrence, ordered by first token; at one start position,
  // every matching phrase (longest first).
  std::vector<PhraseHit> FindAll(const Doc& doc) const;
  // Like FindAll but only within tokens [from, to).
  std::vector<PhraseHit> FindIn(const Doc& doc, size_t from, size_t to) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lia::analysis::internal
