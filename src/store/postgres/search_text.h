#pragma once

// Full-text search on PostgreSQL with the meaning SQLite's FTS5 gives it
// (store/sqlite/list_query.h, FtsMatchQuery; tokenizer "unicode61
// remove_diacritics 2"), so both stores find the same rows for the same `q`.
// Internal to store/postgres.
//
// PostgreSQL's own parsers and dictionaries are not used: they split and
// stem differently (e-mail addresses, hyphenated words, "c++"), and depend on
// the server's configuration. lia folds and splits the text here, for the
// document and for the query alike, and hands PostgreSQL finished lexemes:
// opportunities.search is a tsvector literal built by SearchDocument, and a
// search is `search @@ <SearchQuery::tsquery>::tsquery`.
//
// Folding, as unicode61 does: a word is a run of letters (L*), numbers (N*)
// and private-use characters (Co); every other character separates words,
// except non-spacing marks (Mn), which are dropped without splitting. Words
// are case-folded with marks removed ("São" is "sao", "İstanbul" is
// "istanbul"). Unlike unicode61 this also removes marks outside the Latin
// scripts ("σίσυφος" finds "ΣΙΣΥΦΟΣ") and folds "ß" as "ss": a little more
// lenient, never less.

#include <string>
#include <string_view>
#include <vector>

namespace lia::store::postgres_internal {

// The folded words of `text`, in order. Bytes that are not UTF-8 separate
// words. Words longer than kMaxSearchWordBytes are cut (on a character
// boundary) so no lexeme passes PostgreSQL's limit; the query side cuts
// the same way, so they still match.
std::vector<std::string> SearchWords(std::string_view text);
inline constexpr size_t kMaxSearchWordBytes = 200;

// The tsvector literal of the columns (company, role, message), each word
// with its positions; positions leave a gap between columns, so a phrase
// never matches across two. Within PostgreSQL's limits whatever the input
// (positions cap at 16383, 256 per word, about 512 KiB of distinct words).
std::string SearchDocument(const std::vector<std::string_view>& columns);

struct SearchQuery {
  enum class Kind {
    kAll,      // The text has no word: q does not filter.
    kNothing,  // Only separators inside the words: matches no row (FTS5).
    kMatch,    // Filter with `search @@ tsquery::tsquery`.
  };
  Kind kind = Kind::kAll;
  std::string tsquery;  // For kMatch: a tsquery literal.
};

// The user's search text as a tsquery, mirroring FtsMatchQuery: every run of
// ASCII letters and digits and non-ASCII bytes (at most 32) is a phrase of
// its folded words; phrases are ANDed; the last word is a prefix when the
// text ends on it and its run has 3+ bytes. Quotes, operators, '*', ':',
// '!', '&', '|' and parentheses are separators, so no input makes a tsquery
// syntax error.
SearchQuery BuildSearchQuery(std::string_view q);

}  // namespace lia::store::postgres_internal
