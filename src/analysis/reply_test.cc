#include "analysis/reply.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/scoring.h"
#include "core/types.h"
#include "gtest/gtest.h"

namespace lia::analysis {
namespace {

using core::Analysis;
using core::ConversationState;
using core::Extraction;
using core::Language;
using core::Message;
using core::Profile;
using core::QuestionType;
using core::RemotePolicy;
using core::ReplyKind;
using core::Salary;
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

Profile Candidate() {
  Profile p;
  p.name = "Aisha Khan";
  p.signature = "Aisha";
  p.preferred_technologies = {"Python", "k8s", "Go", "AWS"};
  p.years_of_experience = 8;
  p.current_seniority = core::Seniority::kSenior;
  p.minimum_salary_usd = 140'000;
  p.ideal_salary_usd = 180'000;
  p.preferred_remote_policy = RemotePolicy::kRemote;
  p.preferred_work_week = WorkWeekPreference::kFourDays;
  p.job_search_status.currently_employed = true;
  return p;
}

Salary UsdYear(int64_t min, int64_t max) {
  Salary salary;
  salary.min = min;
  salary.max = max;
  salary.yearly_usd_min = min;
  salary.yearly_usd_max = max;
  return salary;
}

// A job that leaves nothing to ask.
Extraction KnownJob() {
  Extraction job;
  job.company = "Northwind Labs";
  job.role = "Senior Backend Engineer";
  job.salary = UsdYear(170'000, 190'000);
  job.remote_policy = RemotePolicy::kRemote;
  job.work_week = WorkWeek::kFourDays;
  return job;
}

Analysis NewOpportunity(Language language, Extraction job,
                        std::vector<core::FilterResult> filters = {},
                        Tier tier = Tier::kInteresting) {
  Analysis analysis;
  analysis.language = language;
  analysis.classification.state = ConversationState::kNewOpportunity;
  analysis.extraction = std::move(job);
  analysis.filters = std::move(filters);
  analysis.tier = tier;
  return analysis;
}

Analysis FollowUp(Language language, QuestionType question) {
  Analysis analysis;
  analysis.language = language;
  analysis.classification.state = ConversationState::kFollowUp;
  analysis.follow_up = core::FollowUp{question, true};
  return analysis;
}

Message From(std::string sender, std::string text = "") {
  Message message;
  message.sender = std::move(sender);
  message.text = std::move(text);
  return message;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

void ExpectContainsAll(const std::string& text,
                       const std::vector<std::string>& phrases) {
  for (const std::string& phrase : phrases) {
    EXPECT_NE(text.find(phrase), std::string::npos)
        << "missing \"" << phrase << "\" in:\n"
        << text;
  }
}

void ExpectContainsNone(const std::string& text,
                        const std::vector<std::string>& phrases) {
  for (const std::string& phrase : phrases) {
    EXPECT_EQ(text.find(phrase), std::string::npos)
        << "unexpected \"" << phrase << "\" in:\n"
        << text;
  }
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// ---------------------------------------------------------------------------
// Each kind in each language.
// ---------------------------------------------------------------------------

struct KindCase {
  std::string name;
  Analysis analysis;
  std::string sender;
  ReplyKind kind;
  std::vector<std::string> phrases;  // Greeting and sign-off included.
};

std::vector<KindCase> KindCases() {
  Extraction unknown_salary = KnownJob();
  unknown_salary.salary.reset();
  std::vector<core::FilterResult> failed(1);
  failed[0].name = "remote_policy";
  failed[0].passed = false;
  failed[0].reason = "The role is on-site; you want remote work.";
  failed[0].penalty = 40;
  return {
      {"InterestedEnglish",
       NewOpportunity(Language::kEnglish, KnownJob()),
       "Jake Morrison",
       ReplyKind::kInterested,
       {"Hi Jake,\n\n",
        ("Thanks for reaching out about the Senior Backend Engineer role at "
         "Northwind Labs."),
        "I'd like to learn more", "short call", "\n\nBest regards,\nAisha"}},
      {"InterestedSpanish",
       NewOpportunity(Language::kSpanish, unknown_salary),
       "Carmen Ruiz",
       ReplyKind::kInterested,
       {"Hola Carmen,\n\n",
        ("Gracias por escribirme y por pensar en mí para el puesto de Senior "
         "Backend Engineer en Northwind Labs."),
        "me gustaría saber más", "- la banda salarial del puesto",
        "llamada breve", "\n\nUn saludo,\nAisha"}},
      {"InterestedPortuguese",
       NewOpportunity(Language::kPortuguese, unknown_salary),
       "Juliana Costa",
       ReplyKind::kInterested,
       {"Olá Juliana, tudo bem?\n\n",
        ("Agradeço pela mensagem e por ter se lembrado de mim para a vaga de "
         "Senior Backend Engineer na Northwind Labs."),
        "gostaria de saber mais", "- a faixa salarial da vaga",
        "conversa rápida", "\n\nUm abraço,\nAisha"}},
      {"DeclineEnglish",
       NewOpportunity(Language::kEnglish, KnownJob(), failed),
       "Jake Morrison",
       ReplyKind::kDecline,
       {"Hi Jake,\n\n", "Thank you for reaching out about",
        "isn't the right fit for me right now",
        "stay in touch for future opportunities", "\n\nBest regards,\nAisha"}},
      {"DeclineSpanish",
       NewOpportunity(Language::kSpanish, KnownJob(), failed),
       "Carmen Ruiz",
       ReplyKind::kDecline,
       {"Hola Carmen,\n\n", "Gracias por escribirme",
        "no es la oportunidad adecuada para mí",
        "sigamos en contacto para futuras oportunidades",
        "\n\nUn saludo,\nAisha"}},
      {"DeclinePortuguese",
       NewOpportunity(Language::kPortuguese, KnownJob(), failed),
       "Juliana Costa",
       ReplyKind::kDecline,
       {"Olá Juliana, tudo bem?\n\n", "Agradeço pela mensagem",
        "não é a oportunidade certa para mim",
        "mantermos contato em futuras oportunidades", "\n\nUm abraço,\nAisha"}},
      {"DeclineWhenNotInterestedEvenWithoutFailedFilter",
       NewOpportunity(Language::kEnglish, KnownJob(), {}, Tier::kNotInterested),
       "Jake Morrison",
       ReplyKind::kDecline,
       {"isn't the right fit"}},
      {"AnswerEnglish",
       FollowUp(Language::kEnglish, QuestionType::kSalary),
       "Lauren Hayes",
       ReplyKind::kAnswer,
       {"Hi Lauren,\n\n", "around USD 180,000 per year",
        "\n\nBest regards,\nAisha"}},
      {"AnswerSpanish",
       FollowUp(Language::kSpanish, QuestionType::kSalary),
       "Carmen Ruiz",
       ReplyKind::kAnswer,
       {"Hola Carmen,\n\n", "rondan los USD 180.000 brutos anuales",
        "\n\nUn saludo,\nAisha"}},
      {"AnswerPortuguese",
       FollowUp(Language::kPortuguese, QuestionType::kSalary),
       "Juliana Costa",
       ReplyKind::kAnswer,
       {"Olá Juliana, tudo bem?\n\n", "cerca de USD 180.000 por ano",
        "\n\nUm abraço,\nAisha"}},
  };
}

class ReplyKindTest : public testing::TestWithParam<KindCase> {};

TEST_P(ReplyKindTest, HasKeyPhrasesGreetingAndSignature) {
  const KindCase& c = GetParam();
  const core::Reply reply = DraftReply(c.analysis, From(c.sender), Candidate());
  EXPECT_EQ(reply.kind, c.kind);
  EXPECT_EQ(reply.language, c.analysis.language);
  ExpectContainsAll(reply.text, c.phrases);
  EXPECT_TRUE(EndsWith(reply.text, "\nAisha")) << reply.text;
}

INSTANTIATE_TEST_SUITE_P(Table, ReplyKindTest, testing::ValuesIn(KindCases()),
                         CaseName());

TEST(ReplyTest, CourtesyCloseIsEmptyInEveryLanguage) {
  for (Language language :
       {Language::kEnglish, Language::kSpanish, Language::kPortuguese}) {
    Analysis analysis;
    analysis.language = language;
    analysis.classification.state = ConversationState::kCourtesyClose;
    const core::Reply reply =
        DraftReply(analysis, From("Alicia Gomez", "Good luck!"), Candidate());
    EXPECT_EQ(reply.kind, ReplyKind::kNone);
    EXPECT_EQ(reply.language, language);
    EXPECT_EQ(reply.text, "");
  }
}

// ---------------------------------------------------------------------------
// Interested: ask only for what is unknown.
// ---------------------------------------------------------------------------

struct QuestionCase {
  std::string name;
  std::function<void(Extraction&)> job;
  std::function<void(Profile&)> profile;
  bool salary;
  bool work_week;
  bool remote;
  bool company;
};

class InterestedQuestionsTest : public testing::TestWithParam<QuestionCase> {};

TEST_P(InterestedQuestionsTest, AsksOnlyForUnknowns) {
  const QuestionCase& c = GetParam();
  Extraction job = KnownJob();
  c.job(job);
  Profile profile = Candidate();
  c.profile(profile);
  const core::Reply reply = DraftReply(NewOpportunity(Language::kEnglish, job),
                                       From("Jake Morrison"), profile);
  ASSERT_EQ(reply.kind, ReplyKind::kInterested);
  const auto has = [&](const std::string& phrase) {
    return reply.text.find(phrase) != std::string::npos;
  };
  EXPECT_EQ(has("- the salary range for the role"), c.salary) << reply.text;
  EXPECT_EQ(has("- whether the role requires a five-day week"), c.work_week)
      << reply.text;
  EXPECT_EQ(has("- whether the role is remote, hybrid or on-site"), c.remote)
      << reply.text;
  EXPECT_EQ(has("- the name of the hiring company"), c.company) << reply.text;
  const bool any = c.salary || c.work_week || c.remote || c.company;
  EXPECT_EQ(has("could you share a few details?"), any) << reply.text;
  // Always a next step.
  EXPECT_TRUE(has("short call")) << reply.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InterestedQuestionsTest,
    testing::ValuesIn(std::vector<QuestionCase>{
        {"NothingUnknown", [](Extraction&) {}, [](Profile&) {}, false, false,
         false, false},
        {"NoSalary", [](Extraction& j) { j.salary.reset(); }, [](Profile&) {},
         true, false, false, false},
        {"UnconvertibleSalaryIsStillAFigure",
         [](Extraction& j) {
           j.salary->currency = "XYZ";
           j.salary->yearly_usd_min.reset();
           j.salary->yearly_usd_max.reset();
         },
         [](Profile&) {}, false, false, false, false},
        {"UnknownWorkWeekWhenFourDaysWanted",
         [](Extraction& j) { j.work_week = WorkWeek::kUnknown; },
         [](Profile&) {}, false, true, false, false},
        {"UnknownWorkWeekWhenFlexible",
         [](Extraction& j) { j.work_week = WorkWeek::kUnknown; },
         [](Profile& p) {
           p.preferred_work_week = WorkWeekPreference::kFlexible;
         },
         false, false, false, false},
        {"UnknownRemotePolicy",
         [](Extraction& j) { j.remote_policy = RemotePolicy::kUnknown; },
         [](Profile&) {}, false, false, true, false},
        {"AgencyHidingCompany",
         [](Extraction& j) {
           j.agency = true;
           j.company.reset();
         },
         [](Profile&) {}, false, false, false, true},
        {"AgencyNamingCompany", [](Extraction& j) { j.agency = true; },
         [](Profile&) {}, false, false, false, false},
        {"DirectWithoutCompanyName", [](Extraction& j) { j.company.reset(); },
         [](Profile&) {}, false, false, false, false},
        {"EverythingUnknown",
         [](Extraction& j) {
           j = Extraction{};
           j.agency = true;
         },
         [](Profile&) {}, true, true, true, true},
    }),
    CaseName());

TEST(ReplyTest, QuestionsInSpanishAndPortuguese) {
  Extraction job;
  job.agency = true;
  const core::Reply es = DraftReply(NewOpportunity(Language::kSpanish, job),
                                    From("Carmen Ruiz"), Candidate());
  ExpectContainsAll(
      es.text,
      {"¿podrías contarme algunos detalles?", "- la banda salarial del puesto",
       "- si el puesto requiere semana de cinco días",
       "- la modalidad de trabajo (remoto, híbrido o presencial)",
       "- el nombre de la empresa contratante", "esta oportunidad"});
  const core::Reply pt = DraftReply(NewOpportunity(Language::kPortuguese, job),
                                    From("Juliana Costa"), Candidate());
  ExpectContainsAll(
      pt.text,
      {"você poderia me passar alguns detalhes?", "- a faixa salarial da vaga",
       "- se a vaga exige semana de cinco dias",
       "- o modelo de trabalho (remoto, híbrido ou presencial)",
       "- o nome da empresa contratante", "esta oportunidade"});
}

TEST(ReplyTest, NamesRoleAndCompanyWhenKnown) {
  struct Case {
    std::optional<std::string> role;
    std::optional<std::string> company;
    std::string english;
  };
  for (const Case& c : std::vector<Case>{
           {"Data Engineer", "Acme", "about the Data Engineer role at Acme."},
           {"Data Engineer", std::nullopt, "about the Data Engineer role."},
           {std::nullopt, "Acme", "about the opportunity at Acme."},
           {std::nullopt, std::nullopt, "about this opportunity."},
       }) {
    Extraction job = KnownJob();
    job.role = c.role;
    job.company = c.company;
    const core::Reply reply = DraftReply(
        NewOpportunity(Language::kEnglish, job), From("Jake"), Candidate());
    ExpectContainsAll(reply.text, {c.english});
  }
}

// ---------------------------------------------------------------------------
// A decline never leaks the machinery.
// ---------------------------------------------------------------------------

// Words that would tell the recruiter how the candidate's tool decided.
const std::vector<std::string> kInternalWords = {
    "filter",   "score",       "tier",    "penalty", "reject",  "crypto",
    "web3",     "agency",      "agencia", "agência", "minimum", "mínimo",
    "minimo",   "salary",      "salari",  "rule",    "regla",   "regra",
    "priority", "interesting", "usd",     "140,000", "140.000", "pre-seed",
    "pre_seed", "on-site",     "onsite",  "hybrid",  "híbrido", "five-day",
    "remote",   "remoto"};

// One job breaking one rule, for each rule a profile can state.
struct LeakCase {
  std::string rule;  // The failed filter's name.
  std::function<void(Profile&)> profile;
  std::function<void(Extraction&)> job;
};

std::vector<LeakCase> LeakCases() {
  const auto reject = [](const std::string& rule) {
    return [rule](Profile& p) { p.job_search_status.reject_if = {rule}; };
  };
  return {
      {"minimum_salary", [](Profile&) {},
       [](Extraction& j) { j.salary = UsdYear(90'000, 100'000); }},
      {"remote_policy", [](Profile&) {},
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; }},
      {"work_week", [](Profile&) {},
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; }},
      {"avoided_company",
       [](Profile& p) { p.avoided_companies = {"Northwind Labs"}; },
       [](Extraction&) {}},
      {"agency", reject("agency"), [](Extraction& j) { j.agency = true; }},
      {"crypto", reject("crypto"), [](Extraction& j) { j.crypto = true; }},
      {"pre_seed", reject("pre_seed"),
       [](Extraction& j) { j.pre_seed = true; }},
      {"onsite", reject("onsite"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kOnsite; }},
      {"hybrid", reject("hybrid"),
       [](Extraction& j) { j.remote_policy = RemotePolicy::kHybrid; }},
      {"contract", reject("contract"),
       [](Extraction& j) { j.job_type = core::JobType::kContract; }},
      {"freelance", reject("freelance"),
       [](Extraction& j) { j.job_type = core::JobType::kFreelance; }},
      {"part_time", reject("part_time"),
       [](Extraction& j) { j.job_type = core::JobType::kPartTime; }},
      {"no_salary", reject("no_salary"),
       [](Extraction& j) { j.salary.reset(); }},
      {"five_day_week", reject("five_day_week"),
       [](Extraction& j) { j.work_week = WorkWeek::kFiveDays; }},
  };
}

TEST(ReplyTest, DeclineNeverNamesAnInternalRule) {
  for (const LeakCase& c : LeakCases()) {
    Profile profile = Candidate();
    c.profile(profile);
    Extraction job = KnownJob();
    c.job(job);
    const std::vector<core::FilterResult> filters =
        ApplyFilters(job, profile, ScoringOptions{});
    const auto failed = std::find_if(
        filters.begin(), filters.end(),
        [&](const core::FilterResult& f) { return f.name == c.rule; });
    ASSERT_NE(failed, filters.end()) << c.rule;
    ASSERT_FALSE(failed->passed) << c.rule;
    const core::Scores scores = Score(job, profile, filters);
    const Tier tier = TierFor(scores.total, TierThresholds{});
    for (Language language :
         {Language::kEnglish, Language::kSpanish, Language::kPortuguese}) {
      SCOPED_TRACE(c.rule + " / " + std::string(core::ToString(language)));
      Analysis analysis = NewOpportunity(language, job, filters, tier);
      analysis.scores = scores;
      const core::Reply reply =
          DraftReply(analysis, From("Jake Morrison"), profile);
      ASSERT_EQ(reply.kind, ReplyKind::kDecline);
      const std::string text = Lower(reply.text);
      ExpectContainsNone(text, kInternalWords);
      for (const core::FilterResult& f : filters) {
        ExpectContainsNone(text, {f.name});
        if (!f.reason.empty()) ExpectContainsNone(reply.text, {f.reason});
      }
      ExpectContainsNone(text, {std::to_string(scores.total) + " ",
                                Lower(std::string(core::ToString(tier)))});
    }
  }
}

// ---------------------------------------------------------------------------
// Answers to follow-ups.
// ---------------------------------------------------------------------------

struct AnswerCase {
  std::string name;
  Language language;
  QuestionType question;
  std::function<void(Profile&)> profile;
  std::string message;
  std::vector<std::string> phrases;
};

class AnswerTest : public testing::TestWithParam<AnswerCase> {};

TEST_P(AnswerTest, AnswersFromTheProfile) {
  const AnswerCase& c = GetParam();
  Profile profile = Candidate();
  c.profile(profile);
  const core::Reply reply = DraftReply(FollowUp(c.language, c.question),
                                       From("Grace Liu", c.message), profile);
  EXPECT_EQ(reply.kind, ReplyKind::kAnswer);
  ExpectContainsAll(reply.text, c.phrases);
}

const auto kAsIs = [](Profile&) {};

INSTANTIATE_TEST_SUITE_P(
    Table, AnswerTest,
    testing::ValuesIn(std::vector<AnswerCase>{
        // SALARY.
        {"SalaryIdealEn",
         Language::kEnglish,
         QuestionType::kSalary,
         kAsIs,
         "",
         {"My expectation is around USD 180,000 per year"}},
        {"SalaryIdealEs",
         Language::kSpanish,
         QuestionType::kSalary,
         kAsIs,
         "",
         {"USD 180.000 brutos anuales"}},
        {"SalaryIdealPt",
         Language::kPortuguese,
         QuestionType::kSalary,
         kAsIs,
         "",
         {"cerca de USD 180.000 por ano"}},
        {"SalaryMinimumOnlyEn",
         Language::kEnglish,
         QuestionType::kSalary,
         [](Profile& p) { p.ideal_salary_usd = 0; },
         "",
         {"at least USD 140,000 per year"}},
        {"SalaryMinimumOnlyEs",
         Language::kSpanish,
         QuestionType::kSalary,
         [](Profile& p) { p.ideal_salary_usd = 0; },
         "",
         {"al menos USD 140.000"}},
        {"SalaryUnsetEn",
         Language::kEnglish,
         QuestionType::kSalary,
         [](Profile& p) {
           p.ideal_salary_usd = 0;
           p.minimum_salary_usd = 0;
         },
         "",
         {"range budgeted for the role"}},
        {"SalaryUnsetPt",
         Language::kPortuguese,
         QuestionType::kSalary,
         [](Profile& p) {
           p.ideal_salary_usd = 0;
           p.minimum_salary_usd = 0;
         },
         "",
         {"faixa prevista para a vaga"}},
        // AVAILABILITY.
        {"AvailabilityEmployedEn",
         Language::kEnglish,
         QuestionType::kAvailability,
         kAsIs,
         "",
         {"I could start after my notice period"}},
        {"AvailabilityEmployedEs",
         Language::kSpanish,
         QuestionType::kAvailability,
         kAsIs,
         "",
         {"período de preaviso"}},
        {"AvailabilityEmployedPt",
         Language::kPortuguese,
         QuestionType::kAvailability,
         kAsIs,
         "",
         {"aviso prévio"}},
        {"AvailabilityFreeEn",
         Language::kEnglish,
         QuestionType::kAvailability,
         [](Profile& p) { p.job_search_status.currently_employed = false; },
         "",
         {"could start soon"}},
        {"AvailabilityFreeEs",
         Language::kSpanish,
         QuestionType::kAvailability,
         [](Profile& p) { p.job_search_status.currently_employed = false; },
         "",
         {"incorporarme pronto"}},
        {"AvailabilityFreePt",
         Language::kPortuguese,
         QuestionType::kAvailability,
         [](Profile& p) { p.job_search_status.currently_employed = false; },
         "",
         {"começar em breve"}},
        // INTEREST.
        {"InterestYesEn",
         Language::kEnglish,
         QuestionType::kInterest,
         kAsIs,
         "",
         {"Yes, I'm still interested"}},
        {"InterestYesEs",
         Language::kSpanish,
         QuestionType::kInterest,
         kAsIs,
         "",
         {"Sí, me sigue interesando"}},
        {"InterestYesPt",
         Language::kPortuguese,
         QuestionType::kInterest,
         kAsIs,
         "",
         {"Sim, continuo com interesse"}},
        {"InterestNoEn",
         Language::kEnglish,
         QuestionType::kInterest,
         [](Profile& p) { p.looking_for_change = false; },
         "",
         {"I'm not looking for a change right now", "stay in touch"}},
        {"InterestNoEs",
         Language::kSpanish,
         QuestionType::kInterest,
         [](Profile& p) { p.looking_for_change = false; },
         "",
         {"no estoy buscando un cambio"}},
        {"InterestNoPt",
         Language::kPortuguese,
         QuestionType::kInterest,
         [](Profile& p) { p.looking_for_change = false; },
         "",
         {"não estou buscando uma mudança"}},
        // SCHEDULING: accept a proposed slot, else ask for one.
        {"SchedulingConfirmEn",
         Language::kEnglish,
         QuestionType::kScheduling,
         kAsIs,
         "Does Tuesday at 10am PT work for a 30-minute Zoom with our VP?",
         {"That time works for me"}},
        {"SchedulingConfirmLinkEn",
         Language::kEnglish,
         QuestionType::kScheduling,
         kAsIs,
         "Booked! Here's the link: https://meet.google.com/xqz-kwpb-rty",
         {"That time works for me"}},
        {"SchedulingConfirmEs",
         Language::kSpanish,
         QuestionType::kScheduling,
         kAsIs,
         "¿Te viene bien el miércoles a las 15:30?",
         {"Ese horario me viene bien"}},
        {"SchedulingConfirmPt",
         Language::kPortuguese,
         QuestionType::kScheduling,
         kAsIs,
         "Pode ser na quinta-feira às 14h?",
         {"Esse horário funciona"}},
        {"SchedulingAskEn",
         Language::kEnglish,
         QuestionType::kScheduling,
         kAsIs,
         "When would be a good time for a quick call?",
         {"Could you suggest a few time slots"}},
        {"SchedulingAskEs",
         Language::kSpanish,
         QuestionType::kScheduling,
         kAsIs,
         "¿Cuándo te vendría bien una llamada?",
         {"¿Podrías proponerme algunos horarios"}},
        {"SchedulingAskPt",
         Language::kPortuguese,
         QuestionType::kScheduling,
         kAsIs,
         "Qual seria um bom horário para conversarmos?",
         {"sugerir alguns horários"}},
        // EXPERIENCE: years and the top technologies, canonical names.
        {"ExperienceEn",
         Language::kEnglish,
         QuestionType::kExperience,
         kAsIs,
         "",
         {"I have 8 years of experience, working mostly with Python, "
          "Kubernetes and Go."}},
        {"ExperienceEs",
         Language::kSpanish,
         QuestionType::kExperience,
         kAsIs,
         "",
         {"Tengo 8 años de experiencia, principalmente con Python, "
          "Kubernetes y Go."}},
        {"ExperiencePt",
         Language::kPortuguese,
         QuestionType::kExperience,
         kAsIs,
         "",
         {"Tenho 8 anos de experiência, principalmente com Python, "
          "Kubernetes e Go."}},
        {"ExperienceOneYearEn",
         Language::kEnglish,
         QuestionType::kExperience,
         [](Profile& p) {
           p.years_of_experience = 1;
           p.preferred_technologies.clear();
         },
         "",
         {"I have 1 year of experience."}},
        {"ExperienceTechsOnlyEs",
         Language::kSpanish,
         QuestionType::kExperience,
         [](Profile& p) { p.years_of_experience = 0; },
         "",
         {"Trabajo principalmente con Python, Kubernetes y Go."}},
        {"ExperienceNothingPt",
         Language::kPortuguese,
         QuestionType::kExperience,
         [](Profile& p) {
           p.years_of_experience = 0;
           p.preferred_technologies.clear();
         },
         "",
         {"contar mais sobre minha experiência"}},
        // OTHER and NONE.
        {"OtherEn",
         Language::kEnglish,
         QuestionType::kOther,
         kAsIs,
         "Could you send me an updated CV?",
         {"get back to you shortly"}},
        {"OtherEs",
         Language::kSpanish,
         QuestionType::kOther,
         kAsIs,
         "",
         {"te respondo en breve"}},
        {"OtherPt",
         Language::kPortuguese,
         QuestionType::kOther,
         kAsIs,
         "",
         {"retorno em breve"}},
        {"NoneEn",
         Language::kEnglish,
         QuestionType::kNone,
         kAsIs,
         "",
         {"Thanks for the update, noted."}},
        {"NoneEs",
         Language::kSpanish,
         QuestionType::kNone,
         kAsIs,
         "",
         {"tomo nota"}},
        {"NonePt",
         Language::kPortuguese,
         QuestionType::kNone,
         kAsIs,
         "",
         {"anotado"}},
    }),
    CaseName());

TEST(ReplyTest, FollowUpWithoutQuestionIsAcknowledged) {
  Analysis analysis;
  analysis.classification.state = ConversationState::kFollowUp;
  const core::Reply reply =
      DraftReply(analysis, From("Grace Liu"), Candidate());
  EXPECT_EQ(reply.kind, ReplyKind::kAnswer);
  ExpectContainsAll(reply.text, {"Thanks for the update, noted."});
}

// ---------------------------------------------------------------------------
// Greeting, signature, determinism.
// ---------------------------------------------------------------------------

TEST(ReplyTest, GenericGreetingWithoutAName) {
  struct Case {
    std::string sender;
    Language language;
    std::string greeting;
  };
  for (const Case& c : std::vector<Case>{
           {"", Language::kEnglish, "Hi there,\n\n"},
           {"   ", Language::kSpanish, "Hola,\n\n"},
           {"jobs@acme.example", Language::kPortuguese, "Olá, tudo bem?\n\n"},
           {"12345", Language::kEnglish, "Hi there,\n\n"},
           {"  María José Pérez", Language::kSpanish, "Hola María,\n\n"},
           {"Jake, Morrison", Language::kEnglish, "Hi Jake,\n\n"},
       }) {
    const core::Reply reply = DraftReply(
        FollowUp(c.language, QuestionType::kNone), From(c.sender), Candidate());
    EXPECT_EQ(reply.text.rfind(c.greeting, 0), 0u)
        << "sender \"" << c.sender << "\":\n"
        << reply.text;
  }
}

TEST(ReplyTest, SignatureFallsBackToName) {
  Profile profile = Candidate();
  profile.signature.clear();
  const core::Reply reply = DraftReply(
      NewOpportunity(Language::kEnglish, KnownJob()), From("Jake"), profile);
  EXPECT_TRUE(EndsWith(reply.text, "\n\nBest regards,\nAisha Khan"))
      << reply.text;

  profile.name.clear();
  const core::Reply unsigned_reply = DraftReply(
      NewOpportunity(Language::kEnglish, KnownJob()), From("Jake"), profile);
  EXPECT_TRUE(EndsWith(unsigned_reply.text, "\n\nBest regards,"))
      << unsigned_reply.text;
}

TEST(ReplyTest, MessageTextCannotInjectPlaceholders) {
  Extraction job = KnownJob();
  job.role = "{company} {name}";
  const core::Reply reply = DraftReply(NewOpportunity(Language::kEnglish, job),
                                       From("{job}"), Candidate());
  ExpectContainsAll(reply.text, {"Hi {job},",
                                 "about the {company} {name} role at "
                                 "Northwind Labs."});
}

TEST(ReplyTest, RepairsInvalidUtf8FromTheMessage) {
  Extraction job = KnownJob();
  job.role = "Data\xff Engineer";
  const core::Reply reply = DraftReply(NewOpportunity(Language::kEnglish, job),
                                       From("Ja\xc3ke"), Candidate());
  EXPECT_EQ(reply.text.find('\xff'), std::string::npos) << reply.text;
  ExpectContainsAll(reply.text, {"Data\xEF\xBF\xBD Engineer"});
}

TEST(ReplyTest, IsDeterministic) {
  Extraction job;
  job.agency = true;
  const Analysis analysis = NewOpportunity(Language::kSpanish, job);
  const Message message = From("Carmen Ruiz");
  EXPECT_EQ(DraftReply(analysis, message, Candidate()),
            DraftReply(analysis, message, Candidate()));
}

}  // namespace
}  // namespace lia::analysis
