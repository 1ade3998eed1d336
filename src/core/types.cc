#include "core/types.h"

#include <optional>
#include <string_view>

namespace lia::core {
namespace {

// One row per accepted spelling. The first row of each value is its wire name
// (what ToString returns); later rows are variants only the parser accepts.
// Parsing ignores case and the separators ' ', '-' and '_', so a row covers
// "Full-time", "full time", "FULL_TIME" and "fulltime" at once; rows are only
// needed for genuinely different words.
template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

bool IsSeparator(char c) { return c == ' ' || c == '-' || c == '_'; }

char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IsTrimmable(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsTrimmable(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsTrimmable(s.back())) s.remove_suffix(1);
  return s;
}

// Compares without allocating: enum parsing sits on the JSON hot path.
bool LooselyEqual(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (true) {
    while (i < a.size() && IsSeparator(a[i])) ++i;
    while (j < b.size() && IsSeparator(b[j])) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (AsciiLower(a[i]) != AsciiLower(b[j])) return false;
    ++i;
    ++j;
  }
}

template <typename E, size_t N>
std::string_view NameOf(const EnumName<E> (&table)[N], E value) {
  for (const EnumName<E>& row : table) {
    if (row.value == value) return row.name;
  }
  return {};  // Only reachable through a cast of an out-of-range integer.
}

template <typename E, size_t N>
std::optional<E> ValueOf(const EnumName<E> (&table)[N], std::string_view s) {
  s = Trim(s);
  // Without this, a string of separators would match a name of separators.
  if (s.empty()) return std::nullopt;
  for (const EnumName<E>& row : table) {
    if (LooselyEqual(s, row.name)) return row.value;
  }
  return std::nullopt;
}

constexpr EnumName<ConversationState> kConversationStates[] = {
    {ConversationState::kNewOpportunity, "NEW_OPPORTUNITY"},
    {ConversationState::kFollowUp, "FOLLOW_UP"},
    {ConversationState::kCourtesyClose, "COURTESY_CLOSE"},
};

constexpr EnumName<QuestionType> kQuestionTypes[] = {
    {QuestionType::kSalary, "SALARY"},
    {QuestionType::kAvailability, "AVAILABILITY"},
    {QuestionType::kExperience, "EXPERIENCE"},
    {QuestionType::kInterest, "INTEREST"},
    {QuestionType::kScheduling, "SCHEDULING"},
    {QuestionType::kNone, "NONE"},
    {QuestionType::kOther, "OTHER"},
};

constexpr EnumName<Seniority> kSeniorities[] = {
    {Seniority::kUnknown, "Unknown"},   {Seniority::kIntern, "Intern"},
    {Seniority::kJunior, "Junior"},     {Seniority::kMid, "Mid"},
    {Seniority::kSenior, "Senior"},     {Seniority::kLead, "Lead"},
    {Seniority::kStaff, "Staff"},       {Seniority::kPrincipal, "Principal"},
    {Seniority::kIntern, "Internship"}, {Seniority::kJunior, "Jr"},
    {Seniority::kMid, "Mid-level"},     {Seniority::kMid, "Middle"},
    {Seniority::kMid, "Intermediate"},  {Seniority::kSenior, "Sr"},
    {Seniority::kLead, "Tech Lead"},    {Seniority::kLead, "Team Lead"},
};

constexpr EnumName<RemotePolicy> kRemotePolicies[] = {
    {RemotePolicy::kUnknown, "Unknown"},
    {RemotePolicy::kRemote, "Remote"},
    {RemotePolicy::kHybrid, "Hybrid"},
    {RemotePolicy::kOnsite, "Onsite"},
    {RemotePolicy::kRemote, "Fully remote"},
    {RemotePolicy::kRemote, "Remote-first"},
    {RemotePolicy::kOnsite, "In-office"},
    {RemotePolicy::kOnsite, "Office"},
};

constexpr EnumName<JobType> kJobTypes[] = {
    {JobType::kUnknown, "Unknown"},     {JobType::kFullTime, "Full-time"},
    {JobType::kPartTime, "Part-time"},  {JobType::kContract, "Contract"},
    {JobType::kFreelance, "Freelance"}, {JobType::kFullTime, "Permanent"},
    {JobType::kContract, "Contractor"}, {JobType::kFreelance, "Freelancer"},
};

constexpr EnumName<WorkWeek> kWorkWeeks[] = {
    {WorkWeek::kUnknown, "Unknown"},        {WorkWeek::kFourDays, "4-days"},
    {WorkWeek::kFiveDays, "5-days"},        {WorkWeek::kFourDays, "4-day"},
    {WorkWeek::kFourDays, "4-day week"},    {WorkWeek::kFourDays, "four days"},
    {WorkWeek::kFourDays, "four-day week"}, {WorkWeek::kFiveDays, "5-day"},
    {WorkWeek::kFiveDays, "5-day week"},    {WorkWeek::kFiveDays, "five days"},
    {WorkWeek::kFiveDays, "five-day week"},
};

constexpr EnumName<WorkWeekPreference> kWorkWeekPreferences[] = {
    {WorkWeekPreference::kFlexible, "flexible"},
    {WorkWeekPreference::kFourDays, "4-days"},
    {WorkWeekPreference::kFiveDays, "5-days"},
    {WorkWeekPreference::kFlexible, "any"},
    {WorkWeekPreference::kFourDays, "4-day"},
    {WorkWeekPreference::kFourDays, "4-day week"},
    {WorkWeekPreference::kFourDays, "four days"},
    {WorkWeekPreference::kFourDays, "four-day week"},
    {WorkWeekPreference::kFiveDays, "5-day"},
    {WorkWeekPreference::kFiveDays, "5-day week"},
    {WorkWeekPreference::kFiveDays, "five days"},
    {WorkWeekPreference::kFiveDays, "five-day week"},
};

constexpr EnumName<SalaryPeriod> kSalaryPeriods[] = {
    {SalaryPeriod::kYear, "year"},     {SalaryPeriod::kMonth, "month"},
    {SalaryPeriod::kDay, "day"},       {SalaryPeriod::kHour, "hour"},
    {SalaryPeriod::kYear, "yearly"},   {SalaryPeriod::kYear, "annual"},
    {SalaryPeriod::kYear, "annually"}, {SalaryPeriod::kYear, "yr"},
    {SalaryPeriod::kYear, "per year"}, {SalaryPeriod::kMonth, "monthly"},
    {SalaryPeriod::kMonth, "mo"},      {SalaryPeriod::kMonth, "per month"},
    {SalaryPeriod::kDay, "daily"},     {SalaryPeriod::kDay, "per day"},
    {SalaryPeriod::kHour, "hourly"},   {SalaryPeriod::kHour, "hr"},
    {SalaryPeriod::kHour, "per hour"},
};

constexpr EnumName<Tier> kTiers[] = {
    {Tier::kHighPriority, "HIGH_PRIORITY"},
    {Tier::kInteresting, "INTERESTING"},
    {Tier::kLow, "LOW"},
    {Tier::kNotInterested, "NOT_INTERESTED"},
};

constexpr EnumName<Language> kLanguages[] = {
    {Language::kEnglish, "en"},
    {Language::kSpanish, "es"},
    {Language::kPortuguese, "pt"},
    {Language::kEnglish, "English"},
    {Language::kEnglish, "en-US"},
    {Language::kEnglish, "en-GB"},
    {Language::kSpanish, "Spanish"},
    {Language::kSpanish, "Español"},
    {Language::kSpanish, "Espanol"},
    {Language::kSpanish, "es-ES"},
    {Language::kSpanish, "es-MX"},
    // The corpus labels Mexican Spanish "mx".
    {Language::kSpanish, "mx"},
    {Language::kPortuguese, "Portuguese"},
    {Language::kPortuguese, "Português"},
    {Language::kPortuguese, "Portugues"},
    {Language::kPortuguese, "pt-BR"},
    {Language::kPortuguese, "pt-PT"},
};

// No variants: a thread whose speakers are guessed would be misread.
constexpr EnumName<Speaker> kSpeakers[] = {
    {Speaker::kRecruiter, "recruiter"},
    {Speaker::kCandidate, "candidate"},
};

constexpr EnumName<ReplyKind> kReplyKinds[] = {
    {ReplyKind::kInterested, "interested"},
    {ReplyKind::kDecline, "decline"},
    {ReplyKind::kAnswer, "answer"},
    {ReplyKind::kNone, "none"},
};

}  // namespace

std::string_view ToString(ConversationState v) {
  return NameOf(kConversationStates, v);
}
std::string_view ToString(QuestionType v) { return NameOf(kQuestionTypes, v); }
std::string_view ToString(Seniority v) { return NameOf(kSeniorities, v); }
std::string_view ToString(RemotePolicy v) { return NameOf(kRemotePolicies, v); }
std::string_view ToString(JobType v) { return NameOf(kJobTypes, v); }
std::string_view ToString(WorkWeek v) { return NameOf(kWorkWeeks, v); }
std::string_view ToString(WorkWeekPreference v) {
  return NameOf(kWorkWeekPreferences, v);
}
std::string_view ToString(SalaryPeriod v) { return NameOf(kSalaryPeriods, v); }
std::string_view ToString(Tier v) { return NameOf(kTiers, v); }
std::string_view ToString(Language v) { return NameOf(kLanguages, v); }
std::string_view ToString(Speaker v) { return NameOf(kSpeakers, v); }
std::string_view ToString(ReplyKind v) { return NameOf(kReplyKinds, v); }

std::optional<ConversationState> ParseConversationState(std::string_view s) {
  return ValueOf(kConversationStates, s);
}
std::optional<QuestionType> ParseQuestionType(std::string_view s) {
  return ValueOf(kQuestionTypes, s);
}
std::optional<Seniority> ParseSeniority(std::string_view s) {
  return ValueOf(kSeniorities, s);
}
std::optional<RemotePolicy> ParseRemotePolicy(std::string_view s) {
  return ValueOf(kRemotePolicies, s);
}
std::optional<JobType> ParseJobType(std::string_view s) {
  return ValueOf(kJobTypes, s);
}
std::optional<WorkWeek> ParseWorkWeek(std::string_view s) {
  return ValueOf(kWorkWeeks, s);
}
std::optional<WorkWeekPreference> ParseWorkWeekPreference(std::string_view s) {
  return ValueOf(kWorkWeekPreferences, s);
}
std::optional<SalaryPeriod> ParseSalaryPeriod(std::string_view s) {
  return ValueOf(kSalaryPeriods, s);
}
std::optional<Tier> ParseTier(std::string_view s) { return ValueOf(kTiers, s); }
std::optional<Language> ParseLanguage(std::string_view s) {
  return ValueOf(kLanguages, s);
}
std::optional<Speaker> ParseSpeaker(std::string_view s) {
  return ValueOf(kSpeakers, s);
}
std::optional<ReplyKind> ParseReplyKind(std::string_view s) {
  return ValueOf(kReplyKinds, s);
}

}  // namespace lia::core
