#pragma once

// The domain of DESIGN §1: what a message is, what the pipeline extracts from
// it, and what it concludes. Plain value types: copyable, no behaviour beyond
// small helpers, no I/O. Their JSON form lives in core/json.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lia::core {

enum class ConversationState { kNewOpportunity, kFollowUp, kCourtesyClose };

enum class QuestionType {
  kSalary,
  kAvailability,
  kExperience,
  kInterest,
  kScheduling,
  kNone,
  kOther,
};

enum class Seniority {
  kUnknown,
  kIntern,
  kJunior,
  kMid,
  kSenior,
  kLead,
  kStaff,
  kPrincipal,
};

enum class RemotePolicy { kUnknown, kRemote, kHybrid, kOnsite };

enum class JobType { kUnknown, kFullTime, kPartTime, kContract, kFreelance };

// What a job asks for. The profile's preference adds kFlexible.
enum class WorkWeek { kUnknown, kFourDays, kFiveDays };
enum class WorkWeekPreference { kFlexible, kFourDays, kFiveDays };

enum class SalaryPeriod { kYear, kMonth, kDay, kHour };

enum class Tier { kHighPriority, kInteresting, kLow, kNotInterested };

enum class Language { kEnglish, kSpanish, kPortuguese };

enum class Speaker { kRecruiter, kCandidate };

// Wire names, exactly as the corpus and the API spell them ("NEW_OPPORTUNITY",
// "Senior", "4-days", "HIGH_PRIORITY", "en"...).
std::string_view ToString(ConversationState v);
std::string_view ToString(QuestionType v);
std::string_view ToString(Seniority v);
std::string_view ToString(RemotePolicy v);
std::string_view ToString(JobType v);
std::string_view ToString(WorkWeek v);
std::string_view ToString(WorkWeekPreference v);
std::string_view ToString(SalaryPeriod v);
std::string_view ToString(Tier v);
std::string_view ToString(Language v);
std::string_view ToString(Speaker v);

// Parsers for the wire names above, case-insensitive; nullopt when unknown.
std::optional<ConversationState> ParseConversationState(std::string_view s);
std::optional<QuestionType> ParseQuestionType(std::string_view s);
std::optional<Seniority> ParseSeniority(std::string_view s);
std::optional<RemotePolicy> ParseRemotePolicy(std::string_view s);
std::optional<JobType> ParseJobType(std::string_view s);
std::optional<WorkWeek> ParseWorkWeek(std::string_view s);
std::optional<WorkWeekPreference> ParseWorkWeekPreference(std::string_view s);
std::optional<SalaryPeriod> ParseSalaryPeriod(std::string_view s);
std::optional<Tier> ParseTier(std::string_view s);
std::optional<Language> ParseLanguage(std::string_view s);
std::optional<Speaker> ParseSpeaker(std::string_view s);

// One earlier message of the conversation, oldest first in Message::thread.
struct ThreadEntry {
  Speaker from = Speaker::kRecruiter;
  std::string text;
  std::string sent_at;  // RFC 3339 UTC, or empty when unknown.
};

// The message to analyse: the newest one of its conversation.
struct Message {
  std::string id;  // Caller's id (corpus id, source id...); echoed back.
  std::string sender;
  std::string sender_profile_url;
  std::string text;
  std::string sent_at;  // RFC 3339 UTC, or empty when unknown.
  std::string conversation_id;
  std::string source_id;
  std::vector<ThreadEntry> thread;
};

// A salary exactly as offered, plus its yearly USD equivalent.
struct Salary {
  int64_t min = 0;  // min == max for a single figure; min <= max always.
  int64_t max = 0;
  std::string currency = "USD";  // ISO 4217 code.
  SalaryPeriod period = SalaryPeriod::kYear;
  // Yearly USD equivalents; nullopt when the currency has no known rate.
  std::optional<int64_t> yearly_usd_min;
  std::optional<int64_t> yearly_usd_max;

  friend bool operator==(const Salary&, const Salary&) = default;
};

// The job fields of a message. For follow-ups and courtesy closes they hold
// only what the message itself states.
struct Extraction {
  std::optional<std::string> company;  // Hiring company, never the agency.
  std::optional<std::string> role;
  Seniority seniority = Seniority::kUnknown;
  std::vector<std::string> tech_stack;  // Canonical names, first-seen order.
  std::optional<Salary> salary;
  RemotePolicy remote_policy = RemotePolicy::kUnknown;
  std::optional<std::string> location;
  JobType job_type = JobType::kUnknown;
  WorkWeek work_week = WorkWeek::kUnknown;
  bool agency = false;  // The sender recruits on behalf of a client.
  std::optional<std::string> agency_name;
  // Facts the filters read that are not corpus fields.
  bool crypto = false;    // Crypto/web3 business.
  bool pre_seed = false;  // Pre-seed or unfunded start-up.

  friend bool operator==(const Extraction&, const Extraction&) = default;
};

struct Classification {
  ConversationState state = ConversationState::kNewOpportunity;
  double confidence = 0.0;  // 0..1.

  friend bool operator==(const Classification&,
                         const Classification&) = default;
};

struct FollowUp {
  QuestionType question_type = QuestionType::kNone;
  bool answerable_from_profile = false;

  friend bool operator==(const FollowUp&, const FollowUp&) = default;
};

// One hard requirement of the profile, checked against the extraction.
struct FilterResult {
  std::string name;    // Stable id: "minimum_salary", "remote_policy"...
  bool passed = true;  // False: the requirement is not met.
  std::string reason;  // Human sentence; empty when passed.
  int penalty = 0;     // Points taken from the total when failed.

  friend bool operator==(const FilterResult&, const FilterResult&) = default;
};

struct Scores {
  int tech = 0;       // 0..40
  int salary = 0;     // 0..30
  int seniority = 0;  // 0..20
  int company = 0;    // 0..10
  int penalty = 0;    // Sum of failed filters' penalties.
  int total = 0;      // clamp(tech + salary + seniority + company - penalty)
  std::string tech_reason;
  std::string salary_reason;
  std::string seniority_reason;
  std::string company_reason;

  friend bool operator==(const Scores&, const Scores&) = default;
};

enum class ReplyKind { kInterested, kDecline, kAnswer, kNone };
std::string_view ToString(ReplyKind v);
std::optional<ReplyKind> ParseReplyKind(std::string_view s);

struct Reply {
  ReplyKind kind = ReplyKind::kNone;
  Language language = Language::kEnglish;
  std::string text;  // Empty when kind is kNone.

  friend bool operator==(const Reply&, const Reply&) = default;
};

// Everything the pipeline concludes about one message.
struct Analysis {
  std::string id;  // Message::id, echoed.
  Language language = Language::kEnglish;
  Classification classification;
  std::optional<FollowUp> follow_up;  // Set for FOLLOW_UP only.
  Extraction extraction;
  std::vector<FilterResult> filters;
  Scores scores;
  Tier tier = Tier::kNotInterested;
  Reply reply;
  // Which engine produced each stage: {"classify": "rules", ...}.
  std::map<std::string, std::string> engines;

  friend bool operator==(const Analysis&, const Analysis&) = default;
};

struct JobSearchStatus {
  bool currently_employed = true;
  bool actively_looking = false;
  std::string urgency;    // Free text: "low", "medium", "high"...
  std::string situation;  // Free text, used in replies to follow-ups.
  std::vector<std::string> must_have;
  std::vector<std::string> nice_to_have;
  // Hard rejections: "agency", "crypto", "pre_seed", "onsite", "hybrid",
  // "contract", "freelance", "part_time", "no_salary", "five_day_week".
  std::vector<std::string> reject_if;

  friend bool operator==(const JobSearchStatus&,
                         const JobSearchStatus&) = default;
};

// The candidate: what they want and what they refuse. Loaded from YAML
// (core/profile.h).
struct Profile {
  std::string name;
  std::vector<std::string> preferred_technologies;  // Canonical or aliases.
  int years_of_experience = 0;
  Seniority current_seniority = Seniority::kUnknown;
  int64_t minimum_salary_usd = 0;  // Yearly; 0 = no minimum.
  int64_t ideal_salary_usd = 0;    // Yearly; 0 = unknown.
  RemotePolicy preferred_remote_policy = RemotePolicy::kUnknown;
  WorkWeekPreference preferred_work_week = WorkWeekPreference::kFlexible;
  std::vector<std::string> preferred_locations;
  std::string preferred_company_size;  // "startup", "scaleup", "enterprise"...
  std::vector<std::string> industry_preferences;
  std::vector<std::string> preferred_companies;
  std::vector<std::string> avoided_companies;
  bool open_to_relocation = false;
  bool looking_for_change = true;
  JobSearchStatus job_search_status;
  std::string signature;  // Closes every reply; defaults to name.

  friend bool operator==(const Profile&, const Profile&) = default;
};

}  // namespace lia::core
