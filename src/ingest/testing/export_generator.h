#pragma once

// Synthetic LinkedIn messages.csv exports with known answers, for the
// importer's tests and for integration tests. Deterministic: the same
// options give the same bytes on every platform.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/types.h"

namespace lia::ingest::testing {

enum class ExportFormat {
  // CONVERSATION ID, CONVERSATION TITLE, FROM, SENDER PROFILE URL, TO,
  // RECIPIENT PROFILE URLS, DATE, SUBJECT, CONTENT, FOLDER, ATTACHMENTS,
  // IS MESSAGE DRAFT.
  kCurrent,
  // No RECIPIENT PROFILE URLS, FOLDER, ATTACHMENTS or IS MESSAGE DRAFT, so no
  // drafts and no SPONSORED folder (ads are marked by title and sender).
  kOlder,
};

struct GeneratorOptions {
  uint64_t seed = 1;  // Default 1. Same seed, same export.
  ExportFormat format = ExportFormat::kCurrent;  // Default kCurrent.
  int conversations = 800;  // Default 800. All kinds below included.
  // Default 5000. Well-formed rows: drafts, ads and owner messages included,
  // malformed rows and later_messages not.
  int messages = 5000;
  int sponsored_conversations = 24;   // Default 24. Ads, skipped.
  int owner_only_conversations = 40;  // Default 40. Nothing inbound.
  int drafts = 30;        // Default 30. Owner drafts (kCurrent only), skipped.
  int bad_date_rows = 3;  // Default 3. DATE that is not a date.
  int short_rows = 2;     // Default 2. Too few fields.
  int empty_content_rows = 2;   // Default 2. CONTENT empty.
  int trailing_comma_rows = 3;  // Default 3. Extra empty fields; still fine.
  bool unterminated_quote_at_end = true;  // Default true. Last record.
  bool bom = true;           // Default true. UTF-8 byte order mark.
  bool crlf = true;          // Default true. Also inside multi-line content.
  bool newest_first = true;  // Default true. Row order in a conversation,
                             // as LinkedIn writes it.
  // Default 0. A later export of the same account: this many messages added
  // to conversations after everything else (new inbound messages and owner
  // replies). The rest is the same draw, so ids of unchanged conversations
  // must not change.
  int later_messages = 0;
  std::string owner_name = "Alex Rivera";
  std::string owner_profile_url =
      "https://www.linkedin.com/in/alex-rivera-4a7b1c";
};

// The message the importer should pick in one conversation.
struct ExpectedMessage {
  std::string conversation_id;
  std::string sender;
  std::string sender_profile_url;
  std::string text;  // Plain text, as the HTML conversion should give it.
  std::string sent_at;
  std::vector<core::ThreadEntry> thread;
};

struct ExpectedError {
  int64_t line = 0;
  std::string reason;  // A word the error message contains ("DATE"...).
};

struct ExportManifest {
  int64_t rows = 0;  // Data records, malformed ones included.
  int64_t conversations = 0;
  int64_t skipped_drafts = 0;
  int64_t skipped_sponsored = 0;
  int64_t without_inbound = 0;
  std::vector<ExpectedError> errors;  // By line.
  std::string owner_name;
  std::string owner_profile_url;
  std::vector<ExpectedMessage> messages;  // One per conversation to analyse.
};

// The messages.csv text; fills *manifest (when given) with what an importer
// must find in it. Options that contradict each other (more drafts than
// conversations can hold...) are clamped.
std::string GenerateLinkedInExport(const GeneratorOptions& options,
                                   ExportManifest* manifest = nullptr);

struct ZipEntry {
  std::string name;  // Path inside the archive: "Basic_.../messages.csv".
  std::string contents;
};

// An in-memory zip archive (deflated) of `entries`, built with libzip.
absl::StatusOr<std::string> MakeZip(const std::vector<ZipEntry>& entries);

}  // namespace lia::ingest::testing
