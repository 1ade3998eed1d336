#include "ingest/linkedin_export.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "analysis/text.h"
#include "ingest/testing/export_generator.h"
#include "ingest/testing/time_limits.h"

namespace lia::ingest {
namespace {

using core::Speaker;
using testing::ExpectedMessage;
using testing::ExportFormat;
using testing::ExportManifest;
using testing::GenerateLinkedInExport;
using testing::GeneratorOptions;
using testing::MakeZip;

constexpr char kHeader[] =
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
    "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,IS MESSAGE DRAFT\n";

ExportResult ParseOrDie(std::string_view csv,
                        const ExportOptions& options = {}) {
  absl::StatusOr<ExportResult> result = ParseMessagesCsv(csv, options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : ExportResult{};
}

double SecondsToParse(std::string_view bytes, ExportResult* out = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ExportResult> result = ParseLinkedInExport(bytes, {});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (out != nullptr && result.ok()) *out = *std::move(result);
  return seconds;
}

// Checks every output string is valid UTF-8, as JSON needs.
void ExpectValidUtf8(const ExportResult& result) {
  auto valid = [](const std::string& s) {
    return analysis::SanitizeUtf8(s) == s;
  };
  EXPECT_TRUE(valid(result.owner_name));
  for (const core::Message& m : result.messages) {
    EXPECT_TRUE(valid(m.text) && valid(m.sender) && valid(m.conversation_id));
    for (const core::ThreadEntry& t : m.thread) EXPECT_TRUE(valid(t.text));
  }
  for (const RowError& e : result.errors) EXPECT_TRUE(valid(e.message));
}

// The importer's answers compared with the generator's, conversation by
// conversation.
void ExpectMatchesManifest(const ExportResult& result,
                           const ExportManifest& manifest) {
  EXPECT_EQ(result.rows, manifest.rows);
  EXPECT_EQ(result.conversations, manifest.conversations);
  EXPECT_EQ(result.skipped_drafts, manifest.skipped_drafts);
  EXPECT_EQ(result.skipped_sponsored, manifest.skipped_sponsored);
  EXPECT_EQ(result.without_inbound, manifest.without_inbound);
  EXPECT_EQ(result.owner_name, manifest.owner_name);
  EXPECT_EQ(result.owner_profile_url, manifest.owner_profile_url);
  ASSERT_EQ(result.errors.size(), manifest.errors.size());
  for (size_t i = 0; i < result.errors.size(); ++i) {
    EXPECT_EQ(result.errors[i].line, manifest.errors[i].line);
    EXPECT_NE(result.errors[i].message.find(manifest.errors[i].reason),
              std::string::npos)
        << result.errors[i].message;
    EXPECT_TRUE(result.errors[i].message.starts_with(
        "line " + std::to_string(manifest.errors[i].line) + ": "))
        << result.errors[i].message;
  }
  ASSERT_EQ(result.messages.size(), manifest.messages.size());
  std::map<std::string, const ExpectedMessage*> expected;
  for (const ExpectedMessage& e : manifest.messages) {
    expected[e.conversation_id] = &e;
  }
  for (const core::Message& m : result.messages) {
    ASSERT_TRUE(expected.contains(m.conversation_id)) << m.conversation_id;
    const ExpectedMessage& e = *expected[m.conversation_id];
    EXPECT_EQ(m.sender, e.sender);
    EXPECT_EQ(m.sender_profile_url, e.sender_profile_url);
    EXPECT_EQ(m.text, e.text);
    EXPECT_EQ(m.sent_at, e.sent_at);
    ASSERT_EQ(m.thread.size(), e.thread.size()) << m.conversation_id;
    for (size_t i = 0; i < m.thread.size(); ++i) {
      EXPECT_EQ(m.thread[i].from, e.thread[i].from) << m.conversation_id;
      EXPECT_EQ(m.thread[i].text, e.thread[i].text);
      EXPECT_EQ(m.thread[i].sent_at, e.thread[i].sent_at);
    }
  }
}

TEST(LinkedInExportTest, ImportsTheGeneratedExportWithExactCounts) {
  ExportManifest manifest;
  const std::string csv = GenerateLinkedInExport({}, &manifest);
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  const ExportResult result = ParseOrDie(csv);
  // The defaults: 5,000 messages in 800 conversations, of which 24 are ads
  // and 40 hold only the owner's messages; 30 drafts; 8 malformed rows.
  EXPECT_EQ(result.rows, 5008);
  EXPECT_EQ(result.conversations, 800);
  EXPECT_EQ(result.skipped_sponsored, 24);
  EXPECT_EQ(result.without_inbound, 40);
  EXPECT_EQ(result.skipped_drafts, 30);
  EXPECT_EQ(result.messages.size(), 736u);
  EXPECT_EQ(result.errors.size(), 8u);
  EXPECT_EQ(result.owner_name, "Alex Rivera");
  EXPECT_EQ(result.owner_profile_url,
            "https://www.linkedin.com/in/alex-rivera-4a7b1c");
  ExpectMatchesManifest(result, manifest);
  ExpectValidUtf8(result);
  // The unterminated quote swallows the end of the file: it is the last error.
  EXPECT_NE(result.errors.back().message.find("unterminated"),
            std::string::npos);
}

TEST(LinkedInExportTest, ListsConversationsOldestMessageFirst) {
  const ExportResult result = ParseOrDie(GenerateLinkedInExport({}));
  ASSERT_FALSE(result.messages.empty());
  for (size_t i = 1; i < result.messages.size(); ++i) {
    EXPECT_LE(result.messages[i - 1].sent_at, result.messages[i].sent_at);
  }
}

TEST(LinkedInExportTest, ImportsTheOlderFormatOldestFirstWithLfAndNoBom) {
  GeneratorOptions options;
  options.seed = 7;
  options.format = ExportFormat::kOlder;
  options.bom = false;
  options.crlf = false;
  options.newest_first = false;
  ExportManifest manifest;
  const std::string csv = GenerateLinkedInExport(options, &manifest);
  ASSERT_TRUE(
      csv.starts_with("CONVERSATION ID,CONVERSATION TITLE,FROM,"
                      "SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT\n"));
  const ExportResult result = ParseOrDie(csv);
  EXPECT_EQ(result.conversations, 800);
  EXPECT_EQ(result.skipped_drafts, 0);  // The older format has no flag.
  EXPECT_EQ(result.skipped_sponsored, 24);
  EXPECT_EQ(result.messages.size(), 736u);
  ExpectMatchesManifest(result, manifest);
}

TEST(LinkedInExportTest, ParsesFiveThousandMessagesWellUnderASecond) {
  const std::string csv = GenerateLinkedInExport({});
  ExportResult result;
  SecondsToParse(csv);  // Warm up the allocator and caches.
  const double seconds = SecondsToParse(csv, &result);
  std::printf("5,000 messages in 800 conversations (%zu bytes): %.1f ms\n",
              csv.size(), seconds * 1000);
  EXPECT_EQ(result.messages.size(), 736u);
  EXPECT_LT(seconds, 0.5 * testing::kTimeLimitScale);
}

TEST(LinkedInExportTest, SourceIdsAreStableAndDistinct) {
  const std::string csv = GenerateLinkedInExport({});
  const ExportResult first = ParseOrDie(csv);
  const ExportResult second = ParseOrDie(csv);
  ASSERT_EQ(first.messages.size(), second.messages.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < first.messages.size(); ++i) {
    const core::Message& m = first.messages[i];
    EXPECT_EQ(m.source_id, second.messages[i].source_id);
    EXPECT_EQ(m.id, m.source_id);
    EXPECT_EQ(m.source_id.size(), 16u);
    EXPECT_EQ(m.source_id.find_first_not_of("0123456789abcdef"),
              std::string::npos);
    ids.insert(m.source_id);
  }
  EXPECT_EQ(ids.size(), first.messages.size());
}

TEST(LinkedInExportTest, ALaterExportKeepsTheIdsOfUnchangedConversations) {
  ExportManifest before_manifest;
  ExportManifest after_manifest;
  GeneratorOptions later;
  later.later_messages = 300;
  const ExportResult before =
      ParseOrDie(GenerateLinkedInExport({}, &before_manifest));
  const ExportResult after =
      ParseOrDie(GenerateLinkedInExport(later, &after_manifest));
  ExpectMatchesManifest(after, after_manifest);

  std::map<std::string, const core::Message*> old_by_conversation;
  for (const core::Message& m : before.messages) {
    old_by_conversation[m.conversation_id] = &m;
  }
  std::map<std::string, const ExpectedMessage*> old_expected;
  for (const ExpectedMessage& e : before_manifest.messages) {
    old_expected[e.conversation_id] = &e;
  }
  int unchanged = 0;
  int changed = 0;
  for (const ExpectedMessage& e : after_manifest.messages) {
    if (!old_expected.contains(e.conversation_id)) continue;  // Newly inbound.
    const ExpectedMessage& old = *old_expected[e.conversation_id];
    const core::Message* old_message = old_by_conversation[e.conversation_id];
    ASSERT_NE(old_message, nullptr);
    const core::Message* new_message = nullptr;
    for (const core::Message& m : after.messages) {
      if (m.conversation_id == e.conversation_id) new_message = &m;
    }
    ASSERT_NE(new_message, nullptr);
    if (old.text == e.text && old.sent_at == e.sent_at) {
      // Including where the owner has replied since: what follows the
      // message to answer is not part of it.
      ++unchanged;
      EXPECT_EQ(new_message->source_id, old_message->source_id);
      EXPECT_EQ(new_message->thread.size(), old_message->thread.size());
    } else {
      ++changed;
      EXPECT_NE(new_message->source_id, old_message->source_id);
    }
  }
  EXPECT_GT(changed, 50);
  EXPECT_GT(unchanged, 400);
  EXPECT_LT(after.without_inbound, before.without_inbound);
}

TEST(LinkedInExportTest, RebuildsThreadsOrderedByDateWithSpeakers) {
  const std::string csv =
      std::string(kHeader) +
      // Newest first, as LinkedIn writes: the owner's reply after the
      // recruiter's follow-up is left out of the message to analyse.
      "c1,,Alex Rivera,https://www.linkedin.com/in/alex,Jane Roe,,"
      "2023-01-07 09:00:00 UTC,,Let me think.,SENT,No\n"
      "c1,,Jane Roe,https://www.linkedin.com/in/jane,Alex Rivera,,"
      "2023-01-06 09:00:00 UTC,,\"<p>Any news?</p>\",INBOX,No\n"
      "c1,,Alex Rivera,https://www.linkedin.com/in/alex,Jane Roe,,"
      "2023-01-05 12:00:00 UTC,,Tell me more,SENT,No\n"
      "c1,,Jane Roe,https://www.linkedin.com/in/jane,Alex Rivera,,"
      "2023-01-05 10:00:00 UTC,,\"<p>Hi Alex,</p><p>Role at X &amp; Y</p>\","
      "INBOX,No\n"
      "c2,,Alex Rivera,https://www.linkedin.com/in/alex,Sam Poe,,"
      "2023-01-01 10:00:00 UTC,,Hello Sam,SENT,No\n";
  const ExportResult result = ParseOrDie(csv);
  EXPECT_EQ(result.owner_name, "Alex Rivera");
  EXPECT_EQ(result.owner_profile_url, "https://www.linkedin.com/in/alex");
  EXPECT_EQ(result.conversations, 2);
  EXPECT_EQ(result.without_inbound, 1);
  ASSERT_EQ(result.messages.size(), 1u);
  const core::Message& m = result.messages[0];
  EXPECT_EQ(m.conversation_id, "c1");
  EXPECT_EQ(m.sender, "Jane Roe");
  EXPECT_EQ(m.sender_profile_url, "https://www.linkedin.com/in/jane");
  EXPECT_EQ(m.text, "Any news?");
  EXPECT_EQ(m.sent_at, "2023-01-06T09:00:00Z");
  ASSERT_EQ(m.thread.size(), 2u);
  EXPECT_EQ(m.thread[0].from, Speaker::kRecruiter);
  EXPECT_EQ(m.thread[0].text, "Hi Alex,\n\nRole at X & Y");
  EXPECT_EQ(m.thread[0].sent_at, "2023-01-05T10:00:00Z");
  EXPECT_EQ(m.thread[1].from, Speaker::kCandidate);
  EXPECT_EQ(m.thread[1].text, "Tell me more");
}

TEST(LinkedInExportTest, BreaksDateTiesByTheFilesOwnDirection) {
  // Two messages in the same second. In a newest-first file the upper one
  // is the later; in an oldest-first file, the lower one.
  const std::string newest_first =
      std::string(kHeader) +
      "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:05 UTC,,third,,\n"
      "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:00 UTC,,second,,\n"
      "c,,Alex Rivera,,Jane Roe,,2023-01-05 10:00:00 UTC,,first,,\n"
      "d,,Alex Rivera,,Jane Roe,,2023-01-04 10:00:00 UTC,,hello,,\n";
  ExportOptions options;
  options.owner_hint = "Alex Rivera";
  ExportResult result = ParseOrDie(newest_first, options);
  ASSERT_EQ(result.messages.size(), 1u);
  ASSERT_EQ(result.messages[0].thread.size(), 2u);
  EXPECT_EQ(result.messages[0].thread[0].text, "first");
  EXPECT_EQ(result.messages[0].thread[1].text, "second");

  const std::string oldest_first =
      std::string(kHeader) +
      "c,,Alex Rivera,,Jane Roe,,2023-01-05 10:00:00 UTC,,first,,\n"
      "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:00 UTC,,second,,\n"
      "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:05 UTC,,third,,\n";
  result = ParseOrDie(oldest_first, options);
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text, "third");
  ASSERT_EQ(result.messages[0].thread.size(), 2u);
  EXPECT_EQ(result.messages[0].thread[0].text, "first");
  EXPECT_EQ(result.messages[0].thread[0].from, Speaker::kCandidate);
}

TEST(LinkedInExportTest, OwnerHintByNameOrProfileUrl) {
  // One conversation: both people are in it, so only the hint can say who
  // the owner is.
  const std::string csv =
      std::string(kHeader) +
      "c,,Zed Able,https://www.linkedin.com/in/zed/,Amy Bloom,"
      "https://linkedin.com/in/amy,2023-01-05 10:00:00 UTC,,From Zed,,\n"
      "c,,Amy Bloom,https://linkedin.com/in/amy,Zed Able,"
      "https://www.linkedin.com/in/zed/,2023-01-06 10:00:00 UTC,,From Amy,,\n";
  ExportResult result = ParseOrDie(csv);
  // Without a hint: same conversations, same messages received; the tie
  // goes to the smallest name.
  EXPECT_EQ(result.owner_name, "Amy Bloom");
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text, "From Zed");

  ExportOptions by_name;
  by_name.owner_hint = " zed able ";
  result = ParseOrDie(csv, by_name);
  EXPECT_EQ(result.owner_name, "Zed Able");
  EXPECT_EQ(result.owner_profile_url, "https://www.linkedin.com/in/zed/");
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text, "From Amy");
  EXPECT_EQ(result.messages[0].thread[0].from, Speaker::kCandidate);

  ExportOptions by_url;
  by_url.owner_hint = "http://linkedin.com/in/zed?trk=profile";
  result = ParseOrDie(csv, by_url);
  EXPECT_EQ(result.owner_name, "Zed Able");
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text, "From Amy");
}

TEST(LinkedInExportTest, FindsTheOwnerInTheMostConversations) {
  const std::string csv =
      std::string(kHeader) +
      "a,,Recruiter One,,Pat Doe,,2023-01-01 10:00:00 UTC,,hi,,\n"
      "a,,Recruiter One,,Pat Doe,,2023-01-02 10:00:00 UTC,,hi again,,\n"
      "a,,Recruiter One,,Pat Doe,,2023-01-03 10:00:00 UTC,,and again,,\n"
      "b,,Recruiter Two,,Pat Doe,,2023-01-01 10:00:00 UTC,,hello,,\n"
      "c,,Pat Doe,,\"Doe, Jo\",,2023-01-01 10:00:00 UTC,,hey Jo,,\n"
      "c,,\"Doe, Jo\",,Pat Doe,,2023-01-01 11:00:00 UTC,,hey Pat,,\n";
  const ExportResult result = ParseOrDie(csv);
  EXPECT_EQ(result.owner_name, "Pat Doe");
  EXPECT_EQ(result.messages.size(), 3u);
}

TEST(LinkedInExportTest, AHintThatNamesNobodyFallsBackToTheGuess) {
  const std::string csv =
      std::string(kHeader) +
      "a,,Recruiter One,,Pat Doe,,2023-01-01 10:00:00 UTC,,hi,,\n"
      "b,,Recruiter Two,,Pat Doe,,2023-01-01 10:00:00 UTC,,hello,,\n"
      "b,,Pat Doe,,Recruiter Two,,2023-01-01 11:00:00 UTC,,hey,,\n";
  ExportOptions options;
  options.owner_hint = "Patricia Doe-Smith";  // The profile's spelling.
  absl::StatusOr<ExportResult> result = ParseMessagesCsv(csv, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->owner_name, "Pat Doe");
  EXPECT_EQ(result->messages.size(), 2u);
}

TEST(LinkedInExportTest, SkipsDraftsAndSponsoredConversations) {
  const std::string csv =
      std::string(kHeader) +
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 10:00:00 UTC,,Real offer,INBOX,No\n"
      "a,,Alex Rivera,,Jane Roe,,2023-01-02 10:00:00 UTC,,Unsent,DRAFTS,Yes\n"
      "b,,Acme,,Alex Rivera,,2023-01-01 10:00:00 UTC,,Buy,SPONSORED,No\n"
      "c,Sponsored,Acme,,Alex Rivera,,2023-01-01 10:00:00 UTC,,Buy,INBOX,\n"
      "d,,LinkedIn Offer,,Alex Rivera,,2023-01-01 10:00:00 UTC,,Try,INBOX,\n"
      "e,,Acme,,Alex Rivera,,2023-01-01 10:00:00 UTC,Sponsored InMail,Hi,,\n"
      "f,Visa sponsored role,Sam Poe,,Alex Rivera,,"
      "2023-01-01 10:00:00 UTC,Sponsorship available,Real too,SPAM,false\n"
      "g,,Alex Rivera,,Sam Poe,,2023-01-01 10:00:00 UTC,,Only a draft,,true\n"
      ",,Alex Rivera,,,,,,A draft to no one,,Yes\n";
  ExportOptions options;
  options.owner_hint = "Alex Rivera";
  const ExportResult result = ParseOrDie(csv, options);
  EXPECT_EQ(result.rows, 9);
  EXPECT_EQ(result.skipped_drafts, 3);
  EXPECT_EQ(result.skipped_sponsored, 4);
  EXPECT_EQ(result.conversations, 7);
  EXPECT_EQ(result.without_inbound, 1);  // g: a draft only.
  ASSERT_EQ(result.messages.size(), 2u);
  EXPECT_EQ(result.messages[0].text, "Real offer");
  EXPECT_EQ(result.messages[1].text, "Real too");
  EXPECT_TRUE(result.errors.empty());
}

TEST(LinkedInExportTest, ReportsMalformedRowsByLineAndImportsTheRest) {
  const std::string csv =
      "\xEF\xBB\xBF" + std::string(kHeader) +                            // 1
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 10:00:00 UTC,,ok 1,,\r\n"    // 2
      "a,,Jane Roe,,Alex Rivera,,not a date,,bad date,,\r\n"             // 3
      "a,,Jane Roe,,Alex Rivera,,,,no date,,\r\n"                        // 4
      "\r\n"                                                             // 5
      "a,,,,Alex Rivera,,2023-01-01 11:00:00 UTC,,no sender,,\r\n"       // 6
      "b,,Jane Roe,,\"Alex\r\nRivera\",,2023-01-02 10:00:00 UTC,,"       // 7-8
      "\"multi\r\nline\",,\r\n"                                          // 8-9
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 12:00:00 UTC,,   ,,\r\n"     // 10
      "a,,Jane Roe,too,few\r\n"                                          // 11
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 13:00:00 UTC,,x,,,y\r\n"     // 12
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 14:00:00 UTC,,ok 2,,,,\r\n"  // 13
      ",,Jane Roe,,Alex Rivera,,2023-01-01 15:00:00 UTC,,no id,,\r\n"    // 14
      "a,,Jane Roe,,Alex Rivera,,2023-01-01 16:00:00 UTC,,\"open\r\n"    // 15
      "and never closed,,\r\n";
  ExportOptions options;
  options.owner_hint = "Alex Rivera";
  const ExportResult result = ParseOrDie(csv, options);
  std::vector<std::string> messages;
  for (const RowError& e : result.errors) messages.push_back(e.message);
  const std::vector<std::string> expected = {
      "line 3: unparseable DATE \"not a date\"",
      "line 4: missing DATE",
      "line 6: missing FROM",
      "line 10: missing CONTENT",
      "line 11: expected 11 fields, found 5",
      "line 12: expected 11 fields, found 12",
      "line 14: missing CONVERSATION ID",
      "line 15: unterminated quoted field runs to the end of the file",
  };
  EXPECT_EQ(messages, expected);
  EXPECT_EQ(result.rows, 11);
  ASSERT_EQ(result.messages.size(), 2u);
  EXPECT_EQ(result.messages[0].text, "ok 2");
  EXPECT_EQ(result.messages[0].thread.size(), 1u);
  EXPECT_EQ(result.messages[1].text, "multi\nline");
}

TEST(LinkedInExportTest, MatchesColumnsByNameInAnyOrder) {
  const std::string csv =
      "Notes:,\n"
      "\"This file lists your messages.\"\n"
      "\n"
      " content , Extra Column,from ,Conversation_ID,date\n"
      "Hello there,zzz,Jane Roe,c1,2023-01-05 10:00:00 UTC\n"
      "Hi,zzz,Alex Rivera,c1,2023-01-05 09:00:00 UTC\n";
  ExportOptions options;
  options.owner_hint = "alex rivera";
  const ExportResult result = ParseOrDie(csv, options);
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text, "Hello there");
  EXPECT_EQ(result.messages[0].sent_at, "2023-01-05T10:00:00Z");
  ASSERT_EQ(result.messages[0].thread.size(), 1u);
  EXPECT_EQ(result.messages[0].thread[0].from, Speaker::kCandidate);
}

TEST(LinkedInExportTest, GroupsByPeopleWhenThereIsNoConversationId) {
  const std::string csv =
      "FROM,TO,DATE,CONTENT\n"
      "Jane Roe,Alex Rivera,2023-01-05 10:00:00 UTC,Offer\n"
      "Alex Rivera,Jane Roe,2023-01-05 11:00:00 UTC,Thanks\n"
      "Sam Poe,Alex Rivera,2023-01-06 10:00:00 UTC,Other offer\n";
  const ExportResult result = ParseOrDie(csv);
  EXPECT_EQ(result.owner_name, "Alex Rivera");
  EXPECT_EQ(result.conversations, 2);
  ASSERT_EQ(result.messages.size(), 2u);
  EXPECT_EQ(result.messages[0].text, "Offer");
  EXPECT_TRUE(result.messages[0].conversation_id.starts_with("participants-"));
}

TEST(LinkedInExportTest, RejectsInputWithoutAUsableHeader) {
  const std::string inputs[] = {
      "",
      "\xEF\xBB\xBF",
      "\n\n",
      "CONVERSATION ID,DATE,CONTENT\nc,2023-01-05 10:00:00 UTC,hi\n",
      "CONVERSATION ID,FROM,DATE\nc,Jane,2023-01-05 10:00:00 UTC\n",
      std::string("\xFF\xFE"
                  "F\0R\0O\0M\0",
                  10),
  };
  for (const std::string& input : inputs) {
    const absl::StatusOr<ExportResult> result = ParseLinkedInExport(input, {});
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << input;
  }
}

TEST(LinkedInExportTest, RefusesInputLargerThanMaxBytes) {
  ExportOptions options;
  options.max_bytes = 100;
  const std::string csv = GenerateLinkedInExport({});
  EXPECT_EQ(ParseMessagesCsv(csv, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLinkedInExport(csv, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LinkedInExportTest, CapsTheListOfErrors) {
  std::string csv = kHeader;
  for (int i = 0; i < 5000; ++i) csv += "a,,Jane,,Alex,,bad,,x,,\n";
  const ExportResult result = ParseOrDie(csv);
  EXPECT_EQ(result.rows, 5000);
  ASSERT_EQ(result.errors.size(), 1001u);
  EXPECT_EQ(result.errors[999].line, 1001);
  EXPECT_EQ(result.errors[1000].line, 1002);
  EXPECT_EQ(result.errors[1000].message,
            "line 1002: 4000 more malformed rows from here on, not listed");
}

TEST(LinkedInExportZipTest, ReadsMessagesCsvFromTheArchive) {
  ExportManifest manifest;
  const std::string csv = GenerateLinkedInExport({}, &manifest);
  const absl::StatusOr<std::string> zip = MakeZip({
      {"Basic_LinkedInDataExport_01-05-2024/Connections.csv",
       "First Name,Last Name\nJane,Roe\n"},
      {"Basic_LinkedInDataExport_01-05-2024/guide_messages.csv", "x,y\n"},
      {"Basic_LinkedInDataExport_01-05-2024/messages.csv", csv},
      {"Basic_LinkedInDataExport_01-05-2024/Profile.csv", "First Name\nA\n"},
  });
  ASSERT_TRUE(zip.ok()) << zip.status();
  EXPECT_LT(zip->size(), csv.size());  // Deflated.
  const absl::StatusOr<ExportResult> result = ParseLinkedInExport(*zip, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectMatchesManifest(*result, manifest);
}

TEST(LinkedInExportZipTest, FindsMessagesCsvAtAnyDepthShallowestFirst) {
  const std::string good =
      std::string(kHeader) +
      "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:00 UTC,,found me,,\n";
  const absl::StatusOr<std::string> zip = MakeZip({
      {"a/b/c/messages.csv", "not,the,one\n"},
      {"Complete_LinkedInDataExport/Messages.CSV", good},
  });
  ASSERT_TRUE(zip.ok()) << zip.status();
  const absl::StatusOr<ExportResult> result = ParseLinkedInExport(*zip, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->messages.size(), 1u);
  EXPECT_EQ(result->messages[0].text, "found me");
}

TEST(LinkedInExportZipTest, RejectsArchivesWithoutMessagesAndOtherBlobs) {
  const absl::StatusOr<std::string> zip =
      MakeZip({{"Basic_LinkedInDataExport/Connections.csv", "a,b\n"}});
  ASSERT_TRUE(zip.ok()) << zip.status();
  absl::StatusOr<ExportResult> result = ParseLinkedInExport(*zip, {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "no messages.csv in the archive");

  const absl::StatusOr<std::string> empty = MakeZip({});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(ParseLinkedInExport(*empty, {}).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::string corrupt = *zip;
  for (size_t i = 30; i < corrupt.size(); i += 7) corrupt[i] ^= 0x5A;
  EXPECT_EQ(ParseLinkedInExport(corrupt, {}).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::string blob;
  for (int i = 0; i < 4096; ++i) blob.push_back(static_cast<char>(i * 131));
  EXPECT_EQ(ParseLinkedInExport(blob, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LinkedInExportZipTest, RefusesAnEntryLargerThanMaxBytes) {
  // A small archive that inflates to 2 MB: a (mild) zip bomb.
  std::string csv = std::string(kHeader) +
                    "c,,Jane Roe,,Alex Rivera,,2023-01-05 10:00:00 UTC,,\"";
  csv.append(2 << 20, 'a');
  csv += "\",,\n";
  const absl::StatusOr<std::string> zip = MakeZip({{"messages.csv", csv}});
  ASSERT_TRUE(zip.ok()) << zip.status();
  ExportOptions options;
  options.max_bytes = 1 << 20;
  ASSERT_LT(static_cast<int64_t>(zip->size()), options.max_bytes);
  const absl::StatusOr<ExportResult> result =
      ParseLinkedInExport(*zip, options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("limit"), std::string::npos)
      << result.status();
  options.max_bytes = 4 << 20;
  EXPECT_TRUE(ParseLinkedInExport(*zip, options).ok());
}

TEST(LinkedInExportHostileTest, SurvivesHostileInputInLinearTime) {
  const std::string prefix = std::string(kHeader) +
                             "c,,Jane,,Alex,,"
                             "2023-01-05 10:00:00 UTC,,";
  std::string commas = std::string(kHeader) + std::string(100000, ',') + "\n";
  std::string big_field = prefix + "\"";
  big_field.append(10 << 20, 'x');
  big_field += "\",,\n";
  std::string invalid_utf8 = prefix +
                             "\"\xFF\xFE\xC0\xAF ok \xED\xA0\x80 "
                             "\xF4\x90\x80\x80 \xE2\x82\",,\n";
  std::string nuls = prefix + std::string("a\0b\0c", 5) + ",,\n" +
                     std::string("\0\0\0,\0\n", 6);
  std::string quotes(1 << 20, '"');
  std::string newlines = std::string(kHeader) + std::string(2 << 20, '\n');
  std::string tags;
  for (int i = 0; i < 300000; ++i) tags += "<a href=x><p";
  tags = prefix + "\"" + tags + "\",,\n";
  const std::string* inputs[] = {&commas, &big_field, &invalid_utf8, &nuls,
                                 &quotes, &newlines,  &tags};
  for (const std::string* input : inputs) {
    ExportResult result;
    const double seconds = SecondsToParse(*input, &result);
    std::printf("hostile input of %zu bytes: %.0f ms\n", input->size(),
                seconds * 1000);
    EXPECT_LT(seconds, 2.0 * testing::kTimeLimitScale) << input->substr(0, 60);
    ExpectValidUtf8(result);
  }
  ExportResult result;
  SecondsToParse(invalid_utf8, &result);
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_NE(result.messages[0].text.find("ok"), std::string::npos);
  SecondsToParse(big_field, &result);
  ASSERT_EQ(result.messages.size(), 1u);
  EXPECT_EQ(result.messages[0].text.size(), 10u << 20);
}

}  // namespace
}  // namespace lia::ingest
