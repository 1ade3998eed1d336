// The rules classifier and follow-up analyser: what kind of message this is
// in its conversation, and for follow-ups, what the recruiter asks.

#include <algorithm>

#include "analysis/internal/doc.h"
#include "analysis/pipeline.h"
#include "analysis/salary.h"
#include "analysis/tech_lexicon.h"

namespace lia::analysis {
namespace {

using internal::Doc;
using internal::PhraseHit;
using internal::PhraseMatcher;

enum Cue : int {
  kHiring,         // "we're hiring", "buscamos", "vaga para"
  kNewRole,        // "something new", "another role", "otra búsqueda"
  kFollowingUp,    // "just bumping this", "te escribo de nuevo"
  kCourtesy,       // "all the best", "good luck", "¡saludos!"
  kThanks,         // "thanks", "gracias", "obrigado"
  kRoleLabel,      // "Role:", "Puesto:", "Vaga:"
  kScheduleWord,   // "call", "tuesday", "mañana", "10am"
  kSalaryAsk,      // "salary expectations", "pretensión salarial"
  kStartWord,      // "start", "empezar", "notice period"
  kExperienceAsk,  // "years of experience", "have you worked with"
  kInterestAsk,    // "interested", "te interesa", "still open to"
  kRequest,        // "could you send", "please send", "me pasás"
  kInfoShare,      // "the range is", "te paso", "here is"
  kAskPhrase,      // "let me know if": a question without a question mark.
  kInvite,         // "I'll send an invite": a meeting being set up.
  kCueCount,
};

const PhraseMatcher& Cues() {
  static const auto* m = [] {
    auto* p = new PhraseMatcher();
    p->Add({"hiring",
            "we are hiring",
            "we re hiring",
            "is hiring",
            "are hiring",
            "looking for",
            "is looking for",
            "are looking for",
            "searching for",
            "opening for",
            "open position",
            "open role",
            "new role",
            "job opportunity",
            "an opportunity",
            "opportunity at",
            "needs a",
            "needs an",
            "recruiting for",
            "recruiting a",
            "buscamos",
            "estamos buscando",
            "esta buscando",
            "busca",
            "busca incorporar",
            "buscando",
            "tenemos una busqueda",
            "una busqueda",
            "una posicion",
            "una vacante",
            "vacante",
            "oportunidad",
            "estamos contratando",
            "contratando",
            "estamos com uma vaga",
            "uma vaga",
            "vaga para",
            "vaga de",
            "oportunidade",
            "procurando",
            "position",
            "posicion",
            "posicao",
            "hire",
            "we have an opening",
            "invite you to apply"},
           kHiring);
    p->Add({"something new", "a new role", "another role", "another position",
            "new opportunity", "a different role", "otra busqueda",
            "nueva busqueda", "otra posicion", "nueva oportunidad",
            "otra oportunidad", "outra vaga", "nova vaga", "nova oportunidade",
            "back in touch with", "new opening"},
           kNewRole);
    p->Add(
        {"bumping", "bump this", "following up", "follow up on", "checking in",
         "circling back", "just wanted to follow up", "in case it got buried",
         "any update", "any thoughts", "did you get a chance",
         "te escribo de nuevo", "vuelvo a escribirte", "retomando",
         "sigo atento", "queria saber si", "volto a falar",
         "passando para saber", "conseguiu ver"},
        kFollowingUp);
    p->Add({"all the best",
            "best of luck",
            "good luck",
            "take care",
            "stay in touch",
            "keep in touch",
            "congrats",
            "congratulations",
            "no worries",
            "no problem",
            "understood",
            "got it",
            "sounds good",
            "see you",
            "talk soon",
            "have a great",
            "have a good",
            "wish you",
            "best wishes",
            "enjoy",
            "mucho exito",
            "mucha suerte",
            "suerte",
            "exitos",
            "un abrazo",
            "abrazo",
            "saludos",
            "quedamos asi",
            "quedamos",
            "nos vemos",
            "cualquier cosa",
            "dale",
            "perfecto",
            "perfect",
            "entiendo",
            "entendido",
            "felicidades",
            "felicitaciones",
            "boa sorte",
            "sucesso",
            "abraco",
            "ate logo",
            "combinado",
            "parabens",
            "fico a disposicao",
            "sem problemas",
            "entendo",
            "guardo tu perfil",
            "keep your profile",
            "keep you in mind",
            "tenerte en cuenta",
            "futuras oportunidades",
            "future opportunities",
            "close out your application",
            "pass that on",
            "cheers",
            "for your time",
            "lo tengo en cuenta",
            "te tengo en cuenta"},
           kCourtesy);
    p->Add({"thanks", "thank you", "thx", "gracias", "muchas gracias",
            "obrigado", "obrigada", "valeu"},
           kThanks);
    p->Add({"role", "position", "job title", "title", "puesto", "posicion",
            "rol", "cargo", "vaga", "posicao", "vacante"},
           kRoleLabel);
    p->Add({"call",         "chat",
            "meeting",      "interview",
            "zoom",         "teams",
            "meet",         "calendly",
            "calendar",     "invite",
            "slot",         "time works",
            "what time",    "when are you free",
            "are you free", "monday",
            "tuesday",      "wednesday",
            "thursday",     "friday",
            "tomorrow",     "today",
            "next week",    "this week",
            "am",           "pm",
            "llamada",      "reunion",
            "entrevista",   "charlar",
            "hablar",       "lunes",
            "martes",       "miercoles",
            "jueves",       "viernes",
            "manana",       "hoy",
            "hueco",        "horario",
            "ligacao",      "reuniao",
            "conversar",    "segunda",
            "terca",        "quarta",
            "quinta",       "sexta",
            "amanha",       "hoje"},
           kScheduleWord);
    p->Add({"salary expectations",
            "salary expectation",
            "expected salary",
            "salary range",
            "compensation expectations",
            "what are you looking for in terms of",
            "current salary",
            "current compensation",
            "rate expectations",
            "your rate",
            "expected rate",
            "how much are you",
            "how much do you",
            "how much would you",
            "desired salary",
            "expectativa salarial",
            "expectativas salariales",
            "pretension salarial",
            "pretensiones salariales",
            "pretension",
            "pretensiones",
            "cuanto ganas",
            "cuanto cobras",
            "cuanto pretendes",
            "cuanto estas ganando",
            "salario pretendido",
            "pretensao salarial",
            "expectativa de salario",
            "quanto voce ganha",
            "quanto ganha",
            "quanto pretende",
            "remuneracion esperada",
            "sueldo pretendido"},
           kSalaryAsk);
    p->Add({"start", "starting", "notice period", "join us", "empezar",
            "comenzar", "incorporarte", "incorporacion", "arrancar", "preaviso",
            "comecar", "iniciar", "aviso previo", "disponibilidad",
            "when could you", "how soon"},
           kStartWord);
    p->Add({"years of experience", "how many years", "experience with",
            "have you worked", "worked with", "familiar with",
            "hands on experience", "anos de experiencia", "experiencia con",
            "experiencia en", "has trabajado", "trabajaste", "experiencia com",
            "ja trabalhou", "anos de experiencia com"},
           kExperienceAsk);
    p->Add({"interested",
            "interest",
            "open to",
            "still open",
            "keen",
            "would you like",
            "up for",
            "interesa",
            "interesado",
            "interesada",
            "interesaria",
            "te copa",
            "abierto",
            "abierta",
            "interesse",
            "interessado",
            "interessada",
            "aberto",
            "aberta",
            "seguis",
            "sigues",
            "continua",
            "consider",
            "move forward",
            "moving forward",
            "proceed",
            "seguimos adelante",
            "seguir adelante",
            "avanzar",
            "avanzamos",
            "avancar",
            "seguir em frente",
            "podemos seguir"},
           kInterestAsk);
    p->Add({"could you send",
            "can you send",
            "please send",
            "send me",
            "share your",
            "your cv",
            "your resume",
            "updated cv",
            "updated resume",
            "me pasas",
            "me enviar",
            "me envias",
            "podrias enviarme",
            "pode me enviar",
            "manda",
            "me mandas",
            "tu cv",
            "seu cv",
            "curriculo",
            "curriculum",
            "visa",
            "sponsorship",
            "sponsor",
            "passport",
            "pasaporte",
            "passaporte",
            "relocate",
            "relocation",
            "relocating",
            "move to",
            "mudar",
            "reubicarte",
            "mudarte",
            "references",
            "referencias",
            "portfolio",
            "portafolio",
            "github",
            "english level",
            "nivel de ingles",
            "work permit",
            "permiso de trabajo",
            "right to work",
            "citizenship"},
           kRequest);
    p->Add({"let me know if", "let me know whether", "avisame si",
            "me avisas si", "me avisa se", "me diz se", "contame si",
            "decime si", "me confirmas si", "me confirma se"},
           kAskPhrase);
    p->Add({"invite", "calendar invite", "invitacion", "convite",
            "send you an invite", "te envio la invitacion",
            "te mando el invite", "te mando la invitacion"},
           kInvite);
    p->Add({"the range is", "the base range", "el rango es", "a faixa e",
            "te paso", "te envio", "here is", "here s", "i ve sent",
            "i have sent", "just confirmed", "confirmed"},
           kInfoShare);
    return p;
  }();
  return *m;
}

bool HasMeetingLink(std::string_view folded) {
  for (std::string_view host :
       {"zoom.us/", "teams.microsoft.com", "meet.google.com", "calendly.com",
        "whereby.com", "webex.com", "cal.com/", "hubspot.com/meetings",
        "teams.live.com"}) {
    if (folded.find(host) != std::string_view::npos) return true;
  }
  return false;
}

// A "?" that ends a question, not one inside a URL's query string.
bool IsQuestionMark(std::string_view raw, size_t pos) {
  return pos + 1 >= raw.size() || !IsWordChar(raw[pos + 1]);
}

// Token ranges [first, last) of the sentences that ask something: those
// ending in "?" and those opening with "¿".
std::vector<std::pair<size_t, size_t>> QuestionSentences(const Doc& doc) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t start = 0;
  for (size_t i = 0; i < doc.tokens.size(); ++i) {
    // A question opens at "¿" or after a colon ("one question: do you...?").
    if (i > 0) {
      const std::string_view before = doc.GapBefore(i);
      const size_t raw_from = doc.folded.origin[doc.tokens[i - 1].end];
      const size_t raw_to = doc.folded.origin[doc.tokens[i].begin];
      if (before.find(": ") != std::string_view::npos ||
          doc.raw.substr(raw_from, raw_to - raw_from).find("\xC2\xBF") !=
              std::string_view::npos) {
        start = i;
      }
    }
    if (!doc.BreakAfter(i)) continue;
    const std::string_view gap = doc.Gap(i);
    bool question = false;
    for (size_t k = 0; k < gap.size(); ++k) {
      if (gap[k] == '?') {
        const size_t raw_pos = doc.folded.origin[doc.tokens[i].end + k];
        if (IsQuestionMark(doc.raw, raw_pos)) question = true;
      }
    }
    if (!question) {
      // "Let me know if you'd be interested!" asks without a "?".
      int counts[kCueCount] = {};
      for (const PhraseHit& hit : Cues().FindIn(doc, start, i + 1)) {
        ++counts[hit.tag];
      }
      question = counts[kAskPhrase] > 0 &&
                 (counts[kInterestAsk] > 0 || counts[kSalaryAsk] > 0 ||
                  counts[kStartWord] > 0 || counts[kExperienceAsk] > 0);
    }
    if (question) out.emplace_back(start, i + 1);
    start = i + 1;
  }
  return out;
}

// "10am", "15h", "3pm", "10:30": a time of day.
bool HasClockTime(const Doc& doc, size_t from, size_t to) {
  for (size_t i = from; i < to && i < doc.tokens.size(); ++i) {
    const std::string_view t = doc.Text(i);
    size_t digits = 0;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
    if (digits == 0 || digits > 2) continue;
    const std::string_view unit = t.substr(digits);
    if (unit == "am" || unit == "pm" || unit == "h" || unit == "hs") {
      return true;
    }
    if (unit.empty() && i + 1 < doc.tokens.size()) {
      const std::string_view next = doc.Text(i + 1);
      if (next == "am" || next == "pm" ||
          (doc.Gap(i) == ":" && next.size() == 2)) {
        return true;
      }
    }
  }
  return false;
}

struct Features {
  int counts[kCueCount] = {};
  bool meeting_link = false;
  bool clock_time = false;
  bool has_question = false;
  bool has_salary = false;
  size_t tech_count = 0;
  size_t words = 0;

  int operator[](Cue c) const { return counts[c]; }
};

Features Measure(const Doc& doc, std::string_view raw) {
  Features f;
  for (const PhraseHit& hit : Cues().FindAll(doc)) ++f.counts[hit.tag];
  f.meeting_link = HasMeetingLink(doc.folded.text);
  f.clock_time = HasClockTime(doc, 0, doc.tokens.size());
  f.has_question = !QuestionSentences(doc).empty();
  f.words = doc.tokens.size();
  f.has_salary = ParseSalary(raw).has_value();
  f.tech_count = DefaultTechLexicon().Find(raw).size();
  return f;
}

// Evidence that the message itself presents a job: hiring language, a
// salary, a stack, a labelled role, length.
int JobEvidence(const Features& f) {
  int score = 0;
  if (f[kHiring] > 0) score += 2;
  if (f[kNewRole] > 0) score += 3;
  if (f.has_salary) score += 1;
  if (f.tech_count >= 2) score += 1;
  if (f.words >= 60) score += 1;
  if (f.words >= 100) score += 1;
  return score;
}

class RulesClassifier final : public Classifier {
 public:
  // Classifier:
  std::string_view engine() const override { return "rules"; }
  absl::StatusOr<core::Classification> Classify(
      const StageInput& input) const override {
    const std::string_view raw = input.message.text;
    const Doc doc = internal::MakeDoc(raw);
    const Features f = Measure(doc, raw);
    const int job = JobEvidence(f);
    using core::ConversationState;
    if (input.message.thread.empty()) {
      // A first message is an opportunity unless it plainly refers back to
      // an earlier one or only says goodbye.
      if (f[kFollowingUp] > 0 && job < 4) {
        return core::Classification{ConversationState::kFollowUp, 0.7};
      }
      if (job == 0 && f[kHiring] == 0 && !f.has_question &&
          (f[kCourtesy] > 0 || f[kThanks] > 0) && f.words < 40) {
        return core::Classification{ConversationState::kCourtesyClose, 0.6};
      }
      return core::Classification{ConversationState::kNewOpportunity,
                                  job >= 3 ? 0.95 : 0.8};
    }
    // Later in a conversation: a new role needs its own evidence.
    if (f[kNewRole] > 0 && job >= 4) {
      return core::Classification{ConversationState::kNewOpportunity, 0.85};
    }
    if (job >= 5 && f[kHiring] > 0 && f.has_salary) {
      return core::Classification{ConversationState::kNewOpportunity, 0.7};
    }
    if (f.has_question || f.meeting_link || f[kRequest] > 0 ||
        f[kFollowingUp] > 0) {
      return core::Classification{ConversationState::kFollowUp, 0.85};
    }
    // "Thursday at 3pm works, I'll send an invite": a meeting being set.
    if (f.clock_time || f[kInvite] > 0) {
      return core::Classification{ConversationState::kFollowUp, 0.75};
    }
    const bool shares_facts =
        f.has_salary || f[kInfoShare] > 0 || f.tech_count > 0;
    if (shares_facts) {
      return core::Classification{ConversationState::kFollowUp, 0.7};
    }
    if (f[kCourtesy] > 0 || f[kThanks] > 0 || f.words <= 25) {
      return core::Classification{ConversationState::kCourtesyClose, 0.85};
    }
    return core::Classification{ConversationState::kFollowUp, 0.5};
  }
};

// The question type of one question sentence, or nullopt when it names no
// specific subject.
core::QuestionType TypeOfSentence(const Doc& doc, size_t from, size_t to) {
  int counts[kCueCount] = {};
  for (const PhraseHit& hit : Cues().FindIn(doc, from, to)) {
    ++counts[hit.tag];
  }
  if (HasClockTime(doc, from, to)) ++counts[kScheduleWord];
  using core::QuestionType;
  if (counts[kSalaryAsk] > 0) return QuestionType::kSalary;
  if (counts[kStartWord] > 0 && counts[kScheduleWord] == 0) {
    return QuestionType::kAvailability;
  }
  if (counts[kExperienceAsk] > 0) return QuestionType::kExperience;
  if (counts[kScheduleWord] > 0) return QuestionType::kScheduling;
  if (counts[kStartWord] > 0) return QuestionType::kAvailability;
  if (counts[kRequest] > 0) return QuestionType::kOther;
  if (counts[kInterestAsk] > 0) return QuestionType::kInterest;
  // A question about nothing the rules know ("did you see my message?"):
  // NONE here, OTHER when no question names a subject.
  return QuestionType::kNone;
}

int Priority(core::QuestionType t) {
  switch (t) {
    case core::QuestionType::kSalary:
      return 6;
    case core::QuestionType::kAvailability:
      return 5;
    case core::QuestionType::kExperience:
      return 4;
    case core::QuestionType::kScheduling:
      return 3;
    case core::QuestionType::kOther:
      return 2;
    case core::QuestionType::kInterest:
      return 1;
    default:
      return 0;
  }
}

class RulesFollowUpAnalyzer final : public FollowUpAnalyzer {
 public:
  // FollowUpAnalyzer:
  std::string_view engine() const override { return "rules"; }
  absl::StatusOr<core::FollowUp> Analyze(
      const StageInput& input, const core::Profile& profile) const override {
    using core::QuestionType;
    const Doc doc = internal::MakeDoc(input.message.text);
    QuestionType type = QuestionType::kNone;
    if (HasMeetingLink(doc.folded.text)) {
      type = QuestionType::kScheduling;
    } else {
      bool asked = false;
      for (const auto& [from, to] : QuestionSentences(doc)) {
        asked = true;
        const QuestionType t = TypeOfSentence(doc, from, to);
        if (Priority(t) > Priority(type)) type = t;
      }
      if (asked && type == QuestionType::kNone) type = QuestionType::kOther;
      if (type == QuestionType::kNone) {
        // No question mark, but an explicit request ("please send your CV")
        // or a nudge ("just bumping this") still asks something.
        int counts[kCueCount] = {};
        for (const PhraseHit& hit : Cues().FindAll(doc)) ++counts[hit.tag];
        if (counts[kRequest] > 0) {
          type = QuestionType::kOther;
        } else if (counts[kInvite] > 0 ||
                   HasClockTime(doc, 0, doc.tokens.size())) {
          type = QuestionType::kScheduling;
        } else if (counts[kFollowingUp] > 0) {
          type = QuestionType::kInterest;
        }
      }
    }
    core::FollowUp out;
    out.question_type = type;
    switch (type) {
      case QuestionType::kSalary:
        out.answerable_from_profile =
            profile.ideal_salary_usd > 0 || profile.minimum_salary_usd > 0;
        break;
      case QuestionType::kExperience:
        out.answerable_from_profile = profile.years_of_experience > 0;
        break;
      case QuestionType::kAvailability:
      case QuestionType::kInterest:
      case QuestionType::kNone:
        out.answerable_from_profile = true;
        break;
      default:
        out.answerable_from_profile = false;
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Classifier> NewRulesClassifier() {
  return std::make_unique<RulesClassifier>();
}

std::unique_ptr<FollowUpAnalyzer> NewRulesFollowUpAnalyzer() {
  return std::make_unique<RulesFollowUpAnalyzer>();
}

}  // namespace lia::analysis
