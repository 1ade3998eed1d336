#include "analysis/text.h"

#include <gtest/gtest.h>

#include <string>

namespace lia::analysis {
namespace {

struct FoldCase {
  std::string input;
  std::string folded;
};

TEST(FoldTest, FoldsCaseAccentsAndPunctuation) {
  const FoldCase cases[] = {
      {"Hello World", "hello world"},
      {"Ñandú Labs", "nandu labs"},
      {"São Paulo", "sao paulo"},
      {"Lúmina Seguros", "lumina seguros"},
      {"Straße", "strasse"},
      {"$120k–$150k", "$120k-$150k"},
      {"€65.000—€80.000", " 65.000- 80.000"},
      {"it’s", "it's"},
      {"Hi 👋 there", "hi   there"},
      {std::string("a\0b", 3), "a b"},
      {"bad \xFF\xFE byte", "bad    byte"},
      {"\xC0\xAF overlong", "   overlong"},
      {"\xED\xA0\x80 surrogate", "    surrogate"},
      {"truncated \xE2\x82", "truncated   "},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Fold(c.input).text, c.folded) << c.input;
  }
}

TEST(FoldTest, OriginMapsBackToSourceBytes) {
  const std::string source = "Hola Ñandú Labs!";
  const FoldedText folded = Fold(source);
  ASSERT_EQ(folded.origin.size(), folded.text.size() + 1);
  const size_t begin = folded.text.find("nandu labs");
  ASSERT_NE(begin, std::string::npos);
  EXPECT_EQ(folded.Original(source, begin, begin + 10), "Ñandú Labs");
  EXPECT_EQ(folded.Original(source, 0, 4), "Hola");
  EXPECT_EQ(folded.Original(source, 5, 5), "");
}

TEST(FindWordTest, RespectsWordBoundaries) {
  EXPECT_TRUE(ContainsWord("we use go daily", "go"));
  EXPECT_FALSE(ContainsWord("golang", "go"));
  EXPECT_FALSE(ContainsWord("cryptography", "crypto"));
  EXPECT_FALSE(ContainsWord("definir", "defi"));
  EXPECT_TRUE(ContainsWord("c++, rust", "c++"));
  EXPECT_TRUE(ContainsWord("asp.net core", ".net"));
  EXPECT_EQ(FindWord("remote-first remote", "remote", 1), 13u);
  EXPECT_EQ(FindWord("", "x"), std::string_view::npos);
}

TEST(TrimTest, TrimsSpaceAndExtraPunctuation) {
  EXPECT_EQ(Trim("  hi \n"), "hi");
  EXPECT_EQ(Trim("-- Acme, ", "-,"), "Acme");
  EXPECT_EQ(Trim("   "), "");
}

TEST(SanitizeUtf8Test, ReplacesOnlyInvalidSequences) {
  EXPECT_EQ(SanitizeUtf8("ok ñ 👋"), "ok ñ 👋");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(FoldTest, LargeHostileInputIsLinear) {
  std::string big(10 << 20, ',');
  big[12345] = '\xFF';
  const FoldedText folded = Fold(big);
  EXPECT_EQ(folded.text.size(), big.size());
  EXPECT_EQ(folded.text[12345], ' ');
}

}  // namespace
}  // namespace lia::analysis
