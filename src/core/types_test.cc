#include "core/types.h"

#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace lia::core {
namespace {

// Every value of an enum with its wire name; the tests below check that the
// list is complete (ToString of the next integer is empty).
template <typename E>
using WireTable = std::vector<std::pair<E, std::string_view>>;

template <typename E>
void ExpectRoundTrips(const WireTable<E>& table,
                      std::optional<E> (*parse)(std::string_view)) {
  std::set<std::string_view> names;
  for (const auto& [value, wire] : table) {
    SCOPED_TRACE(wire);
    EXPECT_EQ(ToString(value), wire);
    EXPECT_EQ(parse(wire), value);
    EXPECT_TRUE(names.insert(wire).second) << "duplicate wire name";
    // Case-insensitive both ways.
    std::string upper(wire);
    std::string lower(wire);
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(parse(upper), value);
    EXPECT_EQ(parse(lower), value);
  }
  // The table covers the whole enum: values are contiguous from zero.
  EXPECT_EQ(ToString(static_cast<E>(table.size())), "");
  EXPECT_EQ(parse(""), std::nullopt);
  EXPECT_EQ(parse("not a value"), std::nullopt);
}

TEST(EnumTest, ConversationStateRoundTrips) {
  ExpectRoundTrips<ConversationState>(
      {{ConversationState::kNewOpportunity, "NEW_OPPORTUNITY"},
       {ConversationState::kFollowUp, "FOLLOW_UP"},
       {ConversationState::kCourtesyClose, "COURTESY_CLOSE"}},
      &ParseConversationState);
}

TEST(EnumTest, QuestionTypeRoundTrips) {
  ExpectRoundTrips<QuestionType>({{QuestionType::kSalary, "SALARY"},
                                  {QuestionType::kAvailability, "AVAILABILITY"},
                                  {QuestionType::kExperience, "EXPERIENCE"},
                                  {QuestionType::kInterest, "INTEREST"},
                                  {QuestionType::kScheduling, "SCHEDULING"},
                                  {QuestionType::kNone, "NONE"},
                                  {QuestionType::kOther, "OTHER"}},
                                 &ParseQuestionType);
}

TEST(EnumTest, SeniorityRoundTrips) {
  ExpectRoundTrips<Seniority>({{Seniority::kUnknown, "Unknown"},
                               {Seniority::kIntern, "Intern"},
                               {Seniority::kJunior, "Junior"},
                               {Seniority::kMid, "Mid"},
                               {Seniority::kSenior, "Senior"},
                               {Seniority::kLead, "Lead"},
                               {Seniority::kStaff, "Staff"},
                               {Seniority::kPrincipal, "Principal"}},
                              &ParseSeniority);
}

TEST(EnumTest, RemotePolicyRoundTrips) {
  ExpectRoundTrips<RemotePolicy>({{RemotePolicy::kUnknown, "Unknown"},
                                  {RemotePolicy::kRemote, "Remote"},
                                  {RemotePolicy::kHybrid, "Hybrid"},
                                  {RemotePolicy::kOnsite, "Onsite"}},
                                 &ParseRemotePolicy);
}

TEST(EnumTest, JobTypeRoundTrips) {
  ExpectRoundTrips<JobType>({{JobType::kUnknown, "Unknown"},
                             {JobType::kFullTime, "Full-time"},
                             {JobType::kPartTime, "Part-time"},
                             {JobType::kContract, "Contract"},
                             {JobType::kFreelance, "Freelance"}},
                            &ParseJobType);
}

TEST(EnumTest, WorkWeekRoundTrips) {
  ExpectRoundTrips<WorkWeek>({{WorkWeek::kUnknown, "Unknown"},
                              {WorkWeek::kFourDays, "4-days"},
                              {WorkWeek::kFiveDays, "5-days"}},
                             &ParseWorkWeek);
}

TEST(EnumTest, WorkWeekPreferenceRoundTrips) {
  ExpectRoundTrips<WorkWeekPreference>(
      {{WorkWeekPreference::kFlexible, "flexible"},
       {WorkWeekPreference::kFourDays, "4-days"},
       {WorkWeekPreference::kFiveDays, "5-days"}},
      &ParseWorkWeekPreference);
}

TEST(EnumTest, SalaryPeriodRoundTrips) {
  ExpectRoundTrips<SalaryPeriod>({{SalaryPeriod::kYear, "year"},
                                  {SalaryPeriod::kMonth, "month"},
                                  {SalaryPeriod::kDay, "day"},
                                  {SalaryPeriod::kHour, "hour"}},
                                 &ParseSalaryPeriod);
}

TEST(EnumTest, TierRoundTrips) {
  ExpectRoundTrips<Tier>({{Tier::kHighPriority, "HIGH_PRIORITY"},
                          {Tier::kInteresting, "INTERESTING"},
                          {Tier::kLow, "LOW"},
                          {Tier::kNotInterested, "NOT_INTERESTED"}},
                         &ParseTier);
}

TEST(EnumTest, LanguageRoundTrips) {
  ExpectRoundTrips<Language>({{Language::kEnglish, "en"},
                              {Language::kSpanish, "es"},
                              {Language::kPortuguese, "pt"}},
                             &ParseLanguage);
}

TEST(EnumTest, SpeakerRoundTrips) {
  ExpectRoundTrips<Speaker>(
      {{Speaker::kRecruiter, "recruiter"}, {Speaker::kCandidate, "candidate"}},
      &ParseSpeaker);
}

TEST(EnumTest, ReplyKindRoundTrips) {
  ExpectRoundTrips<ReplyKind>({{ReplyKind::kInterested, "interested"},
                               {ReplyKind::kDecline, "decline"},
                               {ReplyKind::kAnswer, "answer"},
                               {ReplyKind::kNone, "none"}},
                              &ParseReplyKind);
}

// Parses `text` as the enum named `kind` and returns the wire name of the
// result, or "<none>"; lets one table hold variants of every enum.
std::string ParseAs(std::string_view kind, std::string_view text) {
  auto wire = [](auto parsed) {
    return parsed.has_value() ? std::string(ToString(*parsed))
                              : std::string("<none>");
  };
  if (kind == "ConversationState") return wire(ParseConversationState(text));
  if (kind == "QuestionType") return wire(ParseQuestionType(text));
  if (kind == "Seniority") return wire(ParseSeniority(text));
  if (kind == "RemotePolicy") return wire(ParseRemotePolicy(text));
  if (kind == "JobType") return wire(ParseJobType(text));
  if (kind == "WorkWeek") return wire(ParseWorkWeek(text));
  if (kind == "WorkWeekPreference") return wire(ParseWorkWeekPreference(text));
  if (kind == "SalaryPeriod") return wire(ParseSalaryPeriod(text));
  if (kind == "Tier") return wire(ParseTier(text));
  if (kind == "Language") return wire(ParseLanguage(text));
  if (kind == "Speaker") return wire(ParseSpeaker(text));
  if (kind == "ReplyKind") return wire(ParseReplyKind(text));
  ADD_FAILURE() << "unknown enum " << kind;
  return "";
}

struct VariantCase {
  std::string_view kind;
  std::string_view text;
  std::string_view want;  // Wire name, or "<none>" when refused.
};

TEST(EnumTest, ParsersAcceptVariantsAndRefuseOthers) {
  const VariantCase kCases[] = {
      {"ConversationState", "new opportunity", "NEW_OPPORTUNITY"},
      {"ConversationState", "follow-up", "FOLLOW_UP"},
      {"ConversationState", "FollowUp", "FOLLOW_UP"},
      {"ConversationState", "  courtesy_close\n", "COURTESY_CLOSE"},
      {"ConversationState", "opportunity", "<none>"},
      {"QuestionType", "salary", "SALARY"},
      {"QuestionType", "budget", "<none>"},
      {"Seniority", "senior", "Senior"},
      {"Seniority", "Sr", "Senior"},
      {"Seniority", "jr.", "<none>"},
      {"Seniority", "Mid-Level", "Mid"},
      {"Seniority", "mid level", "Mid"},
      {"Seniority", "tech lead", "Lead"},
      {"Seniority", "internship", "Intern"},
      {"Seniority", "guru", "<none>"},
      {"RemotePolicy", "on-site", "Onsite"},
      {"RemotePolicy", "On Site", "Onsite"},
      {"RemotePolicy", "onsite", "Onsite"},
      {"RemotePolicy", "in office", "Onsite"},
      {"RemotePolicy", "fully remote", "Remote"},
      {"RemotePolicy", "remote-first", "Remote"},
      {"RemotePolicy", "HYBRID", "Hybrid"},
      {"RemotePolicy", "sometimes", "<none>"},
      {"JobType", "full time", "Full-time"},
      {"JobType", "fulltime", "Full-time"},
      {"JobType", "FULL_TIME", "Full-time"},
      {"JobType", "permanent", "Full-time"},
      {"JobType", "part time", "Part-time"},
      {"JobType", "contractor", "Contract"},
      {"JobType", "freelancer", "Freelance"},
      {"JobType", "internship", "<none>"},
      {"WorkWeek", "4 days", "4-days"},
      {"WorkWeek", "4days", "4-days"},
      {"WorkWeek", "4-day week", "4-days"},
      {"WorkWeek", "four days", "4-days"},
      {"WorkWeek", "5 days", "5-days"},
      {"WorkWeek", "five-day week", "5-days"},
      {"WorkWeek", "3 days", "<none>"},
      {"WorkWeek", "flexible", "<none>"},
      {"WorkWeekPreference", "Flexible", "flexible"},
      {"WorkWeekPreference", "any", "flexible"},
      {"WorkWeekPreference", "4 days", "4-days"},
      {"WorkWeekPreference", "5-day week", "5-days"},
      {"WorkWeekPreference", "Unknown", "<none>"},
      {"SalaryPeriod", "yearly", "year"},
      {"SalaryPeriod", "annual", "year"},
      {"SalaryPeriod", "per month", "month"},
      {"SalaryPeriod", "monthly", "month"},
      {"SalaryPeriod", "daily", "day"},
      {"SalaryPeriod", "hourly", "hour"},
      {"SalaryPeriod", "week", "<none>"},
      {"Tier", "high priority", "HIGH_PRIORITY"},
      {"Tier", "not-interested", "NOT_INTERESTED"},
      {"Tier", "medium", "<none>"},
      {"Language", "English", "en"},
      {"Language", "Spanish", "es"},
      {"Language", "español", "es"},
      {"Language", "es-MX", "es"},
      {"Language", "mx", "es"},
      {"Language", "pt-BR", "pt"},
      {"Language", "Portuguese", "pt"},
      {"Language", "fr", "<none>"},
      {"Speaker", "RECRUITER", "recruiter"},
      {"Speaker", "Candidate", "candidate"},
      {"Speaker", "them", "<none>"},
      {"Speaker", "me", "<none>"},
      {"ReplyKind", "Decline", "decline"},
      {"ReplyKind", "accept", "<none>"},
      // A name made only of separators must not match anything.
      {"JobType", " - _ ", "<none>"},
  };
  for (const VariantCase& c : kCases) {
    EXPECT_EQ(ParseAs(c.kind, c.text), c.want)
        << c.kind << " \"" << c.text << "\"";
  }
}

}  // namespace
}  // namespace lia::core
