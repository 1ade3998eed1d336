#include "absl/container/flat_hash_map.h"
#include "analysis/internal/doc.h"
#include "analysis/pipeline.h"

namespace lia::analysis {
namespace {

// Function words and frequent recruiting words that are strong evidence of
// one language. Words shared by Spanish and Portuguese ("de", "que", "para")
// are left out: they tell those two apart from English but not from each
// other, so they count for both.
struct LanguageWords {
  absl::flat_hash_map<std::string_view, int> weight_by_word[3];

  LanguageWords() {
    for (std::string_view w :
         {"the",  "and",  "you",    "we",    "are",     "is",     "for",
          "with", "our",  "your",   "would", "hi",      "hello",  "i",
          "im",   "role", "this",   "be",    "it",      "to",     "of",
          "in",   "on",   "thanks", "thank", "looking", "hiring", "team",
          "will", "can",  "let",    "me",    "know",    "great",  "please",
          "what", "if",   "happy",  "best",  "regards", "just"}) {
      weight_by_word[0][w] = 1;
    }
    for (std::string_view w :
         {"el",        "los",         "las",      "y",           "estamos",
          "buscando",  "hola",        "tu",       "te",          "una",
          "nuestro",   "nuestra",     "es",       "gracias",     "muy",
          "tenemos",   "somos",       "soy",      "sueldo",      "puesto",
          "equipo",    "empresa",     "interesa", "interesaria", "busqueda",
          "cliente",   "anos",        "dias",     "semana",      "oficina",
          "remoto",    "hibrido",     "usted",    "como",        "pero",
          "tambien",   "saludos",     "abrazo",   "querés",      "queres",
          "tenes",     "podes",       "charlar",  "llamada",     "cuentas",
          "perfecto",  "dale",        "quedamos", "hablamos",    "mucho",
          "exito",     "ahora",       "lo",       "del",         "al",
          "sobre",     "experiencia", "contigo",  "seguis",      "sera",
          "mensuales", "brutos",      "anuales"}) {
      weight_by_word[1][w] = 2;
    }
    for (std::string_view w :
         {"voce",        "nao",     "esta",        "sao",         "obrigado",
          "obrigada",    "vaga",    "ola",         "oi",          "tudo",
          "bem",         "nosso",   "nossa",       "contratando", "um",
          "uma",         "muito",   "mes",         "salario",     "time",
          "trabalhamos", "estamos", "com",         "os",          "as",
          "na",          "no",      "em",          "do",          "da",
          "dos",         "das",     "ao",          "seu",         "sua",
          "posso",       "pode",    "consegue",    "segue",       "link",
          "aqui",        "sou",     "recrutadora", "recrutador",  "escritorio",
          "semana",      "remoto",  "hibrido",     "bora",        "papo",
          "perfeito",    "tambem",  "entao",       "fico",        "abraco",
          "beneficios",  "modelo"}) {
      weight_by_word[2][w] = 2;
    }
    // Words that are ordinary in Portuguese but rare in Spanish (and the
    // reverse) weigh more: they separate the two.
    for (std::string_view w : {"voce", "nao", "vaga", "obrigado", "obrigada",
                               "ola", "nosso", "nossa", "um", "uma", "sao",
                               "contratando", "tudo", "bem", "escritorio"}) {
      weight_by_word[2][w] = 4;
    }
    for (std::string_view w :
         {"el", "los", "estamos", "buscando", "hola", "gracias", "nuestro",
          "nuestra", "y", "muy", "tenemos", "sueldo", "busqueda", "usted"}) {
      weight_by_word[1][w] = 4;
    }
    // "estamos", "semana", "remoto"... are shared: weigh them for both.
  }
};

}  // namespace

core::Language DetectLanguage(std::string_view text) {
  static const auto* words = new LanguageWords();
  // The first few hundred words decide; the rest adds nothing but time.
  constexpr size_t kMaxBytes = 4096;
  const internal::Doc doc = internal::MakeDoc(text.substr(0, kMaxBytes));
  int score[3] = {0, 0, 0};
  for (size_t i = 0; i < doc.tokens.size(); ++i) {
    const std::string_view w = doc.Text(i);
    for (int lang = 0; lang < 3; ++lang) {
      auto it = words->weight_by_word[lang].find(w);
      if (it != words->weight_by_word[lang].end()) score[lang] += it->second;
    }
  }
  // Spanish and Portuguese are written with marks English lacks.
  if (text.find("\xC2\xBF") != std::string_view::npos) score[1] += 3;  // ¿
  if (text.find("\xC3\xA3") != std::string_view::npos ||               // ã
      text.find("\xC3\xA7\xC3\xA3o") != std::string_view::npos) {      // ção
    score[2] += 3;
  }
  if (text.find("\xC3\xB1") != std::string_view::npos) score[1] += 2;  // ñ
  int best = 0;
  for (int lang = 1; lang < 3; ++lang) {
    if (score[lang] > score[best]) best = lang;
  }
  switch (best) {
    case 1:
      return core::Language::kSpanish;
    case 2:
      return core::Language::kPortuguese;
    default:
      return core::Language::kEnglish;
  }
}

}  // namespace lia::analysis
