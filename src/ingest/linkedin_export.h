#pragma once

// LinkedIn's "Download your data" export: the archive (zip) or its
// messages.csv, turned into the messages lia analyses — for each
// conversation, the newest inbound recruiter message with the rest of the
// conversation as its thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/types.h"

namespace lia::ingest {

struct RowError {
  int64_t line = 0;     // 1-based physical line where the record starts.
  std::string message;  // "line 17: missing CONTENT".
};

struct ExportResult {
  // One message per conversation to analyse, oldest conversation first. Each
  // has: id and source_id (a stable hash of conversation id, sender, date
  // and text, so a re-import is recognised), conversation_id, sender,
  // sender_profile_url, text (HTML turned into plain text), sent_at (RFC
  // 3339 UTC), and thread (the earlier messages, oldest first, the owner's
  // as Speaker::kCandidate).
  std::vector<core::Message> messages;
  // Malformed rows, skipped: the first 1,000, then one entry that counts
  // the rest (a hostile file must not cost gigabytes of messages).
  std::vector<RowError> errors;
  std::string owner_name;  // The account owner, as worked out.
  std::string owner_profile_url;
  int64_t rows = 0;           // Data records read.
  int64_t conversations = 0;  // Distinct conversations seen.
  int64_t skipped_drafts = 0;
  int64_t skipped_sponsored = 0;  // Conversations (sponsored/InMail ads).
  int64_t without_inbound = 0;    // Conversations with no message to answer.
};

struct ExportOptions {
  // The owner's name or profile URL when known (e.g. from the profile); when
  // empty, the owner is the participant present in the most conversations.
  std::string owner_hint;
  int64_t max_bytes = 256 << 20;  // Default 256 MiB; larger is refused.
};

// Parses messages.csv text: columns matched by name (CONVERSATION ID,
// CONVERSATION TITLE, FROM, SENDER PROFILE URL, TO, RECIPIENT PROFILE URLS,
// DATE, SUBJECT, CONTENT, FOLDER, IS MESSAGE DRAFT...; older exports lack
// some), UTF-8 with or without BOM, quoted multi-line fields, "" escapes,
// CRLF or LF. A malformed row is reported by line and skipped; the rest
// imports. InvalidArgument only when nothing can be read (no header, no
// CONTENT or FROM column).
absl::StatusOr<ExportResult> ParseMessagesCsv(std::string_view csv,
                                              const ExportOptions& options);

// Accepts either the zip archive (finds messages.csv inside, at any depth)
// or the CSV itself, told apart by content.
absl::StatusOr<ExportResult> ParseLinkedInExport(std::string_view bytes,
                                                 const ExportOptions& options);

}  // namespace lia::ingest
