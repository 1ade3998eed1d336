#include "ingest/testing/export_generator.h"

#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace lia::ingest::testing {
namespace {

// splitmix64. <random>'s distributions differ between standard libraries;
// this does not, so a seed names the same export everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int Uniform(int n) {
    return static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  bool Chance(int percent) { return Uniform(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Uniform(static_cast<int>(N))];
  }
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Uniform(static_cast<int>(i))]);
    }
  }

 private:
  uint64_t state_;
};

struct Person {
  std::string name;
  std::string url;
};

struct GenMessage {
  int64_t timestamp = 0;
  int sender = -1;  // -1: the owner; else an index into `others`.
  bool draft = false;
  std::string content;  // As written in CONTENT.
  std::string text;     // What the importer should make of it.
  std::string attachment;
};

enum class Kind { kRegular, kOwnerOnly, kSponsored };

struct GenConversation {
  Kind kind = Kind::kRegular;
  std::string id;
  std::string title;
  std::string subject;
  std::string inbound_folder = "INBOX";
  std::vector<Person> others;
  std::vector<GenMessage> messages;  // Oldest first.
};

constexpr const char* kFirstNames[] = {
    "Jane",  "Carlos", "Priya",   "Wei",    "Fatima", "Lucas",   "Zoë",
    "Ahmed", "Sofía",  "João",    "Emma",   "Noah",   "Olga",    "Kenji",
    "Chloé", "Mateo",  "Aisling", "Tomasz", "Ngozi",  "François"};
constexpr const char* kLastNames[] = {
    "Smith",     "García", "Patel",    "Chen",   "Haddad", "Silva",
    "O'Brien",   "Müller", "Kowalski", "Okafor", "Tanaka", "Rossi",
    "Johansson", "Nguyen", "Dubois",   "Costa"};
constexpr const char* kCompanies[] = {
    "Northwind & Co.", "Initech",          "Globex",       "Umbrella Health",
    "Hooli",           "Vandelay Imports", "Soylent Labs", "Tyrell Systems"};
constexpr const char* kRoles[] = {
    "Senior Backend Engineer", "Staff Engineer",      "Lead C++ Developer",
    "Platform Engineer",       "Engineering Manager", "Rust Engineer"};
// Recruiter sentences, as the reader should see them. They hold what the
// CSV and the HTML must escape: commas, quotes, '&', '<', '>' and non-ASCII.
constexpr const char* kPitches[] = {
    "We're hiring a \"{role}\" at {company}, fully remote.",
    "The budget is $150,000-$180,000 per year, plus equity.",
    "It's a 4-day week, based in São Paulo or remote.",
    "Salário: R$ 25.000/mês, CLT.",
    "¿Te interesa una posición de {role} en Madrid? 60.000€ - 75.000€.",
    "Compensation: 120k–140k € + bonus; team size < 10 & growing.",
    "Ping me at <talent@example.com> or reply here.",
    "Our stack: C++20, Kafka, Postgres, K8s.",
    "Would you be open to a quick call this week?",
    "Great to hear from you 👋",
    "Following up on my last message, any thoughts?",
};
constexpr const char* kReplies[] = {
    "Thanks for reaching out!",
    "Could you share the salary range?",
    "I'm happy where I am, but I'd love to hear more.",
    "Not interested right now, thanks.",
    "Is the role remote, and is it a 4-day week?",
    "Sounds good — Tuesday at 10:00 works for me.",
};
constexpr const char* kTitles[] = {"", "", "{role} at {company}",
                                   "Opportunity, \"{role}\"", "Quick question"};

Person MakePerson(Rng& rng, int serial) {
  std::string name =
      absl::StrCat(rng.Pick(kFirstNames), " ", rng.Pick(kLastNames));
  // A few go by "Last, First": TO must not split them in two.
  if (serial % 97 == 5) {
    name = absl::StrCat(rng.Pick(kLastNames), ", ", rng.Pick(kFirstNames));
  }
  return {name, absl::StrCat("https://www.linkedin.com/in/person-", serial, "-",
                             rng.Uniform(1 << 20))};
}

std::string Fill(const std::string& pattern, const std::string& role,
                 const std::string& company) {
  return absl::StrReplaceAll(pattern,
                             {{"{role}", role}, {"{company}", company}});
}

std::string EscapeHtml(std::string_view text, Rng& rng) {
  std::string out;
  bool nbsp_used = false;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += rng.Chance(50) ? "&#39;" : "&#x27;";
        break;
      case ' ':
        // LinkedIn's editor leaves the odd &nbsp;; it reads as a space.
        if (!nbsp_used && rng.Chance(30)) {
          out += "&nbsp;";
          nbsp_used = true;
        } else {
          out += ' ';
        }
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Builds one message body in one of the shapes exports hold: a plain line, a
// plain multi-line text, or HTML paragraphs with <br>, entities and a link.
void MakeBody(Rng& rng, int ref, bool from_owner, const std::string& greet,
              const std::string& role, const std::string& company, bool crlf,
              GenMessage& m) {
  std::vector<std::string> sentences;
  sentences.push_back(absl::StrCat("Hi ", greet, ","));
  const int count = 1 + rng.Uniform(3);
  for (int i = 0; i < count; ++i) {
    sentences.push_back(from_owner ? std::string(rng.Pick(kReplies))
                                   : Fill(rng.Pick(kPitches), role, company));
  }
  sentences.push_back(absl::StrCat("Ref #", ref, "."));
  const int shape = rng.Uniform(4);
  if (shape == 0) {
    m.text = absl::StrJoin(sentences, " ");
    m.content = m.text;
  } else if (shape == 1) {
    m.text = absl::StrJoin(sentences, "\n");
    m.content = absl::StrJoin(sentences, crlf ? "\r\n" : "\n");
  } else {
    // Paragraph 1: the greeting; paragraph 2: the rest, split by <br>.
    std::vector<std::string> html_lines;
    std::vector<std::string> text_lines;
    for (size_t i = 1; i < sentences.size(); ++i) {
      html_lines.push_back(EscapeHtml(sentences[i], rng));
      text_lines.push_back(sentences[i]);
    }
    m.content = absl::StrCat("<p>", EscapeHtml(sentences[0], rng), "</p>",
                             shape == 3 ? "\n" : "", "<p>",
                             absl::StrJoin(html_lines, "<br>"), "</p>");
    m.text =
        absl::StrCat(sentences[0], "\n\n", absl::StrJoin(text_lines, "\n"));
    if (shape == 3 && !from_owner) {
      absl::StrAppend(&m.content, "<p>See <a href=\"https://jobs.example.com/",
                      ref, "?src=li&amp;ref=", ref,
                      "\" target=\"_blank\">the posting</a>.</p>");
      absl::StrAppend(&m.text, "\n\nSee the posting (https://jobs.example.com/",
                      ref, "?src=li&ref=", ref, ").");
    }
  }
}

std::string ExportDate(int64_t ts) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(ts),
                          absl::UTCTimeZone());
}

std::string Rfc3339(int64_t ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts),
                          absl::UTCTimeZone());
}

// Writes records and counts physical lines, so that errors can be expected
// at the line they start on.
class CsvWriter {
 public:
  CsvWriter(Rng& rng, bool crlf) : rng_(rng), eol_(crlf ? "\r\n" : "\n") {}

  // Returns the line the record starts on.
  int64_t Write(const std::vector<std::string>& fields,
                std::string_view trailing = "") {
    const int64_t start = line_;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_ += ',';
      Field(fields[i]);
    }
    out_ += trailing;
    out_ += eol_;
    ++line_;
    return start;
  }
  void BlankLine() {
    out_ += eol_;
    ++line_;
  }
  // Raw bytes with no record end: the unterminated last record.
  int64_t WriteRaw(std::string_view raw) {
    const int64_t start = line_;
    out_ += raw;
    line_ += std::count(raw.begin(), raw.end(), '\n');
    return start;
  }
  std::string& out() { return out_; }

 private:
  void Field(std::string_view f) {
    const bool must = f.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!must && !rng_.Chance(20)) {
      out_ += f;
      return;
    }
    out_ += '"';
    for (const char c : f) {
      if (c == '"') out_ += '"';
      out_ += c;
    }
    out_ += '"';
    line_ += std::count(f.begin(), f.end(), '\n');
  }

  Rng& rng_;
  std::string eol_;
  std::string out_;
  int64_t line_ = 1;
};

std::string ConversationId(Rng& rng) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string id = "2-";
  for (int i = 0; i < 40; ++i) id += kAlphabet[rng.Uniform(64)];
  return id + "==";
}

}  // namespace

std::string GenerateLinkedInExport(const GeneratorOptions& options,
                                   ExportManifest* manifest) {
  Rng rng(options.seed);
  const bool current = options.format == ExportFormat::kCurrent;
  const int total = std::max(1, options.conversations);
  const int sponsored = std::clamp(options.sponsored_conversations, 0, total);
  const int owner_only =
      std::clamp(options.owner_only_conversations, 0, total - sponsored);
  const int regular = total - sponsored - owner_only;
  const int drafts = current ? std::clamp(options.drafts, 0, regular) : 0;
  const Person owner{options.owner_name, options.owner_profile_url};

  std::vector<GenConversation> conversations(total);
  for (int i = 0; i < total; ++i) {
    GenConversation& c = conversations[i];
    c.kind = i < sponsored                ? Kind::kSponsored
             : i < sponsored + owner_only ? Kind::kOwnerOnly
                                          : Kind::kRegular;
    c.id = ConversationId(rng);
  }
  rng.Shuffle(conversations);

  // One message each, a draft on top for `drafts` regular conversations,
  // and the rest spread at random, ads kept short.
  std::vector<int> sizes(total, 1);
  std::vector<bool> has_draft(total, false);
  int placed = 0;
  for (int i = 0; i < total && placed < drafts; ++i) {
    if (conversations[i].kind == Kind::kRegular) {
      has_draft[i] = true;
      ++placed;
    }
  }
  int remaining = std::max(0, options.messages - total - drafts);
  while (remaining > 0) {
    const int i = rng.Uniform(total);
    if (conversations[i].kind == Kind::kSponsored && sizes[i] >= 3) continue;
    ++sizes[i];
    --remaining;
  }

  int serial = 0;
  int ref = 1000;
  for (int i = 0; i < total; ++i) {
    GenConversation& c = conversations[i];
    const std::string company(rng.Pick(kCompanies));
    const std::string role(rng.Pick(kRoles));
    int64_t t = 1672531200 + rng.Uniform(2 * 365 * 86400);  // 2023-2024.
    if (c.kind == Kind::kSponsored) {
      // Three ways exports mark ads; the older format has no FOLDER.
      const int marker = i % 3;
      if (marker == 0 && current) {
        c.inbound_folder = "SPONSORED";
        c.others.push_back({company, ""});
      } else if (marker == 2) {
        c.others.push_back({"LinkedIn Offer", ""});
        c.subject = "Sponsored InMail";
      } else {
        c.title = "Sponsored";
        c.others.push_back({company, ""});
      }
    } else {
      c.title = Fill(rng.Pick(kTitles), role, company);
      c.others.push_back(MakePerson(rng, serial++));
      if (c.kind == Kind::kRegular && rng.Chance(8)) {
        c.others.push_back(MakePerson(rng, serial++));  // A group thread.
      }
      if (c.kind == Kind::kRegular && rng.Chance(15)) {
        c.inbound_folder = rng.Chance(70) ? "ARCHIVE" : "SPAM";
      }
    }
    const int n = sizes[i];
    bool inbound_seen = false;
    int sender = c.kind == Kind::kOwnerOnly || rng.Chance(25) ? -1 : 0;
    for (int k = 0; k < n; ++k) {
      if (c.kind == Kind::kSponsored) sender = 0;
      if (c.kind == Kind::kOwnerOnly) sender = -1;
      // A regular conversation needs something inbound.
      if (c.kind == Kind::kRegular && k == n - 1 && !inbound_seen) {
        sender = rng.Uniform(static_cast<int>(c.others.size()));
      }
      GenMessage m;
      m.timestamp = t;
      m.sender = sender;
      inbound_seen = inbound_seen || sender >= 0;
      const std::string greet = sender < 0 ? c.others[0].name : "Alex";
      MakeBody(rng, ref++, sender < 0, greet, role, company, options.crlf, m);
      if (rng.Chance(3)) {
        m.attachment = absl::StrCat("https://www.linkedin.com/dms/file/", ref);
      }
      c.messages.push_back(std::move(m));
      // One in ten messages shares its second with the one before.
      t += rng.Chance(10) ? 0 : 60 + rng.Uniform(3 * 86400);
      if (c.kind == Kind::kRegular && rng.Chance(70)) {
        sender =
            sender < 0 ? rng.Uniform(static_cast<int>(c.others.size())) : -1;
      }
    }
    if (has_draft[i]) {
      GenMessage m;
      m.timestamp = t + 600;
      m.sender = -1;
      m.draft = true;
      MakeBody(rng, ref++, true, c.others[0].name, role, company, options.crlf,
               m);
      c.messages.push_back(std::move(m));
    }
  }

  // Malformed rows go into random conversations; they are skipped, so they
  // change no answer. Decided now, from the main stream, so that a later
  // export draws the same ones.
  enum class Bad { kDate, kShort, kEmpty };
  std::vector<std::pair<int, Bad>> bad;
  bad.reserve(std::max(0, options.bad_date_rows + options.short_rows +
                              options.empty_content_rows));
  for (int k = 0; k < options.bad_date_rows; ++k) {
    bad.emplace_back(rng.Uniform(total), Bad::kDate);
  }
  for (int k = 0; k < options.short_rows; ++k) {
    bad.emplace_back(rng.Uniform(total), Bad::kShort);
  }
  for (int k = 0; k < options.empty_content_rows; ++k) {
    bad.emplace_back(rng.Uniform(total), Bad::kEmpty);
  }
  std::vector<int> trailing_commas;
  trailing_commas.reserve(std::max(0, options.trailing_comma_rows));
  for (int k = 0; k < options.trailing_comma_rows; ++k) {
    trailing_commas.push_back(rng.Uniform(total));
  }
  const int blank_after = rng.Uniform(total);
  const uint64_t write_seed = rng.Next();

  // The later export: new messages after everything else, from a stream of
  // their own.
  Rng later(options.seed ^ 0x5DEECE66DULL);
  int later_ref = 900000;
  for (int k = 0; k < options.later_messages; ++k) {
    const int i = later.Uniform(total);
    GenConversation& c = conversations[i];
    if (c.kind == Kind::kSponsored) continue;
    GenMessage m;
    m.timestamp = c.messages.back().timestamp + 3600 + later.Uniform(86400);
    m.sender = later.Chance(50)
                   ? later.Uniform(static_cast<int>(c.others.size()))
                   : -1;
    MakeBody(later, later_ref++, m.sender < 0,
             m.sender < 0 ? c.others[0].name : std::string("Alex"),
             "Staff Engineer", "Initech", options.crlf, m);
    c.messages.push_back(std::move(m));
  }

  // Writing. Conversations in their shuffled order, each one's rows newest
  // first (as LinkedIn writes them) unless asked otherwise.
  Rng writer_rng(write_seed);
  CsvWriter writer(writer_rng, options.crlf);
  if (options.bom) writer.out() = "\xEF\xBB\xBF";
  std::vector<std::string> header =
      current ? std::vector<std::string>{"CONVERSATION ID",
                                         "CONVERSATION TITLE",
                                         "FROM",
                                         "SENDER PROFILE URL",
                                         "TO",
                                         "RECIPIENT PROFILE URLS",
                                         "DATE",
                                         "SUBJECT",
                                         "CONTENT",
                                         "FOLDER",
                                         "ATTACHMENTS",
                                         "IS MESSAGE DRAFT"}
              : std::vector<std::string>{"CONVERSATION ID",
                                         "CONVERSATION TITLE",
                                         "FROM",
                                         "SENDER PROFILE URL",
                                         "TO",
                                         "DATE",
                                         "SUBJECT",
                                         "CONTENT"};
  writer.WriteRaw(
      absl::StrCat(absl::StrJoin(header, ","), options.crlf ? "\r\n" : "\n"));

  ExportManifest m;
  m.owner_name = owner.name;
  m.owner_profile_url = owner.url;
  m.conversations = total;

  auto row_fields = [&](const GenConversation& c, const GenMessage& msg,
                        const std::string& date, const std::string& content) {
    const Person& from = msg.sender < 0 ? owner : c.others[msg.sender];
    std::vector<std::string> to_names;
    std::vector<std::string> to_urls;
    if (msg.sender >= 0) {
      to_names.push_back(owner.name);
      to_urls.push_back(owner.url);
    }
    for (int p = 0; p < static_cast<int>(c.others.size()); ++p) {
      if (p == msg.sender) continue;
      to_names.push_back(c.others[p].name);
      to_urls.push_back(c.others[p].url);
    }
    std::vector<std::string> f = {c.id, c.title, from.name, from.url,
                                  absl::StrJoin(to_names, ",")};
    if (current) f.push_back(absl::StrJoin(to_urls, ","));
    f.push_back(date);
    f.push_back(c.subject);
    f.push_back(content);
    if (current) {
      f.push_back(msg.draft        ? "DRAFTS"
                  : msg.sender < 0 ? "SENT"
                                   : c.inbound_folder);
      f.push_back(msg.attachment);
      f.emplace_back(msg.draft ? (writer_rng.Chance(50) ? "Yes" : "true")
                               : "No");
    }
    return f;
  };

  static constexpr const char* kBadDates[] = {"2023-02-30 10:00:00 UTC",
                                              "yesterday", "05/01/2023 10:00",
                                              "2023-01-05 25:61:00 UTC"};
  int bad_serial = 0;
  for (int i = 0; i < total; ++i) {
    const GenConversation& c = conversations[i];
    std::vector<const GenMessage*> order;
    for (const GenMessage& msg : c.messages) order.push_back(&msg);
    if (options.newest_first) std::reverse(order.begin(), order.end());
    for (size_t k = 0; k < order.size(); ++k) {
      const GenMessage& msg = *order[k];
      const bool trailing = k == 0 && std::count(trailing_commas.begin(),
                                                 trailing_commas.end(), i) > 0;
      writer.Write(row_fields(c, msg, ExportDate(msg.timestamp), msg.content),
                   trailing ? ",," : "");
      ++m.rows;
      if (k == 0) {
        // The malformed rows of this conversation, after its newest row.
        for (const auto& [conversation, kind] : bad) {
          if (conversation != i) continue;
          // The oldest message is never a draft, which would be skipped
          // before it could be found malformed.
          const GenMessage& base = c.messages.front();
          std::vector<std::string> f =
              row_fields(c, base, ExportDate(base.timestamp),
                         absl::StrCat("Broken row ", ++bad_serial, ", see?"));
          std::string reason;
          if (kind == Bad::kDate) {
            f[current ? 6 : 5] = std::string(kBadDates[bad_serial % 4]);
            reason = "DATE";
          } else if (kind == Bad::kShort) {
            f.resize(5);
            reason = "fields";
          } else {
            f[current ? 8 : 7] = "";
            reason = "CONTENT";
          }
          m.errors.push_back({writer.Write(f), reason});
          ++m.rows;
        }
      }
    }
    if (i == blank_after) writer.BlankLine();
  }
  if (options.unterminated_quote_at_end) {
    // Every field quoted up to CONTENT, which is opened and never closed,
    // so the record swallows the rest of the file.
    const GenConversation& c = conversations[0];
    const GenMessage& base = c.messages.front();
    const std::vector<std::string> f =
        row_fields(c, base, ExportDate(base.timestamp), "");
    const char* eol = options.crlf ? "\r\n" : "\n";
    std::string raw;
    for (size_t k = 0; k < (current ? 8u : 7u); ++k) {
      absl::StrAppend(&raw, "\"", absl::StrReplaceAll(f[k], {{"\"", "\"\""}}),
                      "\",");
    }
    absl::StrAppend(&raw, "\"Cut off mid-message, with a comma", eol,
                    "and a second line", eol);
    m.errors.push_back({writer.WriteRaw(raw), "unterminated"});
    ++m.rows;
  }
  std::sort(m.errors.begin(), m.errors.end(),
            [](const ExpectedError& a, const ExpectedError& b) {
              return a.line < b.line;
            });

  // The answers.
  for (const GenConversation& c : conversations) {
    if (c.kind == Kind::kSponsored) {
      ++m.skipped_sponsored;
      continue;
    }
    std::vector<const GenMessage*> kept;
    for (const GenMessage& msg : c.messages) {
      if (msg.draft) {
        ++m.skipped_drafts;
      } else {
        kept.push_back(&msg);
      }
    }
    int inbound = -1;
    for (int k = static_cast<int>(kept.size()) - 1; k >= 0; --k) {
      if (kept[k]->sender >= 0) {
        inbound = k;
        break;
      }
    }
    if (inbound < 0) {
      ++m.without_inbound;
      continue;
    }
    const GenMessage& msg = *kept[inbound];
    ExpectedMessage e;
    e.conversation_id = c.id;
    e.sender = c.others[msg.sender].name;
    e.sender_profile_url = c.others[msg.sender].url;
    e.text = msg.text;
    e.sent_at = Rfc3339(msg.timestamp);
    for (int k = 0; k < inbound; ++k) {
      e.thread.push_back({kept[k]->sender < 0 ? core::Speaker::kCandidate
                                              : core::Speaker::kRecruiter,
                          kept[k]->text, Rfc3339(kept[k]->timestamp)});
    }
    m.messages.push_back(std::move(e));
  }
  if (manifest != nullptr) *manifest = std::move(m);
  return std::move(writer.out());
}

absl::StatusOr<std::string> MakeZip(const std::vector<ZipEntry>& entries) {
  if (entries.empty()) {
    // libzip writes nothing for an empty archive; this is the 22-byte end
    // of central directory record that other tools write.
    return std::string("PK\x05\x06", 4) + std::string(18, '\0');
  }
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) {
    zip_error_fini(&error);
    return absl::InternalError("zip_source_buffer_create failed");
  }
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_source_free(buffer);
    const std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::InternalError(absl::StrCat("zip_open_from_source: ", text));
  }
  zip_error_fini(&error);
  zip_source_keep(buffer);  // Outlives the archive: the bytes are read back.
  for (const ZipEntry& e : entries) {
    zip_source_t* file =
        zip_source_buffer(archive, e.contents.data(), e.contents.size(), 0);
    if (file == nullptr ||
        zip_file_add(archive, e.name.c_str(), file, ZIP_FL_ENC_UTF_8) < 0) {
      const std::string text = zip_strerror(archive);
      if (file != nullptr) zip_source_free(file);
      zip_discard(archive);
      zip_source_free(buffer);
      return absl::InternalError(absl::StrCat("zip_file_add: ", text));
    }
  }
  if (zip_close(archive) < 0) {
    const std::string text = zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(buffer);
    return absl::InternalError(absl::StrCat("zip_close: ", text));
  }
  std::string out;
  if (zip_source_open(buffer) < 0) {
    zip_source_free(buffer);
    return absl::InternalError("zip_source_open failed");
  }
  char chunk[64 * 1024];
  zip_int64_t n;
  while ((n = zip_source_read(buffer, chunk, sizeof(chunk))) > 0) {
    out.append(chunk, static_cast<size_t>(n));
  }
  zip_source_close(buffer);
  zip_source_free(buffer);
  if (n < 0) return absl::InternalError("zip_source_read failed");
  return out;
}

}  // namespace lia::ingest::testing
