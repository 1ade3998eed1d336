// CronExpression (cron.h), from tables: what parses and to which canonical
// text, what is refused and why, and which minute comes next.

#include "jobs/cron.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace lia::jobs {
namespace {

absl::Time Utc(const std::string& text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &t, &err))
      << text << ": " << err;
  return t;
}

std::string Show(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

TEST(CronExpressionTest, ParsesToCanonicalText) {
  struct Case {
    std::string_view text;
    std::string_view canonical;
  };
  const Case cases[] = {
      {"* * * * *", "* * * * *"},
      {"0 9 * * *", "0 9 * * *"},
      {"  0\t9   * *  *  ", "0 9 * * *"},
      {"*/15 * * * *", "*/15 * * * *"},
      {"*/1 */1 */1 */1 */1", "* * * * *"},
      {"1-30/5 * * * *", "1,6,11,16,21,26 * * * *"},
      {"1-5/1 * * * *", "1-5 * * * *"},
      {"5/15 * * * *", "5,20,35,50 * * * *"},
      {"0,30 1,2,3 1,15 * *", "0,30 1-3 1,15 * *"},
      {"0 0 * JAN-mar MON-fri", "0 0 * 1-3 1-5"},
      {"0 0 * dec Sun", "0 0 * 12 0"},
      {"0 0 * * 7", "0 0 * * 0"},
      {"0 0 * * 0-7", "0 0 * * 0-6"},
      {"0 0 * * fri-sun", "0 0 * * 0,5,6"},
      {"0 0 * * sat,sun", "0 0 * * 0,6"},
      {"0 0 29 2 *", "0 0 29 2 *"},
      {"00 09 01 01 *", "0 9 1 1 *"},
      {"59 23 31 12 6", "59 23 31 12 6"},
      {"0 0 * jan/3 *", "0 0 * 1,4,7,10 *"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CronExpression> e = CronExpression::Parse(c.text);
    ASSERT_TRUE(e.ok()) << c.text << ": " << e.status();
    EXPECT_EQ(e->ToString(), c.canonical) << c.text;
    // The canonical text parses back to the same expression.
    absl::StatusOr<CronExpression> again = CronExpression::Parse(e->ToString());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *e) << c.text;
  }
}

TEST(CronExpressionTest, RefusesMalformedInputNamingTheFieldAndText) {
  struct Case {
    std::string text;
    std::string_view message_part;  // Found in the error message.
  };
  const Case cases[] = {
      {"", "has 0 fields"},
      {"   ", "has 0 fields"},
      {"* * * *", "has 4 fields"},
      {"* * * * * *", "has 6 fields"},
      {"60 * * * *", "minute field: \"60\" is out of range 0-59"},
      {"* 24 * * *", "hour field: \"24\" is out of range 0-23"},
      {"* * 0 * *", "day-of-month field: \"0\" is out of range 1-31"},
      {"* * 32 * *", "day-of-month field: \"32\""},
      {"* * * 0 *", "month field: \"0\""},
      {"* * * 13 *", "month field: \"13\""},
      {"* * * * 8", "day-of-week field: \"8\" is out of range 0-7"},
      {"5-1 * * * *", "minute field: \"5-1\" is a backwards range"},
      {"* * * * sat-mon", "day-of-week field: \"sat-mon\" is a backwards"},
      {"*/0 * * * *", "minute field: \"*/0\" has a step out of range 1-59"},
      {"*/60 * * * *", "minute field: \"*/60\" has a step out of range"},
      {"*/ * * * *", "minute field: \"*/\" has a step that is not a number"},
      {"*/x * * * *", "minute field: \"*/x\" has a step that is not"},
      {"1/2/3 * * * *", "minute field: \"1/2/3\" has a step that is not"},
      {"1,,2 * * * *", "minute field: \"1,,2\" has an empty list element"},
      {"1, * * * *", "minute field: \"1,\" has an empty list element"},
      {",1 * * * *", "minute field: \",1\" has an empty list element"},
      {"a * * * *", "minute field: \"a\" is not a number"},
      {"mon * * * *", "minute field: \"mon\" is not a number"},
      {"-1 * * * *", "minute field: \"-1\" is missing a number"},
      {"1- * * * *", "minute field: \"1-\" is missing a number"},
      {"+1 * * * *", "minute field: \"+1\" is not a number"},
      {"1-2-3 * * * *", "minute field: \"1-2-3\" is not a number"},
      {"*-5 * * * *", "minute field: \"*-5\" is not a number"},
      {"* * * foo *", "month field: \"foo\" is neither a number nor a name"},
      {"* * * mon *", "month field: \"mon\" is neither"},
      {"* * * * jan", "day-of-week field: \"jan\" is neither"},
      {"* * * * monday", "day-of-week field: \"monday\" is neither"},
      {"* * 30 2 *", "day-of-month field: \"30\" names no day that exists"},
      {"* * 31 4,6,9,11 *", "names no day that exists in month field"},
      {"9999999999999999999999 * * * *", "is out of range 0-59"},
      {"*/99999999999999999999 * * * *", "has a step out of range"},
      {std::string("\xff\xfe * * * *"), "minute field: \"\\xff\\xfe\""},
      {std::string("1\0 * * * *", 10), "minute field: \"1\\x00\""},
      {std::string(200, '1') + " * * * *", "...\" is out of range"},
      {std::string(100000, '*'), "100000 bytes long; at most 256"},
      {std::string(CronExpression::kMaxLength + 1, ' '), "at most 256"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CronExpression> e = CronExpression::Parse(c.text);
    ASSERT_FALSE(e.ok()) << c.text.substr(0, 40);
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(e.status().message());
    EXPECT_NE(message.find(c.message_part), std::string::npos)
        << c.text.substr(0, 40) << " -> " << e.status().message();
    EXPECT_LT(e.status().message().size(), 300u) << "quoted text is bounded";
  }
}

TEST(CronExpressionTest, AcceptsAFullListUpToTheLengthLimit) {
  std::string minutes = "0";
  for (int m = 1; m < 60; ++m) absl::StrAppend(&minutes, ",", m);
  absl::StatusOr<CronExpression> e =
      CronExpression::Parse(minutes + " * * * *");
  ASSERT_TRUE(e.ok()) << e.status();
  absl::StatusOr<absl::Time> next = e->Next(Utc("2027-01-15T09:00:00Z"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(Show(*next), "2027-01-15T09:01:00Z");
}

TEST(CronExpressionTest, NextIsTheFirstMatchingMinuteStrictlyAfter) {
  struct Case {
    std::string_view cron;
    std::string after;
    std::string_view next;
  };
  const Case cases[] = {
      // Strictly after, to the minute.
      {"0 9 * * *", "2027-01-15T08:59:59Z", "2027-01-15T09:00:00Z"},
      {"0 9 * * *", "2027-01-15T09:00:00Z", "2027-01-16T09:00:00Z"},
      {"0 9 * * *", "2027-01-15T09:00:00.001Z", "2027-01-16T09:00:00Z"},
      {"* * * * *", "2027-01-15T09:00:30Z", "2027-01-15T09:01:00Z"},
      {"* * * * *", "2027-01-15T09:00:59.999Z", "2027-01-15T09:01:00Z"},
      // Steps and ranges.
      {"*/15 * * * *", "2027-01-15T09:07:00Z", "2027-01-15T09:15:00Z"},
      {"*/15 * * * *", "2027-01-15T09:45:00Z", "2027-01-15T10:00:00Z"},
      {"1-30/5 * * * *", "2027-01-15T09:25:00Z", "2027-01-15T09:26:00Z"},
      {"1-30/5 * * * *", "2027-01-15T09:26:00Z", "2027-01-15T10:01:00Z"},
      {"5/20 * * * *", "2027-01-15T09:45:00Z", "2027-01-15T10:05:00Z"},
      {"0 */6 * * *", "2027-01-15T18:00:00Z", "2027-01-16T00:00:00Z"},
      {"30 22-23 * * *", "2027-01-15T23:30:00Z", "2027-01-16T22:30:00Z"},
      // Month ends and year ends.
      {"0 0 31 * *", "2027-04-01T00:00:00Z", "2027-05-31T00:00:00Z"},
      {"0 0 31 * *", "2027-05-31T00:00:00Z", "2027-07-31T00:00:00Z"},
      {"0 0 30 * *", "2027-01-30T00:00:00Z", "2027-03-30T00:00:00Z"},
      {"59 23 31 12 *", "2027-12-31T23:58:00Z", "2027-12-31T23:59:00Z"},
      {"59 23 31 12 *", "2027-12-31T23:59:00Z", "2028-12-31T23:59:00Z"},
      {"0 0 1 1 *", "2027-12-31T23:59:59Z", "2028-01-01T00:00:00Z"},
      {"0 0 1 * *", "2027-01-31T12:00:00Z", "2027-02-01T00:00:00Z"},
      {"0 0 * * *", "1969-12-31T12:00:00Z", "1970-01-01T00:00:00Z"},
      // Leap years: every 4, not 2100, but 2000.
      {"0 0 29 2 *", "2027-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
      {"0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"},
      {"0 0 29 2 *", "2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z"},
      {"0 0 29 2 *", "1999-03-01T00:00:00Z", "2000-02-29T00:00:00Z"},
      {"0 0 28 2 *", "2028-02-28T00:00:00Z", "2029-02-28T00:00:00Z"},
      {"0 0 1 3 *", "2028-02-28T00:00:00Z", "2028-03-01T00:00:00Z"},
      // February 29th on a Sunday (day of week `*/7`: the field starts
      // with `*`, so both must match): 2060, then 2128 across 2100.
      {"0 0 29 2 */7", "2033-01-01T00:00:00Z", "2060-02-29T00:00:00Z"},
      {"0 0 29 2 */7", "2089-01-01T00:00:00Z", "2128-02-29T00:00:00Z"},
      // Days of week; 2026-11-29 is a Sunday.
      {"0 9 * * mon", "2026-11-29T00:00:00Z", "2026-11-30T09:00:00Z"},
      {"0 9 * * 0", "2026-11-29T09:00:00Z", "2026-12-06T09:00:00Z"},
      {"0 9 * * 7", "2026-11-29T09:00:00Z", "2026-12-06T09:00:00Z"},
      {"0 9 * * sun", "2026-11-29T08:00:00Z", "2026-11-29T09:00:00Z"},
      {"0 9 * * mon-fri", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00Z"},
      {"0 9 * * fri-sun", "2026-11-29T09:00:00Z", "2026-12-04T09:00:00Z"},
      {"0 9 * * 5-7", "2026-12-05T09:00:00Z", "2026-12-06T09:00:00Z"},
      // Both restricted: either matches (13th or a Friday).
      {"0 9 13 * fri", "2026-11-29T00:00:00Z", "2026-12-04T09:00:00Z"},
      {"0 9 1 * sun", "2026-11-29T10:00:00Z", "2026-12-01T09:00:00Z"},
      {"0 0 1-31 * mon", "2026-11-29T10:00:00Z", "2026-11-30T00:00:00Z"},
      {"0 0 * * 0-6", "2026-11-29T10:00:00Z", "2026-11-30T00:00:00Z"},
      // Day of month starting with `*`: both must match (odd Fridays).
      {"0 9 */2 * fri", "2026-11-29T00:00:00Z", "2026-12-11T09:00:00Z"},
      // Day of week starting with `*`: both must match.
      {"0 9 13 * */7", "2026-11-29T00:00:00Z", "2026-12-13T09:00:00Z"},
      {"0 9 13 * *", "2026-11-29T00:00:00Z", "2026-12-13T09:00:00Z"},
      // UTC throughout: daylight saving changes nothing (EU 2027-03-28,
      // US 2027-03-14, both at 01:00 or 02:00 local).
      {"30 2 * * *", "2027-03-28T00:00:00Z", "2027-03-28T02:30:00Z"},
      {"30 1 * * *", "2027-10-31T01:30:00Z", "2027-11-01T01:30:00Z"},
      {"0 2 14 3 *", "2027-03-13T00:00:00Z", "2027-03-14T02:00:00Z"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CronExpression> e = CronExpression::Parse(c.cron);
    ASSERT_TRUE(e.ok()) << c.cron << ": " << e.status();
    absl::StatusOr<absl::Time> next = e->Next(Utc(c.after));
    ASSERT_TRUE(next.ok()) << c.cron << " after " << c.after << ": "
                           << next.status();
    EXPECT_EQ(Show(*next), c.next) << c.cron << " after " << c.after;
  }
}

TEST(CronExpressionTest, NextRefusesInfinityAndStopsAtYear9999) {
  absl::StatusOr<CronExpression> e = CronExpression::Parse("0 0 29 2 *");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Next(absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Next(absl::InfinitePast()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->Next(Utc("9996-03-01T00:00:00Z")).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<absl::Time> last = e->Next(Utc("9995-03-01T00:00:00Z"));
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(Show(*last), "9996-02-29T00:00:00Z");
}

TEST(CronExpressionTest, EveryMinuteOfADayIsVisitedInOrder) {
  absl::StatusOr<CronExpression> e = CronExpression::Parse("* * * * *");
  ASSERT_TRUE(e.ok());
  absl::Time t = Utc("2028-02-28T23:00:00Z");
  for (int i = 0; i < 48 * 60; ++i) {
    absl::StatusOr<absl::Time> next = e->Next(t);
    ASSERT_TRUE(next.ok());
    ASSERT_EQ(*next - t, absl::Minutes(1)) << Show(t);
    t = *next;
  }
  EXPECT_EQ(Show(t), "2028-03-01T23:00:00Z");
}

TEST(CronExpressionTest, EqualityFollowsTheCanonicalForm) {
  absl::StatusOr<CronExpression> a = CronExpression::Parse("0 9 * * MON-FRI");
  absl::StatusOr<CronExpression> b = CronExpression::Parse("0  9 * *  1-5");
  absl::StatusOr<CronExpression> c = CronExpression::Parse("0 9 * * 1-4");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(*a == *c);
}

TEST(CronExpressionTest, RepeatedElementsCanonicaliseShort) {
  // Found by cron_fuzz: 240 bytes of repeated and overlapping elements once
  // canonicalised to more than kMaxLength bytes, which Parse then refused.
  std::string minutes;
  for (int i = 0; i < 60; ++i)
    absl::StrAppend(&minutes, i == 0 ? "" : ",", "1/1");
  minutes.resize(200);
  while (minutes.back() == ',' || minutes.back() == '/') minutes.pop_back();
  absl::StatusOr<CronExpression> e =
      CronExpression::Parse(minutes + " 1,1,1 */2,3,4 1/6 1,5");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->ToString(), "1-59 1 */2,4 1,7 1,5");
  absl::StatusOr<CronExpression> again = CronExpression::Parse(e->ToString());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *e);
}

}  // namespace
}  // namespace lia::jobs
