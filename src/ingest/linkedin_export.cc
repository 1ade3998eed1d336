#include "ingest/linkedin_export.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "ingest/internal/ascii.h"
#include "ingest/internal/csv.h"
#include "ingest/internal/export_date.h"
#include "ingest/internal/html_text.h"
#include "ingest/internal/zip_archive.h"

namespace lia::ingest {
namespace {

using internal::AsciiLower;
using internal::AsciiSpace;
using internal::CleanField;
using internal::CsvReader;
using internal::CsvRecord;
using internal::EqualsIgnoreCase;
using internal::StartsWithIgnoreCase;
using internal::StripLeadingWhitespace;
using internal::StripWhitespace;
using internal::ToLower;

// Past this many, errors are summarised in one last entry: a hostile file
// of millions of bad lines must not cost gigabytes of messages.
constexpr size_t kMaxReportedErrors = 1000;
// Records read looking for the header, so that a preamble ("Notes: ...", as
// LinkedIn puts in some of its CSVs) is skipped.
constexpr int kHeaderSearchRecords = 10;

enum Column {
  kConversationId,
  kTitle,
  kFrom,
  kSenderUrl,
  kTo,
  kRecipientUrls,
  kDate,
  kSubject,
  kContent,
  kFolder,
  kDraft,
  kColumnCount,
};

constexpr std::pair<std::string_view, Column> kColumnNames[] = {
    {"conversation id", kConversationId},
    {"conversation title", kTitle},
    {"from", kFrom},
    {"sender profile url", kSenderUrl},
    {"to", kTo},
    {"recipient profile urls", kRecipientUrls},
    {"date", kDate},
    {"subject", kSubject},
    {"content", kContent},
    {"folder", kFolder},
    {"is message draft", kDraft},
};

struct Header {
  std::array<int, kColumnCount> index;  // -1 when the export lacks it.
  int64_t width = 0;                    // Fields in the header record.
};

// "  Conversation_ID " -> "conversation id".
std::string NormaliseColumnName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '_' || AsciiSpace(c)) c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(AsciiLower(c));
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<Header> MatchHeader(const CsvRecord& record) {
  Header header;
  header.index.fill(-1);
  header.width = record.field_count;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const std::string name = NormaliseColumnName(record.fields[i]);
    for (const auto& [known, column] : kColumnNames) {
      // The first of two same-named columns wins.
      if (name == known && header.index[column] < 0) {
        header.index[column] = static_cast<int>(i);
      }
    }
  }
  if (header.index[kFrom] < 0 || header.index[kContent] < 0) {
    return std::nullopt;
  }
  return header;
}

bool IsBlank(const CsvRecord& record) {
  return !record.unterminated_quote && record.field_count == 1 &&
         StripWhitespace(record.fields[0]).empty();
}

// Participants are told apart by name, case-insensitively; CleanField has
// already collapsed white space.
std::string NameKey(std::string_view clean_name) { return ToLower(clean_name); }

// "https://www.linkedin.com/in/jane-doe/?trk=x" -> "linkedin.com/in/jane-doe".
// Empty when the address names no one (empty, or a bare ".../in/"), so that
// placeholder addresses of deleted accounts never match the owner.
std::string UrlKey(std::string_view url) {
  std::string s = ToLower(StripWhitespace(url));
  std::string_view v = s;
  for (std::string_view prefix : {"https://", "http://", "www."}) {
    if (v.starts_with(prefix)) v.remove_prefix(prefix.size());
  }
  v = v.substr(0, std::min(v.find('?'), v.find('#')));
  while (v.ends_with('/')) v.remove_suffix(1);
  const size_t slash = v.rfind('/');
  if (slash == std::string_view::npos || v.substr(slash + 1) == "in") {
    return "";
  }
  return std::string(v);
}

bool LooksLikeUrl(std::string_view s) {
  return s.find("://") != std::string_view::npos ||
         StartsWithIgnoreCase(s, "www.") ||
         ToLower(s).find("linkedin.com/") != std::string::npos;
}

// FOLDER, title, subject or sender that marks LinkedIn's ads: "SPONSORED",
// "Sponsored", "Sponsored InMail", "Sponsored: ...", "LinkedIn Offer". A
// prefix, not a word anywhere: "Visa sponsored role" is a real offer.
bool IsSponsoredMarker(std::string_view value) {
  const std::string v = ToLower(StripWhitespace(value));
  if (v == "linkedin offer" || v.starts_with("[sponsored]") ||
      v.starts_with("(sponsored)")) {
    return true;
  }
  if (!v.starts_with("sponsored")) return false;
  std::string_view rest = std::string_view(v).substr(9);
  if (rest.empty()) return true;
  rest = StripLeadingWhitespace(rest);
  return rest.empty() || rest[0] == ':' || rest[0] == '-' || rest[0] == '|' ||
         rest.starts_with("inmail") || rest.starts_with("message") ||
         rest.starts_with("content") || rest.starts_with("\xE2\x80\x93");
}

bool IsDraftFlag(std::string_view value) {
  const std::string_view v = StripWhitespace(value);
  return EqualsIgnoreCase(v, "yes") || EqualsIgnoreCase(v, "true") ||
         EqualsIgnoreCase(v, "y") || v == "1";
}

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = std::min(list.find(','), list.size());
    std::string clean = CleanField(list.substr(0, comma));
    if (!clean.empty()) out.push_back(std::move(clean));
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return out;
}

// FNV-1a 64 over length-prefixed parts, so ("ab", "c") and ("a", "bc")
// differ. Stable across builds and platforms: source ids are persisted.
class Fnv1a64 {
 public:
  void Add(std::string_view part) {
    uint64_t size = part.size();
    for (int i = 0; i < 8; ++i, size >>= 8) Byte(size & 0xFF);
    for (const char c : part) Byte(static_cast<unsigned char>(c));
  }
  std::string Hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    uint64_t h = hash_;
    for (int i = 15; i >= 0; --i, h >>= 4) out[i] = kDigits[h & 0xF];
    return out;
  }

 private:
  void Byte(uint64_t b) {
    hash_ ^= b;
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// One well-formed record.
struct Row {
  int64_t order = 0;  // Position among the kept rows: the file order.
  std::string conversation_id;
  std::string from;
  std::string from_key;
  std::string from_url;
  std::string from_url_key;
  std::string to_field;  // Split once the senders are known.
  std::vector<std::string> to_urls;
  int64_t timestamp = 0;
  std::string sent_at;  // Empty when the export has no DATE column.
  std::string text;
  bool draft = false;
  bool sponsored = false;
};

struct Conversation {
  std::string id;
  std::vector<size_t> rows;  // Indices into the rows, in file order.
};

struct Owner {
  std::string name;
  std::string name_key;
  std::string url;
  std::string url_key;

  bool Sent(const Row& row) const {
    return (!name_key.empty() && row.from_key == name_key) ||
           (!url_key.empty() && row.from_url_key == url_key);
  }
};

class ErrorLog {
 public:
  void Add(int64_t line, const std::string& what) {
    if (reported_.size() < kMaxReportedErrors) {
      reported_.push_back({line, absl::StrCat("line ", line, ": ", what)});
    } else if (unreported_++ == 0) {
      first_unreported_line_ = line;
    }
  }
  std::vector<RowError> Finish() && {
    if (unreported_ > 0) {
      reported_.push_back(
          {first_unreported_line_,
           absl::StrCat("line ", first_unreported_line_, ": ", unreported_,
                        " more malformed rows from here on, not listed")});
    }
    return std::move(reported_);
  }

 private:
  std::vector<RowError> reported_;
  int64_t unreported_ = 0;
  int64_t first_unreported_line_ = 0;
};

// A value quoted in an error message: cleaned and short.
std::string Quote(std::string_view value) {
  std::string clean = CleanField(value.substr(0, 40));
  return absl::StrCat("\"", clean, value.size() > 40 ? "...\"" : "\"");
}

// Reads one data record into *row; returns the reason it is malformed, or
// an empty string.
std::string ReadRow(const CsvRecord& record, const Header& header, Row* row) {
  if (record.unterminated_quote) {
    return "unterminated quoted field runs to the end of the file";
  }
  if (record.field_count < header.width) {
    return absl::StrCat("expected ", header.width, " fields, found ",
                        record.field_count);
  }
  if (record.field_count > header.width) {
    // Trailing empty fields (a spreadsheet's stray commas) are harmless;
    // anything else means the row's columns cannot be trusted.
    const bool recoverable =
        record.field_count == static_cast<int64_t>(record.fields.size()) &&
        std::all_of(
            record.fields.begin() + header.width, record.fields.end(),
            [](const std::string& f) { return StripWhitespace(f).empty(); });
    if (!recoverable) {
      return absl::StrCat("expected ", header.width, " fields, found ",
                          record.field_count);
    }
  }
  auto field = [&](Column c) -> std::string_view {
    const int i = header.index[c];
    return i < 0 ? std::string_view() : std::string_view(record.fields[i]);
  };
  row->draft = IsDraftFlag(field(kDraft));
  row->from = CleanField(field(kFrom));
  row->from_key = NameKey(row->from);
  row->from_url = CleanField(field(kSenderUrl));
  row->from_url_key = UrlKey(row->from_url);
  row->to_field = CleanField(field(kTo));
  row->to_urls = SplitList(field(kRecipientUrls));
  row->sponsored =
      IsSponsoredMarker(field(kFolder)) || IsSponsoredMarker(field(kTitle)) ||
      IsSponsoredMarker(field(kSubject)) || IsSponsoredMarker(row->from);
  row->conversation_id = CleanField(field(kConversationId));
  // A draft is skipped whatever else it holds; it still shows who the owner
  // is and that the conversation exists.
  if (row->draft) return "";
  if (header.index[kConversationId] >= 0 && row->conversation_id.empty()) {
    return "missing CONVERSATION ID";
  }
  if (row->from.empty()) return "missing FROM";
  if (header.index[kDate] >= 0) {
    const std::string_view date = StripWhitespace(field(kDate));
    if (date.empty()) return "missing DATE";
    const std::optional<int64_t> ts = internal::ParseExportDate(date);
    if (!ts.has_value()) return absl::StrCat("unparseable DATE ", Quote(date));
    row->timestamp = *ts;
    row->sent_at = internal::FormatRfc3339Utc(*ts);
  }
  row->text = internal::HtmlToText(field(kContent));
  if (row->text.empty()) return "missing CONTENT";
  return "";
}

// The TO field lists names separated by commas, but a name may hold one
// ("Doe, Jane"): a TO equal to a known sender's name is that one person.
std::vector<std::string> Recipients(
    const Row& row, const absl::flat_hash_set<std::string>& senders) {
  if (row.to_field.empty()) return {};
  if (senders.contains(NameKey(row.to_field))) return {row.to_field};
  return SplitList(row.to_field);
}

struct ParticipantStats {
  std::string name;  // As first spelled, preferring FROM.
  bool name_from_sender = false;
  int64_t conversations = 0;
  int64_t received = 0;
  size_t last_conversation = SIZE_MAX;
};

// Most common spelling among `candidates`; ties go to the smallest.
std::string MostCommon(const std::vector<std::string>& candidates) {
  absl::flat_hash_map<std::string, int> counts;
  for (const std::string& c : candidates) ++counts[c];
  std::string best;
  int best_count = 0;
  for (const auto& [value, count] : counts) {
    if (count > best_count || (count == best_count && value < best)) {
      best = value;
      best_count = count;
    }
  }
  return best;
}

Owner FindOwner(const std::vector<Row>& rows,
                const std::vector<Conversation>& conversations,
                const absl::flat_hash_set<std::string>& senders,
                std::string_view hint) {
  Owner owner;
  const std::string clean_hint = CleanField(hint);
  // A hint that names nobody in the export (the profile's name spelt
  // differently from the LinkedIn account's) is no hint: guess instead, or
  // every message of the owner would be taken for a recruiter's.
  if (!clean_hint.empty()) {
    const bool url = LooksLikeUrl(clean_hint);
    const std::string key = url ? UrlKey(clean_hint) : NameKey(clean_hint);
    bool present = false;
    for (const Row& row : rows) {
      if ((url ? row.from_url_key : row.from_key) == key) {
        present = true;
        break;
      }
      if (url) {
        for (const std::string& to_url : row.to_urls) {
          present = present || UrlKey(to_url) == key;
        }
      } else {
        for (const std::string& to : Recipients(row, senders)) {
          present = present || NameKey(to) == key;
        }
      }
      if (present) break;
    }
    if (!present) return FindOwner(rows, conversations, senders, "");
  }
  if (!clean_hint.empty() && LooksLikeUrl(clean_hint)) {
    owner.url_key = UrlKey(clean_hint);
    owner.url = clean_hint;
  } else if (!clean_hint.empty()) {
    owner.name_key = NameKey(clean_hint);
    owner.name = clean_hint;
  } else {
    // The participant present in the most conversations: the owner is in
    // all of them, everyone else in a few. Ties (tiny exports) go to whoever
    // received more messages, since recruiters write to the owner more than
    // the reverse; then to the smallest name, so the answer never depends
    // on hashing.
    absl::flat_hash_map<std::string, ParticipantStats> stats;
    auto seen = [&](const std::string& name, size_t conversation,
                    bool as_sender) -> ParticipantStats& {
      ParticipantStats& s = stats[NameKey(name)];
      if (s.name.empty() || (as_sender && !s.name_from_sender)) {
        s.name = name;
        s.name_from_sender = as_sender;
      }
      if (s.last_conversation != conversation) {
        s.last_conversation = conversation;
        ++s.conversations;
      }
      return s;
    };
    for (size_t c = 0; c < conversations.size(); ++c) {
      for (const size_t r : conversations[c].rows) {
        const Row& row = rows[r];
        if (!row.from.empty()) seen(row.from, c, true);
        for (const std::string& to : Recipients(row, senders)) {
          ++seen(to, c, false).received;
        }
      }
    }
    const ParticipantStats* best = nullptr;
    std::string best_key;
    for (const auto& [key, s] : stats) {
      if (best == nullptr || s.conversations > best->conversations ||
          (s.conversations == best->conversations &&
           (s.received > best->received ||
            (s.received == best->received && key < best_key)))) {
        best = &s;
        best_key = key;
      }
    }
    if (best == nullptr) return owner;
    owner.name = best->name;
    owner.name_key = best_key;
  }

  // Complete the identity from the rows: the name of an owner known by URL,
  // or the URL (and the export's spelling) of an owner known by name.
  // Senders first; recipients only when no sender matched, and only where
  // the TO names and RECIPIENT PROFILE URLS line up one to one.
  if (owner.name_key.empty() && owner.url_key.empty()) return owner;
  const bool by_url = owner.name_key.empty();
  std::vector<std::string> found;  // Names when by_url, else URLs.
  for (const Row& row : rows) {
    if (by_url && row.from_url_key == owner.url_key && !row.from.empty()) {
      found.push_back(row.from);
    } else if (!by_url && row.from_key == owner.name_key &&
               !row.from_url_key.empty()) {
      found.push_back(row.from_url);
    }
  }
  if (found.empty()) {
    for (const Row& row : rows) {
      const std::vector<std::string> to = Recipients(row, senders);
      if (to.size() != row.to_urls.size()) continue;
      for (size_t i = 0; i < to.size(); ++i) {
        const std::string url_key = UrlKey(row.to_urls[i]);
        if (by_url && url_key == owner.url_key) {
          found.push_back(to[i]);
        } else if (!by_url && NameKey(to[i]) == owner.name_key &&
                   !url_key.empty()) {
          found.push_back(row.to_urls[i]);
        }
      }
    }
  }
  if (by_url) {
    if (!found.empty()) {
      owner.name = MostCommon(found);
      owner.name_key = NameKey(owner.name);
    }
    return owner;
  }
  for (const Row& row : rows) {
    if (row.from_key == owner.name_key) {
      owner.name = row.from;  // A hint is shown as the export spells it.
      break;
    }
  }
  if (!found.empty()) {
    owner.url = MostCommon(found);
    owner.url_key = UrlKey(owner.url);
  }
  return owner;
}

// Whether the file lists each conversation newest first (as LinkedIn does):
// then the later of two messages with the same DATE is the one above.
bool NewestFirst(const std::vector<Row>& rows,
                 const std::vector<Conversation>& conversations) {
  int64_t rising = 0;
  int64_t falling = 0;
  for (const Conversation& conversation : conversations) {
    const Row* previous = nullptr;
    for (const size_t r : conversation.rows) {
      if (rows[r].draft) continue;
      if (previous != nullptr) {
        if (rows[r].timestamp > previous->timestamp) ++rising;
        if (rows[r].timestamp < previous->timestamp) ++falling;
      }
      previous = &rows[r];
    }
  }
  return falling > rising;
}

std::string SourceId(const std::string& conversation_id, const Row& row) {
  Fnv1a64 hash;
  hash.Add(conversation_id);
  hash.Add(row.from);
  hash.Add(row.sent_at);
  hash.Add(row.text);
  return hash.Hex();
}

}  // namespace

absl::StatusOr<ExportResult> ParseMessagesCsv(std::string_view csv,
                                              const ExportOptions& options) {
  if (static_cast<int64_t>(csv.size()) > options.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("messages.csv is ", csv.size(), " bytes; the limit is ",
                     options.max_bytes));
  }
  if (csv.starts_with("\xFF\xFE") || csv.starts_with("\xFE\xFF")) {
    return absl::InvalidArgumentError(
        "messages.csv is UTF-16; save it as UTF-8 (LinkedIn's own export is)");
  }
  CsvReader reader(csv);
  CsvRecord record;
  std::optional<Header> header;
  std::string first_record;
  for (int seen = 0; seen < kHeaderSearchRecords && reader.Next(&record);) {
    if (IsBlank(record)) continue;
    ++seen;
    if (first_record.empty()) {
      std::vector<std::string> names;
      for (size_t i = 0; i < record.fields.size() && i < 12; ++i) {
        names.push_back(CleanField(record.fields[i].substr(0, 40)));
      }
      first_record = absl::StrJoin(names, ",");
    }
    header = MatchHeader(record);
    if (header.has_value()) break;
  }
  if (!header.has_value()) {
    if (first_record.empty()) {
      return absl::InvalidArgumentError("messages.csv is empty: no header");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "no header with FROM and CONTENT columns; the file starts with: ",
        first_record));
  }

  ExportResult result;
  ErrorLog errors;
  std::vector<Row> rows;
  std::vector<Conversation> conversations;
  absl::flat_hash_map<std::string, size_t> conversation_index;
  absl::flat_hash_set<std::string> senders;  // Name keys.
  while (reader.Next(&record)) {
    if (IsBlank(record)) continue;
    ++result.rows;
    Row row;
    const std::string error = ReadRow(record, *header, &row);
    if (!error.empty()) {
      errors.Add(record.line, error);
      continue;
    }
    if (row.draft) {
      ++result.skipped_drafts;
      // A draft outside any conversation (a new message never sent) adds
      // nothing to group.
      if (header->index[kConversationId] >= 0 && row.conversation_id.empty()) {
        continue;
      }
    }
    if (!row.from.empty()) senders.insert(row.from_key);
    row.order = static_cast<int64_t>(rows.size());
    rows.push_back(std::move(row));
  }

  // Exports without CONVERSATION ID: a conversation is its set of people.
  if (header->index[kConversationId] < 0) {
    for (Row& row : rows) {
      std::vector<std::string> people = Recipients(row, senders);
      for (std::string& p : people) p = NameKey(p);
      people.push_back(row.from_key);
      std::sort(people.begin(), people.end());
      people.erase(std::unique(people.begin(), people.end()), people.end());
      Fnv1a64 hash;
      for (const std::string& p : people) hash.Add(p);
      row.conversation_id = "participants-" + hash.Hex();
    }
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto [it, inserted] = conversation_index.try_emplace(
        rows[r].conversation_id, conversations.size());
    if (inserted) conversations.push_back({rows[r].conversation_id, {}});
    conversations[it->second].rows.push_back(r);
  }
  result.conversations = static_cast<int64_t>(conversations.size());

  const Owner owner =
      FindOwner(rows, conversations, senders, options.owner_hint);
  result.owner_name = owner.name;
  result.owner_profile_url = owner.url;
  const bool newest_first = NewestFirst(rows, conversations);

  struct Found {
    int64_t timestamp;
    core::Message message;
  };
  std::vector<Found> found;
  for (Conversation& conversation : conversations) {
    if (std::any_of(conversation.rows.begin(), conversation.rows.end(),
                    [&](size_t r) { return rows[r].sponsored; })) {
      ++result.skipped_sponsored;
      continue;
    }
    std::vector<size_t> kept;
    for (const size_t r : conversation.rows) {
      if (!rows[r].draft) kept.push_back(r);
    }
    std::stable_sort(kept.begin(), kept.end(), [&](size_t a, size_t b) {
      if (rows[a].timestamp != rows[b].timestamp) {
        return rows[a].timestamp < rows[b].timestamp;
      }
      return newest_first ? rows[a].order > rows[b].order
                          : rows[a].order < rows[b].order;
    });
    // The newest message not from the owner is the one to answer. What the
    // owner wrote after it is left out: the thread ends where the message
    // begins, and the message's source id stays the same when the owner
    // replies, so a re-import recognises it.
    size_t inbound = kept.size();
    for (size_t i = kept.size(); i-- > 0;) {
      if (!owner.Sent(rows[kept[i]])) {
        inbound = i;
        break;
      }
    }
    if (inbound == kept.size()) {
      ++result.without_inbound;
      continue;
    }
    Row& last = rows[kept[inbound]];
    core::Message message;
    message.source_id = SourceId(conversation.id, last);
    message.id = message.source_id;
    message.sender = last.from;
    message.sender_profile_url = last.from_url;
    message.text = std::move(last.text);
    message.sent_at = last.sent_at;
    message.conversation_id = conversation.id;
    message.thread.reserve(inbound);
    for (size_t i = 0; i < inbound; ++i) {
      Row& earlier = rows[kept[i]];
      message.thread.push_back({owner.Sent(earlier) ? core::Speaker::kCandidate
                                                    : core::Speaker::kRecruiter,
                                earlier.text, earlier.sent_at});
    }
    found.push_back({last.timestamp, std::move(message)});
  }
  // Conversations are already in order of first appearance; a stable sort
  // keeps that order between messages sent at the same second.
  std::stable_sort(
      found.begin(), found.end(),
      [](const Found& a, const Found& b) { return a.timestamp < b.timestamp; });
  result.messages.reserve(found.size());
  for (Found& f : found) result.messages.push_back(std::move(f.message));
  result.errors = std::move(errors).Finish();
  return result;
}

absl::StatusOr<ExportResult> ParseLinkedInExport(std::string_view bytes,
                                                 const ExportOptions& options) {
  if (static_cast<int64_t>(bytes.size()) > options.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the export is ", bytes.size(), " bytes; the limit is ",
                     options.max_bytes));
  }
  if (!internal::LooksLikeZip(bytes)) return ParseMessagesCsv(bytes, options);
  LIA_ASSIGN_OR_RETURN(
      const std::string csv,
      internal::ExtractFromZip(bytes, "messages.csv", options.max_bytes));
  return ParseMessagesCsv(csv, options);
}

}  // namespace lia::ingest
