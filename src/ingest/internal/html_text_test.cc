#include "ingest/internal/html_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "analysis/text.h"
#include "ingest/testing/time_limits.h"

namespace lia::ingest::internal {
namespace {

struct HtmlCase {
  std::string html;
  std::string text;
};

TEST(HtmlToTextTest, TurnsExportedBodiesIntoPlainText) {
  const HtmlCase cases[] = {
      {"plain text", "plain text"},
      {"<p>Hi Alex,</p><p>We&#39;re hiring.</p>", "Hi Alex,\n\nWe're hiring."},
      {"<p>Hi</p>\n<p>there</p>", "Hi\n\nthere"},
      {"line one<br>line two<br/>line three<BR />four",
       "line one\nline two\nline three\nfour"},
      {"Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;a&apos; a&nbsp;b",
       "Tom & Jerry <3 \"q\" 'a' a b"},
      {"&#233;t&#xE9; &euro;90k S&atilde;o &mdash; ok", "été €90k São — ok"},
      {"&#0; &#xD800; &#x110000; &#99999999999;",
       "\uFFFD \uFFFD \uFFFD \uFFFD"},
      {"AT&T R&D; &unknown; &", "AT&T R&D; &unknown; &"},
      {"<a href=\"https://jobs.example.com/1?a=1&amp;b=2\">the role</a>",
       "the role (https://jobs.example.com/1?a=1&b=2)"},
      {"<a href='https://www.example.com/'>example.com</a>", "example.com"},
      {"<a href=\"https://x.io\">https://x.io</a>", "https://x.io"},
      {"<a href=\"mailto:j@x.io\">mail me</a>", "mail me"},
      {"salary <100k, <3, <jane@example.com>",
       "salary <100k, <3, <jane@example.com>"},
      {"<b>bold</b> <span class=\"x\">span</span>", "bold span"},
      {"a<script>alert(1)</script>b<style>p{}</style>c<!-- note -->d", "abcd"},
      {"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
      {"a\r\nb\rc", "a\nb\nc"},
      {"  lots   of\t\tspace  \n\n\n\n\nnext  ", "lots of space\n\nnext"},
      {std::string("nul\0byte\x01", 9), "nul byte"},
      {"bad \xFF byte", "bad \uFFFD byte"},
      {"<p", "<p"},
      {"<p unclosed tag", "<p unclosed tag"},
      {"<div>a</div><div>b</div>", "a\nb"},
  };
  for (const HtmlCase& c : cases) {
    EXPECT_EQ(HtmlToText(c.html), c.text) << c.html;
  }
}

TEST(HtmlToTextTest, StaysLinearOnHostileInput) {
  const std::string inputs[] = {
      std::string(2 << 20, '<'),
      [] {
        std::string s;
        for (int i = 0; i < 500000; ++i) s += "<p ";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 500000; ++i) s += "&#x";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 200000; ++i) s += "<script>";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 200000; ++i) s += "<a href=\"https://x\">";
        return s;
      }(),
  };
  for (const std::string& input : inputs) {
    const auto start = std::chrono::steady_clock::now();
    const std::string text = HtmlToText(input);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    EXPECT_LT(seconds, 1.0 * testing::kTimeLimitScale) << input.substr(0, 20);
    EXPECT_EQ(analysis::SanitizeUtf8(text), text);
  }
}

TEST(CleanFieldTest, MakesOneTidyLine) {
  EXPECT_EQ(CleanField("  Jane \n Doe\t"), "Jane Doe");
  EXPECT_EQ(CleanField(std::string("a\0b", 3)), "a b");
  EXPECT_EQ(CleanField("\xC3"), "\uFFFD");
  EXPECT_EQ(CleanField(""), "");
}

}  // namespace
}  // namespace lia::ingest::internal
