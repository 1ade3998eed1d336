#include "analysis/scoring.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/reply.h"
#include "core/types.h"
#include "gtest/gtest.h"

namespace lia::analysis {
namespace {

using core::Extraction;
using core::FilterResult;
using core::JobType;
using core::Profile;
using core::RemotePolicy;
using core::ReplyKind;
using core::Salary;
using core::Seniority;
using core::Tier;
using core::WorkWeek;
using core::WorkWeekPreference;

// Names each case of a parameterised test after its `name` field.
struct CaseName {
  template <typename Case>
  std::string operator()(const testing::TestParamInfo<Case>& c) const {
    return c.param.name;
  }
};

Salary UsdYear(int64_t min, int64_t max) {
  Salary salary;
  salary.min = min;
  salary.max = max;
  salary.yearly_usd_min = min;
  salary.yearly_usd_max = max;
  return salary;
}

// A salary in a currency with no known USD rate.
Salary Unconvertible() {
  Salary salary;
  salary.min = 4'500'000;
  salary.max = 4'500'000;
  salary.currency = "ARS";
  salary.period = core::SalaryPeriod::kMonth;
  return salary;
}

const FilterResult* FindFilter(const std::vector<FilterResult>& filters,
                               const std::string& name) {
  for (const FilterResult& f : filters) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> Names(const std::vector<FilterResult>& filters,
                               bool failed_only) {
  std::vector<std::string> names;
  for (const FilterResult& f : filters) {
    if (!failed_only || !f.passed) names.push_back(f.name);
  }
  return names;
}

// ---------------------------------------------------------------------------
// Worked examples.
//
// These are the worked examples of docs/scoring.md, number for number. The
// doc quotes them so that a reader can check the arithmetic by hand; this
// table keeps the doc honest. Change one, change the other.
// ---------------------------------------------------------------------------

// "Aisha" in docs/scoring.md.
Profile Aisha() {
  Profile p;
  p.name = "Aisha Khan";
  p.signature = "Aisha";
  p.preferred_technologies = {"Python", "Go", "k8s", "Postgres", "AWS"};
  p.years_of_experience = 8;
  p.current_seniority = Seniority::kSenior;
  p.minimum_salary_usd = 140'000;
  p.ideal_salary_usd = 180'000;
  p.preferred_remote_policy = RemotePolicy::kRemote;
  p.preferred_work_week = WorkWeekPreference::kFourDays;
  p.preferred_company_size = "startup";
  p.preferred_companies = {"Fernhill Health"};
  p.avoided_companies = {"Globex"};
  p.job_search_status.reject_if = {"crypto", "Pre-Seed"};
  return p;
}

// "Laura" in docs/scoring.md.
Profile Laura() {
  Profile p;
  p.name = "Laura Gómez";
  p.preferred_technologies = {"Python", "Spark", "Azure", "Databricks", "SQL"};
  p.years_of_experience = 10;
  p.current_seniority = Seniority::kLead;
  p.minimum_salary_usd = 50'000;
  p.ideal_salary_usd = 70'000;
  p.preferred_remote_policy = RemotePolicy::kHybrid;
  p.preferred_work_week = WorkWeekPreference::kFlexible;
  p.preferred_companies = {"Lúmina Seguros"};
  p.job_search_status.reject_if = {"agency"};
  return p;
}

struct WorkedExample {
  std::string name;
  Profile profile;
  Extraction job;
  int tech;
  int salary;
  int seniority;
  int company;
  int penalty;
  int total;
  Tier tier;
  std::vector<std::string> checked;  // Every filter result, in order.
  std::vector<std::string> failed;
  ReplyKind reply;
};

std::vector<WorkedExample> WorkedExamples() {
  std::vector<WorkedExample> examples;
  const std::vector<std::string> aisha_filters = {
      "minimum_salary",  "remote_policy", "work_week",
      "avoided_company", "crypto",        "pre_seed"};
  const std::vector<std::string> aisha_filters_no_salary = {
      "remote_policy", "work_week", "avoided_company", "crypto", "pre_seed"};

  {  // 1. A strong remote match.
    Extraction job;
    job.company = "Northwind Labs";
    job.role = "Senior Backend Engineer";
    job.seniority = Seniority::kSenior;
    job.tech_stack = {"Go", "Kubernetes", "PostgreSQL", "gRPC"};
    job.salary = UsdYear(170'000, 190'000);
    job.remote_policy = RemotePolicy::kRemote;
    job.job_type = JobType::kFullTime;
    job.work_week = WorkWeek::kFourDays;
    examples.push_back({"StrongRemoteMatch",
                        Aisha(),
                        job,
                        30,
                        30,
                        20,
                        5,
                        0,
                        85,
                        Tier::kHighPriority,
                        aisha_filters,
                        {},
                        ReplyKind::kInterested});
  }
  {  // 2. An agency that hides its client and leaves much unsaid.
    Extraction job;
    job.agency = true;
    job.agency_name = "Apex Search Partners";
    job.role = "Staff Platform Engineer";
    job.seniority = Seniority::kStaff;
    job.tech_stack = {"Python", "AWS", "Terraform"};
    examples.push_back({"AgencyWithUnknowns",
                        Aisha(),
                        job,
                        27,
                        15,
                        14,
                        4,
                        0,
                        60,
                        Tier::kInteresting,
                        aisha_filters_no_salary,
                        {},
                        ReplyKind::kInterested});
  }
  {  // 3. Hybrid, five days, under the minimum: three filters fail.
    Extraction job;
    job.company = "Initech";
    job.role = "Backend Developer";
    job.seniority = Seniority::kMid;
    job.tech_stack = {"Java", "Spring Boot", "PostgreSQL", "AWS"};
    job.salary = UsdYear(120'000, 130'000);
    job.remote_policy = RemotePolicy::kHybrid;
    job.work_week = WorkWeek::kFiveDays;
    examples.push_back({"ThreeFiltersFail",
                        Aisha(),
                        job,
                        20,
                        0,
                        14,
                        5,
                        120,
                        0,
                        Tier::kNotInterested,
                        aisha_filters,
                        {"minimum_salary", "remote_policy", "work_week"},
                        ReplyKind::kDecline});
  }
  {  // 4. Everything fits but the business: a failed filter declines even
     // when the total still reaches INTERESTING.
    Extraction job;
    job.company = "Tinta Protocol";
    job.role = "Senior Backend Engineer";
    job.seniority = Seniority::kSenior;
    job.tech_stack = {"Go", "PostgreSQL", "Kubernetes", "AWS"};
    job.salary = UsdYear(200'000, 200'000);
    job.remote_policy = RemotePolicy::kRemote;
    job.crypto = true;
    examples.push_back({"CryptoDeclinedDespiteScore",
                        Aisha(),
                        job,
                        40,
                        30,
                        20,
                        5,
                        40,
                        55,
                        Tier::kInteresting,
                        aisha_filters,
                        {"crypto"},
                        ReplyKind::kDecline});
  }
  {  // 5. A preferred company, spelled differently, at a scaled salary.
    Extraction job;
    job.company = "LUMINA SEGUROS S.A.";
    job.role = "Staff Data Engineer";
    job.seniority = Seniority::kStaff;
    job.tech_stack = {"Python", "Spark", "Azure"};
    Salary salary;
    salary.min = 55'000;
    salary.max = 55'000;
    salary.currency = "EUR";
    salary.yearly_usd_min = 59'400;
    salary.yearly_usd_max = 59'400;
    job.salary = salary;
    job.remote_policy = RemotePolicy::kHybrid;
    job.job_type = JobType::kFullTime;
    examples.push_back({"PreferredCompanyScaledSalary",
                        Laura(),
                        job,
                        40,
                        19,
                        20,
                        10,
                        0,
                        89,
                        Tier::kHighPriority,
                        {"minimum_salary", "agency"},
                        {},
                        ReplyKind::kInterested});
  }
  {  // 6. A message that states nothing: every part neutral.
    examples.push_back({"NothingKnown",
                        Aisha(),
                        Extraction{},
                        20,
                        15,
                        10,
                        4,
                        0,
                        49,
                        Tier::kLow,
                        aisha_filters_no_salary,
                        {},
                        ReplyKind::kInterested});
  }
  return examples;
}

class WorkedExampleTest : public testing::TestWithParam<WorkedExample> {};

TEST_P(WorkedExampleTest, MatchesDocsScoringMd) {
  const WorkedExample& ex = GetParam();
  const ScoringOptions options;
  const std::vector<FilterResult> filters =
      ApplyFilters(ex.job, ex.profile, options);
  EXPECT_EQ(Names(filters, /*failed_only=*/false), ex.checked);
  EXPECT_EQ(Names(filters, /*failed_only=*/true), ex.failed);

  const core::Scores scores = Score(ex.job, ex.profile, filters);
  EXPECT_EQ(scores.tech, ex.tech) << scores.tech_reason;
  EXPECT_EQ(scores.salary, ex.salary) << scores.salary_reason;
  EXPECT_EQ(scores.seniority, ex.seniority) << scores.seniority_reason;
  EXPECT_EQ(scores.company, ex.company) << scores.company_reason;
  EXPECT_EQ(scores.penalty, ex.penalty);
  EXPECT_EQ(scores.total, ex.total);
  const Tier tier = TierFor(scores.total, options.tiers);
  EXPECT_EQ(tier, ex.tier);

  core::Analysis analysis;
  analysis.classification.state = core::ConversationState::kNewOpportunity;
  analysis.extraction = ex.job;
  analysis.filters = filters;
  analysis.scores = scores;
  analysis.tier = tier;
  core::Message message;
  message.sender = "Jake Morrison";
  EXPECT_EQ(DraftReply(analysis, message, ex.profile).kind, ex.reply);
}

INSTANTIATE_TEST_SUITE_P(Docs, WorkedExampleTest,
                         testing::ValuesIn(WorkedExamples()), CaseName());

TEST(WorkedExampleReasonsTest, StrongRemoteMatchExplainsEachPart) {
  const WorkedExample ex = WorkedExamples()[0];
  const core::Scores scores =
      Score(ex.job, ex.profile, ApplyFilters(ex.job, ex.profile, {}));
  EXPECT_EQ(scores.tech_reason,
            "3 of the 4 listed technologies match your preferences: Go, "
            "Kubernetes, PostgreSQL. Full marks take 4 matches.");
  EXPECT_EQ(scores.salary_reason,
            "The offer tops out at USD 190,000 a year, at or above your ideal "
            "of USD 180,000.");
  EXPECT_EQ(scores.seniority_reason,
            "The role is Senior, the same level as yours (Senior).");
  EXPECT_EQ(scores.company_reason,
            "Northwind Labs is on neither of your company lists; neutral "
            "score.");
}

TEST(WorkedExampleReasonsTest, ThreeFiltersFailNameTheirReasons) {
  const WorkedExample ex = WorkedExamples()[2];
  const std::vector<FilterResult> filters =
      ApplyFilters(ex.job, ex.profile, {});
  EXPECT_EQ(FindFilter(filters, "minimum_salary")->reason,
            "The offer tops out at USD 130,000 a year, below your minimum of "
            "USD 140,000.");
  EXPECT_EQ(FindFilter(filters, "remote_policy")->reason,
            "The role is hybrid; you want remote work.");
  EXPECT_EQ(FindFilter(filters, "work_week")->reason,
            "The role is a five-day week; you want a four-day week.");
}

// ---------------------------------------------------------------------------
// Filters.
// ---------------------------------------------------------------------------

struct FilterCase {
  std::string name;
  std::function<void(Profile&)> profile;
  std::function<void(Extraction&)> job;
  std::string filter;  // The result to look at.
  // nullopt: the rule is not checked at all (no result).
  std::optional<bool> passed;
  std::string reason_has;  // For failures: a phrase of the reason.
};

std::vector<FilterCase> FilterCases() {
  const auto want_remote = [](Profile& p) {
    p.preferred_remote_policy = RemotePolicy::kRemote;
  };
  const auto want_four_days = [](Profile& p) {
    p.preferred_work_week = WorkWeekPreference::kFourDays;
  };
  const auto minimum_100k = [](Profile& p) { p.minimum_salary_usd = 100'000; };
  const auto avoid_globex = [](Profile& p) {
    p.avoided_companies = {"globex", "Lúmina"};
  };
  const auto reject = [](const std::string& rule) {
    return [rule](Profile& p) { p.job_search_status.reject_if = {rule}; };
  };
  const auto nothing = [](Extraction&) {};
  return {
      // minimum_salary: only with a yearly USD figure and a minimum.
      {"MinimumSalaryFailsBelow", minimum_100k,
       [](Extraction& j) { j.salary = UsdYear(80'000, 90'000); },
       "minimum_salary", false, "below your minimum of USD 100,000"},
      {"MinimumSalaryPassesAtMinimum", minimum_100k,
       [](Extraction& j) { j.salary = UsdYear(100'000, 100'000); },
       "minimum_salary", true, ""},
      {"MinimumSalaryPassesWhenRangeReachesIt", minimum_100k,
       [](Extraction& j) { j.salary = UsdYear(80'000, 120'000); },
       "minimum_salary", true, ""},
      {"MinimumSalaryUncheckedWithoutSalary", minimum_100k, nothing,
       "minimum_salary", std::nullopt, ""},
      {"MinimumSalaryUncheckedWithoutUsdRate", minimum_100k,
       [](Extraction& j) { j.salary = Unconvertible(); }, "minimum_salary",
       std::nullopt, ""},
      {"MinimumSalaryUncheckedWithoutMinimum", [](Profile&) {},
       [](Extraction& j) { j.salary = UsdYear(1, 1); }, "minimum_salary",
       std::nullopt, ""},
      // remote_policy.
      {"RemoteFailsOnsite", want_remote,
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; },
       "remote_policy", false, "The role is on-site; you want remote work."},
      {"RemoteFailsHybrid", want_remote,
       [](Extraction& j) { j.remote_policy = RemotePolicy::kHybrid; },
       "remote_policy", false, "The role is hybrid; you want remote work."},
      {"RemotePassesRemote", want_remote,
       [](Extraction& j) { j.remote_policy = RemotePolicy::kRemote; },
       "remote_policy", true, ""},
      {"RemotePassesUnknown", want_remote, nothing, "remote_policy", true, ""},
      {"RemoteFailsOnsiteEvenWhenOpenToRelocation",
       [](Profile& p) {
         p.preferred_remote_policy = RemotePolicy::kRemote;
         p.open_to_relocation = true;
       },
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; },
       "remote_policy", false, "on-site"},
      {"RemoteUncheckedWhenHybridPreferred",
       [](Profile& p) { p.preferred_remote_policy = RemotePolicy::kHybrid; },
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; },
       "remote_policy", std::nullopt, ""},
      // work_week.
      {"WorkWeekFailsFiveDays", want_four_days,
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; }, "work_week",
       false, "five-day week"},
      {"WorkWeekPassesFourDays", want_four_days,
       [](Extraction& j) { j.work_week = WorkWeek::kFourDays; }, "work_week",
       true, ""},
      {"WorkWeekPassesUnknown", want_four_days, nothing, "work_week", true, ""},
      {"WorkWeekUncheckedWhenFlexible", [](Profile&) {},
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; }, "work_week",
       std::nullopt, ""},
      // avoided_company: case, accents and legal forms do not matter.
      {"AvoidedCompanyFails", avoid_globex,
       [](Extraction& j) { j.company = "Globex Corporation"; },
       "avoided_company", false,
       "Globex Corporation is on your list of companies to avoid."},
      {"AvoidedCompanyFailsAccentInsensitive", avoid_globex,
       [](Extraction& j) { j.company = "LUMINA"; }, "avoided_company", false,
       "LUMINA"},
      {"AvoidedCompanyFailsOnAgencyName", avoid_globex,
       [](Extraction& j) {
         j.agency = true;
         j.agency_name = "Globex";
       },
       "avoided_company", false, "Globex"},
      {"AvoidedCompanyPassesOtherCompany", avoid_globex,
       [](Extraction& j) { j.company = "Globex Labs"; }, "avoided_company",
       true, ""},
      {"AvoidedCompanyPassesUnknown", avoid_globex, nothing, "avoided_company",
       true, ""},
      // reject_if, one rule each way.
      {"AgencyFails", reject("agency"), [](Extraction& j) { j.agency = true; },
       "agency", false, "agency"},
      {"AgencyPasses", reject("agency"), nothing, "agency", true, ""},
      {"CryptoFails", reject("crypto"), [](Extraction& j) { j.crypto = true; },
       "crypto", false, "crypto"},
      {"CryptoPasses", reject("crypto"), nothing, "crypto", true, ""},
      {"PreSeedFails", reject("pre_seed"),
       [](Extraction& j) { j.pre_seed = true; }, "pre_seed", false, "pre-seed"},
      {"PreSeedPasses", reject("pre_seed"), nothing, "pre_seed", true, ""},
      {"OnsiteFails", reject("onsite"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; }, "onsite",
       false, "on-site"},
      {"OnsitePassesHybrid", reject("onsite"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kHybrid; }, "onsite",
       true, ""},
      {"HybridFails", reject("hybrid"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kHybrid; }, "hybrid",
       false, "hybrid"},
      {"HybridPassesRemote", reject("hybrid"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kRemote; }, "hybrid",
       true, ""},
      {"ContractFails", reject("contract"),
       [](Extraction& j) { j.job_type = JobType::kContract; }, "contract",
       false, "contract"},
      {"ContractPassesFullTime", reject("contract"),
       [](Extraction& j) { j.job_type = JobType::kFullTime; }, "contract", true,
       ""},
      {"FreelanceFails", reject("freelance"),
       [](Extraction& j) { j.job_type = JobType::kFreelance; }, "freelance",
       false, "freelance"},
      {"FreelancePassesContract", reject("freelance"),
       [](Extraction& j) { j.job_type = JobType::kContract; }, "freelance",
       true, ""},
      {"PartTimeFails", reject("part_time"),
       [](Extraction& j) { j.job_type = JobType::kPartTime; }, "part_time",
       false, "part-time"},
      {"PartTimePassesFullTime", reject("part_time"),
       [](Extraction& j) { j.job_type = JobType::kFullTime; }, "part_time",
       true, ""},
      {"NoSalaryFailsWithoutFigure", reject("no_salary"), nothing, "no_salary",
       false, "no salary figure"},
      {"NoSalaryPassesWithUnconvertibleFigure", reject("no_salary"),
       [](Extraction& j) { j.salary = Unconvertible(); }, "no_salary", true,
       ""},
      {"FiveDayWeekFails", reject("five_day_week"),
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; },
       "five_day_week", false, "five-day week"},
      {"FiveDayWeekPassesFourDays", reject("five_day_week"),
       [](Extraction& j) { j.work_week = WorkWeek::kFourDays; },
       "five_day_week", true, ""},
      // reject_if spellings are normalised.
      {"NormalisesPreSeedSpelling", reject("Pre-Seed"),
       [](Extraction& j) { j.pre_seed = true; }, "pre_seed", false, ""},
      {"NormalisesPartTimeSpelling", reject("Part Time"),
       [](Extraction& j) { j.job_type = JobType::kPartTime; }, "part_time",
       false, ""},
      {"NormalisesOnSiteSpelling", reject("On-Site"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; }, "onsite",
       false, ""},
      {"NormalisesFiveDayWeekSpelling", reject("Five-Day Week"),
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; },
       "five_day_week", false, ""},
      {"NormalisesNoSalarySpelling", reject("NO-SALARY"), nothing, "no_salary",
       false, ""},
      {"IgnoresUnknownRule", reject("blockchain"),
       [](Extraction& j) { j.crypto = true; }, "blockchain", std::nullopt, ""},
  };
}

class FilterRuleTest : public testing::TestWithParam<FilterCase> {};

TEST_P(FilterRuleTest, PassesOrFailsAsStated) {
  const FilterCase& c = GetParam();
  Profile profile;
  c.profile(profile);
  Extraction job;
  c.job(job);
  const std::vector<FilterResult> filters =
      ApplyFilters(job, profile, ScoringOptions{});
  const FilterResult* result = FindFilter(filters, c.filter);
  if (!c.passed.has_value()) {
    EXPECT_EQ(result, nullptr) << "unexpectedly checked: " << c.filter;
    return;
  }
  ASSERT_NE(result, nullptr) << "not checked: " << c.filter;
  EXPECT_EQ(result->passed, *c.passed);
  if (*c.passed) {
    EXPECT_EQ(result->penalty, 0);
    EXPECT_EQ(result->reason, "");
  } else {
    EXPECT_EQ(result->penalty, 40);
    EXPECT_FALSE(result->reason.empty());
    EXPECT_NE(result->reason.find(c.reason_has), std::string::npos)
        << result->reason;
    // A plain sentence for a person, not an identifier.
    EXPECT_TRUE(result->reason.front() >= 'A' && result->reason.front() <= 'Z')
        << result->reason;
    EXPECT_EQ(result->reason.back(), '.') << result->reason;
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, FilterRuleTest,
                         testing::ValuesIn(FilterCases()), CaseName());

// Every requirement a profile can state, except no_salary (whose fact is
// the absence itself).
Profile DemandingProfile() {
  Profile p;
  p.minimum_salary_usd = 150'000;
  p.preferred_remote_policy = RemotePolicy::kRemote;
  p.preferred_work_week = WorkWeekPreference::kFourDays;
  p.avoided_companies = {"Globex"};
  p.job_search_status.reject_if = {"agency",    "crypto",    "pre_seed",
                                   "onsite",    "hybrid",    "contract",
                                   "freelance", "part_time", "five_day_week"};
  return p;
}

TEST(ApplyFiltersTest, UnknownFactsNeverFail) {
  const std::vector<FilterResult> filters =
      ApplyFilters(Extraction{}, DemandingProfile(), ScoringOptions{});
  EXPECT_EQ(filters.size(), 12u);  // No salary: minimum_salary unchecked.
  for (const FilterResult& f : filters) {
    EXPECT_TRUE(f.passed) << f.name << ": " << f.reason;
    EXPECT_EQ(f.penalty, 0) << f.name;
  }
}

TEST(ApplyFiltersTest, UnconvertibleSalaryNeverFails) {
  Extraction job;
  job.salary = Unconvertible();
  for (const FilterResult& f :
       ApplyFilters(job, DemandingProfile(), ScoringOptions{})) {
    EXPECT_TRUE(f.passed) << f.name;
  }
}

TEST(ApplyFiltersTest, OneResultPerRuleInProfileOrder) {
  Profile profile;
  profile.job_search_status.reject_if = {"hybrid", "agency", "Agency",
                                         "AGENCY"};
  const std::vector<FilterResult> filters =
      ApplyFilters(Extraction{}, profile, ScoringOptions{});
  EXPECT_EQ(Names(filters, false),
            (std::vector<std::string>{"hybrid", "agency"}));
}

TEST(ApplyFiltersTest, NoRequirementsNoResults) {
  EXPECT_TRUE(ApplyFilters(Extraction{}, Profile{}, ScoringOptions{}).empty());
}

TEST(ApplyFiltersTest, UsesConfiguredPenalty) {
  Profile profile;
  profile.job_search_status.reject_if = {"agency", "crypto"};
  Extraction job;
  job.agency = true;
  ScoringOptions options;
  options.filter_penalty = 25;
  const std::vector<FilterResult> filters = ApplyFilters(job, profile, options);
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0].penalty, 25);
  EXPECT_EQ(filters[1].penalty, 0);
  EXPECT_EQ(Score(job, profile, filters).penalty, 25);
}

// ---------------------------------------------------------------------------
// Sub-scores.
// ---------------------------------------------------------------------------

struct TechCase {
  std::string name;
  std::vector<std::string> preferred;
  std::vector<std::string> stack;
  int points;
  std::string reason_has;
};

class TechScoreTest : public testing::TestWithParam<TechCase> {};

TEST_P(TechScoreTest, RewardsMatches) {
  const TechCase& c = GetParam();
  Profile profile;
  profile.preferred_technologies = c.preferred;
  Extraction job;
  job.tech_stack = c.stack;
  const core::Scores scores = Score(job, profile, {});
  EXPECT_EQ(scores.tech, c.points) << scores.tech_reason;
  EXPECT_NE(scores.tech_reason.find(c.reason_has), std::string::npos)
      << scores.tech_reason;
}

const std::vector<std::string> kFivePreferred = {"Python", "Go", "k8s",
                                                 "Postgres", "AWS"};

INSTANTIATE_TEST_SUITE_P(
    Table, TechScoreTest,
    testing::ValuesIn(std::vector<TechCase>{
        {"EmptyStackIsNeutral", kFivePreferred, {}, 20, "no technologies"},
        {"NoPreferencesIsNeutral", {}, {"Go"}, 20, "no preferred"},
        {"AliasInProfileMatchesCanonical",
         {"k8s"},
         {"Kubernetes"},
         40,
         "Kubernetes"},
        {"OneListedOneMatchedIsFull",
         kFivePreferred,
         {"Go"},
         40,
         "The only listed technology, Go, is among"},
        {"OneListedNoneMatched", kFivePreferred, {"Java"}, 0, "Java"},
        {"HalfOfTwo", kFivePreferred, {"Go", "Java"}, 20, "Go"},
        {"TwoOfThreeRoundsUp",
         kFivePreferred,
         {"Go", "Java", "AWS"},
         27,
         "Go, AWS"},
        {"OneOfThreeRoundsDown",
         kFivePreferred,
         {"Go", "Java", "Rust"},
         13,
         "Full marks take 3 matches"},
        {"FourOfEightIsFull",
         kFivePreferred,
         {"Go", "Java", "AWS", "Rust", "Python", "Kafka", "Kubernetes",
          "Redis"},
         40,
         "4 of the 8"},
        {"FiveOfEightStaysCapped",
         kFivePreferred,
         {"Go", "Java", "AWS", "Rust", "Python", "Kafka", "Kubernetes",
          "PostgreSQL"},
         40,
         "5 of the 8"},
        {"TwoOfEight",
         kFivePreferred,
         {"Go", "Java", "AWS", "Rust", "C#", "Kafka", "Scala", "Redis"},
         20,
         "2 of the 8"},
        {"NoneOfMany",
         kFivePreferred,
         {"Java", "Spring Boot", "Oracle"},
         0,
         "None of the 3 listed technologies (Java, Spring Boot, Oracle)"},
        {"DuplicatesCountOnce",
         kFivePreferred,
         {"Postgres", "PostgreSQL", "Java"},
         20,
         "1 of the 2"},
        {"FewPreferencesNeedFewMatches",
         {"Go", "Go"},
         {"Go", "Java", "Rust"},
         40,
         "Go"},
    }),
    CaseName());

struct SalaryCase {
  std::string name;
  int64_t minimum;
  int64_t ideal;
  std::optional<Salary> salary;
  int points;
  std::string reason_has;
};

class SalaryScoreTest : public testing::TestWithParam<SalaryCase> {};

TEST_P(SalaryScoreTest, ScalesBetweenMinimumAndIdeal) {
  const SalaryCase& c = GetParam();
  Profile profile;
  profile.minimum_salary_usd = c.minimum;
  profile.ideal_salary_usd = c.ideal;
  Extraction job;
  job.salary = c.salary;
  const core::Scores scores = Score(job, profile, {});
  EXPECT_EQ(scores.salary, c.points) << scores.salary_reason;
  EXPECT_NE(scores.salary_reason.find(c.reason_has), std::string::npos)
      << scores.salary_reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SalaryScoreTest,
    testing::ValuesIn(std::vector<SalaryCase>{
        {"UnknownIsNeutral", 140'000, 180'000, std::nullopt, 15,
         "no salary figure"},
        {"UnconvertibleIsNeutral", 140'000, 180'000, Unconvertible(), 15,
         "ARS"},
        {"NoExpectationsIsNeutral", 0, 0, UsdYear(1, 1), 15,
         "no salary expectations"},
        {"AboveIdeal", 140'000, 180'000, UsdYear(200'000, 220'000), 30,
         "USD 220,000"},
        {"AtIdeal", 140'000, 180'000, UsdYear(180'000, 180'000), 30,
         "at or above your ideal of USD 180,000"},
        {"Midway", 140'000, 180'000, UsdYear(160'000, 160'000), 20,
         "between your minimum of USD 140,000 and your ideal"},
        {"QuarterWay", 140'000, 180'000, UsdYear(150'000, 150'000), 15,
         "USD 150,000"},
        {"AtMinimum", 140'000, 180'000, UsdYear(140'000, 140'000), 10,
         "between"},
        {"RangeUsesItsTop", 140'000, 180'000, UsdYear(100'000, 160'000), 20,
         "USD 160,000"},
        {"JustBelowMinimum", 140'000, 180'000, UsdYear(139'999, 139'999), 0,
         "below your minimum of USD 140,000"},
        {"OnlyMinimumMet", 140'000, 0, UsdYear(140'000, 140'000), 30,
         "at or above your minimum"},
        {"OnlyMinimumMissed", 140'000, 0, UsdYear(100'000, 100'000), 0,
         "below your minimum"},
        {"OnlyIdealHalfway", 0, 100'000, UsdYear(50'000, 50'000), 20,
         "below your ideal of USD 100,000"},
        {"OnlyIdealMet", 0, 100'000, UsdYear(100'000, 100'000), 30, "ideal"},
    }),
    CaseName());

struct SeniorityCase {
  std::string name;
  Seniority job;
  Seniority mine;
  int points;
  std::string reason_has;
};

class SeniorityScoreTest : public testing::TestWithParam<SeniorityCase> {};

TEST_P(SeniorityScoreTest, ScoresDistanceOnTheLadder) {
  const SeniorityCase& c = GetParam();
  Profile profile;
  profile.current_seniority = c.mine;
  Extraction job;
  job.seniority = c.job;
  const core::Scores scores = Score(job, profile, {});
  EXPECT_EQ(scores.seniority, c.points) << scores.seniority_reason;
  EXPECT_NE(scores.seniority_reason.find(c.reason_has), std::string::npos)
      << scores.seniority_reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SeniorityScoreTest,
    testing::ValuesIn(std::vector<SeniorityCase>{
        {"Same", Seniority::kSenior, Seniority::kSenior, 20, "same level"},
        {"OneAbove", Seniority::kStaff, Seniority::kSenior, 14,
         "one step above your level (Senior)"},
        {"OneBelow", Seniority::kMid, Seniority::kSenior, 14, "one step below"},
        {"LeadAndStaffAreOneLevel", Seniority::kStaff, Seniority::kLead, 20,
         "same level as yours (Lead)"},
        {"StaffAndLeadAreOneLevel", Seniority::kLead, Seniority::kStaff, 20,
         "same level"},
        {"PrincipalOverLead", Seniority::kPrincipal, Seniority::kLead, 14,
         "one step above"},
        {"TwoAbove", Seniority::kPrincipal, Seniority::kSenior, 6,
         "two steps above"},
        {"TwoBelow", Seniority::kJunior, Seniority::kSenior, 6,
         "two steps below"},
        {"ThreeBelow", Seniority::kIntern, Seniority::kSenior, 0,
         "3 steps below"},
        {"FarApart", Seniority::kMid, Seniority::kPrincipal, 0, "3 steps"},
        {"UnknownJobIsNeutral", Seniority::kUnknown, Seniority::kSenior, 10,
         "does not state"},
        {"UnknownProfileIsNeutral", Seniority::kSenior, Seniority::kUnknown, 10,
         "neutral"},
    }),
    CaseName());

struct CompanyCase {
  std::string name;
  std::function<void(Profile&)> profile;
  std::function<void(Extraction&)> job;
  int points;
  std::string reason_has;
};

class CompanyScoreTest : public testing::TestWithParam<CompanyCase> {};

TEST_P(CompanyScoreTest, ScoresLists) {
  const CompanyCase& c = GetParam();
  Profile profile;
  profile.preferred_companies = {"Fernhill Health", "Lúmina Seguros"};
  profile.avoided_companies = {"Globex", "Apex Search Partners"};
  c.profile(profile);
  Extraction job;
  c.job(job);
  const core::Scores scores = Score(job, profile, {});
  EXPECT_EQ(scores.company, c.points) << scores.company_reason;
  EXPECT_NE(scores.company_reason.find(c.reason_has), std::string::npos)
      << scores.company_reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CompanyScoreTest,
    testing::ValuesIn(std::vector<CompanyCase>{
        {"Preferred", [](Profile&) {},
         [](Extraction& j) { j.company = "Fernhill Health"; }, 10,
         "one of your preferred companies"},
        {"PreferredIgnoresCaseAndAccents", [](Profile&) {},
         [](Extraction& j) { j.company = "LUMINA  seguros, S.A."; }, 10,
         "preferred"},
        {"Avoided", [](Profile&) {},
         [](Extraction& j) { j.company = "globex inc."; }, 0,
         "globex inc. is on your list of companies to avoid."},
        {"AvoidedAgency", [](Profile&) {},
         [](Extraction& j) {
           j.agency = true;
           j.agency_name = "Apex Search Partners";
         },
         0, "Apex Search Partners"},
        {"OtherIsNeutral", [](Profile&) {},
         [](Extraction& j) { j.company = "Globex Labs"; }, 5,
         "neither of your company lists; neutral"},
        {"UnnamedIsNearNeutral", [](Profile&) {}, [](Extraction&) {}, 4,
         "names no company"},
        {"HiddenByAgencyIsNearNeutral", [](Profile&) {},
         [](Extraction& j) { j.agency = true; }, 4,
         "does not name the client company"},
        {"PreSeedSuitsStartupPreference",
         [](Profile& p) { p.preferred_company_size = "Startup"; },
         [](Extraction& j) {
           j.company = "Tessellate";
           j.pre_seed = true;
         },
         7, "suits your company-size preference"},
        {"PreSeedFarFromEnterprisePreference",
         [](Profile& p) { p.preferred_company_size = "enterprise"; },
         [](Extraction& j) {
           j.company = "Tessellate";
           j.pre_seed = true;
         },
         3, "far from"},
        {"CryptoSuitsWeb3Industry",
         [](Profile& p) {
           p.industry_preferences = {"Fintech", "Web3"};
         },
         [](Extraction& j) {
           j.company = "Tinta Protocol";
           j.crypto = true;
         },
         7, "industry is one you prefer"},
        {"PreferredBeatsFit",
         [](Profile& p) { p.preferred_company_size = "startup"; },
         [](Extraction& j) {
           j.company = "Fernhill Health";
           j.pre_seed = true;
         },
         10, "preferred"},
    }),
    CaseName());

// ---------------------------------------------------------------------------
// Total, clamping and tiers.
// ---------------------------------------------------------------------------

TEST(ScoreTest, PerfectJobIsOneHundred) {
  Profile profile;
  profile.preferred_technologies = {"Go"};
  profile.current_seniority = Seniority::kSenior;
  profile.ideal_salary_usd = 100'000;
  profile.preferred_companies = {"Acme"};
  Extraction job;
  job.tech_stack = {"Go"};
  job.seniority = Seniority::kSenior;
  job.salary = UsdYear(500'000, 500'000);
  job.company = "Acme";
  const core::Scores scores = Score(job, profile, {});
  EXPECT_EQ(scores.total, 100);
  EXPECT_EQ(scores.penalty, 0);
}

TEST(ScoreTest, PenaltyNeverTakesTotalBelowZero) {
  FilterResult failed;
  failed.name = "agency";
  failed.passed = false;
  failed.reason = "x.";
  failed.penalty = 40;
  const core::Scores scores =
      Score(Extraction{}, Profile{}, {failed, failed, failed});
  EXPECT_EQ(scores.penalty, 120);
  EXPECT_EQ(scores.total, 0);
}

TEST(ScoreTest, PenaltyEqualToSumGivesZero) {
  FilterResult failed;
  failed.passed = false;
  failed.penalty = 49;  // The neutral sum: 20 + 15 + 10 + 4.
  EXPECT_EQ(Score(Extraction{}, Profile{}, {failed}).total, 0);
  failed.penalty = 48;
  EXPECT_EQ(Score(Extraction{}, Profile{}, {failed}).total, 1);
}

TEST(ScoreTest, OnlyFailedFiltersCost) {
  FilterResult passed;
  passed.passed = true;
  passed.penalty = 40;  // Malformed: a passed result carries no penalty.
  const core::Scores scores = Score(Extraction{}, Profile{}, {passed});
  EXPECT_EQ(scores.penalty, 0);
  EXPECT_EQ(scores.total, 49);
}

TEST(ScoreTest, IsDeterministic) {
  const WorkedExample ex = WorkedExamples()[1];
  const auto filters = ApplyFilters(ex.job, ex.profile, {});
  EXPECT_EQ(Score(ex.job, ex.profile, filters),
            Score(ex.job, ex.profile, filters));
}

struct TierCase {
  int total;
  Tier tier;
};

TEST(TierForTest, DefaultThresholds) {
  const std::vector<TierCase> cases = {
      {100, Tier::kHighPriority}, {75, Tier::kHighPriority},
      {74, Tier::kInteresting},   {50, Tier::kInteresting},
      {49, Tier::kLow},           {30, Tier::kLow},
      {29, Tier::kNotInterested}, {0, Tier::kNotInterested},
  };
  for (const TierCase& c : cases) {
    EXPECT_EQ(TierFor(c.total, TierThresholds{}), c.tier) << c.total;
  }
}

TEST(TierForTest, CustomThresholds) {
  TierThresholds thresholds;
  thresholds.high_priority = 90;
  thresholds.interesting = 60;
  thresholds.low = 40;
  const std::vector<TierCase> cases = {
      {90, Tier::kHighPriority},  {89, Tier::kInteresting},
      {85, Tier::kInteresting},   {60, Tier::kInteresting},
      {59, Tier::kLow},           {40, Tier::kLow},
      {39, Tier::kNotInterested},
  };
  for (const TierCase& c : cases) {
    EXPECT_EQ(TierFor(c.total, thresholds), c.tier) << c.total;
  }
}

TEST(TierForTest, CustomThresholdsChangeAWorkedExample) {
  // Worked example 1 scores 85: HIGH_PRIORITY by default, INTERESTING when
  // HIGH_PRIORITY needs 90 (docs/scoring.md, "Tiers").
  TierThresholds strict;
  strict.high_priority = 90;
  EXPECT_EQ(TierFor(85, TierThresholds{}), Tier::kHighPriority);
  EXPECT_EQ(TierFor(85, strict), Tier::kInteresting);
}

TEST(ScoringOptionsTest, ConfiguredPenaltyChangesWorkedExampleFour) {
  // docs/scoring.md, "Tiers": with filter_penalty 25, example 4 totals
  // 70 instead of 55.
  const WorkedExample ex = WorkedExamples()[3];
  ScoringOptions options;
  options.filter_penalty = 25;
  const core::Scores scores =
      Score(ex.job, ex.profile, ApplyFilters(ex.job, ex.profile, options));
  EXPECT_EQ(scores.penalty, 25);
  EXPECT_EQ(scores.total, 70);
}

}  // namespace
}  // namespace lia::analysis
