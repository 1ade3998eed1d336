// Table-driven tests of the rules extractor, one field per row, in English,
// Spanish and Portuguese. Adding a case is adding a line.

#include <gtest/gtest.h>

#include <string>

#include "analysis/pipeline.h"
#include "core/types.h"

namespace lia::analysis {
namespace {

core::Extraction ExtractNew(const std::string& text,
                            const std::string& sender = "") {
  core::Message message;
  message.text = text;
  message.sender = sender;
  static const auto* extractor = NewRulesExtractor().release();
  absl::StatusOr<core::Extraction> out =
      extractor->Extract(StageInput{message, core::Language::kEnglish},
                         core::ConversationState::kNewOpportunity);
  EXPECT_TRUE(out.ok());
  return out.ok() ? *out : core::Extraction{};
}

struct StringCase {
  const char* text;
  const char* expected;  // nullptr: no value.
};

void ExpectField(const StringCase& c, const std::optional<std::string>& got,
                 const char* field) {
  if (c.expected == nullptr) {
    EXPECT_FALSE(got.has_value())
        << field << " of: " << c.text << "\n got " << got.value_or("");
  } else {
    EXPECT_EQ(got.value_or("<none>"), c.expected) << field << " of: " << c.text;
  }
}

TEST(ExtractorTest, FindsTheHiringCompanyNotTheAgencyOrMeetingTool) {
  const StringCase cases[] = {
      {"Acme Robotics is hiring a Senior Engineer.", "Acme Robotics"},
      {"Hi Ana, Acme Robotics is hiring a Senior Engineer.", "Acme Robotics"},
      {"I'm a technical recruiter at Google working on ML teams.", "Google"},
      {"I'm Jess from Cobalt Analytics 👋 We're hiring.", "Cobalt Analytics"},
      {"At Kestrel Sensors we design gas detectors. We need a C++ dev.",
       "Kestrel Sensors"},
      {"I'm the co-founder & CEO of Tessellate. We're hiring.", "Tessellate"},
      {"I'm partnering with Harbor & Finch, a wealth platform, to find a "
       "Python Developer.",
       "Harbor & Finch"},
      {"Our client, a leading insurer in Charlotte, NC, is looking for a "
       "Senior .NET Developer.",
       nullptr},
      {"My client (Series B fintech) needs a Staff Engineer. Join via Zoom.",
       nullptr},
      {"Soy reclutadora en Kuali Fintech. Buscamos Frontend Sr.",
       "Kuali Fintech"},
      {"Desde Pampa Labs estamos buscando Data Scientist Sr.", "Pampa Labs"},
      {"Te escribo desde Hunters Tech. Estamos ayudando a Lúmina Seguros a "
       "encontrar un QA Lead.",
       "Lúmina Seguros"},
      {"Sou recrutadora na Fintrix e temos uma vaga de Dev Pleno.", "Fintrix"},
      {"A Nuvem Azul está contratando Dev Front-end.", "Nuvem Azul"},
      {"Role: Data Engineer\nCompany: confidential\nLocation: Remote", nullptr},
      {"We're hiring a Developer Advocate. Write to jess@tillerdb.com",
       "Tillerdb"},
      {"We're hiring a Developer Advocate. Write to jess@gmail.com", nullptr},
      {"Tenemos una busqueda para un cliente: Desarrollador Mobile SSR.",
       nullptr},
  };
  for (const StringCase& c : cases) {
    ExpectField(c, ExtractNew(c.text).company, "company");
  }
}

TEST(ExtractorTest, FindsTheRoleAsWritten) {
  const StringCase cases[] = {
      {"We're hiring a Senior Frontend Engineer to rebuild our app.",
       "Senior Frontend Engineer"},
      {"Role: Staff Software Engineer, Payments\nLocation: NYC",
       "Staff Software Engineer, Payments"},
      {"Halcyon is hiring a Principal Engineer, Autonomy Platform. It is",
       "Principal Engineer, Autonomy Platform"},
      {"I'm recruiting for a Sr. SRE, on-site in Chicago.", "Sr. SRE"},
      {"They need a Senior .NET Developer for a 12-month contract.",
       "Senior .NET Developer"},
      {"We're looking for a freelance Webflow developer to rebuild pages.",
       "Webflow developer"},
      {"Buscamos Ingeniero/a de Datos Senior para su área de Analytics.",
       "Ingeniero/a de Datos Senior"},
      {"Estamos con una vaga para Desenvolvedor(a) Back-end Pleno no time.",
       "Desenvolvedor(a) Back-end Pleno"},
      {"Tenemos una búsqueda de Desarrollador Full Stack Ssr (Angular).",
       "Desarrollador Full Stack Ssr"},
      {"Buscamos Tech Lead Java para un cliente de EE.UU.", "Tech Lead Java"},
      {"Mentoring senior engineers is part of it.", nullptr},
      {"Best,\nJake\nSenior Technical Recruiter", nullptr},
  };
  for (const StringCase& c : cases) {
    ExpectField(c, ExtractNew(c.text).role, "role");
  }
}

TEST(ExtractorTest, ReadsSeniorityFromTheRoleOnly) {
  const struct {
    const char* text;
    core::Seniority expected;
  } cases[] = {
      {"Hiring a Senior Backend Developer.", core::Seniority::kSenior},
      {"Hiring a Sr. SRE.", core::Seniority::kSenior},
      {"Buscamos Desarrollador Semi-Senior con Go.", core::Seniority::kMid},
      {"Buscamos Desarrollador Mobile Flutter SSR.", core::Seniority::kMid},
      {"Vaga de Desenvolvedor Pleno.", core::Seniority::kMid},
      {"Hiring a Tech Lead for payments.", core::Seniority::kLead},
      {"Hiring a Senior Staff Engineer.", core::Seniority::kStaff},
      {"Invite you to apply for our Software Engineering Intern position.",
       core::Seniority::kIntern},
      {"Buscamos Ingeniero de Datos Jr para Monterrey.",
       core::Seniority::kJunior},
      {"Hiring a Founding Engineer. You'll mentor senior folks.",
       core::Seniority::kUnknown},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ExtractNew(c.text).seniority, c.expected) << c.text;
  }
}

TEST(ExtractorTest, ReadsRemotePolicyJobTypeAndWorkWeek) {
  using core::JobType;
  using core::RemotePolicy;
  using core::WorkWeek;
  const struct {
    const char* text;
    RemotePolicy remote;
    JobType type;
    WorkWeek week;
  } cases[] = {
      {"Fully remote within Canada.", RemotePolicy::kRemote, JobType::kUnknown,
       WorkWeek::kUnknown},
      {"Hybrid, 3 days/week in office. Full-time, permanent.",
       RemotePolicy::kHybrid, JobType::kFullTime, WorkWeek::kUnknown},
      {"Onsite 3 days a week, remote 2. 12-month contract (W2).",
       RemotePolicy::kHybrid, JobType::kContract, WorkWeek::kUnknown},
      {"We work in person in San Francisco, 5 days a week.",
       RemotePolicy::kOnsite, JobType::kUnknown, WorkWeek::kFiveDays},
      {"100% presencial en Monterrey.", RemotePolicy::kOnsite,
       JobType::kUnknown, WorkWeek::kUnknown},
      {"Semana de 4 días (¡los viernes libres!). Relación de dependencia.",
       RemotePolicy::kUnknown, JobType::kFullTime, WorkWeek::kFourDays},
      {"25 días de vacaciones y contrato indefinido.", RemotePolicy::kUnknown,
       JobType::kFullTime, WorkWeek::kUnknown},
      {"part-time Python Mentor, about 10 hours per week, fully remote.",
       RemotePolicy::kRemote, JobType::kPartTime, WorkWeek::kUnknown},
      {"freelance Webflow developer, 3-week project.", RemotePolicy::kUnknown,
       JobType::kFreelance, WorkWeek::kUnknown},
      {"100% remote (LATAM), 40h/week.", RemotePolicy::kRemote,
       JobType::kUnknown, WorkWeek::kFiveDays},
      {"Híbrido em São Paulo (2x por semana no escritório). CLT.",
       RemotePolicy::kHybrid, JobType::kFullTime, WorkWeek::kUnknown},
      {"Contractor, USD 5.000 mensuales. Remoto.", RemotePolicy::kRemote,
       JobType::kContract, WorkWeek::kUnknown},
  };
  for (const auto& c : cases) {
    const core::Extraction e = ExtractNew(c.text);
    EXPECT_EQ(e.remote_policy, c.remote) << c.text;
    EXPECT_EQ(e.job_type, c.type) << c.text;
    EXPECT_EQ(e.work_week, c.week) << c.text;
  }
}

TEST(ExtractorTest, FindsTheJobsLocationNotTheClients) {
  const StringCase cases[] = {
      {"Location: New York, NY (hybrid)", "New York, NY"},
      {"Hybrid, 2 days a week in their Denver, CO office.", "Denver, CO"},
      {"Remote-first, anywhere in the UK.", "UK"},
      {"A US-based healthtech client. LATAM remote.", "LATAM"},
      {"Para un cliente de EE.UU. 100% remoto (LATAM).", "LATAM"},
      {"2 días a la semana en nuestra oficina de Polanco, CDMX.",
       "Polanco, CDMX"},
      {"Híbrido en Córdoba capital (2 días presenciales).", "Córdoba"},
      {"Location: Remote - Mexico", "Mexico"},
      {"Hybrid in Lisbon, Portugal.", "Lisbon, Portugal"},
      {"Based in our Tromsø office, on-site.", nullptr},
      {"Fully remote, flexible hours.", nullptr},
      {"You would be based in Springfield office, on-site.", "Springfield"},
  };
  for (const StringCase& c : cases) {
    ExpectField(c, ExtractNew(c.text).location, "location");
  }
}

TEST(ExtractorTest, TellsAgenciesFromDirectEmployers) {
  const struct {
    const char* text;
    bool agency;
  } cases[] = {
      {"I'm partnering with one of our clients on a Staff hire.", true},
      {"Our client, a leading insurer, is looking for a dev.", true},
      {"Nuestro cliente, una empresa de salud, busca QA.", true},
      {"Somos Sinergia IT, una consultora de tecnología.", true},
      {"Estamos colaborando con una importante aseguradora.", true},
      {"Nosso cliente, um banco digital, busca dev.", true},
      {"I'm recruiting on behalf of Pinecrest Bank.", true},
      {"Halcyon Robotics is hiring. Derek, Head of Talent.", false},
      {"I lead talent at Fernhill Health. We're hiring.", false},
      {"Talent Partner | Tandem Pay", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ExtractNew(c.text).agency, c.agency) << c.text;
  }
}

TEST(ExtractorTest, FlagsCryptoAndPreSeedByWholeWords) {
  EXPECT_TRUE(ExtractNew("We build on-chain payments (USDT).").crypto);
  EXPECT_TRUE(ExtractNew("A web3 wallet start-up.").crypto);
  EXPECT_FALSE(ExtractNew("Experience with cryptography is a plus.").crypto);
  EXPECT_FALSE(ExtractNew("Nos gustaría definir los próximos pasos.").crypto);
  EXPECT_TRUE(ExtractNew("We're pre-seed ($2M from angels).").pre_seed);
  EXPECT_FALSE(ExtractNew("We're a Series B company.").pre_seed);
}

TEST(ExtractorTest, ReadsOnlyTheNewestMessage) {
  core::Message message;
  message.text = "Great, thanks! Does Tuesday work for a call?";
  message.thread.push_back(
      {core::Speaker::kCandidate,
       "I'm a Senior Rust developer in Berlin earning €90k, remote only.", ""});
  static const auto* extractor = NewRulesExtractor().release();
  absl::StatusOr<core::Extraction> out =
      extractor->Extract(StageInput{message, core::Language::kEnglish},
                         core::ConversationState::kFollowUp);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->tech_stack.empty());
  EXPECT_FALSE(out->salary.has_value());
  EXPECT_EQ(out->remote_policy, core::RemotePolicy::kUnknown);
  EXPECT_FALSE(out->location.has_value());
}

}  // namespace
}  // namespace lia::analysis
