// The folding and query building behind PostgreSQL full-text search, from
// tables: input, then what it must become. No server needed.

#include "store/postgres/search_text.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace lia::store::postgres_internal {
namespace {

using Words = std::vector<std::string>;

TEST(SearchWordsTest, FoldsAsTheFts5Tokenizer) {
  struct Case {
    const char* text;
    Words words;
  };
  const Case cases[] = {
      {"Senior Rust role at Acme, São Paulo office",
       {"senior", "rust", "role", "at", "acme", "sao", "paulo", "office"}},
      {"C++ and C#", {"c", "and", "c"}},
      {"kubernetes_v2.1", {"kubernetes", "v2", "1"}},
      {"İSTANBUL Ærø", {"istanbul", "ærø"}},
      {"x\u0301yz", {"xyz"}},        // A combining mark joins.
      {"ab\u0903cd", {"ab", "cd"}},  // A spacing mark separates.
      {"l\u2019\u00e9quipe", {"l", "equipe"}},
      {"日本語テキスト", {"日本語テキスト"}},
      {"x\u00b2y", {"x²y"}},  // Other numbers stay word characters.
      {"\xff\xfe"
       "abc\xc3",
       {"abc"}},  // Bytes that are not UTF-8 separate.
      {"  \t\n", {}},
      {"", {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SearchWords(c.text), c.words) << c.text;
  }
}

TEST(SearchWordsTest, CutsLongWordsOnACharacterBoundary) {
  std::string long_word;
  for (int i = 0; i < 150; ++i) long_word += "é";  // 300 bytes.
  const Words words = SearchWords(long_word);
  ASSERT_EQ(words.size(), 1u);
  EXPECT_LE(words[0].size(), kMaxSearchWordBytes);
  EXPECT_EQ(words[0], std::string(kMaxSearchWordBytes, 'e').substr(0, 150));
}

TEST(SearchDocumentTest, ListsWordsWithPositionsAndAGapBetweenColumns) {
  EXPECT_EQ(SearchDocument({"Acme", "Rust Engineer", "Rust at Acme"}),
            "'acme':1,8 'at':7 'engineer':4 'rust':3,6");
  EXPECT_EQ(SearchDocument({"", "", ""}), "");
}

TEST(SearchDocumentTest, StaysWithinPostgresLimits) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "spam ";
  const std::string doc = SearchDocument({text});
  // 256 positions at most, none past 16383.
  EXPECT_EQ(doc.find("16384"), std::string::npos);
  EXPECT_EQ(std::count(doc.begin(), doc.end(), ','), 255);
}

TEST(BuildSearchQueryTest, MirrorsTheSqliteMatchQuery) {
  struct Case {
    const char* q;
    SearchQuery::Kind kind;
    const char* tsquery;
  };
  using K = SearchQuery::Kind;
  const Case cases[] = {
      {"acme", K::kMatch, "'acme':*"},
      {"ac", K::kMatch, "'ac'"},  // Under 3 bytes: no prefix.
      {"sao paulo", K::kMatch, "'sao' & 'paulo':*"},
      {"São", K::kMatch, "'sao':*"},   // 4 bytes.
      {"kube ", K::kMatch, "'kube'"},  // Does not end on the word.
      {"c++", K::kMatch, "'c'"},
      {"AND OR", K::kMatch, "'and' & 'or'"},
      {"'; DROP TABLE x; --", K::kMatch, "'drop' & 'table' & 'x'"},
      {"role:acme", K::kMatch, "'role' & 'acme':*"},
      {"l\u2019\u00e9quipe", K::kMatch, "('l' <-> 'equipe':*)"},
      {"\u2014 rust", K::kMatch, "'rust':*"},  // An empty phrase drops.
      {"\u2014", K::kNothing, ""},             // Only empty phrases.
      {"\"*", K::kAll, ""},
      {"", K::kAll, ""},
      {"!&|():*<->'\\", K::kAll, ""},
  };
  for (const Case& c : cases) {
    const SearchQuery q = BuildSearchQuery(c.q);
    EXPECT_EQ(q.kind, c.kind) << c.q;
    EXPECT_EQ(q.tsquery, c.tsquery) << c.q;
  }
}

TEST(BuildSearchQueryTest, BoundsTheNumberOfPhrases) {
  std::string q;
  for (int i = 0; i < 100; ++i) q += "w" + std::to_string(i) + " ";
  const SearchQuery query = BuildSearchQuery(q);
  EXPECT_EQ(std::count(query.tsquery.begin(), query.tsquery.end(), '&'), 31);
}

}  // namespace
}  // namespace lia::store::postgres_internal
