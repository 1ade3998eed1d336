#pragma once

// Text helpers every rules stage shares. All are linear in their input and
// safe on any bytes (invalid UTF-8, NULs): hostile text is the normal case.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lia::analysis {

// A message folded for matching: lower-case, accents stripped ("Ñandú" ->
// "nandu", "São" -> "sao", "ß" -> "ss"), typographic dashes and quotes mapped
// to ASCII, NULs, control characters (but '\n') and invalid UTF-8 bytes mapped
// to a space.
// Everything else outside ASCII (emoji, CJK) becomes a space too, so the folded
// text is pure ASCII and one byte of it is one "character".
struct FoldedText {
  std::string text;
  // origin[i] is the byte offset in the source of the character that produced
  // text[i]; origin[text.size()] == source size. Monotonic.
  std::vector<uint32_t> origin;

  // The source bytes behind text[begin, end): the span "as written".
  std::string_view Original(std::string_view source, size_t begin,
                            size_t end) const;
};

FoldedText Fold(std::string_view utf8);

// Folds a short string (a lexicon entry, a keyword) the same way.
std::string FoldString(std::string_view utf8);

inline bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         (c >= 'A' && c <= 'Z');
}

// True when `word` occurs at `pos` of `text` with a word boundary on both
// sides (a non-word character or the text's edge).
bool WordAt(std::string_view text, size_t pos, std::string_view word);

// First position >= from where `word` occurs with word boundaries, or npos.
size_t FindWord(std::string_view text, std::string_view word, size_t from = 0);

inline bool ContainsWord(std::string_view text, std::string_view word) {
  return FindWord(text, word) != std::string_view::npos;
}

// Trims ASCII white space and the punctuation in `extra` from both ends.
std::string_view Trim(std::string_view s, std::string_view extra = "");

// Replaces invalid UTF-8 sequences with U+FFFD so the result can be written
// as JSON; valid input is returned unchanged.
std::string SanitizeUtf8(std::string_view s);

}  // namespace lia::analysis
