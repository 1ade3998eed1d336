#include "analysis/scoring.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/internal/strings.h"
#include "analysis/tech_lexicon.h"
#include "analysis/text.h"

// Every number below is documented, with worked examples, in docs/scoring.md;
// scoring_test.cc pins the same examples, so change the three together.

namespace lia::analysis {
namespace {

using internal::Append;
using internal::Cat;
using internal::Join;

using core::Extraction;
using core::FilterResult;
using core::Profile;
using core::RemotePolicy;
using core::Seniority;

constexpr int kTechMax = 40;
constexpr int kTechNeutral = 20;
// A job needs this many matching technologies (or all of its own, when it
// lists fewer, or all of the profile's, when it prefers fewer) for full
// marks: a short stack is not a worse job, and a long one is not a better one.
constexpr int kTechMatchesForFullMarks = 4;

constexpr int kSalaryMax = 30;
constexpr int kSalaryNeutral = 15;
// Exactly at the minimum: acceptable but no more, so below the neutral score
// of an unknown salary; the scale then climbs linearly to kSalaryMax.
constexpr int kSalaryAtMinimum = 10;

constexpr int kSeniorityNeutral = 10;
// Points by distance on the seniority ladder: same level, one step, two.
constexpr std::array<int, 3> kSeniorityByDistance = {20, 14, 6};

constexpr int kCompanyMax = 10;
constexpr int kCompanyNeutral = 5;
// Unnamed company: one point under neutral, because it cannot be checked
// against the profile's lists.
constexpr int kCompanyUnnamed = 4;
constexpr int kCompanyFitBonus = 2;

// Round-half-up a / b for a >= 0, b > 0: integer arithmetic only, so every
// platform and compiler scores alike.
int RoundDiv(int64_t a, int64_t b) {
  return static_cast<int>((2 * a + b) / (2 * b));
}

// "190000" -> "190,000".
std::string GroupThousands(int64_t value) {
  // Unsigned magnitude: negating INT64_MIN would overflow.
  const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value)
                                       : static_cast<uint64_t>(value);
  const std::string digits = std::to_string(magnitude);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return value < 0 ? Cat("-", out) : out;
}

std::string Usd(int64_t value) { return Cat("USD ", GroupThousands(value)); }

// Words of a folded name, split at anything that is not [a-z0-9].
std::vector<std::string> Words(std::string_view folded) {
  std::vector<std::string> words;
  std::string current;
  for (char c : folded) {
    if (IsWordChar(c)) {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

// A company name reduced for comparison: case and accents folded,
// punctuation dropped, and a trailing legal form removed, so "Lúmina Seguros
// S.A." and "lumina seguros" are the same company. Empty when nothing is
// left to compare.
std::string CompanyKey(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kLegalForms = {
      "inc", "llc", "ltd",  "limited", "gmbh",       "sa",
      "sl",  "srl", "ltda", "corp",    "co",         "plc",
      "bv",  "ag",  "sas",  "spa",     "corporation"};
  std::vector<std::string> words = Words(FoldString(name));
  while (words.size() > 1 && std::find(kLegalForms.begin(), kLegalForms.end(),
                                       words.back()) != kLegalForms.end()) {
    words.pop_back();
  }
  // "S.A.", "S.L.", "S.A.S.": a run of single letters at the end.
  size_t letters = 0;
  while (letters < words.size() &&
         words[words.size() - 1 - letters].size() == 1) {
    ++letters;
  }
  if (letters >= 2 && letters < words.size()) {
    words.resize(words.size() - letters);
  }
  return Join(words, " ");
}

bool OnList(const std::vector<std::string>& list, std::string_view company) {
  const std::string key = CompanyKey(company);
  return !key.empty() &&
         std::any_of(list.begin(), list.end(), [&](const std::string& entry) {
           return CompanyKey(entry) == key;
         });
}

// A name as extracted, or nullopt when it is missing or blank.
std::optional<std::string> Named(const std::optional<std::string>& name) {
  if (!name || Trim(*name).empty()) return std::nullopt;
  return std::string(Trim(*name));
}

// The job's company or agency when either is on the avoided list.
std::optional<std::string> AvoidedName(const Extraction& job,
                                       const Profile& profile) {
  for (const std::optional<std::string>& name :
       {Named(job.company), Named(job.agency_name)}) {
    if (name && OnList(profile.avoided_companies, *name)) return name;
  }
  return std::nullopt;
}

// A technology as a comparison key: its canonical name when the lexicon
// knows the spelling ("k8s" -> "Kubernetes"), folded.
struct Tech {
  std::string key;
  std::string display;
};

Tech ToTech(std::string_view spelling) {
  const std::string_view trimmed = Trim(spelling);
  std::optional<std::string> canonical =
      DefaultTechLexicon().Canonicalize(trimmed);
  Tech tech;
  tech.display = canonical ? *std::move(canonical) : std::string(trimmed);
  tech.key = FoldString(tech.display);
  return tech;
}

// Distinct technologies in first-seen order, unreadable names dropped.
std::vector<Tech> DistinctTechs(const std::vector<std::string>& spellings) {
  std::vector<Tech> techs;
  for (const std::string& spelling : spellings) {
    Tech tech = ToTech(spelling);
    if (Trim(tech.key).empty()) continue;
    const bool seen =
        std::any_of(techs.begin(), techs.end(),
                    [&](const Tech& t) { return t.key == tech.key; });
    if (!seen) techs.push_back(std::move(tech));
  }
  return techs;
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return Cat(n, " ", n == 1 ? one : many);
}

void ScoreTech(const Extraction& job, const Profile& profile,
               core::Scores& scores) {
  const std::vector<Tech> listed = DistinctTechs(job.tech_stack);
  const std::vector<Tech> preferred =
      DistinctTechs(profile.preferred_technologies);
  if (listed.empty()) {
    scores.tech = kTechNeutral;
    scores.tech_reason = "The message lists no technologies; neutral score.";
    return;
  }
  if (preferred.empty()) {
    scores.tech = kTechNeutral;
    scores.tech_reason =
        "Your profile lists no preferred technologies; neutral score.";
    return;
  }
  std::vector<std::string> matched;
  std::vector<std::string> all;
  for (const Tech& tech : listed) {
    all.push_back(tech.display);
    const bool liked =
        std::any_of(preferred.begin(), preferred.end(),
                    [&](const Tech& p) { return p.key == tech.key; });
    if (liked) matched.push_back(tech.display);
  }
  const int target = static_cast<int>(
      std::min({listed.size(), preferred.size(),
                static_cast<size_t>(kTechMatchesForFullMarks)}));
  const int hits = static_cast<int>(matched.size());
  scores.tech = std::min(kTechMax, RoundDiv(int64_t{kTechMax} * hits, target));

  if (matched.empty()) {
    scores.tech_reason =
        listed.size() == 1
            ? Cat("The only listed technology, ", all.front(),
                  ", is not among your preferred ones.")
            : Cat("None of the ", listed.size(), " listed technologies (",
                  Join(all, ", "), ") is among your preferred ones.");
    return;
  }
  scores.tech_reason =
      listed.size() == 1
          ? Cat("The only listed technology, ", matched.front(),
                ", is among your preferred ones.")
          : Cat(matched.size(), " of the ", listed.size(),
                hits == 1 ? " listed technologies matches your preferences: "
                          : " listed technologies match your preferences: ",
                Join(matched, ", "), ".");
  if (hits < target) {
    Append(scores.tech_reason, " Full marks take ",
           Plural(target, "match", "matches"), ".");
  }
}

// The top of the offered range in yearly USD, when convertible.
std::optional<int64_t> YearlyUsdTop(const core::Salary& salary) {
  if (salary.yearly_usd_max) return salary.yearly_usd_max;
  return salary.yearly_usd_min;
}

void ScoreSalary(const Extraction& job, const Profile& profile,
                 core::Scores& scores) {
  scores.salary = kSalaryNeutral;
  if (!job.salary) {
    scores.salary_reason = "The message gives no salary figure; neutral score.";
    return;
  }
  const std::optional<int64_t> top = YearlyUsdTop(*job.salary);
  if (!top) {
    scores.salary_reason = Cat("The salary is in ", job.salary->currency,
                               ", which has no known USD rate; neutral score.");
    return;
  }
  const int64_t minimum = std::max<int64_t>(0, profile.minimum_salary_usd);
  const int64_t ideal = std::max<int64_t>(0, profile.ideal_salary_usd);
  const std::string offer = Cat("The offer tops out at ", Usd(*top), " a year");
  if (minimum == 0 && ideal == 0) {
    scores.salary_reason =
        Cat(offer,
            "; your profile sets no salary expectations, so the score is "
            "neutral.");
    return;
  }
  if (ideal <= minimum) {
    // Only a minimum (or an ideal no higher than it): meeting it is enough.
    if (*top >= minimum) {
      scores.salary = kSalaryMax;
      scores.salary_reason =
          Cat(offer, ", at or above your minimum of ", Usd(minimum), ".");
    } else {
      scores.salary = 0;
      scores.salary_reason =
          Cat(offer, ", below your minimum of ", Usd(minimum), ".");
    }
    return;
  }
  if (*top >= ideal) {
    scores.salary = kSalaryMax;
    scores.salary_reason =
        Cat(offer, ", at or above your ideal of ", Usd(ideal), ".");
  } else if (*top >= minimum) {
    scores.salary =
        kSalaryAtMinimum +
        RoundDiv(int64_t{kSalaryMax - kSalaryAtMinimum} * (*top - minimum),
                 ideal - minimum);
    scores.salary_reason =
        minimum > 0 ? Cat(offer, ", between your minimum of ", Usd(minimum),
                          " and your ideal of ", Usd(ideal), ".")
                    : Cat(offer, ", below your ideal of ", Usd(ideal), ".");
  } else {
    scores.salary = 0;
    scores.salary_reason =
        Cat(offer, ", below your minimum of ", Usd(minimum), ".");
  }
}

// Position on the ladder. Lead (people track) and Staff (individual-
// contributor track) are the same step above Senior: both are what a senior
// engineer is promoted to, and a candidate at one is routinely hired at the
// other.
int LadderStep(Seniority s) {
  switch (s) {
    case Seniority::kIntern:
      return 0;
    case Seniority::kJunior:
      return 1;
    case Seniority::kMid:
      return 2;
    case Seniority::kSenior:
      return 3;
    case Seniority::kLead:
    case Seniority::kStaff:
      return 4;
    case Seniority::kPrincipal:
      return 5;
    case Seniority::kUnknown:
      break;
  }
  return -1;
}

void ScoreSeniority(const Extraction& job, const Profile& profile,
                    core::Scores& scores) {
  scores.seniority = kSeniorityNeutral;
  if (job.seniority == Seniority::kUnknown) {
    scores.seniority_reason =
        "The message does not state the seniority; neutral score.";
    return;
  }
  const std::string role = Cat("The role is ", core::ToString(job.seniority));
  if (profile.current_seniority == Seniority::kUnknown) {
    scores.seniority_reason =
        Cat(role,
            "; your profile does not state your level, so the score is "
            "neutral.");
    return;
  }
  const int step = LadderStep(job.seniority);
  const int mine = LadderStep(profile.current_seniority);
  const int distance = std::abs(step - mine);
  scores.seniority = distance < static_cast<int>(kSeniorityByDistance.size())
                         ? kSeniorityByDistance[distance]
                         : 0;
  const std::string yours =
      Cat("(", core::ToString(profile.current_seniority), ")");
  if (distance == 0) {
    scores.seniority_reason =
        Cat(role, ", the same level as yours ", yours, ".");
    return;
  }
  const std::string steps = distance == 1   ? "one step"
                            : distance == 2 ? "two steps"
                                            : Plural(distance, "step", "steps");
  scores.seniority_reason =
      Cat(role, ", ", steps, step > mine ? " above" : " below", " your level ",
          yours, ".");
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool ContainsAny(std::string_view haystack,
                 std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return Contains(haystack, n); });
}

void ScoreCompany(const Extraction& job, const Profile& profile,
                  core::Scores& scores) {
  const std::optional<std::string> company = Named(job.company);
  if (company && OnList(profile.preferred_companies, *company)) {
    scores.company = kCompanyMax;
    scores.company_reason =
        Cat(*company, " is one of your preferred companies.");
    return;
  }
  if (std::optional<std::string> avoided = AvoidedName(job, profile)) {
    scores.company = 0;
    scores.company_reason =
        Cat(*avoided, " is on your list of companies to avoid.");
    return;
  }

  int points = kCompanyNeutral;
  if (company) {
    scores.company_reason =
        Cat(*company, " is on neither of your company lists");
  } else {
    points = kCompanyUnnamed;
    scores.company_reason =
        job.agency ? "The recruiter does not name the client company"
                   : "The message names no company";
  }

  // The only company facts extracted are pre_seed and crypto; each nudges
  // the score when the profile states a matching preference, lightly, so a
  // nudged company never outranks a preferred one.
  std::vector<std::string> notes;
  const std::string size = FoldString(profile.preferred_company_size);
  if (job.pre_seed) {
    if (ContainsAny(size,
                    {"startup", "start up", "start-up", "seed", "early"})) {
      points += kCompanyFitBonus;
      notes.emplace_back(
          "as a pre-seed start-up it suits your company-size "
          "preference");
    } else if (ContainsAny(size, {"enterprise", "corporat", "large", "big"})) {
      points -= kCompanyFitBonus;
      notes.emplace_back(
          "as a pre-seed start-up it is far from your "
          "company-size preference");
    }
  }
  if (job.crypto) {
    const bool wanted = std::any_of(
        profile.industry_preferences.begin(),
        profile.industry_preferences.end(), [](const std::string& industry) {
          return ContainsAny(FoldString(industry),
                             {"crypto", "web3", "blockchain", "defi"});
        });
    if (wanted) {
      points += kCompanyFitBonus;
      notes.emplace_back("its industry is one you prefer");
    }
  }
  scores.company = std::clamp(points, 0, kCompanyMax);
  if (notes.empty()) {
    Append(scores.company_reason,
           company ? "; neutral score." : "; near-neutral score.");
  } else {
    Append(scores.company_reason, "; ", Join(notes, "; "), ".");
  }
}

// reject_if spellings to their rule names: lower case, '-' and ' ' as '_',
// and the few variants people write for the same rule. The profile loaders
// already store this form (core/profile.cc, same aliases); normalising again
// keeps profiles built in code, and old stored ones, filtering alike.
std::string NormalizeRule(std::string_view rule) {
  std::string out(Trim(rule));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '-' || c == ' ') c = '_';
  }
  if (out == "on_site") return "onsite";
  if (out == "preseed") return "pre_seed";
  if (out == "parttime") return "part_time";
  if (out == "agencies") return "agency";
  if (out == "5_day_week" || out == "5_days") return "five_day_week";
  return out;
}

// One reject_if rule: whether the job breaks it, and the sentence saying so.
// nullopt for a rule this build does not know (ValidateProfile refuses those
// at load time, so this only guards programmatic profiles).
struct RuleOutcome {
  bool failed = false;
  std::string reason;
};

std::optional<RuleOutcome> CheckRejectRule(std::string_view rule,
                                           const Extraction& job) {
  using core::JobType;
  using core::WorkWeek;
  if (rule == "agency") {
    return RuleOutcome{job.agency,
                       "The sender recruits for an agency on behalf of a "
                       "client; your profile rejects agencies."};
  }
  if (rule == "crypto") {
    return RuleOutcome{job.crypto,
                       "The company works in crypto or web3; your profile "
                       "rejects crypto companies."};
  }
  if (rule == "pre_seed") {
    return RuleOutcome{job.pre_seed,
                       "The company is a pre-seed or unfunded start-up; your "
                       "profile rejects those."};
  }
  if (rule == "onsite") {
    return RuleOutcome{job.remote_policy == RemotePolicy::kOnsite,
                       "The role is on-site; your profile rejects on-site "
                       "roles."};
  }
  if (rule == "hybrid") {
    return RuleOutcome{job.remote_policy == RemotePolicy::kHybrid,
                       "The role is hybrid; your profile rejects hybrid "
                       "roles."};
  }
  if (rule == "contract") {
    return RuleOutcome{job.job_type == JobType::kContract,
                       "The role is a contract; your profile rejects contract "
                       "roles."};
  }
  if (rule == "freelance") {
    return RuleOutcome{job.job_type == JobType::kFreelance,
                       "The role is freelance; your profile rejects freelance "
                       "work."};
  }
  if (rule == "part_time") {
    return RuleOutcome{job.job_type == JobType::kPartTime,
                       "The role is part-time; your profile rejects part-time "
                       "roles."};
  }
  if (rule == "no_salary") {
    // The one rule about an absence: "no figure given" is itself the fact.
    return RuleOutcome{!job.salary.has_value(),
                       "The message gives no salary figure; your profile "
                       "rejects offers without one."};
  }
  if (rule == "five_day_week") {
    return RuleOutcome{job.work_week == WorkWeek::kFiveDays,
                       "The role is a five-day week; your profile rejects "
                       "five-day weeks."};
  }
  return std::nullopt;
}

FilterResult Result(std::string name, bool failed, std::string reason,
                    const ScoringOptions& options) {
  FilterResult result;
  result.name = std::move(name);
  result.passed = !failed;
  if (failed) {
    result.reason = std::move(reason);
    result.penalty = options.filter_penalty;
  }
  return result;
}

}  // namespace

std::vector<FilterResult> ApplyFilters(const Extraction& job,
                                       const Profile& profile,
                                       const ScoringOptions& options) {
  std::vector<FilterResult> results;

  if (profile.minimum_salary_usd > 0 && job.salary) {
    if (std::optional<int64_t> top = YearlyUsdTop(*job.salary)) {
      results.push_back(Result("minimum_salary",
                               *top < profile.minimum_salary_usd,
                               Cat("The offer tops out at ", Usd(*top),
                                   " a year, below your minimum of ",
                                   Usd(profile.minimum_salary_usd), "."),
                               options));
    }
  }

  // open_to_relocation does not waive this: relocating answers where the
  // job is, not whether it is remote (docs/scoring.md).
  if (profile.preferred_remote_policy == RemotePolicy::kRemote) {
    const bool onsite = job.remote_policy == RemotePolicy::kOnsite;
    const bool hybrid = job.remote_policy == RemotePolicy::kHybrid;
    results.push_back(Result("remote_policy", onsite || hybrid,
                             Cat("The role is ", onsite ? "on-site" : "hybrid",
                                 "; you want remote work."),
                             options));
  }

  if (profile.preferred_work_week == core::WorkWeekPreference::kFourDays) {
    results.push_back(Result(
        "work_week", job.work_week == core::WorkWeek::kFiveDays,
        "The role is a five-day week; you want a four-day week.", options));
  }

  if (!profile.avoided_companies.empty()) {
    const std::optional<std::string> avoided = AvoidedName(job, profile);
    results.push_back(Result(
        "avoided_company", avoided.has_value(),
        avoided ? Cat(*avoided, " is on your list of companies to avoid.")
                : std::string(),
        options));
  }

  std::vector<std::string> seen;
  for (const std::string& raw : profile.job_search_status.reject_if) {
    std::string rule = NormalizeRule(raw);
    if (std::find(seen.begin(), seen.end(), rule) != seen.end()) continue;
    std::optional<RuleOutcome> outcome = CheckRejectRule(rule, job);
    if (!outcome) continue;
    seen.push_back(rule);
    results.push_back(Result(std::move(rule), outcome->failed,
                             std::move(outcome->reason), options));
  }
  return results;
}

core::Scores Score(const Extraction& job, const Profile& profile,
                   const std::vector<FilterResult>& filters) {
  core::Scores scores;
  ScoreTech(job, profile, scores);
  ScoreSalary(job, profile, scores);
  ScoreSeniority(job, profile, scores);
  ScoreCompany(job, profile, scores);
  for (const FilterResult& filter : filters) {
    if (!filter.passed) scores.penalty += std::max(0, filter.penalty);
  }
  const int sum =
      scores.tech + scores.salary + scores.seniority + scores.company;
  scores.total = std::clamp(sum - scores.penalty, 0, 100);
  return scores;
}

core::Tier TierFor(int total, const TierThresholds& thresholds) {
  if (total >= thresholds.high_priority) return core::Tier::kHighPriority;
  if (total >= thresholds.interesting) return core::Tier::kInteresting;
  if (total >= thresholds.low) return core::Tier::kLow;
  return core::Tier::kNotInterested;
}

}  // namespace lia::analysis
