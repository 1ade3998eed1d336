#include "analysis/salary.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// How the parser works, in three passes that are each linear:
//
// 1. Fold. The text is folded to lower-case ASCII (accents stripped, dashes
//    and quotes mapped to ASCII, "€" -> " eur ", "£" -> " gbp ", "₹" ->
//    " inr ", "zł" -> "zl"). No-break and thin spaces become kGroupSpace,
//    which separates words but may also group thousands ("10 000").
//    text.h's Fold() is not used: it keeps an origin table this parser does
//    not need and it maps currency symbols to spaces.
// 2. Tokenize. Numbers (with their thousands separators and decimals),
//    words (letters, digits and '$': "r$", "u$s", "k8s") and punctuation
//    runs. URLs and e-mail domains are skipped: their digits are ids. Every
//    word is looked up once in a lexicon that says what roles it plays (pay
//    keyword, currency, multiplier, period, unit...).
// 3. Judge each number. Tokens flow through a fixed window, so memory stays
//    bounded whatever the input size; each number is judged from a few
//    tokens around it: currency before/after, multiplier, range partner,
//    period, and what it counts if not money (hours, people, years, %). The
//    survivors are scored (explicit currency, explicit period, nearness of a
//    pay keyword) and the best few kept; after the whole text is read (so
//    that place names anywhere can settle "$" and "pesos") they are resolved
//    to a currency and a period and checked for plausibility.

namespace lia::analysis {
namespace {

using core::Salary;
using core::SalaryPeriod;

constexpr size_t kNoPos = static_cast<size_t>(-1);

// ---------------------------------------------------------------------------
// Exchange rates (shared by ExchangeRates::Default and the period heuristics).

struct RateEntry {
  std::string_view code;
  double usd_per_unit;
};

// Approximate mid-market rates, 2025.
constexpr RateEntry kDefaultRates[] = {
    {"USD", 1.0},     {"EUR", 1.08},    {"GBP", 1.27},    {"CAD", 0.73},
    {"AUD", 0.66},    {"BRL", 0.18},    {"ARS", 0.00085}, {"MXN", 0.055},
    {"COP", 0.00025}, {"CLP", 0.00105}, {"PEN", 0.27},    {"UYU", 0.025},
    {"CHF", 1.13},    {"PLN", 0.25},    {"INR", 0.012},   {"JPY", 0.0067},
    {"SEK", 0.095},   {"NOK", 0.093},   {"DKK", 0.145},   {"CZK", 0.043},
    {"NZD", 0.60},    {"SGD", 0.75},    {"ZAR", 0.055},   {"HKD", 0.128},
    {"CNY", 0.14},
};

double DefaultUsdPerUnit(std::string_view code) {
  for (const RateEntry& e : kDefaultRates) {
    if (e.code == code) return e.usd_per_unit;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Periods and countries.

// The parser's own period: SalaryPeriod plus the rarer ones it converts.
enum class PayPeriod : int8_t {
  kNone,
  kHour,
  kDay,
  kWeek,       // Reported as a year (x52): Salary has no weekly period.
  kHalfMonth,  // "quincenal": reported as a month (x2).
  kMonth,
  kYear,
};

// The default annualization (AnnualizationOptions), used only to judge
// plausibility and to infer a missing period.
double PeriodsPerYear(PayPeriod p) {
  switch (p) {
    case PayPeriod::kHour:
      return 2080;
    case PayPeriod::kDay:
      return 220;
    case PayPeriod::kWeek:
      return 52;
    case PayPeriod::kHalfMonth:
      return 24;
    case PayPeriod::kMonth:
      return 12;
    case PayPeriod::kNone:
    case PayPeriod::kYear:
      break;
  }
  return 1;
}

// Countries whose names (or labour-law words) in the text settle a currency.
enum class Country : uint8_t {
  kNone,
  kMexico,
  kArgentina,
  kColombia,
  kChile,
  kPeru,
  kUruguay,
  kBrazil,
  kSpain,
  kCount,
};

struct CountryInfo {
  std::string_view currency;
  // Where "$" also means the local peso: the smallest monthly figure that is
  // more likely pesos than US dollars (0: "$" is never the local currency).
  double peso_threshold;
};

constexpr CountryInfo kCountryInfo[] = {
    {"", 0},          // kNone
    {"MXN", 10000},   // kMexico
    {"ARS", 100000},  // kArgentina
    {"COP", 500000},  // kColombia
    {"CLP", 200000},  // kChile
    {"PEN", 0},       // kPeru ("S/" is the sol's sign)
    {"UYU", 15000},   // kUruguay
    {"BRL", 0},       // kBrazil ("R$")
    {"EUR", 0},       // kSpain
};
static_assert(std::size(kCountryInfo) == static_cast<size_t>(Country::kCount));

const CountryInfo& Info(Country c) {
  return kCountryInfo[static_cast<size_t>(c)];
}

bool IsPesoCountry(Country c) { return Info(c).peso_threshold > 0; }

// ---------------------------------------------------------------------------
// Folding.

// A no-break or thin space: white space to the tokenizer, but also a
// thousands separator inside a number ("10 000 zł").
constexpr char kGroupSpace = '\x1f';

// U+00C0..U+00FF and U+0100..U+017F folded to one ASCII letter; '*' marks
// the ligatures that fold to two letters, ' ' the two signs (x, ÷).
constexpr std::string_view kLatin1 =
    "aaaaaa*ceeeeiiiidnooooo ouuuuyt*aaaaaa*ceeeeiiiidnooooo ouuuuyty";
constexpr std::string_view kLatinExtendedA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkklllllll"
    "lllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when the
// bytes there are not valid UTF-8 (overlong, surrogate, truncated...).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  const size_t n = s.size();
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c0 = byte(i);
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (i + 1 >= n || (byte(i + 1) & 0xC0) != 0x80) return 0;
    *cp = ((c0 & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu);
    return 2;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (i + 2 >= n) return 0;
    const unsigned c1 = byte(i + 1);
    const unsigned lo = c0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = c0 == 0xED ? 0x9F : 0xBF;
    if (c1 < lo || c1 > hi || (byte(i + 2) & 0xC0) != 0x80) return 0;
    *cp = ((c0 & 0x0Fu) << 12) | ((c1 & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (i + 3 >= n) return 0;
    const unsigned c1 = byte(i + 1);
    const unsigned lo = c0 == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c0 == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi || (byte(i + 2) & 0xC0) != 0x80 ||
        (byte(i + 3) & 0xC0) != 0x80) {
      return 0;
    }
    *cp = ((c0 & 0x07u) << 18) | ((c1 & 0x3Fu) << 12) |
          ((byte(i + 2) & 0x3Fu) << 6) | (byte(i + 3) & 0x3Fu);
    return 4;
  }
  return 0;
}

// Writes the fold of one code point at `out` (at most 5 bytes) and
// advances it.
void PutFoldedCodePoint(uint32_t cp, char*& out) {
  auto put = [&out](std::string_view s) {
    for (char ch : s) *out++ = ch;
  };
  if (cp >= 0xC0 && cp <= 0x17F) {
    const char c =
        cp <= 0xFF ? kLatin1[cp - 0xC0] : kLatinExtendedA[cp - 0x100];
    if (c != '*') {
      *out++ = c;
    } else if (cp == 0xDF) {
      put("ss");
    } else if (cp == 0xC6 || cp == 0xE6) {
      put("ae");
    } else if (cp == 0x132 || cp == 0x133) {
      put("ij");
    } else {
      put("oe");
    }
    return;
  }
  switch (cp) {
    case 0xA0:
    case 0x2007:
    case 0x2009:
    case 0x202F:
      *out++ = kGroupSpace;
      return;
    case 0xA3:
      put(" gbp ");
      return;
    case 0xA5:
      put(" jpy ");
      return;
    case 0x20AC:
      put(" eur ");
      return;
    case 0x20B9:
      put(" inr ");
      return;
    case 0xAA:
      *out++ = 'a';
      return;
    case 0xB0:
    case 0xBA:
      *out++ = 'o';
      return;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D:
      *out++ = '-';
      return;
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
      *out++ = '\'';
      return;
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
      *out++ = '"';
      return;
    case 0xFE69:
    case 0xFF04:
      *out++ = '$';
      return;
    case 0x2028:
    case 0x2029:
      *out++ = '\n';
      return;
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return;  // Zero-width: nothing.
    default:
      *out++ = ' ';
      return;
  }
}

// How each ASCII byte folds: letters to lower case, CR to LF, other
// control bytes (NUL included) to a space.
constexpr std::array<char, 128> MakeAsciiFold() {
  std::array<char, 128> t{};
  for (int c = 0; c < 128; ++c) {
    char f = static_cast<char>(c);
    if (c >= 'A' && c <= 'Z') f = static_cast<char>(c + ('a' - 'A'));
    if (c == '\r') f = '\n';
    if ((c < 0x20 && c != '\n' && c != '\r') || c == 0x7F) f = ' ';
    t[static_cast<size_t>(c)] = f;
  }
  return t;
}
constexpr std::array<char, 128> kAsciiFold = MakeAsciiFold();

// Lower-case ASCII, one line break character ('\n'), no control bytes
// except kGroupSpace. Invalid UTF-8 bytes and NULs become spaces.
std::string FoldForScan(std::string_view in) {
  // A code point of n bytes folds to at most n bytes, except the 3-byte
  // currency signs ("€" -> " eur "): at most 5 bytes out per 3 in.
  std::string out(in.size() + (in.size() + 2) / 3 * 2 + 8, '\0');
  char* o = out.data();
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      *o++ = kAsciiFold[c];
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(in, i, &cp);
    if (len == 0) {
      *o++ = ' ';
      ++i;
      continue;
    }
    PutFoldedCodePoint(cp, o);
    i += len;
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return out;
}

// ---------------------------------------------------------------------------
// Lexicon: every word the parser cares about, with the roles it plays.

enum Role : uint32_t {
  kPay = 1u << 0,              // salary, sueldo, faixa, rate, budget...
  kRate = 1u << 1,             // rate, tarifa: day/hour contract pay
  kExtra = 1u << 2,            // bonus, equity, stipend: not the salary
  kBudgetQualifier = 1u << 3,  // "learning" budget is an extra
  kFunding = 1u << 4,          // round, raised, ARR, valuation...
  kFiller = 1u << 5,           // gross, brutos, base: amount..period
  kPrep = 1u << 6,             // per, por, al, ao, a, x: before a period
  kArticle = 1u << 7,          // la, el, the: "a la hora"
  kPeriodNoun = 1u << 8,       // hour, mes, ano, annum
  kPeriodShort = 1u << 9,      // h, d, m, y: after '/' only
  kPeriodAdj = 1u << 10,       // monthly, mensuales, anual, hourly
  kPeriodAbbrev = 1u << 11,    // pa, pm, ph, pd
  kConnector = 1u << 12,       // to, a, ate, hasta: ranges
  kPairConnector = 1u << 13,   // and, y, e: ranges after between/entre
  kBetween = 1u << 14,         // between, entre
  kUpTo = 1u << 15,            // hasta, ate, max
  kUnit = 1u << 16,            // hours, years, people: not money
  kAttachedUnit = 1u << 17,    // "40h", "3pm", "10x", "2nd"
  kCurrency = 1u << 18,        // usd, r$, euros, $
  kPesos = 1u << 19,           // pesos: country from context
  kMultiplier = 1u << 20,      // k, mil, m, millones, lakh
  kHugeMultiplier = 1u << 21,  // bn, billion: funding scale
  kPlace = 1u << 22,           // a place that settles a country
  kContract = 1u << 23,        // contract, ir35, b2b: day rates likely
  kStop = 1u << 24,            // plus, and, +: what follows is added
  kNotMoneyBefore = 1u << 25,  // java 17, version 2, suite 400
  kPercentWord = 1u << 26,     // percent, "por ciento"
  kLakhPerAnnum = 1u << 27,    // lpa
  kSpanishPeriod = 1u << 28,   // mes, mensuales: "$" may be a peso
  kProject = 1u << 29,         // "per project": a price, not pay
};

struct Lex {
  std::string_view word;
  uint32_t roles = 0;
  PayPeriod period = PayPeriod::kNone;
  Country country = Country::kNone;
  std::string_view currency;  // ISO code; "$" for the ambiguous dollar sign.
  double multiplier = 0;
};

class Lexicon {
 public:
  Lexicon();

  // nullptr when `word` plays no role. Every word of every message is
  // looked up, so this is an open-addressing hash probe, not a search.
  const Lex* Find(std::string_view word) const {
    if (word.empty() || word.size() > max_len_) return nullptr;
    const uint32_t h = Hash(word);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.entry == 0) return nullptr;
      if (slot.hash == h && entries_[slot.entry - 1].word == word) {
        return &entries_[slot.entry - 1];
      }
    }
  }

 private:
  struct Slot {
    uint32_t hash = 0;
    uint32_t entry = 0;  // Index into entries_ plus one; 0 when empty.
  };

  static uint32_t Hash(std::string_view w) {  // FNV-1a
    uint32_t h = 2166136261u;
    for (char ch : w) {
      h ^= static_cast<unsigned char>(ch);
      h *= 16777619u;
    }
    return h;
  }

  // Words of a space-separated list (the tables below read better so).
  static std::vector<std::string_view> Split(std::string_view list) {
    std::vector<std::string_view> words;
    while (!list.empty()) {
      const size_t space = list.find(' ');
      if (space != 0) words.push_back(list.substr(0, space));
      if (space == std::string_view::npos) break;
      list.remove_prefix(space + 1);
    }
    return words;
  }

  void Add(std::string_view words, uint32_t roles,
           PayPeriod period = PayPeriod::kNone) {
    for (std::string_view w : Split(words)) {
      Lex e;
      e.word = w;
      e.roles = roles;
      e.period = period;
      entries_.push_back(e);
    }
  }
  void AddCurrency(std::string_view words, std::string_view code) {
    for (std::string_view w : Split(words)) {
      Lex e;
      e.word = w;
      e.roles = kCurrency;
      e.currency = code;
      entries_.push_back(e);
    }
  }
  void AddMultiplier(std::string_view words, double multiplier,
                     uint32_t roles = kMultiplier) {
    for (std::string_view w : Split(words)) {
      Lex e;
      e.word = w;
      e.roles = roles;
      e.multiplier = multiplier;
      entries_.push_back(e);
    }
  }
  void AddPlace(std::string_view words, Country c) {
    for (std::string_view w : Split(words)) {
      Lex e;
      e.word = w;
      e.roles = kPlace;
      e.country = c;
      entries_.push_back(e);
    }
  }

  std::vector<Lex> entries_;
  std::vector<Slot> slots_;  // At most half full.
  size_t mask_ = 0;
  size_t max_len_ = 0;
};

Lexicon::Lexicon() {
  // Pay keywords: a figure near one is the offer.
  Add("salary salaries comp compensation compensacion compensacao "
      "pay pays paying budget base range ote tc package paquete "
      "pacote wage wages earn earning earnings sueldo sueldos "
      "salario salarios salarial remuneracion remuneracao rango "
      "banda paga pagamos pagan honorarios retribucion faixa ctc "
      "ganar ganhar ofrecemos oferecemos",
      kPay);
  Add("rate rates tarifa tarifas", kPay | kRate);
  // Extras: a figure tied to one is not the salary.
  Add("bonus bonuses bono bonos bonificacion bonificacao equity "
      "stock stocks rsu rsus options shares signing relocation "
      "reubicacion realocacao stipend stipends allowance "
      "allowances reimbursement reembolso plr vr vale auxilio "
      "ayuda aguinaldo commission commissions comision comisiones "
      "comissao referral perks benefits beneficios prestaciones "
      "voucher vouchers incentive incentives incentivo incentivos "
      "premio premios tokens dividend dividends alimentacao "
      "refeicao",
      kExtra);
  Add("learning training education conference conferences "
      "equipment hardware home office wellness wellbeing gym "
      "travel development books capacitacion formacion educacion "
      "treinamento equipamento setup",
      kBudgetQualifier);
  Add("round raised raise raising funding funded seed series arr "
      "mrr gmv tpv aum valuation valued revenue revenues volume "
      "investment investments invested investors backed financing "
      "ronda levantamos levanto levantaron levantado levantou "
      "inversion inversiones financiacion financiamiento "
      "facturacion facturamos valuacion valoracion rodada captamos "
      "captou captacao investimento investimentos aporte "
      "faturamento faturamos receita fund fondos processed ipo "
      "acquired acquisition grant",
      kFunding);
  // Words allowed between an amount and its period ("€55k brutos anuales").
  Add("gross net brutos bruto bruta brutas brutto netos neto neta "
      "netas netto liquido liquidos liquida liquidas base fixed "
      "fijo fijos fija fijas fixo fixa b2b w2 c2c ctc total aprox "
      "approx approximately aproximadamente around about clt pj "
      "salary sueldo salario before tax taxes pre en mano in hand "
      "de do da of ote",
      kFiller);
  Add("per por pro x a an al ao each every", kPrep);
  Add("la el the", kPrep | kArticle);

  // Periods.
  Add("hour hr hora", kPeriodNoun | kPeriodShort, PayPeriod::kHour);
  Add("day dia jornada", kPeriodNoun | kPeriodShort, PayPeriod::kDay);
  Add("week wk semana", kPeriodNoun | kPeriodShort, PayPeriod::kWeek);
  Add("quincena", kPeriodNoun | kPeriodShort, PayPeriod::kHalfMonth);
  Add("month mo mth mes", kPeriodNoun | kPeriodShort, PayPeriod::kMonth);
  Add("year yr ano annum", kPeriodNoun | kPeriodShort, PayPeriod::kYear);
  Add("h hrs hs", kPeriodShort, PayPeriod::kHour);
  Add("d", kPeriodShort, PayPeriod::kDay);
  Add("w", kPeriodShort, PayPeriod::kWeek);
  Add("m mon", kPeriodShort, PayPeriod::kMonth);
  Add("y yrs", kPeriodShort, PayPeriod::kYear);
  Add("hourly", kPeriodAdj, PayPeriod::kHour);
  Add("daily diario diaria diarios diarias", kPeriodAdj, PayPeriod::kDay);
  Add("weekly semanal semanales semanais", kPeriodAdj, PayPeriod::kWeek);
  Add("quincenal quincenales quinzenal quinzenais", kPeriodAdj,
      PayPeriod::kHalfMonth);
  Add("monthly mensual mensuales mensualmente mensal mensais "
      "mensalmente",
      kPeriodAdj, PayPeriod::kMonth);
  Add("yearly annually annual anual anuales anuais anualmente", kPeriodAdj,
      PayPeriod::kYear);
  Add("mes mensual mensuales mensualmente quincena quincenal quincenales",
      kSpanishPeriod);
  Add("project proyecto projeto", kProject);
  Add("pa", kPeriodAbbrev, PayPeriod::kYear);
  Add("pm", kPeriodAbbrev, PayPeriod::kMonth);
  Add("ph", kPeriodAbbrev, PayPeriod::kHour);
  Add("pd", kPeriodAbbrev, PayPeriod::kDay);

  // Ranges.
  Add("to a al ate hasta through thru", kConnector);
  Add("and y e", kPairConnector | kStop);
  Add("between entre", kBetween);
  Add("hasta ate max maximum maximo upto", kUpTo);
  Add("plus mais con with", kStop);

  // What a figure counts when it is not money.
  Add("hours horas minute minutes mins min minutos seconds "
      "segundos days dias weeks wks semanas months mos meses years "
      "anos yoe people persons personas pessoas users usuarios "
      "customers clientes clients employees empleados funcionarios "
      "colaboradores engineers ingenieros engenheiros developers "
      "desarrolladores desenvolvedores devs squads squad teams "
      "team equipos equipo equipes equipe times members miembros "
      "membros countries paises cities ciudades cidades offices "
      "oficinas escritorios stores tiendas lojas downloads "
      "descargas installs patients pacientes companies empresas "
      "merchants comercios transactions transacciones transacoes "
      "requests events eventos hires positions posiciones roles "
      "openings vacantes vagas vacancies candidates candidatos "
      "students estudiantes alumnos alunos projects proyectos "
      "projetos products productos produtos apps devices "
      "dispositivos robots vehicles vehiculos units unidades sites "
      "markets mercados languages idiomas interviews entrevistas "
      "rounds steps etapas pasos stages sprints gb tb mb ghz ms "
      "fps km kg stars followers lines services servicios servicos "
      "microservices microservicios repos repositories clusters "
      "nodes servers servidores endpoints rps qps seats partners "
      "investors founders reports dias",
      kUnit);
  Add("h hs hr hrs am pm x st nd rd th o y yo yrs yr d w wk wks mo "
      "mos min mins s g gb tb mb km kg px ms fps",
      kAttachedUnit);
  Add("percent pct ciento cento porcento", kPercentWord);

  // Multipliers.
  AddMultiplier("k mil thousand", 1e3);
  AddMultiplier(
      "m mm mn mio mln million millions millon millones milhao "
      "milhoes",
      1e6);
  AddMultiplier("lakh lakhs lac lacs", 1e5);
  AddMultiplier("crore crores", 1e7);
  AddMultiplier("b bn billion billions bilhao bilhoes billon billones", 1e9,
                kHugeMultiplier);
  AddMultiplier("lpa", 1e5, kLakhPerAnnum);

  // Currencies. "$" alone is settled later (US dollar or a local peso).
  AddCurrency("$", "$");
  AddCurrency(
      "usd us$ u$s u$d u$ usd$ $usd $us usdt usdc dollars dollar "
      "dolares dolar dls dlls",
      "USD");
  AddCurrency("eur euro euros", "EUR");
  AddCurrency("gbp libras pounds", "GBP");
  AddCurrency("brl r$ reais", "BRL");
  AddCurrency("ars ar$ $ar $ars ars$", "ARS");
  AddCurrency("mxn mx$ $mxn mxn$ mxp", "MXN");
  AddCurrency("cad ca$ c$ cad$", "CAD");
  AddCurrency("aud a$ au$", "AUD");
  AddCurrency("chf", "CHF");
  AddCurrency("cop col$ cop$ $cop", "COP");
  AddCurrency("clp clp$ $clp", "CLP");
  AddCurrency("pen soles", "PEN");
  AddCurrency("uyu $u $uy", "UYU");
  AddCurrency("inr rs rupees", "INR");
  AddCurrency("pln zl zloty zlotys zlotych", "PLN");
  AddCurrency("jpy yen", "JPY");
  AddCurrency("sek", "SEK");
  AddCurrency("nok", "NOK");
  AddCurrency("dkk", "DKK");
  AddCurrency("czk kc", "CZK");
  AddCurrency("nzd nz$", "NZD");
  AddCurrency("sgd s$", "SGD");
  AddCurrency("zar", "ZAR");
  AddCurrency("hkd hk$", "HKD");
  AddCurrency("cny rmb", "CNY");
  Add("pesos peso", kPesos);

  // Places and labour-law words that settle the country.
  AddPlace(
      "mexico cdmx monterrey guadalajara queretaro puebla polanco "
      "tijuana merida jalisco mexicanos mexicano mexicana",
      Country::kMexico);
  AddPlace(
      "argentina caba aires rosario mendoza cordoba argentinos "
      "argentino",
      Country::kArgentina);
  AddPlace(
      "colombia bogota medellin barranquilla colombianos "
      "colombiano",
      Country::kColombia);
  AddPlace("chile santiago valparaiso chilenos chileno", Country::kChile);
  AddPlace("peru lima arequipa peruanos", Country::kPeru);
  AddPlace("uruguay montevideo uruguayos", Country::kUruguay);
  AddPlace(
      "brasil brazil paulo janeiro curitiba florianopolis campinas "
      "recife clt pj reais vaga",
      Country::kBrazil);
  AddPlace(
      "espana spain madrid barcelona valencia sevilla bilbao "
      "malaga zaragoza",
      Country::kSpain);

  Add("contract contractor contracting freelance freelancer ir35 "
      "b2b c2c w2 pj contratista autonomo",
      kContract);
  Add("java python version v node ios android ros php angular vue "
      "rails ruby scala swift kotlin ecmascript windows ubuntu "
      "postgres postgresql mysql jdk gpt iphone level nivel tier "
      "step phase top iso rfc section suite apt floor piso calle "
      "street avenida rua zip ext tel phone telefono celular "
      "whatsapp ref id req requisition codigo",
      kNotMoneyBefore);

  // Merge the roles of words listed under several headings.
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Lex& a, const Lex& b) { return a.word < b.word; });
  std::vector<Lex> merged;
  merged.reserve(entries_.size());
  for (const Lex& e : entries_) {
    if (merged.empty() || merged.back().word != e.word) {
      merged.push_back(e);
      continue;
    }
    Lex& m = merged.back();
    m.roles |= e.roles;
    if (m.period == PayPeriod::kNone) m.period = e.period;
    if (m.country == Country::kNone) m.country = e.country;
    if (m.currency.empty()) m.currency = e.currency;
    if (m.multiplier == 0) m.multiplier = e.multiplier;
  }
  entries_ = std::move(merged);
  for (const Lex& e : entries_) max_len_ = std::max(max_len_, e.word.size());
  size_t size = 16;
  while (size < 2 * entries_.size()) size *= 2;
  slots_.assign(size, Slot());
  mask_ = size - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const uint32_t h = Hash(entries_[e].word);
    size_t i = h & mask_;
    while (slots_[i].entry != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{h, static_cast<uint32_t>(e + 1)};
  }
}

const Lexicon& GetLexicon() {
  static const Lexicon* const kLexicon = new Lexicon();
  return *kLexicon;
}

// ---------------------------------------------------------------------------
// Tokens.

enum class Kind : uint8_t { kNumber, kWord, kPunct };

struct Token {
  size_t begin = 0;  // Offsets in the folded text.
  size_t end = 0;
  const Lex* lex = nullptr;  // Words: their lexicon entry, if any.
  double value = 0;          // Numbers: as written, before multipliers.
  int digits = 0;            // Numbers: integer digits.
  Kind kind = Kind::kPunct;
  char punct = 0;               // Punctuation: the character (runs merged).
  bool space_before = false;    // White space before it (or text start).
  bool newline_before = false;  // A line break before it.
  bool grouped = false;         // Numbers: had a thousands separator.
  bool fraction = false;        // Numbers: had a decimal part.
  bool leading_zero = false;    // Numbers: "0142".
  bool malformed = false;       // Numbers: version, date, or absurd (>10^13).
};

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsBlank(char c) {
  return c == ' ' || c == '\n' || c == kGroupSpace;
}

// Integer digits kept exactly; beyond this a figure is absurd anyway.
constexpr int kMaxExactDigits = 15;
// A figure with more integer digits than this exceeds 10^12 (not a salary).
constexpr int kMaxSalaryDigits = 13;

class Tokenizer {
 public:
  Tokenizer(std::string_view text, const Lexicon& lexicon)
      : text_(text), lexicon_(lexicon) {}

  // The next token, or false at the end. Every call advances.
  bool Next(Token& tok);

 private:
  bool AtUrl() const {
    const std::string_view rest = text_.substr(pos_, 8);
    return rest.starts_with("http://") || rest.starts_with("https://") ||
           rest.starts_with("www.");
  }
  void SkipNonBlank() {
    while (pos_ < text_.size() && !IsBlank(text_[pos_])) ++pos_;
  }
  // After a space-grouped thousands group ("10 000"): the number must end
  // here, or "$65-75 100% remote" would read as 75,100.
  bool SpaceGroupEndsAt(size_t q) const {
    if (q >= text_.size()) return true;
    const char c = text_[q];
    if (IsBlank(c) || IsLower(c)) return true;
    if (c == ',' || c == '.' || c == ';' || c == ':' || c == ')') {
      return q + 1 >= text_.size() || !IsDigit(text_[q + 1]);
    }
    return false;
  }
  void ScanNumber(Token& tok);
  void ScanWord(Token& tok);

  std::string_view text_;
  const Lexicon& lexicon_;
  size_t pos_ = 0;
};

bool Tokenizer::Next(Token& tok) {
  const size_t n = text_.size();
  bool space = pos_ == 0;
  bool newline = false;
  while (pos_ < n) {
    const char c = text_[pos_];
    if (c == ' ' || c == kGroupSpace) {
      space = true;
      ++pos_;
    } else if (c == '\n') {
      space = newline = true;
      ++pos_;
    } else if ((c == 'h' || c == 'w') && AtUrl()) {
      SkipNonBlank();  // A link: its digits are ids, not money.
      space = true;
    } else {
      break;
    }
  }
  if (pos_ >= n) return false;
  tok = Token();
  tok.begin = pos_;
  tok.space_before = space;
  tok.newline_before = newline;
  const char c = text_[pos_];
  if (IsDigit(c)) {
    ScanNumber(tok);
  } else if (IsLower(c) || c == '$') {
    ScanWord(tok);
  } else {
    tok.kind = Kind::kPunct;
    tok.punct = c;
    size_t p = pos_ + 1;
    while (p < n && text_[p] == c) ++p;  // ",,,,," is one token.
    pos_ = p;
    if (c == '@') SkipNonBlank();  // An e-mail domain or a handle.
  }
  tok.end = pos_;
  return true;
}

// Reads "120", "120,000", "65.000", "2.800.000", "4.5", "4,5",
// "120,000.50", "65.000,00", "25,00,000" (lakh grouping), "120'000",
// "10 000". A group of exactly three digits after a separator groups
// thousands; another separator is a decimal point. A second decimal part
// ("1.2.3", "15.10.2024") or a group of the wrong size marks the figure
// malformed. Digit runs of any length are consumed in one pass.
void Tokenizer::ScanNumber(Token& tok) {
  const size_t n = text_.size();
  size_t p = pos_;
  double value = 0;
  int digits = 0;
  auto take = [&](char d) {
    if (digits < kMaxExactDigits) value = value * 10 + (d - '0');
    if (digits < std::numeric_limits<int>::max()) ++digits;
  };
  while (p < n && IsDigit(text_[p])) take(text_[p++]);
  const size_t first_len = p - pos_;
  tok.leading_zero = first_len > 1 && text_[pos_] == '0';
  char thousands = 0;
  bool fraction = false;
  bool malformed = false;
  while (p + 1 < n) {
    const char sep = text_[p];
    if (sep != '.' && sep != ',' && sep != '\'' && sep != ' ' &&
        sep != kGroupSpace) {
      break;
    }
    if (!IsDigit(text_[p + 1])) break;
    size_t q = p + 1;
    while (q < n && IsDigit(text_[q])) ++q;
    const size_t len = q - p - 1;
    const bool space_sep = sep == ' ' || sep == kGroupSpace;
    if (!fraction && len == 3 &&
        (thousands == sep || (thousands == 0 && first_len <= 3)) &&
        (!space_sep || SpaceGroupEndsAt(q))) {
      for (size_t k = p + 1; k < q; ++k) take(text_[k]);
      thousands = sep;
      p = q;
      continue;
    }
    if (!fraction && sep == ',' && len == 2 && q < n && text_[q] == ',' &&
        (thousands == 0 || thousands == ',')) {
      for (size_t k = p + 1; k < q; ++k) take(text_[k]);  // 25,00,000
      thousands = ',';
      p = q;
      continue;
    }
    if (space_sep || sep == '\'') break;
    if (!fraction && sep != thousands) {
      double scale = 0.1;
      for (size_t k = p + 1; k < q && k < p + 7; ++k) {
        value += (text_[k] - '0') * scale;
        scale /= 10;
      }
      fraction = true;
      p = q;
      continue;
    }
    malformed = true;  // "1.2.3", "15.10.2024", "1,000,00"
    p = q;
  }
  tok.kind = Kind::kNumber;
  tok.value = value;
  tok.digits = digits;
  tok.grouped = thousands != 0;
  tok.fraction = fraction;
  tok.malformed = malformed || digits > kMaxSalaryDigits;
  pos_ = p;
}

// Letters, digits and '$': "usd", "r$", "u$s", "k8s", "b2b". A '$' ends
// the word before a digit ("r$14.000"), and so does a currency code
// ("usd5000").
void Tokenizer::ScanWord(Token& tok) {
  const size_t n = text_.size();
  size_t p = pos_;
  bool dollar = false;
  bool digit_seen = false;
  while (p < n) {
    const char c = text_[p];
    if (IsLower(c)) {
      ++p;
    } else if (c == '$') {
      dollar = true;
      ++p;
    } else if (IsDigit(c) && !dollar) {
      if (!digit_seen && p - pos_ >= 3) {
        const Lex* lex = lexicon_.Find(text_.substr(pos_, p - pos_));
        if (lex != nullptr && (lex->roles & kCurrency)) break;
      }
      digit_seen = true;
      ++p;
    } else {
      break;
    }
  }
  tok.kind = Kind::kWord;
  tok.lex = lexicon_.Find(text_.substr(pos_, p - pos_));
  pos_ = p;
}

// ---------------------------------------------------------------------------
// Candidates.

struct CurrencyRef {
  std::string_view code;  // ISO code, "$" for a bare dollar sign, or empty.
  bool pesos = false;     // "pesos" with no country of its own.

  // How specific the mention is: an ISO code beats "pesos" beats "$".
  int Rank() const {
    if (!code.empty() && code != "$") return 3;
    if (pesos) return 2;
    return code == "$" ? 1 : 0;
  }
};

struct Candidate {
  double low = 0;  // After multipliers.
  double high = 0;
  CurrencyRef currency;
  PayPeriod period = PayPeriod::kNone;  // As stated; kNone when inferred later.
  bool k_style = false;         // Written "120k": an anglophone convention.
  bool spanish_period = false;  // "mensuales", "al mes": LATAM usage.
  bool rate_keyword = false;    // Right after "rate"/"tarifa".
  int score = 0;
  size_t position = 0;
};

// Where text everywhere points: place names, "pesos", contract words, the
// first explicit currency code.
struct DocContext {
  std::array<int, static_cast<size_t>(Country::kCount)> country_hits{};
  bool pesos = false;
  bool contract = false;
  std::string_view first_code;

  Country TextCountry() const {
    Country best = Country::kNone;
    int hits = 0;
    for (size_t i = 1; i < country_hits.size(); ++i) {
      if (country_hits[i] > hits) {
        hits = country_hits[i];
        best = static_cast<Country>(i);
      }
    }
    return best;
  }
};

struct Hint {
  Country country = Country::kNone;
  std::string_view currency;  // Local currency of the hinted country.
};

struct MultiplierRead {
  double factor = 1;
  bool huge = false;     // Billions: funding, never pay.
  bool k_style = false;  // "k"/"K".
  bool lpa = false;      // Lakhs per annum (India): also sets INR/year.
};

// One pass over one folded text: Run() reads it, Best() answers. Not
// thread-safe; one instance per ParseSalary call.
class Scanner {
 public:
  Scanner(std::string_view text, const Lexicon& lexicon)
      : text_(text), lexicon_(lexicon) {}

  void Run();

  // The best candidate that resolves to a plausible salary.
  std::optional<Salary> Best(const Hint& hint) const;

 private:
  // Tokens flow through a window of kWindow; each number is judged when
  // kLookahead tokens after it (or the end) have been read, with up to
  // kLookbehind tokens before it still held. Evaluate() reads at most ~40
  // tokens ahead and ~10 behind, so the window's edges never change an
  // answer (SalaryWindowTest checks it).
  static constexpr size_t kWindow = 256;
  static constexpr size_t kLookahead = 48;
  static constexpr size_t kLookbehind = 16;
  static constexpr size_t kMaxCandidates = 8;

  const Token* At(size_t i) const {
    // i may have wrapped below zero: then i - base_ is huge.
    if (i < base_ || i - base_ >= window_.size()) return nullptr;
    return &window_[i - base_];
  }
  std::string_view Text(const Token& t) const {
    return text_.substr(t.begin, t.end - t.begin);
  }
  bool IsWord(const Token* t, std::string_view w) const {
    return t != nullptr && t->kind == Kind::kWord && Text(*t) == w;
  }
  static bool HasRole(const Token* t, uint32_t roles) {
    return t != nullptr && t->kind == Kind::kWord && t->lex != nullptr &&
           (t->lex->roles & roles) != 0;
  }
  static bool IsPunct(const Token* t, char c) {
    return t != nullptr && t->kind == Kind::kPunct && t->punct == c;
  }

  void Advance(bool at_end);
  void Process(size_t i);
  void Evaluate(size_t k);
  void Keep(const Candidate& c);

  bool ReadCurrencyBefore(size_t k, CurrencyRef& cur, size_t& first) const;
  void ReadCurrencyAfter(size_t& j, CurrencyRef& cur) const;
  MultiplierRead ReadMultiplier(size_t& j) const;
  size_t ReadPartner(size_t j, bool between, CurrencyRef& cur) const;
  PayPeriod ReadPeriod(size_t& j, bool strong, bool* spanish = nullptr) const;
  PayPeriod PeriodAt(size_t p, bool strong, size_t& next) const;
  bool TrapAt(size_t i, bool strong) const;
  bool FollowedBy(size_t j, uint32_t roles, int max_tokens) const;

  std::string_view text_;
  const Lexicon& lexicon_;
  std::vector<Token> window_;
  size_t base_ = 0;           // Absolute index of window_[0].
  size_t next_ = 0;           // Next absolute index to process.
  size_t consumed_ = kNoPos;  // Last token used by an accepted range.

  // Ends (folded offsets) of the latest keywords processed.
  size_t last_pay_end_ = kNoPos;
  bool last_pay_rate_ = false;
  size_t last_extra_end_ = kNoPos;
  size_t last_funding_end_ = kNoPos;

  DocContext doc_;
  std::array<Candidate, kMaxCandidates> candidates_;
  size_t candidate_count_ = 0;
};

void Scanner::Run() {
  Tokenizer tokenizer(text_, lexicon_);
  window_.reserve(kWindow);
  Token tok;
  while (tokenizer.Next(tok)) {
    window_.push_back(tok);
    if (window_.size() >= kWindow) Advance(/*at_end=*/false);
  }
  Advance(/*at_end=*/true);
}

void Scanner::Advance(bool at_end) {
  const size_t limit = base_ + window_.size() -
                       (at_end ? 0 : std::min(kLookahead, window_.size()));
  for (; next_ < limit; ++next_) Process(next_);
  if (at_end || next_ < base_ + kLookbehind) return;
  const size_t keep_from = next_ - kLookbehind;
  window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(
                                                       keep_from - base_));
  base_ = keep_from;
}

void Scanner::Process(size_t i) {
  const Token& t = *At(i);
  if (t.kind == Kind::kNumber) {
    Evaluate(i);
    return;
  }
  if (t.kind != Kind::kWord || t.lex == nullptr) return;
  const Lex& lex = *t.lex;
  if (lex.roles & kPay) {
    // "learning budget", "home office budget": a perk, not the pay.
    if (lex.word == "budget" && HasRole(At(i - 1), kBudgetQualifier)) {
      last_extra_end_ = t.end;
    } else {
      last_pay_end_ = t.end;
      last_pay_rate_ = (lex.roles & kRate) != 0;
    }
  }
  if (lex.roles & kExtra) last_extra_end_ = t.end;
  if (lex.roles & kFunding) last_funding_end_ = t.end;
  if (lex.roles & kPlace) ++doc_.country_hits[static_cast<size_t>(lex.country)];
  if (lex.roles & kPesos) doc_.pesos = true;
  if (lex.roles & kContract) doc_.contract = true;
  if ((lex.roles & kCurrency) && doc_.first_code.empty() &&
      lex.currency != "$") {
    doc_.first_code = lex.currency;
  }
}

// "USD 5.000", "$120k", "R$ 14.000", "us $120k", "S/ 8,000", "S/. 8,000".
bool Scanner::ReadCurrencyBefore(size_t k, CurrencyRef& cur,
                                 size_t& first) const {
  const Token* t = At(k - 1);
  if (t == nullptr) return false;
  if (HasRole(t, kCurrency)) {
    cur.code = t->lex->currency;
    first = k - 1;
    // "us $120k", "MXN $40,000", "CAD $120k": the word before settles "$".
    const Token* w = At(k - 2);
    if (cur.code == "$" && !t->newline_before && w != nullptr) {
      if (IsWord(w, "us")) {
        cur.code = "USD";
        first = k - 2;
      } else if (HasRole(w, kCurrency) && w->lex->currency != "$") {
        cur.code = w->lex->currency;
        first = k - 2;
      }
    }
    return true;
  }
  size_t slash = kNoPos;
  if (IsPunct(t, '/')) {
    slash = k - 1;
  } else if (IsPunct(t, '.') && IsPunct(At(k - 2), '/')) {
    slash = k - 2;
  }
  if (slash != kNoPos && !At(slash)->space_before &&
      IsWord(At(slash - 1), "s")) {
    cur.code = "PEN";
    first = slash - 1;
    return true;
  }
  return false;
}

// "5000 USD", "65.000 eur", "30 mil pesos", "4 millones de pesos
// colombianos". Keeps the more specific of `cur` and what it finds.
void Scanner::ReadCurrencyAfter(size_t& j, CurrencyRef& cur) const {
  size_t i = j;
  const Token* t = At(i);
  if (IsWord(t, "de") && HasRole(At(i + 1), kCurrency | kPesos)) t = At(++i);
  if (t == nullptr || t->newline_before) return;
  CurrencyRef found;
  if (HasRole(t, kCurrency)) {
    // A '$' right before a digit starts the next amount ("5k - $6k").
    if (t->lex->currency == "$") {
      const Token* u = At(i + 1);
      if (u != nullptr && u->kind == Kind::kNumber && !u->space_before) return;
    }
    found.code = t->lex->currency;
    ++i;
  } else if (HasRole(t, kPesos)) {
    found.pesos = true;
    ++i;
    const Token* q = At(i);
    if (q != nullptr && !q->newline_before && HasRole(q, kPlace) &&
        IsPesoCountry(q->lex->country)) {
      found.code = Info(q->lex->country).currency;  // "pesos mexicanos"
      ++i;
    }
  } else {
    return;
  }
  if (found.Rank() > cur.Rank()) cur = found;
  j = i;
}

MultiplierRead Scanner::ReadMultiplier(size_t& j) const {
  MultiplierRead m;
  const Token* t = At(j);
  if (t == nullptr || t->newline_before || t->lex == nullptr) return m;
  const Lex& lex = *t->lex;
  if (lex.roles & kHugeMultiplier) {
    m.huge = true;
    ++j;
    return m;
  }
  if (lex.roles & kLakhPerAnnum) {
    m.factor = lex.multiplier;
    m.lpa = true;
    ++j;
    return m;
  }
  if (!(lex.roles & kMultiplier)) return m;
  // "mil millones": a thousand million.
  if (lex.word == "mil" && HasRole(At(j + 1), kMultiplier) &&
      At(j + 1)->lex->multiplier >= 1e6) {
    m.huge = true;
    j += 2;
    return m;
  }
  m.factor = lex.multiplier;
  m.k_style = lex.word == "k";
  ++j;
  return m;
}

// The second figure of a range starting with the connector at j: "-",
// "~", "to", "a", "até", "hasta", "up to", or "and"/"y"/"e" after
// "between"/"entre"; an optional currency; then a number on the same line.
// Returns its index or kNoPos.
size_t Scanner::ReadPartner(size_t j, bool between, CurrencyRef& cur) const {
  const Token* t = At(j);
  if (t == nullptr || t->newline_before) return kNoPos;
  size_t i = j;
  if (IsPunct(t, '-') || IsPunct(t, '~')) {
    ++i;
  } else if (HasRole(t, kConnector) ||
             (between && HasRole(t, kPairConnector))) {
    ++i;
  } else if (IsWord(t, "up") && IsWord(At(j + 1), "to")) {
    i += 2;
  } else {
    return kNoPos;
  }
  const Token* u = At(i);
  if (u != nullptr && !u->newline_before && HasRole(u, kCurrency)) {
    cur.code = u->lex->currency;
    ++i;
  } else if (IsWord(u, "s") && IsPunct(At(i + 1), '/')) {
    cur.code = "PEN";
    i += IsPunct(At(i + 2), '.') ? 3 : 2;
  }
  const Token* n2 = At(i);
  if (n2 == nullptr || n2->kind != Kind::kNumber || n2->malformed ||
      n2->leading_zero || n2->newline_before) {
    return kNoPos;
  }
  return i;
}

// A period at p, without fillers. `strong` (an explicit currency or a
// multiplier) admits the loose forms: "pm", "pa", "USD 5000 mes".
PayPeriod Scanner::PeriodAt(size_t p, bool strong, size_t& next) const {
  const Token* t = At(p);
  if (t == nullptr || t->newline_before) return PayPeriod::kNone;
  if (IsPunct(t, '/')) {  // "/hr", "/mês", "/ year", "/anual"
    const Token* w = At(p + 1);
    if (w != nullptr && !w->newline_before &&
        HasRole(w, kPeriodNoun | kPeriodShort | kPeriodAdj)) {
      next = p + 2;
      return w->lex->period;
    }
    return PayPeriod::kNone;
  }
  if (t->kind != Kind::kWord) return PayPeriod::kNone;
  const std::string_view word = Text(*t);
  if (word == "p" || word == "a") {
    // "p/h", "p/mes"; "p.a.", "p.m.", "a.a." (ao ano).
    const Token* s = At(p + 1);
    const Token* w = At(p + 2);
    if (s == nullptr || s->space_before || w == nullptr || w->space_before) {
      // Not an abbreviation; "a" may still be a preposition below.
    } else if (word == "p" && IsPunct(s, '/') &&
               HasRole(w, kPeriodNoun | kPeriodShort)) {
      next = p + 3;
      return w->lex->period;
    } else if (IsPunct(s, '.') && w->kind == Kind::kWord) {
      const std::string_view what = Text(*w);
      PayPeriod per = PayPeriod::kNone;
      if (what == "a") per = PayPeriod::kYear;
      if (word == "p" && what == "m") per = PayPeriod::kMonth;
      if (word == "p" && what == "h") per = PayPeriod::kHour;
      if (word == "p" && what == "d") per = PayPeriod::kDay;
      if (per != PayPeriod::kNone) {
        next = p + 3;
        const Token* dot = At(p + 3);
        if (IsPunct(dot, '.') && !dot->space_before) ++next;
        return per;
      }
    }
  }
  if (t->lex == nullptr) return PayPeriod::kNone;
  const Lex& lex = *t->lex;
  if (lex.roles & kPeriodAdj) {
    next = p + 1;
    return lex.period;
  }
  if ((lex.roles & kPeriodAbbrev) && strong && t->space_before) {
    next = p + 1;
    return lex.period;
  }
  if (lex.roles & kPrep) {  // "per annum", "al mes", "a la hora", "x mes"
    size_t q = p + 1;
    const Token* w = At(q);
    if (HasRole(w, kArticle) && !(lex.roles & kArticle)) w = At(++q);
    if (w != nullptr && !w->newline_before && HasRole(w, kPeriodNoun)) {
      next = q + 1;
      return w->lex->period;
    }
  }
  if (lex.roles & kPeriodNoun) {
    if (HasRole(At(p + 1), kRate) || strong) {  // "day rate", "USD 5000 mes"
      next = HasRole(At(p + 1), kRate) ? p + 2 : p + 1;
      return lex.period;
    }
  }
  return PayPeriod::kNone;
}

// A period after up to four fillers: "gross per year", "brutos anuales",
// "net per month", "(gross, per annum)". Advances j only on success.
PayPeriod Scanner::ReadPeriod(size_t& j, bool strong, bool* spanish) const {
  size_t p = j;
  for (int f = 0; f < 4; ++f) {
    const Token* t = At(p);
    if (t == nullptr || t->newline_before) break;
    if (HasRole(t, kFiller) || IsPunct(t, ',') || IsPunct(t, '(')) {
      ++p;
    } else {
      break;
    }
  }
  size_t next = 0;
  PayPeriod per = PeriodAt(p, strong, next);
  if (per == PayPeriod::kNone && p != j) per = PeriodAt(j, strong, next);
  if (per == PayPeriod::kNone) return per;
  if (spanish != nullptr && HasRole(At(next - 1), kSpanishPeriod)) {
    *spanish = true;
  }
  j = next;
  return per;
}

// True when the token at i shows the figure before it counts something
// other than money: "%", "40h", "3pm", "10:30", "24/7", "12-month",
// "7+ years", "3 squads", "por ciento".
bool Scanner::TrapAt(size_t i, bool strong) const {
  const Token* t = At(i);
  if (t == nullptr) return false;
  const Token* u = At(i + 1);
  if (t->kind == Kind::kPunct) {
    switch (t->punct) {
      case '%':
        return true;
      case ':':
      case '/':
        return !t->space_before && u != nullptr && u->kind == Kind::kNumber &&
               !u->space_before;
      case '-':
        return !t->space_before && u != nullptr && !u->space_before &&
               HasRole(u, kUnit | kPeriodNoun);
      case '+':
        return HasRole(u, kUnit) || (!strong && HasRole(u, kPeriodNoun));
      default:
        return false;
    }
  }
  if (t->kind != Kind::kWord || t->lex == nullptr) return false;
  const uint32_t roles = t->lex->roles;
  if (!t->space_before && (roles & kAttachedUnit)) return true;
  if (roles & (kUnit | kPercentWord)) return true;
  if ((roles & kPeriodNoun) && !strong) return true;
  const std::string_view word = Text(*t);
  return (word == "por" || word == "per") && HasRole(u, kPercentWord);
}

// True when a word with one of `roles` follows within max_tokens, before a
// line break, a clause mark, a "+"/"plus"/"and" or a pay keyword.
bool Scanner::FollowedBy(size_t j, uint32_t roles, int max_tokens) const {
  for (int n = 0; n < max_tokens; ++n) {
    const Token* t = At(j + static_cast<size_t>(n));
    if (t == nullptr || t->newline_before) return false;
    if (t->kind == Kind::kPunct) {
      if (t->punct == '(' || t->punct == '-') continue;
      return false;
    }
    if (HasRole(t, roles)) return true;
    if (HasRole(t, kStop | kPay)) return false;
  }
  return false;
}

double LogRatio(double a, double b) {
  if (a <= 0 || b <= 0) return std::numeric_limits<double>::infinity();
  return std::fabs(std::log(a / b));
}

bool IsYearLike(const Token& t, double factor) {
  return t.digits == 4 && !t.grouped && !t.fraction && factor == 1 &&
         t.value >= 1900 && t.value <= 2100;
}

void Scanner::Evaluate(size_t k) {
  const Token& n1 = *At(k);
  if (n1.malformed) return;
  if (consumed_ != kNoPos && k <= consumed_) return;
  // The second figure of "X-Y" was judged with X ("555-0142", "1-2%").
  const Token* prev = At(k - 1);
  if (!n1.newline_before &&
      (IsPunct(prev, '-') || IsPunct(prev, '~') || IsPunct(prev, '/'))) {
    const Token* before = At(k - 2);
    if (before != nullptr &&
        (before->kind == Kind::kNumber || HasRole(before, kMultiplier))) {
      return;
    }
  }

  Candidate c;
  c.position = n1.begin;
  size_t first = k;
  if (!n1.newline_before) ReadCurrencyBefore(k, c.currency, first);

  // Words just before the amount, on its line.
  bool between = false;
  bool up_to = false;
  bool not_money = false;
  bool id_like = false;
  PayPeriod period_before = PayPeriod::kNone;
  {
    const Token* inner = At(first);
    for (size_t back = 1; back <= 5 && !inner->newline_before; ++back) {
      const Token* t = At(first - back);
      if (t == nullptr) break;
      if (t->kind == Kind::kWord && t->lex != nullptr) {
        const uint32_t roles = t->lex->roles;
        if (roles & kBetween) between = true;
        if (roles & kUpTo) up_to = true;
        if (Text(*t) == "to" && IsWord(At(first - back - 1), "up")) {
          up_to = true;
        }
        if ((roles & kPeriodAdj) && period_before == PayPeriod::kNone) {
          period_before = t->lex->period;
        }
        if (back == 1 && (roles & kNotMoneyBefore)) not_money = true;
      }
      if (back == 1 && first == k && !n1.space_before &&
          (IsPunct(t, '+') || IsPunct(t, '#'))) {
        id_like = true;  // "+1 704...", "#4521"
      }
      inner = t;
    }
  }

  // The first figure.
  size_t j = k + 1;
  const MultiplierRead m1 = ReadMultiplier(j);
  if (m1.huge) return;
  if (n1.value == 401 && m1.k_style && !n1.grouped) return;  // 401(k)
  if (IsPunct(At(j), '+') && !At(j)->space_before) ++j;      // "150k+"
  const size_t after_first = j;
  ReadCurrencyAfter(j, c.currency);
  bool strong = c.currency.Rank() > 0 || m1.factor > 1;
  PayPeriod period = ReadPeriod(j, strong, &c.spanish_period);

  // The range partner, if any.
  double low = n1.value * m1.factor;
  double high = low;
  bool range = false;
  bool k_style = m1.k_style;
  bool lpa = m1.lpa;
  size_t after_second = kNoPos;
  const Token* n2 = nullptr;
  CurrencyRef cur2;
  size_t n2_index = ReadPartner(j, between, cur2);
  if (n2_index != kNoPos) {
    n2 = At(n2_index);
    size_t j2 = n2_index + 1;
    const MultiplierRead m2 = ReadMultiplier(j2);
    if (m2.huge) return;  // "$1-2B"
    double v1 = n1.value * m1.factor;
    double v2 = n2->value * m2.factor;
    // One shared multiplier: "$120-150k", "de 25 a 30 mil". Applied to the
    // bare end when that brings the two ends closer ("$500-1k" stays).
    if (m1.factor == 1 && m2.factor > 1) {
      const double alt = n1.value * m2.factor;
      if (LogRatio(alt, v2) < LogRatio(v1, v2)) v1 = alt;
    } else if (m2.factor == 1 && m1.factor > 1) {
      const double alt = n2->value * m1.factor;
      if (LogRatio(v1, alt) < LogRatio(v1, v2)) v2 = alt;
    }
    if (v1 > 0 && v2 > 0 && v2 * 1000 >= v1 && v1 * 1000 >= v2) {
      range = true;
      low = v1;
      high = v2;
      k_style = k_style || m2.k_style;
      lpa = lpa || m2.lpa;
      j = j2;
      if (IsPunct(At(j), '+') && !At(j)->space_before) ++j;
      after_second = j;
      consumed_ = j - 1;  // The partner is part of this expression.
      if (cur2.Rank() > c.currency.Rank()) c.currency = cur2;
      ReadCurrencyAfter(j, c.currency);
      strong = strong || c.currency.Rank() > 0 || m2.factor > 1;
      const PayPeriod p2 = ReadPeriod(j, strong, &c.spanish_period);
      if (p2 != PayPeriod::kNone) period = p2;
    } else {
      n2 = nullptr;
    }
  }
  if (period == PayPeriod::kNone) period = period_before;
  if (lpa) {
    if (period == PayPeriod::kNone) period = PayPeriod::kYear;
    if (c.currency.Rank() < 3) c.currency.code = "INR";
  }
  strong = strong || c.currency.Rank() > 0;

  // What the figure counts, if not money.
  if (TrapAt(after_first, strong)) return;
  if (range && TrapAt(after_second, strong)) return;

  // "$5,000 total", "R$ 3.000 por projeto": a price for the work.
  if (period == PayPeriod::kNone) {
    const Token* t = At(j);
    if (IsWord(t, "total") || HasRole(t, kProject) ||
        (HasRole(t, kPrep) && HasRole(At(j + 1), kProject))) {
      return;
    }
  }

  const bool explicit_currency = c.currency.Rank() > 0;
  const size_t begin = At(first)->begin;
  auto distance = [begin](size_t end) {
    if (end == kNoPos) return kNoPos;
    return end > begin ? 0 : begin - end;
  };
  const size_t pay_distance = distance(last_pay_end_);
  const bool pay_after = FollowedBy(j, kPay, 2);

  // Funding: "closed a $60M round", "$2.1M raised", "ARR of $5M".
  if (last_funding_end_ != kNoPos && distance(last_funding_end_) <= 20 &&
      (last_pay_end_ == kNoPos || last_funding_end_ > last_pay_end_)) {
    return;
  }
  if (FollowedBy(j, kFunding, 4)) return;
  // Extras: "bonus of $10k", "$20k signing bonus", "$5k learning budget".
  if (last_extra_end_ != kNoPos && distance(last_extra_end_) <= 30 &&
      (last_pay_end_ == kNoPos || last_extra_end_ > last_pay_end_)) {
    return;
  }
  if (FollowedBy(j, kExtra | kBudgetQualifier, 3)) return;

  if (!explicit_currency) {
    // A bare figure is pay only with a period ("65-75/hr") or right after
    // a pay keyword with money-like size ("Salary: 120-150k").
    if (not_money || id_like || n1.leading_zero) return;
    if (n1.digits >= 7 && !n1.grouped) return;  // ids, phone numbers
    if (IsYearLike(n1, m1.factor) && (n2 == nullptr || IsYearLike(*n2, 1))) {
      return;
    }
    const bool near_pay = pay_distance <= 60 || pay_after || up_to;
    // Without a period a small bare range could be hours or thousands
    // ("The range is 140 to 160"); only a rate keyword settles it.
    const bool sized = m1.factor > 1 || n1.grouped || high >= 1000 ||
                       (range && last_pay_rate_);
    if (period == PayPeriod::kNone && !(near_pay && sized)) return;
  }

  // A small figure with neither a period nor a pay keyword is a price or a
  // count ("$1", "a $5 voucher"), not pay.
  if (period == PayPeriod::kNone && high < 100 && pay_distance > 120 &&
      !pay_after) {
    return;
  }

  int score = 0;
  if (explicit_currency) score += 5;
  if (period != PayPeriod::kNone) score += 3;
  if (range) score += 1;
  if (m1.factor > 1 || n1.grouped || high >= 1000) score += 1;
  if (up_to) score += 1;
  if (pay_distance <= 40) {
    score += 6;
  } else if (pay_distance <= 120) {
    score += 4;
  } else if (pay_distance <= 400) {
    score += 1;
  }
  if (pay_after) score += 3;

  c.low = low;
  c.high = high;
  c.period = period;
  c.k_style = k_style;
  c.rate_keyword = last_pay_rate_ && pay_distance <= 60;
  c.score = score;
  Keep(c);
}

void Scanner::Keep(const Candidate& c) {
  if (candidate_count_ < kMaxCandidates) {
    candidates_[candidate_count_++] = c;
    return;
  }
  // Replace the weakest (the later one on ties).
  size_t worst = 0;
  for (size_t i = 1; i < kMaxCandidates; ++i) {
    if (candidates_[i].score <= candidates_[worst].score) worst = i;
  }
  if (c.score > candidates_[worst].score) candidates_[worst] = c;
}

// ---------------------------------------------------------------------------
// Resolution: currency, period, plausibility.

// Whether a figure written with a bare "$" is in the local peso rather than
// US dollars: peso salaries are much larger numbers. A "k" figure with no
// period ("$120k") is read as dollars, the convention of English postings.
bool LooksLocal(const Candidate& c, Country country) {
  const double t = Info(country).peso_threshold;
  if (t <= 0) return false;
  switch (c.period) {
    case PayPeriod::kNone:
      return !c.k_style && c.high >= t;
    case PayPeriod::kMonth:
      return c.high >= t;
    case PayPeriod::kHalfMonth:
      return c.high >= t / 2;
    case PayPeriod::kWeek:
      return c.high >= t / 4;
    case PayPeriod::kYear:
      return c.high >= 30 * t;
    case PayPeriod::kDay:
      return c.high * PeriodsPerYear(PayPeriod::kDay) > 5e5;
    case PayPeriod::kHour:
      return c.high * PeriodsPerYear(PayPeriod::kHour) > 5e5;
  }
  return false;
}

// The default period when none is stated, from the size of the figure in
// US dollars (default rates):
//   < 300            hour   ("$50", "£45": hourly rates)
//   300 .. 1,500     day when a rate keyword or a contract in GBP/EUR/CHF
//                    says so ("£650, outside IR35"), else month
//   1,500 .. 20,000  month  ("USD 4,500", "R$ 14.000", "ARS 2.800.000",
//                    "$60,000 MXN": monthly pay in LATAM)
//   >= 20,000        year   ("$120k", "€90k", "CAD 160k")
PayPeriod InferPeriod(double high_usd, bool day_rate_context) {
  if (high_usd < 300) return PayPeriod::kHour;
  if (high_usd < 1500)
    return day_rate_context ? PayPeriod::kDay : PayPeriod::kMonth;
  if (high_usd < 20000) return PayPeriod::kMonth;
  return PayPeriod::kYear;
}

bool IsDayRateCurrency(std::string_view code) {
  return code == "GBP" || code == "EUR" || code == "CHF";
}

SalaryPeriod ToSalaryPeriod(PayPeriod p) {
  switch (p) {
    case PayPeriod::kHour:
      return SalaryPeriod::kHour;
    case PayPeriod::kDay:
      return SalaryPeriod::kDay;
    case PayPeriod::kMonth:
    case PayPeriod::kHalfMonth:
      return SalaryPeriod::kMonth;
    case PayPeriod::kNone:
    case PayPeriod::kWeek:
    case PayPeriod::kYear:
      break;
  }
  return SalaryPeriod::kYear;
}

std::optional<Salary> Resolve(const Candidate& c, const DocContext& doc,
                              const Hint& hint) {
  const Country text_country = doc.TextCountry();
  Country peso_country = Country::kNone;
  if (IsPesoCountry(hint.country)) {
    peso_country = hint.country;
  } else if (IsPesoCountry(text_country)) {
    peso_country = text_country;
  } else if (doc.pesos) {
    peso_country = Country::kMexico;
  }

  std::string_view code;
  switch (c.currency.Rank()) {
    case 3:
      code = c.currency.code;
      break;
    case 2:
      code =
          Info(peso_country == Country::kNone ? Country::kMexico : peso_country)
              .currency;
      break;
    case 1:
      if (peso_country != Country::kNone) {
        code = doc.pesos || LooksLocal(c, peso_country)
                   ? Info(peso_country).currency
                   : "USD";
      } else if (const double monthly =
                     c.period == PayPeriod::kHalfMonth ? 2 * c.high : c.high;
                 c.spanish_period && monthly >= 20000 && monthly < 200000) {
        // "$45.000 mensuales" with no country: tens of thousands a month
        // is a Mexican peso salary, never a US-dollar one.
        code = "MXN";
      } else {
        code = "USD";
      }
      break;
    default:
      if (!hint.currency.empty()) {
        code = IsPesoCountry(hint.country) && !LooksLocal(c, hint.country)
                   ? "USD"
                   : hint.currency;
      } else if (!doc.first_code.empty()) {
        code = doc.first_code;
      } else if (IsPesoCountry(text_country)) {
        code =
            LooksLocal(c, text_country) ? Info(text_country).currency : "USD";
      } else if (text_country != Country::kNone) {
        code = Info(text_country).currency;
      } else {
        code = "USD";
      }
      break;
  }

  double low = c.low;
  double high = c.high;
  PayPeriod period = c.period;
  if (period == PayPeriod::kWeek) {
    low *= 52;
    high *= 52;
    period = PayPeriod::kYear;
  } else if (period == PayPeriod::kHalfMonth) {
    low *= 2;
    high *= 2;
    period = PayPeriod::kMonth;
  }
  if (low > high) std::swap(low, high);
  const double rate = DefaultUsdPerUnit(code);
  if (period == PayPeriod::kNone) {
    period = InferPeriod(
        high * (rate > 0 ? rate : 1),
        c.rate_keyword || (doc.contract && IsDayRateCurrency(code)));
  }
  // Yearly US dollars outside [300, 5M] is not a salary: a typo, a price,
  // or funding that escaped the keyword checks.
  if (rate > 0) {
    const double yearly = high * PeriodsPerYear(period) * rate;
    if (yearly < 300 || yearly > 5e6) return std::nullopt;
    // No currency, or a bare "$", and over a million dollars a year: the
    // figure is in some other currency ("Sueldo 1.2M", "$1.300.000" are
    // pesos of an unknown country), so no answer.
    if (c.currency.Rank() <= 1 && code == "USD" && yearly > 1e6) {
      return std::nullopt;
    }
  }
  if (!(high <= 1e12)) return std::nullopt;
  Salary s;
  s.min = std::llround(low);
  s.max = std::llround(high);
  if (s.min < 1) return std::nullopt;
  s.currency = std::string(code);
  s.period = ToSalaryPeriod(period);
  return s;
}

std::optional<Salary> Scanner::Best(const Hint& hint) const {
  // Highest score first, the earlier one on ties; at most kMaxCandidates.
  std::array<bool, kMaxCandidates> tried{};
  for (size_t round = 0; round < candidate_count_; ++round) {
    size_t best = kNoPos;
    for (size_t i = 0; i < candidate_count_; ++i) {
      if (tried[i]) continue;
      const Candidate& c = candidates_[i];
      if (best == kNoPos || c.score > candidates_[best].score ||
          (c.score == candidates_[best].score &&
           c.position < candidates_[best].position)) {
        best = i;
      }
    }
    tried[best] = true;
    std::optional<Salary> s = Resolve(candidates_[best], doc_, hint);
    if (s.has_value()) return s;
  }
  return std::nullopt;
}

// "MX", "mx", "es-MX", "pt_BR" -> the country and its currency.
// An ISO 3166 country code is expected; see the lower-case exceptions.
Hint ParseHint(std::string_view locale_hint) {
  const size_t sep = locale_hint.find_last_of("-_");
  if (sep != std::string_view::npos) locale_hint.remove_prefix(sep + 1);
  if (locale_hint.size() != 2) return {};
  // Lower-case "pt" and "es" are language codes, not Portugal and Spain:
  // Portuguese pay without a currency is Brazilian; Spanish says nothing.
  if (locale_hint == "pt") return {Country::kBrazil, "BRL"};
  if (locale_hint == "es") return {};
  char cc[2];
  for (size_t i = 0; i < 2; ++i) {
    const char ch = locale_hint[i];
    cc[i] = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
  }
  const std::string_view code(cc, 2);
  struct Entry {
    std::string_view iso;
    Country country;
    std::string_view currency;
  };
  static constexpr Entry kHints[] = {
      {"MX", Country::kMexico, "MXN"},   {"AR", Country::kArgentina, "ARS"},
      {"CO", Country::kColombia, "COP"}, {"CL", Country::kChile, "CLP"},
      {"PE", Country::kPeru, "PEN"},     {"UY", Country::kUruguay, "UYU"},
      {"BR", Country::kBrazil, "BRL"},   {"ES", Country::kSpain, "EUR"},
      {"US", Country::kNone, "USD"},     {"GB", Country::kNone, "GBP"},
      {"UK", Country::kNone, "GBP"},     {"CA", Country::kNone, "CAD"},
      {"AU", Country::kNone, "AUD"},     {"NZ", Country::kNone, "NZD"},
      {"CH", Country::kNone, "CHF"},     {"PL", Country::kNone, "PLN"},
      {"IN", Country::kNone, "INR"},     {"JP", Country::kNone, "JPY"},
      {"SE", Country::kNone, "SEK"},     {"NO", Country::kNone, "NOK"},
      {"DK", Country::kNone, "DKK"},     {"CZ", Country::kNone, "CZK"},
      {"SG", Country::kNone, "SGD"},     {"ZA", Country::kNone, "ZAR"},
      {"DE", Country::kNone, "EUR"},     {"FR", Country::kNone, "EUR"},
      {"IT", Country::kNone, "EUR"},     {"NL", Country::kNone, "EUR"},
      {"PT", Country::kNone, "EUR"},     {"IE", Country::kNone, "EUR"},
      {"BE", Country::kNone, "EUR"},     {"AT", Country::kNone, "EUR"},
      {"FI", Country::kNone, "EUR"},     {"GR", Country::kNone, "EUR"},
      {"LU", Country::kNone, "EUR"},     {"SK", Country::kNone, "EUR"},
      {"SI", Country::kNone, "EUR"},     {"EE", Country::kNone, "EUR"},
      {"LV", Country::kNone, "EUR"},     {"LT", Country::kNone, "EUR"},
      {"HR", Country::kNone, "EUR"},     {"MT", Country::kNone, "EUR"},
      {"CY", Country::kNone, "EUR"},
  };
  for (const Entry& e : kHints) {
    if (e.iso == code) return {e.country, e.currency};
  }
  return {};
}

}  // namespace

ExchangeRates ExchangeRates::Default() {
  ExchangeRates rates;
  for (const RateEntry& e : kDefaultRates) {
    rates.usd_per_unit.emplace(std::string(e.code), e.usd_per_unit);
  }
  return rates;
}

std::optional<core::Salary> ParseSalary(std::string_view text,
                                        std::string_view locale_hint) {
  const std::string folded = FoldForScan(text);
  Scanner scanner(folded, GetLexicon());
  scanner.Run();
  return scanner.Best(ParseHint(locale_hint));
}

void ToYearlyUsd(core::Salary& salary, const ExchangeRates& rates,
                 const AnnualizationOptions& options) {
  salary.yearly_usd_min.reset();
  salary.yearly_usd_max.reset();
  const auto it = rates.usd_per_unit.find(salary.currency);
  if (it == rates.usd_per_unit.end() || !std::isfinite(it->second)) return;
  double factor = 1;
  switch (salary.period) {
    case SalaryPeriod::kYear:
      factor = 1;
      break;
    case SalaryPeriod::kMonth:
      factor = 12;
      break;
    case SalaryPeriod::kDay:
      factor = options.days_per_year;
      break;
    case SalaryPeriod::kHour:
      factor = options.hours_per_year;
      break;
  }
  const double usd_per_unit = it->second;
  // Saturates instead of overflowing on absurd inputs or rates.
  auto convert = [&](int64_t amount) -> int64_t {
    const double x = static_cast<double>(amount) * factor * usd_per_unit;
    constexpr double kLimit = 9.2e18;
    if (!(x < kLimit)) return std::numeric_limits<int64_t>::max();
    if (!(x > -kLimit)) return std::numeric_limits<int64_t>::min();
    return std::llround(x);
  };
  salary.yearly_usd_min = convert(salary.min);
  salary.yearly_usd_max = convert(salary.max);
}

}  // namespace lia::analysis
