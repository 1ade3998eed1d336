#include "analysis/reply.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/internal/strings.h"
#include "analysis/tech_lexicon.h"
#include "analysis/text.h"

namespace lia::analysis {
namespace {

using internal::Append;
using internal::Cat;
using internal::Join;

using core::Language;
using core::Profile;
using core::QuestionType;
using core::ReplyKind;

// Every sentence a reply can hold, per language. Placeholders in braces
// ({name}, {job}, {role}, {company}, {amount}, {years}, {techs}) are filled
// in one pass, so text from a message can never inject another placeholder.
//
// The wording is the candidate's voice and must read well whoever that is:
// Spanish and Portuguese avoid adjectives that agree with the writer's gender
// ("interesado/a", "obrigado/a", "empregado/a"), which the profile does not
// state; hence "me interesa", "agradeço", "estou trabalhando".
//
// A decline names no rule, score, filter or salary figure: the recruiter
// learns that it is not a fit, never why the candidate's tooling said so.
struct Templates {
  std::string_view greeting;          // {name}
  std::string_view greeting_generic;  // No name known.
  std::string_view sign_off;
  char thousands_separator;
  std::string_view list_and;  // Joins the last item of a list.
  std::string_view year_one;
  std::string_view years_many;  // {years}

  // How the job is named inside a sentence.
  std::string_view job_role_company;  // {role} {company}
  std::string_view job_role;          // {role}
  std::string_view job_company;       // {company}
  std::string_view job_unknown;

  // Interested.
  std::string_view interested_intro;  // {job}
  std::string_view questions_intro;
  std::string_view ask_salary;
  std::string_view ask_work_week;
  std::string_view ask_remote;
  std::string_view ask_company;
  std::string_view next_step_after_questions;
  std::string_view next_step;

  // Decline.
  std::string_view decline_body;  // {job}
  std::string_view decline_door;

  // Answers to follow-ups.
  std::string_view salary_ideal;    // {amount}
  std::string_view salary_minimum;  // {amount}
  std::string_view salary_unset;
  std::string_view available_employed;
  std::string_view available_now;
  std::string_view interest_yes;
  std::string_view interest_no;
  std::string_view scheduling_confirm;
  std::string_view scheduling_ask;
  std::string_view experience_years_techs;  // {years} {techs}
  std::string_view experience_years;        // {years}
  std::string_view experience_techs;        // {techs}
  std::string_view experience_unset;
  std::string_view other;
  std::string_view acknowledge;
};

constexpr Templates kEnglish = {
    .greeting = "Hi {name},",
    .greeting_generic = "Hi there,",
    .sign_off = "Best regards,",
    .thousands_separator = ',',
    .list_and = " and ",
    .year_one = "1 year",
    .years_many = "{years} years",

    .job_role_company = "the {role} role at {company}",
    .job_role = "the {role} role",
    .job_company = "the opportunity at {company}",
    .job_unknown = "this opportunity",

    .interested_intro =
        "Thanks for reaching out about {job}. It sounds interesting, and I'd "
        "like to learn more.",
    .questions_intro =
        "Before we set up a call, could you share a few details?",
    .ask_salary = "the salary range for the role",
    .ask_work_week =
        "whether the role requires a five-day week, or what the work week "
        "looks like",
    .ask_remote = "whether the role is remote, hybrid or on-site",
    .ask_company = "the name of the hiring company",
    .next_step_after_questions =
        "With that, I'd be happy to set up a short call.",
    .next_step =
        "Would you be open to a short call this week? Let me know a few times "
        "that suit you.",

    .decline_body =
        "Thank you for reaching out about {job}. I've given it some thought, "
        "and it isn't the right fit for me right now, so I'll pass this time.",
    .decline_door = "I'd be glad to stay in touch for future opportunities.",

    .salary_ideal =
        "Thanks for asking. My expectation is around {amount} per year, "
        "depending on the full package.",
    .salary_minimum =
        "Thanks for asking. I'm looking for at least {amount} per year, "
        "depending on the full package.",
    .salary_unset =
        "Thanks for asking. I'd rather hear the range budgeted for the role "
        "first. Could you share it?",
    .available_employed =
        "Thanks for asking. I'm currently employed, so I could start after my "
        "notice period.",
    .available_now = "Thanks for asking. I'm available and could start soon.",
    .interest_yes =
        "Thanks for following up. Yes, I'm still interested and would be happy "
        "to hear more. Would you be open to a short call this week?",
    .interest_no =
        "Thanks for following up. I'm not looking for a change right now, so "
        "I'll pass for now, but I'd be glad to stay in touch.",
    .scheduling_confirm =
        "Thanks for arranging it. That time works for me; talk to you then.",
    .scheduling_ask =
        "Thanks! I'd be happy to have a call. Could you suggest a few time "
        "slots that work for you?",
    .experience_years_techs =
        "Thanks for asking. I have {years} of experience, working mostly with "
        "{techs}. Happy to go into more detail on a call.",
    .experience_years =
        "Thanks for asking. I have {years} of experience. Happy to go into "
        "more detail on a call.",
    .experience_techs =
        "Thanks for asking. I work mostly with {techs}. Happy to go into more "
        "detail on a call.",
    .experience_unset =
        "Thanks for asking. I'd be happy to walk you through my experience on "
        "a call.",
    .other =
        "Thanks for your message. I'll look into it and get back to you "
        "shortly.",
    .acknowledge =
        "Thanks for the update, noted. Let me know if you need anything else "
        "from me.",
};

constexpr Templates kSpanish = {
    .greeting = "Hola {name},",
    .greeting_generic = "Hola,",
    .sign_off = "Un saludo,",
    .thousands_separator = '.',
    .list_and = " y ",
    .year_one = "1 año",
    .years_many = "{years} años",

    .job_role_company = "el puesto de {role} en {company}",
    .job_role = "el puesto de {role}",
    .job_company = "la oportunidad en {company}",
    .job_unknown = "esta oportunidad",

    .interested_intro =
        "Gracias por escribirme y por pensar en mí para {job}. Me parece una "
        "propuesta interesante y me gustaría saber más.",
    .questions_intro = "Antes de avanzar, ¿podrías contarme algunos detalles?",
    .ask_salary = "la banda salarial del puesto",
    .ask_work_week =
        "si el puesto requiere semana de cinco días o cómo es la semana "
        "laboral",
    .ask_remote = "la modalidad de trabajo (remoto, híbrido o presencial)",
    .ask_company = "el nombre de la empresa contratante",
    .next_step_after_questions =
        "Con esa información, con gusto coordinamos una llamada breve.",
    .next_step =
        "¿Te parece si coordinamos una llamada breve esta semana? Dime qué "
        "horarios te vienen bien.",

    .decline_body =
        "Gracias por escribirme y por pensar en mí para {job}. Lo he valorado "
        "con calma y, en este momento, no es la oportunidad adecuada para mí, "
        "así que prefiero no avanzar.",
    .decline_door =
        "Me encantaría que sigamos en contacto para futuras oportunidades.",

    .salary_ideal =
        "Gracias por preguntar. Mis expectativas rondan los {amount} brutos "
        "anuales, según el paquete completo.",
    .salary_minimum =
        "Gracias por preguntar. Busco al menos {amount} brutos anuales, según "
        "el paquete completo.",
    .salary_unset =
        "Gracias por preguntar. Prefiero conocer primero la banda prevista "
        "para el puesto. ¿Podrías compartirla?",
    .available_employed =
        "Gracias por preguntar. Actualmente estoy trabajando, así que podría "
        "incorporarme tras mi período de preaviso.",
    .available_now =
        "Gracias por preguntar. Tengo disponibilidad y podría incorporarme "
        "pronto.",
    .interest_yes =
        "Gracias por el seguimiento. Sí, me sigue interesando y me encantaría "
        "saber más. ¿Te parece si coordinamos una llamada breve esta semana?",
    .interest_no =
        "Gracias por el seguimiento. En este momento no estoy buscando un "
        "cambio, así que prefiero no avanzar, pero me encantaría que sigamos "
        "en contacto.",
    .scheduling_confirm =
        "Gracias por organizarlo. Ese horario me viene bien; hablamos "
        "entonces.",
    .scheduling_ask =
        "¡Gracias! Con gusto hablamos. ¿Podrías proponerme algunos horarios "
        "que te vengan bien?",
    .experience_years_techs =
        "Gracias por preguntar. Tengo {years} de experiencia, principalmente "
        "con {techs}. Con gusto lo detallo en una llamada.",
    .experience_years =
        "Gracias por preguntar. Tengo {years} de experiencia. Con gusto lo "
        "detallo en una llamada.",
    .experience_techs =
        "Gracias por preguntar. Trabajo principalmente con {techs}. Con gusto "
        "lo detallo en una llamada.",
    .experience_unset =
        "Gracias por preguntar. Con gusto te cuento mi experiencia en una "
        "llamada.",
    .other = "Gracias por tu mensaje. Lo reviso y te respondo en breve.",
    .acknowledge =
        "Gracias por la actualización, tomo nota. Avísame si necesitas algo "
        "más de mi parte.",
};

constexpr Templates kPortuguese = {
    .greeting = "Olá {name}, tudo bem?",
    .greeting_generic = "Olá, tudo bem?",
    .sign_off = "Um abraço,",
    .thousands_separator = '.',
    .list_and = " e ",
    .year_one = "1 ano",
    .years_many = "{years} anos",

    .job_role_company = "a vaga de {role} na {company}",
    .job_role = "a vaga de {role}",
    .job_company = "a oportunidade na {company}",
    .job_unknown = "esta oportunidade",

    .interested_intro =
        "Agradeço pela mensagem e por ter se lembrado de mim para {job}. A "
        "proposta parece interessante e eu gostaria de saber mais.",
    .questions_intro =
        "Antes de avançarmos, você poderia me passar alguns detalhes?",
    .ask_salary = "a faixa salarial da vaga",
    .ask_work_week =
        "se a vaga exige semana de cinco dias ou como é a semana de trabalho",
    .ask_remote = "o modelo de trabalho (remoto, híbrido ou presencial)",
    .ask_company = "o nome da empresa contratante",
    .next_step_after_questions =
        "Com essas informações, fico à disposição para marcarmos uma conversa "
        "rápida.",
    .next_step =
        "Podemos marcar uma conversa rápida esta semana? Me diga quais "
        "horários funcionam para você.",

    .decline_body =
        "Agradeço pela mensagem e por ter se lembrado de mim para {job}. "
        "Pensei com calma e, neste momento, não é a oportunidade certa para "
        "mim, então prefiro não seguir.",
    .decline_door =
        "Fico à disposição para mantermos contato em futuras oportunidades.",

    .salary_ideal =
        "Agradeço a pergunta. Minha pretensão é de cerca de {amount} por ano "
        "(bruto), dependendo do pacote completo.",
    .salary_minimum =
        "Agradeço a pergunta. Busco pelo menos {amount} por ano (bruto), "
        "dependendo do pacote completo.",
    .salary_unset =
        "Agradeço a pergunta. Prefiro conhecer primeiro a faixa prevista para "
        "a vaga. Você poderia compartilhá-la?",
    .available_employed =
        "Agradeço a pergunta. Atualmente estou trabalhando, então poderia "
        "começar após cumprir meu aviso prévio.",
    .available_now =
        "Agradeço a pergunta. Tenho disponibilidade e poderia começar em "
        "breve.",
    .interest_yes =
        "Agradeço o retorno. Sim, continuo com interesse e gostaria de saber "
        "mais. Podemos marcar uma conversa rápida esta semana?",
    .interest_no =
        "Agradeço o retorno. No momento não estou buscando uma mudança, então "
        "prefiro não seguir, mas fico à disposição para mantermos contato.",
    .scheduling_confirm =
        "Agradeço por organizar. Esse horário funciona para mim; nos falamos "
        "então.",
    .scheduling_ask =
        "Ótimo! Fico feliz em conversar. Você poderia sugerir alguns horários "
        "que funcionem para você?",
    .experience_years_techs =
        "Agradeço a pergunta. Tenho {years} de experiência, principalmente com "
        "{techs}. Fico à disposição para detalhar em uma conversa.",
    .experience_years =
        "Agradeço a pergunta. Tenho {years} de experiência. Fico à disposição "
        "para detalhar em uma conversa.",
    .experience_techs =
        "Agradeço a pergunta. Trabalho principalmente com {techs}. Fico à "
        "disposição para detalhar em uma conversa.",
    .experience_unset =
        "Agradeço a pergunta. Fico à disposição para contar mais sobre minha "
        "experiência em uma conversa.",
    .other = "Agradeço pela mensagem. Vou verificar e retorno em breve.",
    .acknowledge =
        "Agradeço a atualização, anotado. Me avise se precisar de mais alguma "
        "coisa.",
};

const Templates& TemplatesFor(Language language) {
  switch (language) {
    case Language::kSpanish:
      return kSpanish;
    case Language::kPortuguese:
      return kPortuguese;
    case Language::kEnglish:
      break;
  }
  return kEnglish;
}

// Most technologies a reply lists when describing experience.
constexpr size_t kTopTechnologies = 3;

// Replaces each "{key}" of `text` with its value, in one left-to-right pass;
// unknown keys and values are copied as they are.
std::string Fill(
    std::string_view text,
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t close =
        text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    if (close != std::string_view::npos) {
      const std::string_view key = text.substr(i, close - i + 1);
      const auto* value =
          std::find_if(values.begin(), values.end(),
                       [&](const auto& entry) { return entry.first == key; });
      if (value != values.end()) {
        out.append(value->second);
        i = close + 1;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string GroupThousands(int64_t value, char separator) {
  const std::string digits = std::to_string(value < 0 ? 0 : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(separator);
    out.push_back(digits[i]);
  }
  return out;
}

// "A, B and C" in the reply's language.
std::string JoinList(const std::vector<std::string>& items,
                     const Templates& t) {
  if (items.size() <= 1) return items.empty() ? "" : items.front();
  std::vector<std::string> head(items.begin(), items.end() - 1);
  return Cat(Join(head, ", "), t.list_and, items.back());
}

bool HasLetter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
  });
}

// Longer than any first name; a sender field this long is not a name.
constexpr size_t kMaxNameBytes = 40;

// The first word of the sender's name, or empty when there is none that
// reads as a name (an e-mail address, digits, punctuation).
std::string FirstName(std::string_view sender) {
  std::string_view rest = Trim(sender);
  const size_t end = rest.find_first_of(" \t\r\n");
  std::string_view first = Trim(rest.substr(0, end), ",;:.!?\"'()");
  if (first.empty() || first.size() > kMaxNameBytes || !HasLetter(first) ||
      first.find('@') != std::string_view::npos) {
    return "";
  }
  return std::string(first);
}

std::string Greeting(const core::Message& message, const Templates& t) {
  const std::string name = FirstName(message.sender);
  if (name.empty()) return std::string(t.greeting_generic);
  return Fill(t.greeting, {{"{name}", name}});
}

std::string Signature(const Profile& profile) {
  std::string_view signature = Trim(profile.signature);
  if (signature.empty()) signature = Trim(profile.name);
  return std::string(signature);
}

// Greeting, the body's paragraphs, sign-off and signature, one blank line
// between paragraphs. Names and roles come from the message and may hold
// invalid UTF-8; the draft is stored and sent as JSON, so it is repaired here.
std::string Compose(const core::Message& message, const Profile& profile,
                    const Templates& t,
                    const std::vector<std::string>& paragraphs) {
  std::string text = Greeting(message, t);
  for (const std::string& paragraph : paragraphs) {
    Append(text, "\n\n", paragraph);
  }
  Append(text, "\n\n", t.sign_off);
  const std::string signature = Signature(profile);
  if (!signature.empty()) Append(text, "\n", signature);
  return SanitizeUtf8(text);
}

std::optional<std::string> NonEmpty(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  std::string_view trimmed = Trim(*s);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
}

// "the Senior Backend Engineer role at Acme" and its translations.
std::string JobPhrase(const core::Extraction& job, const Templates& t) {
  const std::optional<std::string> role = NonEmpty(job.role);
  const std::optional<std::string> company = NonEmpty(job.company);
  if (role && company) {
    return Fill(t.job_role_company,
                {{"{role}", *role}, {"{company}", *company}});
  }
  if (role) return Fill(t.job_role, {{"{role}", *role}});
  if (company) return Fill(t.job_company, {{"{company}", *company}});
  return std::string(t.job_unknown);
}

std::vector<std::string> Interested(const core::Analysis& analysis,
                                    const Profile& profile,
                                    const Templates& t) {
  const core::Extraction& job = analysis.extraction;
  // Only what the message left open; a question the recruiter already
  // answered reads as not having read the message.
  std::vector<std::string_view> asks;
  if (!job.salary) asks.push_back(t.ask_salary);
  if (job.work_week == core::WorkWeek::kUnknown &&
      profile.preferred_work_week == core::WorkWeekPreference::kFourDays) {
    asks.push_back(t.ask_work_week);
  }
  if (job.remote_policy == core::RemotePolicy::kUnknown) {
    asks.push_back(t.ask_remote);
  }
  if (job.agency && !NonEmpty(job.company)) asks.push_back(t.ask_company);

  std::vector<std::string> paragraphs;
  paragraphs.push_back(
      Fill(t.interested_intro, {{"{job}", JobPhrase(job, t)}}));
  if (asks.empty()) {
    paragraphs.emplace_back(t.next_step);
  } else {
    std::string questions(t.questions_intro);
    for (std::string_view ask : asks) Append(questions, "\n- ", ask);
    paragraphs.push_back(std::move(questions));
    paragraphs.emplace_back(t.next_step_after_questions);
  }
  return paragraphs;
}

std::vector<std::string> Decline(const core::Analysis& analysis,
                                 const Templates& t) {
  return {Fill(t.decline_body, {{"{job}", JobPhrase(analysis.extraction, t)}}),
          std::string(t.decline_door)};
}

std::string SalaryAnswer(const Profile& profile, const Templates& t) {
  const auto amount = [&](int64_t usd) {
    return Cat("USD ", GroupThousands(usd, t.thousands_separator));
  };
  // The ideal is the opening figure; the minimum is said only when it is all
  // the profile has, since volunteering a floor weakens a negotiation.
  if (profile.ideal_salary_usd > 0) {
    return Fill(t.salary_ideal,
                {{"{amount}", amount(profile.ideal_salary_usd)}});
  }
  if (profile.minimum_salary_usd > 0) {
    return Fill(t.salary_minimum,
                {{"{amount}", amount(profile.minimum_salary_usd)}});
  }
  return std::string(t.salary_unset);
}

// True when a scheduling message proposes a concrete slot (a weekday, a
// clock time, a meeting link) that the reply can accept; otherwise the reply
// asks for one.
bool ProposesTime(std::string_view text) {
  const std::string folded = FoldString(text);
  static constexpr std::string_view kTimeWords[] = {
      // English.
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
      "sunday", "tomorrow", "today", "tonight",
      // Spanish.
      "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
      "manana", "hoy",
      // Portuguese ("segunda-feira" folds to two words; "segunda" alone is
      // also an ordinal, so only the "-feira" days count).
      "feira", "amanha", "hoje"};
  for (std::string_view word : kTimeWords) {
    if (ContainsWord(folded, word)) return true;
  }
  static constexpr std::string_view kMeetingLinks[] = {
      "zoom.us/", "meet.google.com/", "teams.microsoft.com/", "whereby.com/"};
  for (std::string_view link : kMeetingLinks) {
    if (folded.find(link) != std::string::npos) return true;
  }
  // A clock time: "3pm", "10 am", "15h", "14:30".
  for (size_t i = 0; i < folded.size(); ++i) {
    if (folded[i] < '0' || folded[i] > '9') continue;
    size_t j = i;
    while (j < folded.size() && folded[j] >= '0' && folded[j] <= '9') ++j;
    size_t k = j;
    while (k < folded.size() && folded[k] == ' ') ++k;
    const std::string_view after = std::string_view(folded).substr(k);
    if (WordAt(folded, k, "am") || WordAt(folded, k, "pm") ||
        WordAt(folded, k, "h") || WordAt(folded, k, "hs") ||
        (j < folded.size() && folded[j] == ':' && after.size() >= 3 &&
         after[1] >= '0' && after[1] <= '9' && after[2] >= '0' &&
         after[2] <= '9')) {
      return true;
    }
    i = j;
  }
  return false;
}

std::string ExperienceAnswer(const Profile& profile, const Templates& t) {
  std::vector<std::string> techs;
  for (const std::string& spelling : profile.preferred_technologies) {
    const std::string_view trimmed = Trim(spelling);
    if (trimmed.empty()) continue;
    std::optional<std::string> canonical =
        DefaultTechLexicon().Canonicalize(trimmed);
    std::string name = canonical ? *canonical : std::string(trimmed);
    if (std::find(techs.begin(), techs.end(), name) != techs.end()) continue;
    techs.push_back(std::move(name));
    if (techs.size() == kTopTechnologies) break;
  }
  const std::string tech_list = JoinList(techs, t);
  const int years = profile.years_of_experience;
  const std::string years_text =
      years == 1 ? std::string(t.year_one)
                 : Fill(t.years_many, {{"{years}", Cat(years)}});
  if (years > 0 && !techs.empty()) {
    return Fill(t.experience_years_techs,
                {{"{years}", years_text}, {"{techs}", tech_list}});
  }
  if (years > 0) return Fill(t.experience_years, {{"{years}", years_text}});
  if (!techs.empty()) return Fill(t.experience_techs, {{"{techs}", tech_list}});
  return std::string(t.experience_unset);
}

std::string Answer(const core::Analysis& analysis, const core::Message& message,
                   const Profile& profile, const Templates& t) {
  const QuestionType question = analysis.follow_up
                                    ? analysis.follow_up->question_type
                                    : QuestionType::kNone;
  switch (question) {
    case QuestionType::kSalary:
      return SalaryAnswer(profile, t);
    case QuestionType::kAvailability:
      return std::string(profile.job_search_status.currently_employed
                             ? t.available_employed
                             : t.available_now);
    case QuestionType::kInterest:
      return std::string(profile.looking_for_change ? t.interest_yes
                                                    : t.interest_no);
    case QuestionType::kScheduling:
      return std::string(ProposesTime(message.text) ? t.scheduling_confirm
                                                    : t.scheduling_ask);
    case QuestionType::kExperience:
      return ExperienceAnswer(profile, t);
    case QuestionType::kOther:
      return std::string(t.other);
    case QuestionType::kNone:
      break;
  }
  return std::string(t.acknowledge);
}

bool AnyFilterFailed(const std::vector<core::FilterResult>& filters) {
  return std::any_of(filters.begin(), filters.end(),
                     [](const core::FilterResult& f) { return !f.passed; });
}

}  // namespace

core::Reply DraftReply(const core::Analysis& analysis,
                       const core::Message& message, const Profile& profile) {
  core::Reply reply;
  reply.language = analysis.language;
  const Templates& t = TemplatesFor(analysis.language);
  switch (analysis.classification.state) {
    case core::ConversationState::kCourtesyClose:
      reply.kind = ReplyKind::kNone;
      return reply;
    case core::ConversationState::kFollowUp:
      reply.kind = ReplyKind::kAnswer;
      reply.text =
          Compose(message, profile, t, {Answer(analysis, message, profile, t)});
      return reply;
    case core::ConversationState::kNewOpportunity:
      break;
  }
  if (AnyFilterFailed(analysis.filters) ||
      analysis.tier == core::Tier::kNotInterested) {
    reply.kind = ReplyKind::kDecline;
    reply.text = Compose(message, profile, t, Decline(analysis, t));
  } else {
    reply.kind = ReplyKind::kInterested;
    reply.text = Compose(message, profile, t, Interested(analysis, profile, t));
  }
  return reply;
}

}  // namespace lia::analysis
