#include "analysis/internal/doc.h"

#include <utf8proc.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace lia::analysis::internal {
namespace {

bool IsUpperAt(std::string_view raw, size_t pos) {
  if (pos >= raw.size()) return false;
  const auto b = static_cast<unsigned char>(raw[pos]);
  if (b < 0x80) return b >= 'A' && b <= 'Z';
  utf8proc_int32_t cp = -1;
  const utf8proc_ssize_t n = utf8proc_iterate(
      reinterpret_cast<const utf8proc_uint8_t*>(raw.data() + pos),
      static_cast<utf8proc_ssize_t>(std::min<size_t>(4, raw.size() - pos)),
      &cp);
  return n > 0 && cp >= 0 && utf8proc_isupper(cp);
}

// Separators allowed between the tokens of one phrase.
bool IsPhraseGap(std::string_view gap) {
  if (gap.size() > 3) return false;
  for (char c : gap) {
    if (c != ' ' && c != '-' && c != '/' && c != '%' && c != '\'' && c != '&') {
      return false;
    }
  }
  return true;
}

std::vector<std::string> SplitTokens(std::string_view folded) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < folded.size()) {
    while (i < folded.size() && !IsWordChar(folded[i])) ++i;
    const size_t start = i;
    while (i < folded.size() && IsWordChar(folded[i])) ++i;
    if (i > start) out.emplace_back(folded.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string_view Doc::Gap(size_t i) const {
  const size_t from = tokens[i].end;
  const size_t to =
      i + 1 < tokens.size() ? tokens[i + 1].begin : folded.text.size();
  return std::string_view(folded.text).substr(from, to - from);
}

bool Doc::BreakAfter(size_t i) const {
  if (i + 1 >= tokens.size()) return true;
  const std::string_view gap = Gap(i);
  for (size_t k = 0; k < gap.size(); ++k) {
    const char c = gap[k];
    if (c == '\n' || c == '!' || c == '?' || c == ';') return true;
    // A period ends a sentence only when followed by space: "Node.js",
    // "3.5k" and "Sr." before a title continue.
    if (c == '.' && (k + 1 == gap.size() || gap[k + 1] == ' ')) return true;
  }
  return false;
}

Doc MakeDoc(std::string_view raw) {
  Doc doc;
  doc.raw = raw;
  doc.folded = Fold(raw);
  const std::string& text = doc.folded.text;
  doc.tokens.reserve(text.size() / 5 + 1);
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordChar(text[i])) ++i;
    if (i >= text.size()) break;
    Token t;
    t.begin = static_cast<uint32_t>(i);
    while (i < text.size() && IsWordChar(text[i])) {
      if (text[i] >= 'a' && text[i] <= 'z') t.has_letter = true;
      ++i;
    }
    t.end = static_cast<uint32_t>(i);
    const size_t raw_begin = doc.folded.origin[t.begin];
    t.capitalized = IsUpperAt(raw, raw_begin);
    t.has_upper = t.capitalized;
    for (size_t k = raw_begin; !t.has_upper && k < doc.folded.origin[t.end];
         ++k) {
      t.has_upper = raw[k] >= 'A' && raw[k] <= 'Z';
    }
    if (t.capitalized && t.end - t.begin >= 2) {
      const size_t raw_end = doc.folded.origin[t.end];
      t.all_caps = true;
      for (size_t k = raw_begin; k < raw_end && k < raw.size(); ++k) {
        if (raw[k] >= 'a' && raw[k] <= 'z') {
          t.all_caps = false;
          break;
        }
      }
    }
    doc.tokens.push_back(t);
  }
  return doc;
}

struct PhraseMatcher::Impl {
  struct Entry {
    std::vector<std::string> rest;
    int tag;
  };
  absl::flat_hash_map<std::string, std::vector<Entry>> by_first;
};

PhraseMatcher::PhraseMatcher() : impl_(std::make_unique<Impl>()) {}
PhraseMatcher::~PhraseMatcher() = default;
PhraseMatcher::PhraseMatcher(PhraseMatcher&&) noexcept = default;
PhraseMatcher& PhraseMatcher::operator=(PhraseMatcher&&) noexcept = default;

void PhraseMatcher::Add(std::string_view phrase, int tag) {
  std::vector<std::string> tokens = SplitTokens(FoldString(phrase));
  if (tokens.empty()) return;
  std::vector<Impl::Entry>& entries = impl_->by_first[tokens[0]];
  entries.push_back(
      {std::vector<std::string>(tokens.begin() + 1, tokens.end()), tag});
  // Longest first, so callers that take the first hit get the longest.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Impl::Entry& a, const Impl::Entry& b) {
                     return a.rest.size() > b.rest.size();
                   });
}

void PhraseMatcher::Add(std::initializer_list<std::string_view> phrases,
                        int tag) {
  for (std::string_view p : phrases) Add(p, tag);
}

std::vector<PhraseHit> PhraseMatcher::FindAll(const Doc& doc) const {
  return FindIn(doc, 0, doc.tokens.size());
}

std::vector<PhraseHit> PhraseMatcher::FindIn(const Doc& doc, size_t from,
                                             size_t to) const {
  std::vector<PhraseHit> hits;
  to = std::min(to, doc.tokens.size());
  for (size_t i = from; i < to; ++i) {
    const std::string_view first = doc.Text(i);
    auto it =
        impl_->by_first.find(absl::string_view(first.data(), first.size()));
    if (it == impl_->by_first.end()) continue;
    for (const Impl::Entry& entry : it->second) {
      const size_t last = i + entry.rest.size();
      if (last >= to) continue;
      bool match = true;
      for (size_t k = 0; k < entry.rest.size(); ++k) {
        if (!IsPhraseGap(doc.Gap(i + k)) ||
            doc.Text(i + k + 1) != entry.rest[k]) {
          match = false;
          break;
        }
      }
      if (match) {
        hits.push_back(
            {entry.tag, static_cast<uint32_t>(i), static_cast<uint32_t>(last)});
      }
    }
  }
  return hits;
}

}  // namespace lia::analysis::internal
