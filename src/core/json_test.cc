#include "core/json.h"

#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "core/profile.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lia::core {
namespace {

using nlohmann::json;

// Serialises the way every caller must: our strings hold whatever bytes a
// message carried, and the strict default handler throws on invalid UTF-8.
std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json Parse(std::string_view text) {
  absl::StatusOr<json> j = ParseJson(text);
  EXPECT_TRUE(j.ok()) << j.status();
  return j.ok() ? *j : json();
}

Salary FullSalary() {
  Salary s;
  s.min = 65000;
  s.max = 80000;
  s.currency = "EUR";
  s.period = SalaryPeriod::kYear;
  s.yearly_usd_min = 70200;
  s.yearly_usd_max = 86400;
  return s;
}

Extraction FullExtraction() {
  Extraction e;
  e.company = "Acme Payments";
  e.role = "Staff Software Engineer, Payments";
  e.seniority = Seniority::kStaff;
  e.tech_stack = {"Java", "Kotlin", "PostgreSQL", "Kafka", "AWS"};
  e.salary = FullSalary();
  e.remote_policy = RemotePolicy::kHybrid;
  e.location = "New York, NY";
  e.job_type = JobType::kFullTime;
  e.work_week = WorkWeek::kFourDays;
  e.agency = true;
  e.agency_name = "Apex Search Partners";
  e.crypto = true;
  e.pre_seed = true;
  return e;
}

Analysis FullAnalysis() {
  Analysis a;
  a.id = "en-002";
  a.language = Language::kSpanish;
  a.classification = {ConversationState::kFollowUp, 0.875};
  a.follow_up = FollowUp{QuestionType::kSalary, true};
  a.extraction = FullExtraction();
  a.filters = {{"minimum_salary", true, "", 0},
               {"remote_policy", false, "The role is hybrid.", 40}};
  a.scores = {30, 20, 15, 5, 40, 30, "tech", "salary", "seniority", "company"};
  a.tier = Tier::kLow;
  a.reply = {ReplyKind::kAnswer, Language::kSpanish, "Hola, ¿qué tal?"};
  a.engines = {{"classify", "rules"}, {"extract", "openai:gpt-4o-mini"}};
  return a;
}

Message FullMessage() {
  Message m;
  m.id = "m-1";
  m.sender = "Priya Raman";
  m.sender_profile_url = "https://www.linkedin.com/in/priya";
  m.text = "Any update?";
  m.sent_at = "2024-05-01T10:00:00Z";
  m.conversation_id = "conv-9";
  m.source_id = "urn:li:msg:1";
  m.thread = {
      {Speaker::kRecruiter, "Hi! A role for you.", "2024-04-30T09:00:00Z"},
      {Speaker::kCandidate, "Tell me more.", ""}};
  return m;
}

Profile FullProfile() {
  Profile p = DefaultProfile();
  p.preferred_locations = {"Remote", "Lisbon"};
  p.preferred_companies = {"Stripe"};
  p.avoided_companies = {"Initech"};
  p.preferred_work_week = WorkWeekPreference::kFourDays;
  p.open_to_relocation = true;
  p.job_search_status.reject_if = {"crypto", "pre_seed"};
  p.signature = "Alex";
  return p;
}

// Message and ThreadEntry have no operator== in types.h.
template <typename T>
bool Equal(const T& a, const T& b) {
  return a == b;
}
bool Equal(const ThreadEntry& a, const ThreadEntry& b) {
  return a.from == b.from && a.text == b.text && a.sent_at == b.sent_at;
}
bool Equal(const Message& a, const Message& b) {
  if (a.thread.size() != b.thread.size()) return false;
  for (size_t i = 0; i < a.thread.size(); ++i) {
    if (!Equal(a.thread[i], b.thread[i])) return false;
  }
  return a.id == b.id && a.sender == b.sender &&
         a.sender_profile_url == b.sender_profile_url && a.text == b.text &&
         a.sent_at == b.sent_at && a.conversation_id == b.conversation_id &&
         a.source_id == b.source_id;
}

// ToJson, then text, then FromJson: the text step catches anything that only
// survives in memory (number types, non-string keys).
template <typename T, typename FromJson>
void ExpectRoundTrip(const T& value, FromJson from_json) {
  json j = ToJson(value);
  absl::StatusOr<T> direct = from_json(j);
  ASSERT_TRUE(direct.ok()) << direct.status() << "\n" << Dump(j);
  EXPECT_TRUE(Equal(*direct, value)) << Dump(j);
  absl::StatusOr<T> via_text = from_json(Parse(Dump(j)));
  ASSERT_TRUE(via_text.ok()) << via_text.status();
  EXPECT_TRUE(Equal(*via_text, value)) << Dump(j);
}

TEST(JsonTest, SalaryRoundTrips) {
  Salary hourly;
  hourly.min = 65;
  hourly.max = 75;
  hourly.period = SalaryPeriod::kHour;
  for (const Salary& s : {Salary{}, FullSalary(), hourly}) {
    ExpectRoundTrip(s, &SalaryFromJson);
  }
}

TEST(JsonTest, ExtractionRoundTrips) {
  Extraction no_salary = FullExtraction();
  no_salary.salary.reset();
  for (const Extraction& e : {Extraction{}, FullExtraction(), no_salary}) {
    ExpectRoundTrip(e, &ExtractionFromJson);
  }
}

TEST(JsonTest, AnalysisRoundTrips) {
  Analysis no_follow_up = FullAnalysis();
  no_follow_up.classification.state = ConversationState::kNewOpportunity;
  no_follow_up.follow_up.reset();
  for (const Analysis& a : {Analysis{}, FullAnalysis(), no_follow_up}) {
    ExpectRoundTrip(a, &AnalysisFromJson);
  }
}

TEST(JsonTest, MessageRoundTrips) {
  Message text_only;
  text_only.text = "Hello";
  for (const Message& m : {text_only, FullMessage()}) {
    ExpectRoundTrip(m, &MessageFromJson);
  }
}

TEST(JsonTest, ProfileRoundTrips) {
  for (const Profile& p : {DefaultProfile(), FullProfile()}) {
    ExpectRoundTrip(p, &ProfileFromJson);
  }
}

TEST(JsonTest, AnalysisHasTheFlatFieldsScorersRead) {
  json j = ToJson(FullAnalysis());
  EXPECT_EQ(j["conversation_state"], "FOLLOW_UP");
  EXPECT_EQ(j["question_type"], "SALARY");
  EXPECT_EQ(j["total_score"], 30);
  EXPECT_EQ(j["tier"], "LOW");
  EXPECT_EQ(j["extracted"]["salary"]["period"], "year");
  EXPECT_EQ(j["extracted"]["work_week"], "4-days");
  EXPECT_EQ(j["extracted"]["job_type"], "Full-time");

  json fresh = ToJson(Analysis{});
  EXPECT_TRUE(fresh["question_type"].is_null());
  EXPECT_TRUE(fresh["follow_up"].is_null());
  EXPECT_TRUE(fresh["extracted"]["company"].is_null());
  EXPECT_TRUE(fresh["extracted"]["salary"].is_null());
  EXPECT_EQ(fresh["extracted"]["tech_stack"], json::array());
}

TEST(JsonTest, AnalysisTakesQuestionTypeFromTheFlatForm) {
  absl::StatusOr<Analysis> a = AnalysisFromJson(Parse(
      R"({"conversation_state": "FOLLOW_UP", "question_type": "availability"})"));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(a->follow_up.has_value());
  EXPECT_EQ(a->follow_up->question_type, QuestionType::kAvailability);
}

TEST(JsonTest, MessageAcceptsTheCorpusSpelling) {
  absl::StatusOr<Message> m = MessageFromJson(Parse(R"({
      "id": "en-021", "lang": "en", "sender": "Tom",
      "thread": [{"from": "Recruiter", "text": "Hi"},
                 {"from": "CANDIDATE", "text": "Hello"}],
      "message": "Rate is 650 GBP/day", "expected": {}})"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->id, "en-021");
  EXPECT_EQ(m->text, "Rate is 650 GBP/day");
  ASSERT_EQ(m->thread.size(), 2u);
  EXPECT_EQ(m->thread[0].from, Speaker::kRecruiter);
  EXPECT_EQ(m->thread[1].from, Speaker::kCandidate);
  EXPECT_EQ(m->thread[1].text, "Hello");
}

TEST(JsonTest, MessageStringifiesNumericIds) {
  absl::StatusOr<Message> m =
      MessageFromJson(Parse(R"({"id": 42, "text": ""})"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->id, "42");
}

TEST(JsonTest, SalaryWithOneBoundIsASingleFigure) {
  absl::StatusOr<Salary> s =
      SalaryFromJson(Parse(R"({"max": 50, "period": "hourly"})"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->min, 50);
  EXPECT_EQ(s->max, 50);
  EXPECT_EQ(s->currency, "USD");
  EXPECT_EQ(s->period, SalaryPeriod::kHour);
}

TEST(JsonTest, IntegralFloatsAreIntegers) {
  absl::StatusOr<Salary> s =
      SalaryFromJson(Parse(R"({"min": 120000.0, "max": 1.5e5})"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->min, 120000);
  EXPECT_EQ(s->max, 150000);
}

TEST(JsonTest, ProfileSpellsRejectRulesOneWay) {
  json j = ToJson(DefaultProfile());
  j["job_search_status"]["reject_if"] = {"pre-seed", "Part Time", "agency",
                                         "5-day-week"};
  absl::StatusOr<Profile> p = ProfileFromJson(j);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->job_search_status.reject_if,
            (std::vector<std::string>{"pre_seed", "part_time", "agency",
                                      "five_day_week"}));
}

TEST(JsonTest, ProfileSignatureDefaultsToName) {
  absl::StatusOr<Profile> p = ProfileFromJson(Parse(R"({"name": "Sam"})"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->signature, "Sam");
}

struct ErrorCase {
  std::string_view type;  // Which FromJson to call.
  std::string_view json;
  std::string_view message;  // The whole status message.
};

absl::Status FromJsonAs(std::string_view type, const json& j) {
  if (type == "Analysis") return AnalysisFromJson(j).status();
  if (type == "Extraction") return ExtractionFromJson(j).status();
  if (type == "Salary") return SalaryFromJson(j).status();
  if (type == "Message") return MessageFromJson(j).status();
  if (type == "Profile") return ProfileFromJson(j).status();
  ADD_FAILURE() << "unknown type " << type;
  return absl::OkStatus();
}

TEST(JsonTest, WrongInputNamesTheField) {
  const ErrorCase kCases[] = {
      {"Analysis", R"([])", "expected object, got array"},
      {"Analysis", R"({"extracted": {"salary": {"min": "abc"}}})",
       "extracted.salary.min: expected integer, got string"},
      {"Analysis", R"({"extracted": {"salary": {"min": 1.5}}})",
       "extracted.salary.min: expected integer, got non-integral number"},
      {"Analysis", R"({"extracted": {"salary": {"min": 10, "max": 5}}})",
       "extracted.salary.max: must be >= min"},
      {"Analysis", R"({"extracted": {"salary": {"currency": "USD"}}})",
       "extracted.salary.min: required (min or max)"},
      {"Analysis", R"({"extracted": {"salary": 100000}})",
       "extracted.salary: expected object, got number"},
      {"Analysis", R"({"extracted": {"tech_stack": "Go"}})",
       "extracted.tech_stack: expected array of strings, got string"},
      {"Analysis", R"({"extracted": {"tech_stack": ["Go", 7]}})",
       "extracted.tech_stack[1]: expected string, got number"},
      {"Analysis", R"({"extracted": {"agency": "yes"}})",
       "extracted.agency: expected boolean, got string"},
      {"Analysis", R"({"extracted": {"seniority": "Guru"}})",
       "extracted.seniority: expected one of Unknown, Intern, Junior, Mid, "
       "Senior, Lead, Staff, Principal, got \"Guru\""},
      {"Analysis", R"({"tier": "MEDIUM"})",
       "tier: expected one of HIGH_PRIORITY, INTERESTING, LOW, "
       "NOT_INTERESTED, got \"MEDIUM\""},
      {"Analysis", R"({"confidence": "high"})",
       "confidence: expected number, got string"},
      {"Analysis", R"({"confidence": 95})",
       "confidence: must be between 0 and 1"},
      {"Analysis", R"({"filters": [{"name": "x", "penalty": "40"}]})",
       "filters[0].penalty: expected integer, got string"},
      {"Analysis", R"({"scores": {"total": 1e12}})",
       "scores.total: integer out of range"},
      {"Analysis", R"({"follow_up": {"question_type": 3}})",
       "follow_up.question_type: expected string, got number"},
      {"Analysis", R"({"engines": {"classify": 1}})",
       "engines.classify: expected string, got number"},
      {"Analysis", R"({"reply": {"kind": "maybe"}})",
       "reply.kind: expected one of interested, decline, answer, none, got "
       "\"maybe\""},
      {"Extraction", R"({"company": 3})",
       "company: expected string, got number"},
      {"Salary", R"({"min": 18446744073709551615})",
       "min: integer out of range"},
      {"Salary", R"({"min": 1, "period": "week"})",
       "period: expected one of year, month, day, hour, got \"week\""},
      {"Message", R"({"sender": "x"})",
       "text: required (\"text\" or \"message\")"},
      {"Message", R"({"text": 5})", "text: expected string, got number"},
      {"Message", R"({"message": ["a"]})",
       "message: expected string, got array"},
      {"Message", R"({"text": "t", "thread": {}})",
       "thread: expected array, got object"},
      {"Message",
       R"({"text": "t", "thread": [{"from": "recruiter"}, {"from": "me", "text": "x"}]})",
       "thread[0].text: required"},
      {"Message", R"({"text": "t", "thread": [{"from": "them", "text": "x"}]})",
       "thread[0].from: expected one of recruiter, candidate, got \"them\""},
      {"Message", R"({"text": "t", "thread": [{"text": "x"}]})",
       "thread[0].from: required"},
      {"Message", R"({"text": "t", "thread": ["x"]})",
       "thread[0]: expected object, got string"},
      {"Profile", R"({"prefered_technologies": []})",
       "prefered_technologies: unknown field"},
      {"Profile", R"({"job_search_status": {"reject": []}})",
       "job_search_status.reject: unknown field"},
      {"Profile", R"({"minimum_salary_usd": "lots"})",
       "minimum_salary_usd: expected integer, got string"},
      {"Profile", R"({"minimum_salary_usd": 100, "ideal_salary_usd": 50})",
       "ideal_salary_usd: must be >= minimum_salary_usd (100), got 50"},
      {"Profile", R"({"years_of_experience": 71})",
       "years_of_experience: must be between 0 and 70, got 71"},
      {"Profile", R"({"job_search_status": {"reject_if": ["crypto", "web3"]}})",
       "job_search_status.reject_if[1]: unknown rule \"web3\" (known: agency, "
       "crypto, pre_seed, onsite, hybrid, contract, freelance, part_time, "
       "no_salary, five_day_week)"},
      {"Profile", R"({"preferred_work_week": "Unknown"})",
       "preferred_work_week: expected one of flexible, 4-days, 5-days, got "
       "\"Unknown\""},
  };
  for (const ErrorCase& c : kCases) {
    absl::Status status = FromJsonAs(c.type, Parse(c.json));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << c.type << " " << c.json;
    EXPECT_EQ(std::string(status.message()), c.message)
        << c.type << " " << c.json;
  }
}

// Collects every value of a document with its pointer and the path our
// messages use for it ("extracted.tech_stack[0]").
void CollectPaths(
    const json& j, const json::json_pointer& pointer, const std::string& path,
    std::vector<std::pair<json::json_pointer, std::string>>* out) {
  if (!path.empty()) out->emplace_back(pointer, path);
  if (j.is_object()) {
    for (const auto& item : j.items()) {
      CollectPaths(item.value(), pointer / item.key(),
                   path.empty() ? item.key() : path + "." + item.key(), out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      CollectPaths(j[i], pointer / i, path + "[" + std::to_string(i) + "]",
                   out);
    }
  }
}

// Replaces every value of a full document with every JSON type in turn: the
// reader either accepts it or names that value's path (or a path inside it).
TEST(JsonTest, EveryWrongTypeIsReportedAtItsPath) {
  const json full = ToJson(FullAnalysis());
  std::vector<std::pair<json::json_pointer, std::string>> paths;
  CollectPaths(full, json::json_pointer(), "", &paths);
  ASSERT_GT(paths.size(), 40u);
  const json kReplacements[] = {nullptr,       true,          7, -3, 1.5, "x",
                                json::array(), json::object()};
  for (const auto& [pointer, path] : paths) {
    for (const json& replacement : kReplacements) {
      json mutated = full;
      mutated[pointer] = replacement;
      absl::Status status = AnalysisFromJson(mutated).status();
      if (status.ok()) continue;
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StartsWith(status.message(), path) ||
                  // A salary bound is checked against its sibling.
                  absl::StartsWith(status.message(), "extracted.salary."))
          << path << " = " << replacement.dump() << ": " << status;
    }
  }
}

TEST(JsonTest, ErrorMessagesStayValidUtf8) {
  json j = {{"tier", "\xff\xfe"}};
  absl::Status status = AnalysisFromJson(j).status();
  ASSERT_FALSE(status.ok());
  // Would throw with the strict handler if the message held the raw bytes.
  EXPECT_NO_THROW(json(std::string(status.message())).dump());
}

TEST(JsonTest, InvalidUtf8IsReplacedWhenDumped) {
  Message m;
  m.text = "caf\xc3";  // Truncated "café".
  std::string text = Dump(ToJson(m));
  EXPECT_NE(text.find("caf\xef\xbf\xbd"), std::string::npos) << text;
}

TEST(JsonTest, ParseJsonNamesTheByteOffset) {
  absl::StatusOr<json> j = ParseJson(R"({"a": 1,})");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(j.status().message(), "invalid JSON at byte 9: "))
      << j.status();
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("{\"a\": \"\xff\"}").ok());
}

TEST(JsonTest, ParseJsonRefusesDeepNesting) {
  std::string deep(100000, '[');
  absl::StatusOr<json> j = ParseJson(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(std::string(j.status().message()),
            "invalid JSON at byte 128: nested deeper than 128 levels");

  // Brackets inside strings do not count, and 128 levels are fine.
  std::string ok =
      std::string(127, '[') + R"(["[[[[\"[[[["])" + std::string(127, ']');
  EXPECT_TRUE(ParseJson(ok).ok()) << ParseJson(ok).status();
}

// Truncated documents (a cut-off model reply, a dropped connection) fail
// with a status at every length, never an exception.
TEST(JsonTest, EveryPrefixFailsCleanly) {
  std::string text = Dump(ToJson(FullAnalysis()));
  for (size_t n = 0; n < text.size(); ++n) {
    absl::StatusOr<json> j = ParseJson(text.substr(0, n));
    ASSERT_FALSE(j.ok()) << n;
    ASSERT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(AnalysisFromJson(Parse(text)).ok());
}

// Every corpus line is a Message, and its expected block an Extraction.
TEST(JsonTest, ReadsTheCorpus) {
  std::ifstream in(LIA_SHARED_DIR "/corpus/dev.jsonl");
  if (!in) GTEST_SKIP() << "no corpus at " << LIA_SHARED_DIR;
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    json j = Parse(line);
    absl::StatusOr<Message> m = MessageFromJson(j);
    ASSERT_TRUE(m.ok()) << m.status() << "\n" << line;
    EXPECT_FALSE(m->text.empty());
    EXPECT_EQ(m->thread.size(), j["thread"].size());
    absl::StatusOr<Extraction> e = ExtractionFromJson(j["expected"]);
    ASSERT_TRUE(e.ok()) << e.status() << "\n" << line;
    EXPECT_EQ(e->salary.has_value(), !j["expected"]["salary"].is_null());
    EXPECT_EQ(ToString(e->seniority),
              j["expected"]["seniority"].get<std::string>());
    EXPECT_EQ(ToString(e->job_type),
              j["expected"]["job_type"].get<std::string>());
  }
  EXPECT_GT(lines, 0);
}

}  // namespace
}  // namespace lia::core
