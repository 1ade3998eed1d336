#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "store/internal/cursor.h"
#include "store/internal/event_validation.h"
#include "store/internal/rows.h"
#include "store/internal/text_hash.h"
#include "store/internal/time.h"

namespace lia::store::internal {
namespace {

TEST(Sha256Test, MatchesTheStandardTestVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // 1,000,000 'a': many blocks.
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PadsEveryLengthAroundTheBlockEdge) {
  // 55, 56 and 64 bytes take one, two and two padding blocks.
  EXPECT_EQ(Sha256Hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Sha256Hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(TextHashTest, IgnoresSurroundingWhitespaceOnly) {
  EXPECT_EQ(TextHash("  Hello there\n"), TextHash("Hello there"));
  EXPECT_NE(TextHash("Hello  there"), TextHash("Hello there"));
  EXPECT_EQ(TextHash("abc"), Sha256Hex("abc"));
}

TEST(NormalizeTimestampTest, WritesUtcWithMilliseconds) {
  EXPECT_EQ(*NormalizeTimestamp("2026-11-29T10:00:00Z"),
            "2026-11-29T10:00:00.000Z");
  EXPECT_EQ(*NormalizeTimestamp("2026-11-29T11:00:00.123456+01:00"),
            "2026-11-29T10:00:00.123Z");
  EXPECT_EQ(*NormalizeTimestamp("2026-11-29"), "2026-11-29T00:00:00.000Z");
}

TEST(NormalizeTimestampTest, RejectsWhatIsNotATimestamp) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-11-29 10:00",
                          "29/11/2026", "10000-01-01T00:00:00Z"}) {
    EXPECT_EQ(NormalizeTimestamp(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(CursorTest, RoundTripsTextAndIntegerKeys) {
  Cursor text{"company", false, std::string("Acmé \"Corp\""), 42};
  absl::StatusOr<Cursor> back = DecodeCursor(EncodeCursor(text));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->sort, "company");
  EXPECT_FALSE(back->descending);
  EXPECT_EQ(std::get<std::string>(back->key), "Acmé \"Corp\"");
  EXPECT_EQ(back->id, 42);

  Cursor number{"total_score", true, int64_t{-1}, 7};
  back = DecodeCursor(EncodeCursor(number));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<int64_t>(back->key), -1);
  EXPECT_TRUE(back->descending);
}

TEST(CursorTest, RejectsForgedOrDamagedCursors) {
  for (const char* bad : {"", "!!!", "bm90IGpzb24", "e30", "W10"}) {
    EXPECT_EQ(DecodeCursor(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(RowsTest, AThreadRoundTripsThroughItsStoredText) {
  std::vector<core::ThreadEntry> thread(2);
  thread[0].from = core::Speaker::kRecruiter;
  thread[0].text = "Hola \xff";  // Invalid UTF-8 is replaced, not thrown.
  thread[0].sent_at = "2026-11-29T10:00:00Z";
  thread[1].from = core::Speaker::kCandidate;
  thread[1].text = "Hi";
  absl::StatusOr<std::vector<core::ThreadEntry>> back =
      ThreadFromJson(7, ThreadToJson(thread));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].from, core::Speaker::kRecruiter);
  EXPECT_EQ((*back)[0].text, "Hola \xef\xbf\xbd");
  EXPECT_EQ((*back)[0].sent_at, "2026-11-29T10:00:00Z");
  EXPECT_EQ((*back)[1].from, core::Speaker::kCandidate);
}

TEST(RowsTest, ACorruptThreadIsDataLossNeverAnException) {
  for (const char* bad :
       {"not json", "{}", "[1]", "[{\"from\": 5}]", "[{\"from\": \"alien\"}]",
        "[{\"from\": \"recruiter\", \"text\": []}]"}) {
    absl::StatusOr<std::vector<core::ThreadEntry>> thread =
        ThreadFromJson(7, bad);
    EXPECT_EQ(thread.status().code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_NE(std::string(thread.status().message()).find("stored message 7"),
              std::string::npos)
        << thread.status();
  }
}

TEST(RowsTest, DecodingRefusesUnknownWireNames) {
  OpportunityColumns c;
  c.id = 3;
  c.analysis_json = "{}";
  c.status = "new";
  c.processing_status = "completed";
  ASSERT_TRUE(DecodeOpportunity(c).ok());
  c.status = "pondering";
  EXPECT_EQ(DecodeOpportunity(c).status().code(), absl::StatusCode::kDataLoss);
  c.status = "new";
  c.manual_tier = "SUPREME";
  EXPECT_EQ(DecodeOpportunity(c).status().code(), absl::StatusCode::kDataLoss);
  c.manual_tier.reset();
  c.analysis_json = "[not json";
  EXPECT_EQ(DecodeOpportunity(c).status().code(), absl::StatusCode::kDataLoss);
  ResponseColumns r;
  r.id = 4;
  r.status = "maybe";
  r.kind = "decline";
  r.language = "en";
  absl::StatusOr<Response> response = DecodeResponse(r);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(response.status().message()).find("stored response 4"),
            std::string::npos);
}

TEST(RowsTest, AnEventWithABadTimestampIsDataLoss) {
  absl::StatusOr<Event> event =
      DecodeEvent(9, "job.failed", "{}", "2026-11-29T10:00:00.123Z");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->created_at, absl::FromUnixMillis(1795946400123));
  absl::StatusOr<Event> bad = DecodeEvent(9, "job.failed", "{}", "yesterday");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(std::string(bad.status().message()).find("stored event 9"),
            std::string::npos);
}

TEST(EventValidationTest, AcceptsWireTypesAndJsonOnly) {
  EXPECT_TRUE(ValidateEvent("opportunity.created", "{\"id\":1}").ok());
  for (const auto& [type, data] :
       std::vector<std::pair<std::string, std::string>>{
           {"", "{}"},
           {"Opportunity.Created", "{}"},
           {"a b", "{}"},
           {std::string(65, 'a'), "{}"},
           {"job.failed", "{not json"}}) {
    EXPECT_EQ(ValidateEvent(type, data).code(),
              absl::StatusCode::kInvalidArgument)
        << type;
  }
}

}  // namespace
}  // namespace lia::store::internal
