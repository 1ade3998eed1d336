// Table-driven tests of the rules classifier and follow-up analyser.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/pipeline.h"
#include "core/profile.h"

namespace lia::analysis {
namespace {

using core::ConversationState;
using core::QuestionType;
using core::Speaker;

struct Case {
  std::vector<std::pair<Speaker, std::string>> thread;
  std::string text;
  ConversationState state;
  QuestionType question = QuestionType::kNone;  // For follow-ups.
};

core::Message MakeMessage(const Case& c) {
  core::Message m;
  m.text = c.text;
  for (const auto& [from, text] : c.thread)
    m.thread.push_back({from, text, ""});
  return m;
}

const std::vector<std::pair<Speaker, std::string>> kAskedAboutRole = {
    {Speaker::kRecruiter, "Hi, are you open to a Backend role at Quill?"},
    {Speaker::kCandidate, "Yes, tell me more."}};
const std::vector<std::pair<Speaker, std::string>> kDeclined = {
    {Speaker::kRecruiter, "Hi, still interested in the Data role?"},
    {Speaker::kCandidate, "Sorry, I accepted another offer."}};

TEST(ClassifierTest, ClassifiesConversationStateAndQuestion) {
  const Case cases[] = {
      // First messages are opportunities, even short pings.
      {{},
       "Hi Kevin, open to a Sr. SRE role on-site in Chicago? Up to $175k.",
       ConversationState::kNewOpportunity},
      {{},
       "Hola! Buscamos Dev Go Sr, 100% remoto. ¿Te interesa?",
       ConversationState::kNewOpportunity},
      // A new role later in a conversation.
      {kDeclined,
       "Hi again! As promised, I'm back in touch with something new: a "
       "Principal Data Architect contract, £650/day, fully remote. Azure, "
       "Databricks, dbt and Snowflake. Would you like to discuss?",
       ConversationState::kNewOpportunity},
      // Courtesy closes, short and long, in three languages.
      {kDeclined, "No worries, best of luck!",
       ConversationState::kCourtesyClose},
      {kDeclined, "Congrats on the new role! 🎉 Let's stay in touch.",
       ConversationState::kCourtesyClose},
      {kDeclined,
       "Muchas gracias por tu respuesta. Entiendo perfectamente que ahora no "
       "sea el momento. Guardo tu perfil para futuras oportunidades que "
       "encajen mejor contigo. ¡Mucho éxito en tu proyecto actual! Un abrazo",
       ConversationState::kCourtesyClose},
      {kAskedAboutRole, "Perfect, muchas gracias! See you Monday 🙌",
       ConversationState::kCourtesyClose},
      {kDeclined, "Sem problemas! Obrigado pelo retorno e sucesso!",
       ConversationState::kCourtesyClose},
      // Follow-ups by question.
      {kAskedAboutRole,
       "The base range is $160k–$185k. What are your salary expectations?",
       ConversationState::kFollowUp, QuestionType::kSalary},
      {kAskedAboutRole, "¿Cuál sería tu availability para empezar?",
       ConversationState::kFollowUp, QuestionType::kAvailability},
      {kAskedAboutRole, "¿En cuánto tiempo podrías incorporarte?",
       ConversationState::kFollowUp, QuestionType::kAvailability},
      {kAskedAboutRole, "How many years of experience do you have with Go?",
       ConversationState::kFollowUp, QuestionType::kExperience},
      {kAskedAboutRole, "Does Tuesday at 10am PT work for a 30-minute Zoom?",
       ConversationState::kFollowUp, QuestionType::kScheduling},
      {kAskedAboutRole, "Here's my Calendly: https://calendly.com/x/30min",
       ConversationState::kFollowUp, QuestionType::kScheduling},
      {kAskedAboutRole, "Consegue às 15h?", ConversationState::kFollowUp,
       QuestionType::kScheduling},
      {kAskedAboutRole, "Thursday at 3pm CET works. I'll send an invite.",
       ConversationState::kFollowUp, QuestionType::kScheduling},
      {kAskedAboutRole, "Are you still open to hearing about the role?",
       ConversationState::kFollowUp, QuestionType::kInterest},
      {kAskedAboutRole, "Just bumping this in case it got buried.",
       ConversationState::kFollowUp, QuestionType::kInterest},
      {kAskedAboutRole, "Could you send me an updated copy of your CV?",
       ConversationState::kFollowUp, QuestionType::kOther},
      {kAskedAboutRole, "Would you require visa sponsorship for this role?",
       ConversationState::kFollowUp, QuestionType::kOther},
      {kAskedAboutRole,
       "El siguiente paso sería una entrevista técnica, pero antes una "
       "pregunta: ¿cuentas con pasaporte vigente?",
       ConversationState::kFollowUp, QuestionType::kOther},
      {kAskedAboutRole,
       "El rango es de USD 3.500 a 4.200 mensuales. Te paso la descripción "
       "por mail.",
       ConversationState::kFollowUp, QuestionType::kNone},
  };
  const auto classifier = NewRulesClassifier();
  const auto follow_up = NewRulesFollowUpAnalyzer();
  const core::Profile profile = core::DefaultProfile();
  for (const Case& c : cases) {
    const core::Message message = MakeMessage(c);
    const StageInput input{message, DetectLanguage(message.text)};
    absl::StatusOr<core::Classification> got = classifier->Classify(input);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->state, c.state) << c.text;
    EXPECT_GT(got->confidence, 0.0);
    EXPECT_LE(got->confidence, 1.0);
    if (c.state == ConversationState::kFollowUp) {
      absl::StatusOr<core::FollowUp> f = follow_up->Analyze(input, profile);
      ASSERT_TRUE(f.ok());
      EXPECT_EQ(f->question_type, c.question) << c.text;
    }
  }
}

TEST(FollowUpTest, SaysWhenTheProfileAnswers) {
  const auto follow_up = NewRulesFollowUpAnalyzer();
  core::Message message;
  message.text = "What are your salary expectations?";
  core::Profile profile;
  const StageInput input{message, core::Language::kEnglish};
  EXPECT_FALSE(follow_up->Analyze(input, profile)->answerable_from_profile);
  profile.ideal_salary_usd = 150000;
  EXPECT_TRUE(follow_up->Analyze(input, profile)->answerable_from_profile);
}

TEST(LanguageTest, DetectsEnglishSpanishAndPortuguese) {
  EXPECT_EQ(DetectLanguage("Hi Sam, we're hiring a Senior Engineer. "
                           "Would you be up for a chat?"),
            core::Language::kEnglish);
  EXPECT_EQ(DetectLanguage("¡Hola Rodrigo! Estamos buscando un Frontend "
                           "Developer Sr para nuestro equipo."),
            core::Language::kSpanish);
  EXPECT_EQ(DetectLanguage("Olá, Rafael! Tudo bem? Estamos com uma vaga "
                           "para Desenvolvedor Back-end no nosso time."),
            core::Language::kPortuguese);
  EXPECT_EQ(DetectLanguage("Hola Juan! Te escribo porque estamos hiring un "
                           "Senior Engineer. Let me know si te interesa!"),
            core::Language::kSpanish);
  EXPECT_EQ(DetectLanguage(""), core::Language::kEnglish);
}

}  // namespace
}  // namespace lia::analysis
