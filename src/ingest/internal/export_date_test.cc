#include "ingest/internal/export_date.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace lia::ingest::internal {
namespace {

struct DateCase {
  std::string input;
  std::optional<std::string> rfc3339;  // nullopt: must be rejected.
};

TEST(ExportDateTest, ParsesLinkedInDatesAndRejectsTheRest) {
  const DateCase cases[] = {
      {"2023-01-05 10:00:00 UTC", "2023-01-05T10:00:00Z"},
      {"  2023-01-05 10:00:00 utc ", "2023-01-05T10:00:00Z"},
      {"2023-01-05 10:00:00", "2023-01-05T10:00:00Z"},
      {"2023-01-05T10:00:00Z", "2023-01-05T10:00:00Z"},
      {"2023-01-05 10:00 GMT", "2023-01-05T10:00:00Z"},
      {"2023-01-05 10:00:00.123 UTC", "2023-01-05T10:00:00Z"},
      {"2023-01-05T10:00:00+02:00", "2023-01-05T08:00:00Z"},
      {"2023-01-05 23:30:00 -0130", "2023-01-06T01:00:00Z"},
      {"2024-02-29 00:00:00 UTC", "2024-02-29T00:00:00Z"},
      {"1999-12-31 23:59:59 UTC", "1999-12-31T23:59:59Z"},
      {"2023-02-29 00:00:00 UTC", std::nullopt},
      {"2023-13-01 00:00:00 UTC", std::nullopt},
      {"2023-01-05 24:00:00 UTC", std::nullopt},
      {"2023-01-05 10:60:00 UTC", std::nullopt},
      {"2023-01-05 10:00:00 PST", std::nullopt},
      {"2023-01-05", std::nullopt},
      {"05/01/2023 10:00", std::nullopt},
      {"yesterday", std::nullopt},
      {"", std::nullopt},
      {"2023-01-05 10:00:00 UTC trailing", std::nullopt},
      {std::string("2023-01-05\0 10:00:00", 20), std::nullopt},
  };
  for (const DateCase& c : cases) {
    const std::optional<int64_t> ts = ParseExportDate(c.input);
    ASSERT_EQ(ts.has_value(), c.rfc3339.has_value()) << c.input;
    if (ts.has_value()) {
      EXPECT_EQ(FormatRfc3339Utc(*ts), *c.rfc3339) << c.input;
    }
  }
}

TEST(ExportDateTest, FormatsTheEpochAndEarlierTimes) {
  EXPECT_EQ(FormatRfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(1672912800), "2023-01-05T10:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(-1), "1969-12-31T23:59:59Z");
}

}  // namespace
}  // namespace lia::ingest::internal
