#include "ingest/internal/html_text.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "analysis/text.h"
#include "ingest/internal/ascii.h"

namespace lia::ingest::internal {
namespace {

enum class TagKind {
  kInline,     // Dropped: b, i, span, font...
  kLineBreak,  // br: one line break.
  kBlock,      // div, li, tr...: a line break before and after.
  kParagraph,  // p, h1-h6: a blank line before and after.
  kListItem,   // li: a line break and "- " when opened.
  kLink,       // a: keeps its href.
  kSkip,       // script, style: the body is dropped too.
};

// Only tags that occur in message bodies are recognised, so that text which
// merely contains '<' ("<3", "<jane@example.com>", "salary <100k") stays.
std::optional<TagKind> KnownTag(std::string_view name) {
  struct Entry {
    std::string_view name;
    TagKind kind;
  };
  static constexpr Entry kTags[] = {
      {"a", TagKind::kLink},        {"abbr", TagKind::kInline},
      {"article", TagKind::kBlock}, {"b", TagKind::kInline},
      {"big", TagKind::kInline},    {"blockquote", TagKind::kBlock},
      {"body", TagKind::kBlock},    {"br", TagKind::kLineBreak},
      {"center", TagKind::kBlock},  {"code", TagKind::kInline},
      {"dd", TagKind::kBlock},      {"div", TagKind::kBlock},
      {"dl", TagKind::kBlock},      {"dt", TagKind::kBlock},
      {"em", TagKind::kInline},     {"font", TagKind::kInline},
      {"footer", TagKind::kBlock},  {"h1", TagKind::kParagraph},
      {"h2", TagKind::kParagraph},  {"h3", TagKind::kParagraph},
      {"h4", TagKind::kParagraph},  {"h5", TagKind::kParagraph},
      {"h6", TagKind::kParagraph},  {"head", TagKind::kSkip},
      {"header", TagKind::kBlock},  {"hr", TagKind::kBlock},
      {"html", TagKind::kBlock},    {"i", TagKind::kInline},
      {"img", TagKind::kInline},    {"li", TagKind::kListItem},
      {"mark", TagKind::kInline},   {"meta", TagKind::kInline},
      {"ol", TagKind::kBlock},      {"p", TagKind::kParagraph},
      {"pre", TagKind::kBlock},     {"s", TagKind::kInline},
      {"script", TagKind::kSkip},   {"section", TagKind::kBlock},
      {"small", TagKind::kInline},  {"span", TagKind::kInline},
      {"strike", TagKind::kInline}, {"strong", TagKind::kInline},
      {"style", TagKind::kSkip},    {"sub", TagKind::kInline},
      {"sup", TagKind::kInline},    {"table", TagKind::kBlock},
      {"tbody", TagKind::kInline},  {"td", TagKind::kInline},
      {"tfoot", TagKind::kInline},  {"th", TagKind::kInline},
      {"thead", TagKind::kInline},  {"title", TagKind::kSkip},
      {"tr", TagKind::kBlock},      {"u", TagKind::kInline},
      {"ul", TagKind::kBlock},      {"wbr", TagKind::kInline},
  };
  for (const Entry& e : kTags) {
    if (EqualsIgnoreCase(e.name, name)) return e.kind;
  }
  return std::nullopt;
}

struct NamedEntity {
  std::string_view name;
  std::string_view utf8;
};

// The entities seen in exported messages: markup escapes, typography,
// currency, and the accented letters of the languages lia reads.
constexpr NamedEntity kEntities[] = {
    {"amp", "&"},         {"lt", "<"},          {"gt", ">"},
    {"quot", "\""},       {"apos", "'"},        {"nbsp", " "},
    {"ndash", "\u2013"},  {"mdash", "\u2014"},  {"hellip", "\u2026"},
    {"lsquo", "\u2018"},  {"rsquo", "\u2019"},  {"ldquo", "\u201C"},
    {"rdquo", "\u201D"},  {"bull", "\u2022"},   {"middot", "\u00B7"},
    {"euro", "\u20AC"},   {"pound", "\u00A3"},  {"yen", "\u00A5"},
    {"cent", "\u00A2"},   {"copy", "\u00A9"},   {"reg", "\u00AE"},
    {"trade", "\u2122"},  {"deg", "\u00B0"},    {"times", "\u00D7"},
    {"laquo", "\u00AB"},  {"raquo", "\u00BB"},  {"iexcl", "\u00A1"},
    {"iquest", "\u00BF"}, {"ordf", "\u00AA"},   {"ordm", "\u00BA"},
    {"aacute", "\u00E1"}, {"Aacute", "\u00C1"}, {"eacute", "\u00E9"},
    {"Eacute", "\u00C9"}, {"iacute", "\u00ED"}, {"Iacute", "\u00CD"},
    {"oacute", "\u00F3"}, {"Oacute", "\u00D3"}, {"uacute", "\u00FA"},
    {"Uacute", "\u00DA"}, {"ntilde", "\u00F1"}, {"Ntilde", "\u00D1"},
    {"uuml", "\u00FC"},   {"Uuml", "\u00DC"},   {"ccedil", "\u00E7"},
    {"Ccedil", "\u00C7"}, {"atilde", "\u00E3"}, {"Atilde", "\u00C3"},
    {"otilde", "\u00F5"}, {"Otilde", "\u00D5"}, {"acirc", "\u00E2"},
    {"Acirc", "\u00C2"},  {"ecirc", "\u00EA"},  {"Ecirc", "\u00CA"},
    {"ocirc", "\u00F4"},  {"Ocirc", "\u00D4"},  {"agrave", "\u00E0"},
    {"Agrave", "\u00C0"}, {"egrave", "\u00E8"}, {"ouml", "\u00F6"},
    {"auml", "\u00E4"},   {"szlig", "\u00DF"},
};

void AppendUtf8(uint32_t cp, std::string& out) {
  // NUL, surrogates and out-of-range values are not characters.
  if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the entity at s[pos] == '&'. Returns the bytes consumed, or 0 when
// it is not an entity (the '&' is then literal). Looks at most a few bytes
// ahead, so a text of ampersands stays linear.
size_t DecodeEntity(std::string_view s, size_t pos, std::string& out) {
  // Longer than any named entity; numeric ones may carry leading zeros.
  constexpr size_t kMaxEntity = 32;
  const size_t limit = std::min(s.size(), pos + kMaxEntity + 1);
  size_t semi = pos + 1;
  while (semi < limit && s[semi] != ';') ++semi;
  if (semi >= limit) return 0;
  const std::string_view body = s.substr(pos + 1, semi - pos - 1);
  if (body.empty()) return 0;
  if (body[0] == '#') {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    uint32_t cp = 0;
    for (const char c : digits) {
      int v;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        v = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        v = c - 'A' + 10;
      } else {
        return 0;
      }
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
      if (cp > 0x10FFFF) cp = 0x110000;  // Saturate; mapped to U+FFFD.
    }
    AppendUtf8(cp, out);
    return semi - pos + 1;
  }
  for (const NamedEntity& e : kEntities) {
    if (e.name == body) {
      out.append(e.utf8);
      return semi - pos + 1;
    }
  }
  return 0;
}

// Decodes entities in an attribute value (href="...?a=1&amp;b=2").
std::string DecodeAttribute(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size();) {
    if (value[i] == '&') {
      const size_t used = DecodeEntity(value, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(value[i++]);
  }
  return out;
}

// The value of attribute `name` in a tag's text ("a href=\"x\" class=y").
std::string_view FindAttribute(std::string_view tag, std::string_view name) {
  size_t i = 0;
  while (i < tag.size()) {
    while (i < tag.size() && !AsciiAlpha(tag[i])) ++i;
    const size_t name_start = i;
    while (i < tag.size() && (AsciiAlnum(tag[i]) || tag[i] == '-')) {
      ++i;
    }
    const std::string_view attr = tag.substr(name_start, i - name_start);
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && tag[i] == ' ') ++i;
    size_t value_start = i;
    size_t value_end;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      const char q = tag[i];
      value_start = i + 1;
      value_end = tag.find(q, value_start);
      if (value_end == std::string_view::npos) value_end = tag.size();
      i = value_end + 1;
    } else {
      while (i < tag.size() && tag[i] != ' ' && tag[i] != '>') ++i;
      value_end = i;
    }
    if (EqualsIgnoreCase(attr, name)) {
      return tag.substr(value_start, value_end - value_start);
    }
  }
  return {};
}

// Position of "</name" (case-insensitive) at or after `from`, or npos.
size_t FindClosingTag(std::string_view s, size_t from, std::string_view name) {
  for (size_t i = s.find('<', from); i != std::string_view::npos;
       i = s.find('<', i + 1)) {
    if (i + 2 + name.size() <= s.size() && s[i + 1] == '/' &&
        EqualsIgnoreCase(s.substr(i + 2, name.size()), name)) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Block tags ask for "at least one line break" (kLineMark) or "at least a
// blank line" (kParagraphMark) rather than adding breaks, so that
// "</div><div>" is one break and "</p>\n<p>" one blank line. The marks are
// control bytes, which input text never keeps (they become spaces first);
// the final pass resolves them.
constexpr char kLineMark = '\x01';
constexpr char kParagraphMark = '\x02';

bool IsHttpUrl(std::string_view url) {
  return StartsWithIgnoreCase(url, "http://") ||
         StartsWithIgnoreCase(url, "https://");
}

// "https://www.x.com/a/" -> "x.com/a": how a link's text often spells it.
std::string_view BareUrl(std::string_view url) {
  for (std::string_view prefix : {"https://", "http://", "www."}) {
    if (StartsWithIgnoreCase(url, prefix)) url.remove_prefix(prefix.size());
  }
  while (url.ends_with('/')) url.remove_suffix(1);
  return url;
}

// A byte HtmlToText copies as it is.
bool IsPlainByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c != '<' && c != '&' && c != '\r' && (u >= 0x20 || c == '\n') &&
         u != 0x7F;
}

// Whitespace pass over already-sanitised text: see HtmlToText's contract.
std::string NormaliseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  int pending_newlines = 0;   // Line breaks seen since the last text.
  int required_newlines = 0;  // What block marks since then ask for.
  bool pending_space = false;
  for (const char c : text) {
    if (c == '\n' || c == kLineMark || c == kParagraphMark) {
      if (c == '\n') ++pending_newlines;
      if (c == kLineMark) required_newlines = std::max(required_newlines, 1);
      if (c == kParagraphMark) required_newlines = 2;
      pending_space = false;  // Trailing spaces of a line are dropped.
      continue;
    }
    if (c == ' ') {
      pending_space = true;
      continue;
    }
    const int newlines = std::max(pending_newlines, required_newlines);
    if (!out.empty()) {
      if (newlines > 0) {
        out.append(newlines >= 2 ? "\n\n" : "\n");
      } else if (pending_space) {
        out.push_back(' ');
      }
    }
    pending_newlines = 0;
    required_newlines = 0;
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  // The '>' that closes a tag starting at or after the cursor. Kept across
  // tags so that many '<' without '>' do not rescan the rest of the text.
  size_t next_gt = 0;
  bool gt_known = false;
  std::string href;  // Of the open <a>, if any.
  size_t link_text_start = 0;
  bool in_link = false;

  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<' && i + 1 < html.size()) {
      if (html.substr(i, 4) == "<!--") {
        const size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      const bool closing = html[i + 1] == '/';
      size_t name_end = i + (closing ? 2 : 1);
      const size_t name_start = name_end;
      while (name_end < html.size() && AsciiAlnum(html[name_end])) {
        ++name_end;
      }
      constexpr size_t kLongestTagName = 10;  // "blockquote".
      const bool name_ends = name_end < html.size() &&
                             (html[name_end] == '>' || html[name_end] == '/' ||
                              AsciiSpace(html[name_end]));
      const std::optional<TagKind> kind =
          name_ends && name_end > name_start &&
                  name_end - name_start <= kLongestTagName
              ? KnownTag(html.substr(name_start, name_end - name_start))
              : std::nullopt;
      if (kind.has_value()) {
        if (!gt_known || next_gt < name_end) {
          next_gt = html.find('>', name_end);
          gt_known = true;
        }
        if (next_gt != std::string_view::npos) {
          const std::string_view tag_text =
              html.substr(name_end, next_gt - name_end);
          i = next_gt + 1;
          switch (*kind) {
            case TagKind::kInline:
              break;
            case TagKind::kLineBreak:
              out.push_back('\n');  // Two <br> are a blank line.
              break;
            case TagKind::kBlock:
              out.push_back(kLineMark);
              break;
            case TagKind::kParagraph:
              out.push_back(kParagraphMark);
              break;
            case TagKind::kListItem:
              out.push_back(kLineMark);
              if (!closing) out.append("- ");
              break;
            case TagKind::kLink:
              if (!closing) {
                href = DecodeAttribute(FindAttribute(tag_text, "href"));
                link_text_start = out.size();
                in_link = true;
              } else if (in_link) {
                in_link = false;
                const std::string_view shown = StripWhitespace(
                    std::string_view(out).substr(link_text_start));
                if (IsHttpUrl(href) &&
                    !EqualsIgnoreCase(BareUrl(shown), BareUrl(href))) {
                  out.append(shown.empty() ? "(" : " (");
                  out.append(href);
                  out.append(")");
                }
              }
              break;
            case TagKind::kSkip:
              if (!closing) {
                const size_t end = FindClosingTag(
                    html, i, html.substr(name_start, name_end - name_start));
                if (end == std::string_view::npos) {
                  i = html.size();
                } else {
                  const size_t gt = html.find('>', end);
                  i = gt == std::string_view::npos ? html.size() : gt + 1;
                }
              }
              break;
          }
          continue;
        }
      }
    }
    // Most of a body is plain text: copy it a run at a time.
    size_t run_end = i;
    while (run_end < html.size() && IsPlainByte(html[run_end])) ++run_end;
    if (run_end > i) {
      out.append(html.substr(i, run_end - i));
      i = run_end;
      continue;
    }
    if (c == '&') {
      const size_t used = DecodeEntity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    if (c == '\r') {
      out.push_back('\n');
      i += (i + 1 < html.size() && html[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c != '\n' && (u < 0x20 || u == 0x7F)) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
    ++i;
  }
  return NormaliseWhitespace(analysis::SanitizeUtf8(out));
}

std::string CleanField(std::string_view field) {
  std::string spaced(field);
  for (char& c : spaced) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  std::string out;
  out.reserve(spaced.size());
  for (const char c : analysis::SanitizeUtf8(spaced)) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace lia::ingest::internal
