// The rules extractor: company, role, seniority, remote policy, location, job
// type, work week, agency, salary and tech stack from one message, in
// English, Spanish and Portuguese. Only the newest message is read: earlier
// messages of the thread (above all the candidate's own words) are not the
// job's.

#include <algorithm>
#include <array>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "analysis/internal/doc.h"
#include "analysis/internal/gazetteer.h"
#include "analysis/pipeline.h"
#include "analysis/salary.h"
#include "analysis/tech_lexicon.h"

namespace lia::analysis {
namespace {

using internal::Doc;
using internal::PhraseHit;
using internal::PhraseMatcher;

enum Tag : int {
  kAgencyCue,
  kRemote,
  kHybrid,
  kOnsite,
  kNotRemote,
  kFullTime,
  kPartTime,
  kContract,
  kFreelance,
  kFourDayWeek,
  kFiveDayWeek,
  kDaysPerWeek,  // "3 days a week", "2x por semana": attendance or week.
  kHiringCue,    // Precedes a role: "hiring a", "buscamos", "vaga para".
  kCrypto,
  kPreSeed,
  kCompanyVerb,  // Follows a company: "is hiring", "está buscando".
  kClientName,   // Precedes a client's name: "partnering with".
  kTagCount,
};

const PhraseMatcher& Phrases() {
  static const auto* m = [] {
    auto* p = new PhraseMatcher();
    p->Add({"our client",
            "my client",
            "one of my clients",
            "one of our clients",
            "a client",
            "client of ours",
            "us client",
            "based client",
            "on behalf of",
            "partnering with",
            "partnered with",
            "staffing",
            "recruitment agency",
            "recruiting agency",
            "talent solutions",
            "headhunter",
            "headhunting",
            "executive search",
            "search firm",
            "nuestro cliente",
            "un cliente",
            "mi cliente",
            "nuestros clientes",
            "para un cliente",
            "cliente del sector",
            "empresa cliente",
            "colaborando con una",
            "consultora",
            "agencia",
            "consultora de seleccion",
            "nosso cliente",
            "um cliente",
            "para um cliente",
            "consultoria de recrutamento",
            "ayudando a",
            "ajudando a",
            "helping a",
            "helping our client",
            "a nombre de",
            "en nombre de",
            "em nome de"},
           kAgencyCue);
    p->Add({"remote", "fully remote", "100 remote", "remote first",
            "remote friendly", "remoto", "remota", "100 remoto", "full remote",
            "home office", "work from home", "wfh", "teletrabajo",
            "trabajo remoto", "trabalho remoto", "anywhere",
            "de qualquer lugar", "desde cualquier lugar", "remotely"},
           kRemote);
    p->Add({"hybrid", "hibrido", "hibrida", "hybrid remote", "semi presencial",
            "semipresencial", "flexible hybrid"},
           kHybrid);
    p->Add({"onsite", "on site", "in person", "in office", "presencial",
            "100 presencial", "office based", "in the office",
            "presencialmente", "no escritorio", "en la oficina", "en oficina"},
           kOnsite);
    p->Add({"no remote", "not remote", "not a remote", "sin remoto",
            "no es remoto", "nao e remoto", "no remote work"},
           kNotRemote);
    p->Add({"full time", "fulltime", "permanent", "tiempo completo",
            "jornada completa", "tempo integral", "contrato indefinido",
            "relacion de dependencia", "clt", "efetivo", "perm",
            "contratacion directa", "indefinido"},
           kFullTime);
    p->Add({"part time", "parttime", "medio tiempo", "media jornada",
            "meio periodo", "tiempo parcial", "meio expediente"},
           kPartTime);
    p->Add({"contract", "contractor", "contract role", "b2b", "c2c", "1099",
            "w2", "fixed term", "ir35", "contratista", "contrato temporal",
            "por proyecto", "pj", "contrato pj", "contract to hire",
            "independent contractor"},
           kContract);
    p->Add({"freelance", "freelancer", "freelancers", "autonomo",
            "trabajo freelance", "free lance"},
           kFreelance);
    p->Add({"4 day week", "4 day work week", "4 day workweek", "four day week",
            "four day work week", "4 days week", "semana de 4 dias",
            "semana laboral de 4 dias", "semana de cuatro dias",
            "semana de quatro dias", "jornada de 4 dias", "32 hour week",
            "32 hours", "32h", "viernes libres", "fridays off", "sextas livres",
            "sexta livre", "4 day weeks"},
           kFourDayWeek);
    p->Add({"5 day week", "five day week", "5 day work week",
            "monday to friday", "monday through friday", "mon fri",
            "lunes a viernes", "de lunes a viernes", "segunda a sexta",
            "40 hours", "40h", "40hs", "40 hrs", "40 horas", "40 hour week",
            "5 days week", "five days a week", "five days per week"},
           kFiveDayWeek);
    for (std::string_view n :
         {"1", "2", "3", "4", "5", "one", "two", "three", "four", "five", "dos",
          "tres", "cuatro", "cinco", "duas", "quatro"}) {
      for (std::string_view tail :
           {" days a week", " days per week", " days week", " day a week",
            " days in office", " days in the office", " days onsite",
            " days on site", " dias a la semana", " dias por semana",
            " dias presenciales", " dias de oficina", " dias en la oficina",
            " dias no escritorio", " dias presenciais", " x por semana",
            " veces por semana", " vezes por semana"}) {
        p->Add(std::string(n) + std::string(tail), kDaysPerWeek);
      }
    }
    p->Add({"hiring",
            "hiring a",
            "hiring an",
            "hiring our",
            "looking for",
            "searching for",
            "opening for",
            "apply for",
            "recruiting for",
            "recruiting a",
            "to find a",
            "find a",
            "needs a",
            "need a",
            "interested in a",
            "buscamos",
            "buscando",
            "busca",
            "busca un",
            "busca incorporar",
            "incorporar",
            "busqueda de",
            "una busqueda para",
            "vaga para",
            "vaga de",
            "contratando",
            "contratando um",
            "contratando uma",
            "procurando",
            "hire a",
            "for a",
            "for an",
            "for our",
            "role",
            "position",
            "our first",
            "para un",
            "para una",
            "un a"},
           kHiringCue);
    p->Add({"crypto",
            "cryptocurrency",
            "cryptocurrencies",
            "web3",
            "web 3",
            "blockchain",
            "defi",
            "nft",
            "nfts",
            "on chain",
            "onchain",
            "usdt",
            "usdc",
            "stablecoin",
            "stablecoins",
            "dao",
            "token",
            "tokens",
            "cripto",
            "criptomonedas",
            "ethereum",
            "solana",
            "solidity",
            "bitcoin"},
           kCrypto);
    p->Add({"pre seed", "preseed", "pre semilla", "pre semente", "pre revenue"},
           kPreSeed);
    p->Add({"is hiring", "are hiring", "is looking", "are looking",
            "is expanding", "is growing", "is building", "is recruiting",
            "esta buscando", "estan buscando", "busca", "esta contratando",
            "esta incorporando", "esta com", "esta procurando",
            "estao contratando", "is seeking", "seeks"},
           kCompanyVerb);
    p->Add({"partnering with", "partnered with", "on behalf of",
            "recruiting for", "hiring for", "working with", "ayudando a",
            "ajudando a", "helping", "en nombre de", "em nome de",
            "a nombre de", "trabajando con", "colaborando con"},
           kClientName);
    return p;
  }();
  return *m;
}

struct HitIndex {
  std::vector<PhraseHit> hits;
  std::array<int, kTagCount> counts{};

  explicit HitIndex(const Doc& doc) : hits(Phrases().FindAll(doc)) {
    for (const PhraseHit& h : hits) ++counts[h.tag];
  }
  int count(Tag t) const { return counts[t]; }
};

bool AnyOf(std::string_view word,
           std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// ---------------------------------------------------------------------------
// Signature: the lines after a closing ("Best,", "Un saludo,") or the sender's
// name. Names in it are the recruiter's, titles the recruiter's title.

size_t SignatureStart(const Doc& doc, std::string_view sender) {
  const std::string_view text = doc.folded.text;
  // Candidate line starts, last first: a closing line of at most four words.
  size_t line_start = 0;
  size_t best = std::string_view::npos;
  const std::string sender_first = [&] {
    std::string s = FoldString(sender);
    const size_t space = s.find(' ');
    return space == std::string::npos ? s : s.substr(0, space);
  }();
  while (line_start <= text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line =
        Trim(text.substr(line_start, line_end - line_start), ",.!-|");
    const bool closing = AnyOf(
        line,
        {"best",         "best regards",   "regards",      "kind regards",
         "warm regards", "thanks",         "thank you",    "cheers",
         "sincerely",    "saludos",        "un saludo",    "saludos cordiales",
         "un abrazo",    "atentamente",    "abracos",      "abraco",
         "att",          "atenciosamente", "obrigado",     "obrigada",
         "gracias",      "many thanks",    "all the best", "talk soon"});
    const bool name_line = !sender_first.empty() && line.size() <= 40 &&
                           line.rfind(sender_first, 0) == 0 &&
                           line.find(' ') == line.rfind(' ');
    // Only near the end: a signature is short.
    if ((closing || name_line) && text.size() - line_start < 400) {
      best = closing ? line_end : line_start;
      break;
    }
    if (line_end == text.size()) break;
    line_start = line_end + 1;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Names: a run of capitalised words ("Harbor & Finch", "Mercado Libre",
// "Arclight AI") starting at token i.

bool IsLowerConnector(std::string_view w) {
  return AnyOf(w, {"de", "del", "da", "do", "of", "and", "y", "e", "la", "las",
                   "los", "the"});
}

// Returns the last token index of the name, or nullopt.
std::optional<size_t> NameRun(const Doc& doc, size_t i, size_t max_tokens) {
  if (i >= doc.tokens.size() || !doc.tokens[i].capitalized) return {};
  size_t last = i;
  for (size_t k = i + 1; k < doc.tokens.size() && k - i < max_tokens; ++k) {
    const std::string_view gap = doc.Gap(k - 1);
    const bool joinable =
        gap == " " || gap == " & " || gap == "-" || gap == "." || gap == "'";
    if (!joinable) break;
    if (doc.tokens[k].capitalized) {
      last = k;
    } else if (gap == " " && IsLowerConnector(doc.Text(k)) &&
               k + 1 < doc.tokens.size() && doc.tokens[k + 1].capitalized &&
               doc.Gap(k) == " " && doc.Text(k) != "the") {
      // "Banco de Chile": keep the connector only with a name after it.
      continue;
    } else {
      break;
    }
  }
  return last;
}

bool IsBlockedCompany(std::string_view folded_name) {
  static const auto* blocked =
      new absl::flat_hash_set<std::string_view>{"zoom",
                                                "teams",
                                                "microsoft teams",
                                                "meet",
                                                "google meet",
                                                "calendly",
                                                "linkedin",
                                                "slack",
                                                "whatsapp",
                                                "skype",
                                                "webex",
                                                "gmail",
                                                "email",
                                                "the",
                                                "our",
                                                "we",
                                                "i",
                                                "hi",
                                                "hello",
                                                "hola",
                                                "ola",
                                                "oi",
                                                "us",
                                                "uk",
                                                "remote",
                                                "hybrid",
                                                "latam",
                                                "confidential",
                                                "confidencial",
                                                "a",
                                                "an",
                                                "una",
                                                "un",
                                                "um",
                                                "uma",
                                                "series",
                                                "talent",
                                                "recruiting",
                                                "hr",
                                                "people",
                                                "engineering",
                                                "product",
                                                "platform",
                                                "summer",
                                                "team",
                                                "it"};
  return blocked->contains(folded_name);
}

bool LooksLikeAgencyName(std::string_view folded_name) {
  for (std::string_view w :
       {"staffing", "recruit", "talent", "search", "consult", "hunters",
        "headhunt", "solutions", "partners", "seleccion", "selecao", "rrhh",
        "people", "nearshore", "outsourcing", "bridge", "agency", "agencia"}) {
    if (folded_name.find(w) != std::string_view::npos) return true;
  }
  return false;
}

struct NameCandidate {
  size_t first = 0;
  size_t last = 0;
};

std::string FoldedSpan(const Doc& doc, size_t first, size_t last) {
  return std::string(doc.folded.text.substr(
      doc.tokens[first].begin, doc.tokens[last].end - doc.tokens[first].begin));
}

bool SelfWord(std::string_view w) {
  return AnyOf(
      w,
      {"i",           "im",          "i'm",         "me",          "my",
       "soy",         "sou",         "here",        "recruiter",   "recruiters",
       "recruiting",  "recruitment", "talent",      "team",        "equipo",
       "time",        "lead",        "head",        "ceo",         "cto",
       "founder",     "cofounder",   "co",          "manager",     "partner",
       "reclutadora", "reclutador",  "recrutadora", "recrutador",  "trabajo",
       "trabalho",    "aqui",        "we",          "escribo",     "work",
       "growth",      "run",         "sourcer",     "hr",          "people",
       "rrhh",        "consultora",  "consultor",   "parte",       "desde",
       "it",          "technical",   "hiring",      "engineering", "contacto",
       "contato",     "escrevo",     "hablo",       "falo"});
}

// ---------------------------------------------------------------------------

class RulesExtractor final : public Extractor {
 public:
  // Extractor:
  std::string_view engine() const override { return "rules"; }
  absl::StatusOr<core::Extraction> Extract(
      const StageInput& input, core::ConversationState state) const override;
};

struct Context {
  const Doc& doc;
  const HitIndex& hits;
  size_t signature_token;  // First token of the signature, or size().
  std::string_view sender;
  std::string sender_first;  // Folded first name of the sender, or "".
};

bool InSignature(const Context& c, size_t token) {
  return token >= c.signature_token;
}

// --- agency and company ----------------------------------------------------

struct CompanyFacts {
  std::optional<std::string> company;
  std::optional<std::string> employer;  // The sender's own firm.
  bool agency = false;
};

std::optional<NameCandidate> CompanyAfter(const Doc& doc, size_t i) {
  if (i >= doc.tokens.size()) return {};
  const std::optional<size_t> last = NameRun(doc, i, 5);
  if (!last) return {};
  const std::string folded = FoldedSpan(doc, i, *last);
  if (IsBlockedCompany(folded) || internal::IsKnownPlace(folded)) return {};
  return NameCandidate{i, *last};
}

std::optional<std::string> EmailDomainCompany(const Doc& doc) {
  const std::string_view text = doc.folded.text;
  size_t at = text.find('@');
  while (at != std::string_view::npos) {
    size_t end = at + 1;
    while (end < text.size() && (IsWordChar(text[end]) || text[end] == '-')) {
      ++end;
    }
    const std::string_view domain = text.substr(at + 1, end - at - 1);
    const bool has_user = at > 0 && IsWordChar(text[at - 1]);
    if (has_user && end < text.size() && text[end] == '.' &&
        domain.size() >= 2 &&
        !AnyOf(domain, {"gmail", "hotmail", "outlook", "yahoo", "icloud",
                        "proton", "protonmail", "live", "aol", "me", "mail",
                        "gmx", "zoho", "yandex", "uol", "bol", "terra"})) {
      std::string name(domain);
      name[0] = static_cast<char>(name[0] - 'a' + 'A');
      if (name[0] < 'A' || name[0] > 'Z') name = std::string(domain);
      return name;
    }
    at = text.find('@', at + 1);
  }
  return {};
}

CompanyFacts FindCompany(const Context& c) {
  const Doc& doc = c.doc;
  CompanyFacts facts;
  facts.agency = c.hits.count(kAgencyCue) > 0;

  std::optional<NameCandidate> labelled, client, subject, self, signature;
  bool labelled_hidden = false;

  // "Company: Acme" / "Empresa: confidencial".
  for (size_t i = 0; i + 1 < doc.tokens.size(); ++i) {
    const std::string_view w = doc.Text(i);
    if (!AnyOf(w, {"company", "empresa", "client", "cliente", "compania"})) {
      continue;
    }
    const std::string_view gap = doc.Gap(i);
    if (gap.find(':') == std::string_view::npos) continue;
    // A label starts its line ("Company: Acme"); "para un cliente:" is prose.
    if (i > 0 && doc.GapBefore(i).find('\n') == std::string_view::npos) {
      continue;
    }
    if (!doc.tokens[i + 1].capitalized) {
      labelled_hidden = true;
      continue;
    }
    if (AnyOf(doc.Text(i + 1), {"confidential", "confidencial", "stealth",
                                "undisclosed", "nda"})) {
      labelled_hidden = true;
      continue;
    }
    if (auto n = CompanyAfter(doc, i + 1)) {
      labelled = n;
      break;
    }
  }

  for (const PhraseHit& h : c.hits.hits) {
    if (h.tag == kClientName && !client && !InSignature(c, h.first)) {
      size_t i = h.last + 1;
      if (i < doc.tokens.size() && doc.BreakAfter(h.last)) continue;
      if (auto n = CompanyAfter(doc, i)) client = n;
    } else if (h.tag == kCompanyVerb && !subject && h.first > 0) {
      // "Halcyon Robotics is hiring": the name ends right before the verb.
      const size_t end = h.first - 1;
      if (doc.Gap(end) != " ") continue;
      size_t start = end;
      while (
          start > 0 && end - start < 4 && doc.Gap(start - 1) != "" &&
          !doc.BreakAfter(start - 1) &&
          (doc.tokens[start - 1].capitalized || doc.Gap(start - 1) == " & ") &&
          (doc.Gap(start - 1) == " " || doc.Gap(start - 1) == " & ")) {
        --start;
      }
      // "A Nuvem Azul está contratando", "The Foundry is hiring".
      size_t name_start = start;
      if (start < end && AnyOf(doc.Text(start), {"a", "o", "os", "as", "la",
                                                 "el", "los", "las", "the"})) {
        ++name_start;
      }
      if (!doc.tokens[name_start].capitalized) continue;
      // Sentence-initial words ("We", "Our") are no company.
      const std::string folded = FoldedSpan(doc, name_start, end);
      if (IsBlockedCompany(folded) || internal::IsKnownPlace(folded)) {
        continue;
      }
      const std::string_view lead_in = doc.GapBefore(start);
      bool clause_start = lead_in.find(": ") != std::string_view::npos ||
                          lead_in.find(" - ") != std::string_view::npos;
      // "Hi Ana, Acme is hiring": the greeting is its own clause.
      if (!clause_start && lead_in.find(',') != std::string_view::npos) {
        size_t s = start - 1;
        while (s > 0 && !doc.BreakAfter(s - 1) && start - s < 5) --s;
        clause_start = (s == 0 || doc.BreakAfter(s - 1)) &&
                       AnyOf(doc.Text(s),
                             {"hi", "hello", "hey", "dear", "hola", "ola", "oi",
                              "buenas", "good", "buenos", "bom", "boa"});
      }
      if (start > 0 && !doc.BreakAfter(start - 1) && !clause_start) {
        // Mid-sentence: "a company in Charlotte, NC, is looking" is no name.
        const std::string_view before = doc.Text(start - 1);
        if (!AnyOf(before, {"and", "y", "e", "at", "en", "na", "from"})) {
          continue;
        }
      }
      subject = NameCandidate{name_start, end};
    }
  }

  // "<self words> at|en|na|from|de Acme", "At Acme we", "Desde Acme".
  for (size_t i = 0; i + 1 < doc.tokens.size() && !self; ++i) {
    const std::string_view w = doc.Text(i);
    // "We're Parcelly, a Series A start-up", "Somos Yaguareté Software y
    // estamos buscando": the firm names itself.
    const bool we_are = AnyOf(w, {"somos"}) ||
                        (w == "re" && i > 0 && doc.Text(i - 1) == "we") ||
                        (w == "are" && i > 0 && doc.Text(i - 1) == "we");
    if (we_are) {
      if (auto n = CompanyAfter(doc, i + 1)) {
        if (!InSignature(c, n->first)) self = n;
      }
      continue;
    }
    if (!AnyOf(w, {"at", "en", "na", "no", "em", "from", "desde", "with", "of",
                   "de", "for", "da", "do"})) {
      continue;
    }
    if (doc.BreakAfter(i)) continue;
    const bool sentence_start = i == 0 || doc.BreakAfter(i - 1);
    bool self_context =
        sentence_start && AnyOf(w, {"at", "desde", "na", "em", "en"});
    if (!self_context) {
      // Self words in the few tokens before, within the sentence.
      for (size_t k = i; k > 0 && i - k < 6; --k) {
        if (doc.BreakAfter(k - 1)) break;
        if (SelfWord(doc.Text(k - 1))) {
          self_context = true;
          break;
        }
      }
    }
    // "Oliver from Brightcove Labs here": the sender names themself.
    if (!self_context && i > 0 && !c.sender_first.empty() &&
        doc.Text(i - 1) == c.sender_first) {
      self_context = true;
    }
    if (!self_context) continue;
    if (AnyOf(w, {"de", "of", "with", "for", "da", "do"})) {
      // "Soy Nahuel de Tinta Protocol", "CEO of Tessellate", "recruiter with
      // Keystone": only right after a name or a title word.
      if (i == 0) continue;
      const std::string_view prev = doc.Text(i - 1);
      const bool after_name =
          (doc.tokens[i - 1].capitalized && i >= 2 &&
           AnyOf(doc.Text(i - 2), {"soy", "sou", "im"})) ||
          (!c.sender_first.empty() && doc.Text(i - 1) == c.sender_first);
      const bool after_title = AnyOf(
          prev,
          {"ceo",     "cto",    "founder",       "cofounder",  "recruiter",
           "partner", "parte",  "manager",       "lead",       "head",
           "talento", "talent", "reclutamiento", "seleccion",  "rrhh",
           "humanos", "people", "recrutamento",  "recruiting", "hiring",
           "sou",     "soy",    "contacto",      "escribo",    "escrevo",
           "contato", "hablo",  "falo"});
      if (!after_name && !after_title) continue;
    }
    if (AnyOf(w, {"at", "en", "na", "no", "em"}) &&
        doc.Gap(i).find('@') != std::string_view::npos) {
      continue;
    }
    if (auto n = CompanyAfter(doc, i + 1)) {
      if (!InSignature(c, n->first)) self = n;
    }
  }

  // Signature: "Title, Company", "Title | Company", or a lone name line.
  if (c.signature_token < doc.tokens.size()) {
    for (size_t i = c.signature_token; i < doc.tokens.size(); ++i) {
      const std::string_view gap = doc.GapBefore(i);
      const bool after_sep = gap.find('|') != std::string_view::npos ||
                             gap.find(',') != std::string_view::npos ||
                             gap.find('@') != std::string_view::npos;
      const bool line_start = gap.find('\n') != std::string_view::npos;
      if (!after_sep && !line_start) continue;
      if (auto n = CompanyAfter(doc, i)) {
        const std::string folded = FoldedSpan(doc, n->first, n->last);
        // Skip the sender's own name and titles.
        const std::string sender = FoldString(c.sender);
        if (!sender.empty() && (sender.find(folded) != std::string::npos ||
                                folded.find(sender) != std::string::npos)) {
          continue;
        }
        const bool title_like =
            folded.find("recruit") != std::string::npos ||
            folded.find("talent") != std::string::npos ||
            folded.find("engineer") != std::string::npos ||
            folded.find("manager") != std::string::npos ||
            folded.find("consultant") != std::string::npos ||
            folded.find("head of") != std::string::npos ||
            folded.find("partner") == 0 || folded.find("director") == 0 ||
            folded.find("senior") == 0 || folded.find("principal") == 0 ||
            folded.find("lead") == 0;
        if (title_like) continue;
        // A line "Company" after a "Title |" or at a line start.
        if (after_sep || doc.BreakAfter(n->last)) signature = n;
      }
    }
  }

  auto text_of = [&](const std::optional<NameCandidate>& n) {
    return std::string(doc.Span(n->first, n->last));
  };
  auto folded_of = [&](const std::optional<NameCandidate>& n) {
    return FoldedSpan(doc, n->first, n->last);
  };

  // The sender's employer is an agency when its name says so, or when the
  // message speaks of a client.
  if (self) facts.employer = text_of(self);
  if (self && LooksLikeAgencyName(folded_of(self))) facts.agency = true;
  if (signature && LooksLikeAgencyName(folded_of(signature))) {
    facts.agency = true;
    if (!facts.employer) facts.employer = text_of(signature);
  }

  std::optional<std::string> agency_folded;
  if (facts.agency && facts.employer) {
    agency_folded = FoldString(*facts.employer);
  }
  auto not_agency = [&](const std::optional<NameCandidate>& n) {
    return n && (!agency_folded || folded_of(n) != *agency_folded) &&
           !LooksLikeAgencyName(folded_of(n));
  };

  if (labelled) {
    facts.company = text_of(labelled);
  } else if (labelled_hidden) {
    facts.company.reset();
  } else if (facts.agency) {
    if (not_agency(client)) {
      facts.company = text_of(client);
    } else if (not_agency(subject)) {
      facts.company = text_of(subject);
    }
  } else if (client && c.hits.count(kAgencyCue) > 0) {
    facts.company = text_of(client);
  } else if (subject) {
    facts.company = text_of(subject);
  } else if (self) {
    facts.company = text_of(self);
  } else if (signature) {
    facts.company = text_of(signature);
  } else {
    facts.company = EmailDomainCompany(doc);
  }
  return facts;
}

// --- role and seniority ----------------------------------------------------

bool IsRoleHead(std::string_view w) {
  static const auto* heads =
      new absl::flat_hash_set<std::string_view>{"engineer",
                                                "developer",
                                                "dev",
                                                "programmer",
                                                "architect",
                                                "scientist",
                                                "analyst",
                                                "designer",
                                                "manager",
                                                "lead",
                                                "sre",
                                                "mentor",
                                                "advocate",
                                                "intern",
                                                "consultant",
                                                "administrator",
                                                "specialist",
                                                "tester",
                                                "researcher",
                                                "cto",
                                                "director",
                                                "owner",
                                                "master",
                                                "devops",
                                                "ingeniero",
                                                "ingeniera",
                                                "desarrollador",
                                                "desarrolladora",
                                                "programador",
                                                "programadora",
                                                "arquitecto",
                                                "arquitecta",
                                                "analista",
                                                "disenador",
                                                "disenadora",
                                                "lider",
                                                "desenvolvedor",
                                                "desenvolvedora",
                                                "engenheiro",
                                                "engenheira",
                                                "cientista",
                                                "arquiteto",
                                                "especialista",
                                                "estagiario",
                                                "pasante",
                                                "tecnico",
                                                "qa",
                                                "dba",
                                                "coordinator",
                                                "coordinador",
                                                "officer",
                                                "expert",
                                                "instructor",
                                                "teacher",
                                                "writer",
                                                "sdet",
                                                "pm",
                                                "vp"};
  return heads->contains(w);
}

bool IsSeniorityWord(std::string_view w) {
  return AnyOf(w, {"senior",    "sr",         "junior", "jr",       "ssr",
                   "semi",      "semisenior", "mid",    "pleno",    "staff",
                   "principal", "lead",       "intern", "trainee",  "middle",
                   "sênior",    "junior",     "entry",  "graduate", "level"});
}

// Words that end a role phrase even when capitalised.
bool IsRoleStop(std::string_view w) {
  return AnyOf(
      w, {"for",        "to",          "para",       "con",      "en",
          "in",         "at",          "with",       "on",       "who",
          "que",        "no",          "na",         "em",       "com",
          "position",   "role",        "opening",    "hire",     "vacancy",
          "posicion",   "puesto",      "vaga",       "we",       "you",
          "our",        "the",         "a",          "an",       "is",
          "and",        "y",           "o",          "or",       "remote",
          "remoto",     "hybrid",      "hibrido",    "onsite",   "based",
          "full",       "part",        "freelance",  "contract", "contractor",
          "first",      "our",         "un",         "una",      "um",
          "uma",        "el",          "la",         "i",        "job",
          "team",       "equipo",      "time",       "tiempo",   "buscamos",
          "busca",      "buscando",    "hiring",     "seeking",  "contratando",
          "procuramos", "necesitamos", "precisamos", "need",     "needs",
          "join",       "sumando",     "incorporar", "estamos",  "hi",
          "hola",       "oi",          "hey",        "new",      "nuevo",
          "nueva",      "nova",        "novo"});
}

// Recruiters' titles are not the role on offer.
bool IsRecruiterTitle(std::string_view folded_span) {
  for (std::string_view w :
       {"recruit", "talent", "sourcer", "people partner", "hr ", "ceo",
        "founder", "head of people", "hiring manager", "reclutador",
        "recrutador", "consultant", "consultora", "partner"}) {
    if (folded_span.find(w) != std::string_view::npos) return true;
  }
  return false;
}

struct RoleCandidate {
  size_t first = 0;
  size_t last = 0;
  int score = 0;
};

bool TitleToken(const Doc& doc, size_t k) {
  const internal::Token& t = doc.tokens[k];
  const std::string_view w = doc.Text(k);
  // "Full Stack" is a title word; "full time" / "full remote" are not.
  if (AnyOf(w, {"full", "part"})) {
    return k + 1 < doc.tokens.size() &&
           !AnyOf(doc.Text(k + 1), {"time", "remote", "timer", "remoto"}) &&
           (t.capitalized || doc.Text(k + 1) == "stack");
  }
  if (IsRoleStop(w) && !IsSeniorityWord(w) && !IsRoleHead(w)) return false;
  return t.has_upper || IsSeniorityWord(w) || IsRoleHead(w);
}

// Gaps inside a title: "Sr. SRE", ".NET", "Back-end", "Ingeniero/a",
// "Desenvolvedor(a)", "C++ Developer".
bool TitleGap(std::string_view gap) {
  if (gap.empty() || gap.size() > 3) return false;
  for (char ch : gap) {
    if (ch != ' ' && ch != '-' && ch != '.' && ch != '/' && ch != '+' &&
        ch != '#' && ch != '(' && ch != ')') {
      return false;
    }
  }
  return gap.find('\n') == std::string_view::npos;
}

RoleCandidate ExpandRole(const Doc& doc, size_t head) {
  RoleCandidate r{head, head, 0};
  // Left: modifiers ("Senior Mobile", "Mid-level Python").
  while (r.first > 0 && TitleGap(doc.Gap(r.first - 1)) &&
         (TitleToken(doc, r.first - 1) ||
          (doc.Gap(r.first - 1) == "-" && r.first >= 2 &&
           TitleToken(doc, r.first - 2))) &&
         head - r.first < 6) {
    --r.first;
  }
  // Right: Spanish/Portuguese modifiers and suffixes ("Sr", "de Datos
  // Senior", "(a) Back-end Pleno", "Mobile Flutter SSR").
  size_t k = r.last;
  while (k + 1 < doc.tokens.size() && k - head < 6) {
    const std::string_view gap = doc.Gap(k);
    const std::string_view next = doc.Text(k + 1);
    if (TitleGap(gap) && AnyOf(next, {"a", "o", "as", "os", "e"}) &&
        (gap == "/" || gap == "(")) {
      // Gender suffix: "Ingeniero/a", "Desenvolvedor(a)".
      ++k;
      r.last = k;
      continue;
    }
    if (TitleGap(gap) && gap.back() == ' ' && IsLowerConnector(next) &&
        k + 2 < doc.tokens.size() && doc.Gap(k + 1) == " " &&
        doc.tokens[k + 2].capitalized &&
        AnyOf(next, {"de", "of", "da", "do"})) {
      k += 2;
      r.last = k;
      continue;
    }
    // "Back-end", "Full-stack": a hyphenated word is one word.
    if (gap == "-" ||
        (TitleGap(gap) && gap.find('(') == std::string_view::npos &&
         TitleToken(doc, k + 1))) {
      ++k;
      r.last = k;
      continue;
    }
    // ", Payments" / ", Machine Learning": a capitalised tail after a comma
    // that ends the phrase.
    if (gap == ", " && doc.tokens[k + 1].capitalized && !IsRoleStop(next)) {
      size_t end = k + 1;
      while (end + 1 < doc.tokens.size() && doc.Gap(end) == " " &&
             doc.tokens[end + 1].capitalized && end - k < 3) {
        ++end;
      }
      const bool tail_ends =
          doc.BreakAfter(end) ||
          (end + 1 < doc.tokens.size() &&
           AnyOf(doc.Text(end + 1), {"to", "for", "in", "at", "on"}));
      const std::string tail = FoldedSpan(doc, k + 1, end);
      if (tail_ends && !internal::IsKnownPlace(tail) &&
          !AnyOf(doc.Text(k + 1),
                 {"remote", "hybrid", "onsite", "full", "part", "contract"})) {
        r.last = end;
      }
    }
    break;
  }
  return r;
}

std::optional<RoleCandidate> FindRole(const Context& c) {
  const Doc& doc = c.doc;
  // A labelled line wins: "Role: Staff Data Engineer", "Puesto: ...".
  for (size_t i = 0; i + 1 < doc.tokens.size(); ++i) {
    if (!AnyOf(doc.Text(i),
               {"role", "position", "title", "puesto", "rol", "cargo", "vaga",
                "posicion", "posicao", "vacante"})) {
      continue;
    }
    const std::string_view gap = doc.Gap(i);
    if (gap.find(':') == std::string_view::npos ||
        gap.find('\n') != std::string_view::npos) {
      continue;
    }
    size_t last = i + 1;
    while (last + 1 < doc.tokens.size() && !doc.BreakAfter(last) &&
           doc.Gap(last).find('(') == std::string_view::npos &&
           doc.Gap(last).find(" - ") == std::string_view::npos &&
           last - i < 10) {
      ++last;
    }
    bool has_head = false;
    for (size_t k = i + 1; k <= last; ++k) {
      has_head = has_head || IsRoleHead(doc.Text(k));
    }
    if (has_head) return RoleCandidate{i + 1, last, 100};
  }

  std::optional<RoleCandidate> best;
  size_t covered_until = 0;
  for (size_t i = 0; i < doc.tokens.size(); ++i) {
    if (!IsRoleHead(doc.Text(i)) || i < covered_until) continue;
    if (InSignature(c, i)) break;
    RoleCandidate r = ExpandRole(doc, i);
    // One candidate per phrase: the rightmost head inside it decides.
    size_t last_head = i;
    for (size_t k = i + 1; k <= r.last; ++k) {
      if (IsRoleHead(doc.Text(k))) last_head = k;
    }
    if (last_head != i) r = ExpandRole(doc, last_head);
    covered_until = r.last + 1;
    const std::string folded = FoldedSpan(doc, r.first, r.last);
    if (IsRecruiterTitle(folded)) continue;
    // Plural heads ("senior engineers") describe a team, not the role.
    const std::string_view head_word = doc.Text(last_head);
    if (last_head + 1 < doc.tokens.size() &&
        doc.folded.text.compare(doc.tokens[last_head].end, 1, "s") == 0) {
      continue;
    }
    int score = 0;
    bool capitalised = false;
    for (size_t k = r.first; k <= r.last; ++k) {
      capitalised = capitalised || doc.tokens[k].capitalized;
    }
    if (capitalised) score += 3;
    if (r.last > r.first) score += 1;
    if (AnyOf(head_word,
              {"manager", "director", "vp", "head", "lead", "owner", "cto"}) &&
        r.first == r.last) {
      score -= 2;
    }
    // Hiring language just before, or "role"/"position" just after.
    for (const PhraseHit& h :
         Phrases().FindIn(doc, r.first >= 5 ? r.first - 5 : 0, r.first)) {
      if (h.tag == kHiringCue && h.last < r.first) score += 4;
    }
    if (r.last + 1 < doc.tokens.size() &&
        AnyOf(doc.Text(r.last + 1),
              {"role", "position", "opening", "hire", "vacancy"})) {
      score += 4;
    }
    if (!capitalised && r.first == r.last) score -= 3;
    if (!best || score > best->score) {
      r.score = score;
      best = r;
    }
  }
  if (best && best->score <= 0) return {};
  return best;
}

core::Seniority SeniorityOf(const Doc& doc, const RoleCandidate& role) {
  using core::Seniority;
  Seniority found = Seniority::kUnknown;
  auto rank = [](Seniority s) { return static_cast<int>(s); };
  auto raise = [&](Seniority s) {
    // Lead sits below Staff and Principal; "Senior Staff" is Staff.
    if (rank(s) > rank(found)) found = s;
  };
  for (size_t k = role.first; k <= role.last; ++k) {
    const std::string_view w = doc.Text(k);
    const std::string_view next =
        k + 1 <= role.last ? doc.Text(k + 1) : std::string_view();
    if (AnyOf(w, {"intern", "internship", "trainee", "estagiario", "pasante",
                  "becario", "estagio"})) {
      raise(Seniority::kIntern);
    } else if (AnyOf(w, {"junior", "jr", "entry", "graduate"})) {
      raise(Seniority::kJunior);
    } else if (AnyOf(w, {"mid", "pleno", "ssr", "semisenior", "middle",
                         "intermediate"}) ||
               (w == "semi" && next == "senior")) {
      raise(Seniority::kMid);
      if (w == "semi") ++k;  // "Semi-Senior" is Mid, not Senior.
    } else if (AnyOf(w, {"senior", "sr"})) {
      raise(Seniority::kSenior);
    } else if (AnyOf(w, {"lead", "lider", "leader"})) {
      raise(Seniority::kLead);
    } else if (w == "staff") {
      raise(Seniority::kStaff);
    } else if (w == "principal") {
      raise(Seniority::kPrincipal);
    }
  }
  return found;
}

// --- remote policy, job type, work week -------------------------------------

int LeadingNumber(std::string_view w) {
  static const auto* words = new absl::flat_hash_map<std::string_view, int>{
      {"1", 1},      {"2", 2},     {"3", 3},    {"4", 4},
      {"5", 5},      {"one", 1},   {"two", 2},  {"three", 3},
      {"four", 4},   {"five", 5},  {"dos", 2},  {"tres", 3},
      {"cuatro", 4}, {"cinco", 5}, {"duas", 2}, {"quatro", 4}};
  auto it = words->find(w);
  return it == words->end() ? 0 : it->second;
}

struct Arrangement {
  core::RemotePolicy remote = core::RemotePolicy::kUnknown;
  core::WorkWeek week = core::WorkWeek::kUnknown;
  core::JobType type = core::JobType::kUnknown;
};

Arrangement FindArrangement(const Context& c) {
  const Doc& doc = c.doc;
  int remote = 0, hybrid = 0, onsite = 0, not_remote = 0;
  int full = 0, part = 0, contract = 0, freelance = 0;
  int four = 0, five = 0;
  for (const PhraseHit& h : c.hits.hits) {
    if (InSignature(c, h.first)) continue;
    switch (h.tag) {
      case kRemote:
        ++remote;
        break;
      case kHybrid:
        ++hybrid;
        break;
      case kOnsite:
        ++onsite;
        break;
      case kNotRemote:
        ++not_remote;
        break;
      case kFullTime:
        ++full;
        break;
      case kPartTime:
        ++part;
        break;
      case kContract: {
        // "contrato indefinido" is permanent; "12-month contract" is not.
        ++contract;
        break;
      }
      case kFreelance:
        ++freelance;
        break;
      case kFourDayWeek:
        ++four;
        break;
      case kFiveDayWeek:
        ++five;
        break;
      case kDaysPerWeek: {
        const int n = LeadingNumber(doc.Text(h.first));
        // Days at the office: fewer than five is a hybrid schedule; all
        // five is on-site and a five-day week. "4 days a week" with no
        // office near is the length of the week itself.
        bool office = false;
        for (size_t k = h.first; k <= h.last + 4 && k < doc.tokens.size();
             ++k) {
          office = office || AnyOf(doc.Text(k),
                                   {"office", "oficina", "escritorio", "onsite",
                                    "site", "presencial", "presenciales",
                                    "presenciais", "person", "lab", "hq"});
        }
        for (size_t k = h.first >= 6 ? h.first - 6 : 0; k < h.first; ++k) {
          office = office ||
                   AnyOf(doc.Text(k), {"onsite", "site", "office", "presencial",
                                       "hybrid", "hibrido", "hibrida"});
        }
        if (n == 5) {
          ++five;
        } else if (n == 4 && !office) {
          ++four;
        } else if (n >= 1 && n <= 4 && office) {
          ++hybrid;
        }
        break;
      }
      default:
        break;
    }
  }
  Arrangement a;
  using core::RemotePolicy;
  if (hybrid > 0) {
    a.remote = RemotePolicy::kHybrid;
  } else if (onsite > 0 && not_remote > 0) {
    a.remote = RemotePolicy::kOnsite;
  } else if (onsite > 0 && remote > 0) {
    a.remote = RemotePolicy::kHybrid;
  } else if (remote > 0) {
    a.remote = RemotePolicy::kRemote;
  } else if (onsite > 0 || not_remote > 0) {
    a.remote = RemotePolicy::kOnsite;
  }
  using core::JobType;
  if (freelance > 0) {
    a.type = JobType::kFreelance;
  } else if (part > 0) {
    a.type = JobType::kPartTime;
  } else if (contract > 0) {
    a.type = JobType::kContract;
  } else if (full > 0) {
    a.type = JobType::kFullTime;
  }
  if (four > 0) {
    a.week = core::WorkWeek::kFourDays;
  } else if (five > 0) {
    a.week = core::WorkWeek::kFiveDays;
  }
  return a;
}

// --- location ---------------------------------------------------------------

struct LocationResult {
  std::optional<std::string> text;
  std::string country;  // ISO code when known, for the salary parser.
};

bool IsPolicyWord(std::string_view w) {
  return AnyOf(
      w, {"remote",   "remoto",    "remota",      "hybrid",     "hibrido",
          "hibrida",  "onsite",    "site",        "presencial", "person",
          "office",   "oficina",   "escritorio",  "based",      "located",
          "location", "ubicacion", "localizacao", "local",      "anywhere",
          "within",   "across",    "lugar",       "modalidad",  "modelo"});
}

LocationResult FindLocation(const Context& c) {
  const Doc& doc = c.doc;
  LocationResult out;
  struct Scored {
    size_t first, last;
    int score;
    std::string country;
  };
  std::optional<Scored> best;
  auto consider = [&](size_t first, size_t last, int score,
                      std::string country) {
    if (!best || score > best->score) {
      best = Scored{first, last, score, std::move(country)};
    }
  };
  for (const internal::PlaceHit& place : internal::FindPlaces(doc)) {
    size_t first = place.first, last = place.last;
    int score = 0;
    // "Denver, CO", "Charlotte, NC", "Polanco, CDMX", "Madrid, Spain".
    if (last + 1 < doc.tokens.size() && doc.Gap(last) == ", " &&
        (doc.tokens[last + 1].all_caps && doc.Text(last + 1).size() <= 4)) {
      ++last;
    }
    if (first >= 2 && doc.Gap(first - 1) == ", " &&
        doc.tokens[first - 1].capitalized && place.is_region &&
        !internal::IsKnownPlace(doc.Text(first - 1))) {
      first -= 1;
    }
    for (size_t k = first >= 8 ? first - 8 : 0;
         k < std::min(doc.tokens.size(), last + 6); ++k) {
      if (k >= first && k <= last) continue;
      if (IsPolicyWord(doc.Text(k))) {
        score += 3;
        break;
      }
    }
    if (first > 0) {
      const std::string_view before = doc.Text(first - 1);
      if (AnyOf(before, {"in", "en", "em", "de", "do", "no", "na", "at",
                         "within", "across", "based"})) {
        score += 1;
      }
      if (first > 1 && AnyOf(before, {"de"}) &&
          AnyOf(doc.Text(first - 2), {"cliente", "clientes"})) {
        score -= 8;
      }
    }
    if (last + 1 < doc.tokens.size()) {
      const std::string_view after = doc.Text(last + 1);
      if (AnyOf(after, {"client", "clients", "eastern", "pacific", "central",
                        "hours", "time", "timezone", "citizens", "citizen",
                        "company", "companies"})) {
        score -= 8;
      }
      if (after == "based" && last + 2 < doc.tokens.size() &&
          AnyOf(doc.Text(last + 2), {"client", "company", "healthtech",
                                     "fintech", "startup", "firm"})) {
        score -= 8;
      }
    }
    if (InSignature(c, first)) score -= 4;
    consider(first, last, score, place.country);
  }
  // Unknown places in clear positions: "based in X", "office in X",
  // "oficina de X", "Location: X".
  for (size_t i = 0; i + 1 < doc.tokens.size(); ++i) {
    const std::string_view w = doc.Text(i);
    const bool label =
        AnyOf(w, {"location", "ubicacion", "localizacao", "local", "lugar"}) &&
        doc.Gap(i).find(':') != std::string_view::npos;
    const bool cue =
        (AnyOf(w, {"in", "en", "em", "de", "no", "na"}) && i > 0 &&
         AnyOf(doc.Text(i - 1),
               {"based", "office", "oficina", "escritorio", "located", "hybrid",
                "hibrido", "hibrida", "presencial", "onsite", "site"}));
    if (!label && !cue) continue;
    size_t first = i + 1;
    if (label) {
      // "Location: Remote - Mexico": skip the policy words.
      while (first < doc.tokens.size() && IsPolicyWord(doc.Text(first)) &&
             !doc.BreakAfter(first)) {
        ++first;
      }
    }
    const std::optional<size_t> last = NameRun(doc, first, 4);
    if (!last) continue;
    size_t end = *last;
    if (end + 1 < doc.tokens.size() && doc.Gap(end) == ", " &&
        doc.tokens[end + 1].capitalized && doc.Text(end + 1).size() <= 4) {
      ++end;
    }
    const std::string folded = FoldedSpan(doc, first, end);
    if (IsBlockedCompany(folded)) continue;
    consider(first, end, label ? 6 : 3, "");
  }
  if (best && best->score > -4) {
    out.text = std::string(doc.Span(best->first, best->last));
    out.country = best->country;
  }
  return out;
}

// ---------------------------------------------------------------------------

absl::StatusOr<core::Extraction> RulesExtractor::Extract(
    const StageInput& input, core::ConversationState state) const {
  const std::string_view raw = input.message.text;
  const Doc doc = internal::MakeDoc(raw);
  const HitIndex hits(doc);
  size_t signature_token = doc.tokens.size();
  const size_t signature_offset = SignatureStart(doc, input.message.sender);
  if (signature_offset != std::string_view::npos) {
    signature_token = static_cast<size_t>(
        std::lower_bound(doc.tokens.begin(), doc.tokens.end(), signature_offset,
                         [](const internal::Token& t, size_t off) {
                           return t.begin < off;
                         }) -
        doc.tokens.begin());
  }
  std::string sender_first = FoldString(input.message.sender);
  sender_first = sender_first.substr(0, sender_first.find(' '));
  const Context context{doc, hits, signature_token, input.message.sender,
                        std::move(sender_first)};

  core::Extraction out;
  const Arrangement arrangement = FindArrangement(context);
  out.remote_policy = arrangement.remote;
  out.job_type = arrangement.type;
  out.work_week = arrangement.week;
  out.crypto = hits.count(kCrypto) > 0;
  out.pre_seed = hits.count(kPreSeed) > 0;

  const LocationResult location = FindLocation(context);
  out.salary = ParseSalary(raw, location.country);
  out.tech_stack = DefaultTechLexicon().Find(raw);

  // Names are spans of the source as written; the source may hold invalid
  // UTF-8 next to them, and what leaves the pipeline is always valid.
  auto valid = [](std::optional<std::string> s) -> std::optional<std::string> {
    if (s) s = SanitizeUtf8(*s);
    return s;
  };
  const CompanyFacts company = FindCompany(context);
  out.agency = company.agency;
  if (company.agency) out.agency_name = valid(company.employer);

  if (state != core::ConversationState::kNewOpportunity) {
    // A reply inside a conversation states few job facts of its own; names
    // and places in it are people, meetings and offices, not the job's.
    return out;
  }
  out.company = valid(company.company);
  out.location = valid(location.text);
  if (const std::optional<RoleCandidate> role = FindRole(context)) {
    out.role = SanitizeUtf8(Trim(doc.Span(role->first, role->last), ",-:"));
    out.seniority = SeniorityOf(doc, *role);
  }
  return out;
}

}  // namespace

std::unique_ptr<Extractor> NewRulesExtractor() {
  return std::make_unique<RulesExtractor>();
}

}  // namespace lia::analysis
