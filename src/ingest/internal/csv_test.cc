#include "ingest/internal/csv.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ingest/testing/time_limits.h"

namespace lia::ingest::internal {
namespace {

struct ReadRecord {
  int64_t line;
  std::vector<std::string> fields;
  bool unterminated = false;
};

std::vector<ReadRecord> ReadAll(std::string_view text) {
  CsvReader reader(text);
  CsvRecord record;
  std::vector<ReadRecord> out;
  while (reader.Next(&record)) {
    out.push_back({record.line, record.fields, record.unterminated_quote});
  }
  return out;
}

struct CsvCase {
  std::string name;
  std::string input;
  std::vector<ReadRecord> records;
};

bool operator==(const ReadRecord& a, const ReadRecord& b) {
  return a.line == b.line && a.fields == b.fields &&
         a.unterminated == b.unterminated;
}

void PrintTo(const ReadRecord& r, std::ostream* os) {
  *os << "{line " << r.line << ":";
  for (const std::string& f : r.fields) *os << " [" << f << "]";
  if (r.unterminated) *os << " unterminated";
  *os << "}";
}

TEST(CsvReaderTest, ReadsRfc4180AndTheLenientCasesOfRealFiles) {
  const CsvCase cases[] = {
      {"empty", "", {}},
      {"one field no newline", "a", {{1, {"a"}}}},
      {"trailing LF adds no record", "a,b\n", {{1, {"a", "b"}}}},
      {"CRLF", "a,b\r\nc,d\r\n", {{1, {"a", "b"}}, {2, {"c", "d"}}}},
      {"lone CR ends a record", "a\rb", {{1, {"a"}}, {2, {"b"}}}},
      {"BOM skipped", "\xEF\xBB\xBFx,y\n", {{1, {"x", "y"}}}},
      {"empty fields", ",,\n", {{1, {"", "", ""}}}},
      {"blank line", "a\n\nb\n", {{1, {"a"}}, {2, {""}}, {3, {"b"}}}},
      {"quoted comma and quote",
       "\"a,b\",\"say \"\"hi\"\"\"\n",
       {{1, {"a,b", "say \"hi\""}}}},
      {"quoted newlines move the line count",
       "\"l1\nl2\r\nl3\",x\ny,z\n",
       {{1, {"l1\nl2\r\nl3", "x"}}, {4, {"y", "z"}}}},
      {"quote inside an unquoted field is literal",
       "ab\"c,d\n",
       {{1, {"ab\"c", "d"}}}},
      {"text after a closing quote is kept",
       "\"ab\"cd,e",
       {{1, {"abcd", "e"}}}},
      {"empty quoted field", "\"\",x", {{1, {"", "x"}}}},
      {"unterminated quote at the end",
       "a,b\n\"c,\nd",
       {{1, {"a", "b"}}, {2, {"c,\nd"}, true}}},
      {"NUL bytes are data",
       std::string("a\0b,c", 5),
       {{1, {std::string("a\0b", 3), "c"}}}},
  };
  for (const CsvCase& c : cases) {
    EXPECT_EQ(ReadAll(c.input), c.records) << c.name;
  }
}

TEST(CsvReaderTest, CountsFieldsPastTheCapWithoutStoringThem) {
  const std::string commas(100000, ',');
  CsvReader reader(commas, /*max_fields=*/16);
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_EQ(record.field_count, 100001);
  EXPECT_EQ(record.fields.size(), 16u);
  EXPECT_FALSE(reader.Next(&record));
}

TEST(CsvReaderTest, ReadsATenMegabyteFieldInLinearTime) {
  std::string text = "\"";
  text.append(10 << 20, 'x');
  text += "\"\"\",y\n";
  const auto start = std::chrono::steady_clock::now();
  CsvReader reader(text);
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_EQ(record.fields.size(), 2u);
  EXPECT_EQ(record.fields[0].size(), (10u << 20) + 1);
  EXPECT_EQ(record.fields[1], "y");
  EXPECT_LT(seconds, 1.0 * testing::kTimeLimitScale);
}

}  // namespace
}  // namespace lia::ingest::internal
