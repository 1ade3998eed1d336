#include "analysis/salary.h"

#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/types.h"

namespace lia::analysis {
namespace {

using core::Salary;
using core::SalaryPeriod;

// The wire names, spelled here so the test does not depend on core's
// ToString.
std::string_view PeriodName(SalaryPeriod p) {
  switch (p) {
    case SalaryPeriod::kYear:
      return "year";
    case SalaryPeriod::kMonth:
      return "month";
    case SalaryPeriod::kDay:
      return "day";
    case SalaryPeriod::kHour:
      return "hour";
  }
  return "?";
}

std::string Describe(const std::optional<Salary>& s) {
  if (!s.has_value()) return "none";
  return std::to_string(s->min) + "-" + std::to_string(s->max) + " " +
         s->currency + "/" + std::string(PeriodName(s->period));
}

// One row: the text, the locale hint, then the expected salary, written
// "min-max CUR/period" or "none".
struct Case {
  std::string_view text;
  std::string_view hint;
  std::string_view expected;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << "[" << c.text.substr(0, 80) << "] hint=" << c.hint;
}

// ---------------------------------------------------------------------------
// Every salary line of shared/corpus/dev.jsonl, as written.
constexpr Case kCorpusLines[] = {
    {"🔹 Comp: $210k-$250k base + meaningful equity", "",
     "210000-250000 USD/year"},
    {"Comp: $140k-$170k + 1-2% equity.", "", "140000-170000 USD/year"},
    {"• £75,000–£90,000 per annum", "", "75000-90000 GBP/year"},
    {"Base salary up to $260k, plus equity and relocation support.", "",
     "260000-260000 USD/year"},
    {"Comp: 165-185K USD/year + bonus. Full-time.", "",
     "165000-185000 USD/year"},
    {"Rate: $65-75/hr W2", "", "65-75 USD/hour"},
    {"It's remote within the US, full-time, with a salary range of "
     "$120,000 - $140,000/year.",
     "", "120000-140000 USD/year"},
    {"- USD 6,000 - 7,500/month", "", "6000-7500 USD/month"},
    {"- CAD 160k-195k base + RSUs", "", "160000-195000 CAD/year"},
    {"Pays up to $175k + bonus. Let me know!", "", "175000-175000 USD/year"},
    {"Budget is $50/hr, fully remote, flexible hours.", "", "50-50 USD/hour"},
    {"• £650/day", "", "650-650 GBP/day"},
    {"This is an on-site position, as lab work is essential. Salary: "
     "€65.000–€80.000 gross per year, plus 8% holiday allowance.",
     "", "65000-80000 EUR/year"},
    {"Remote across Europe (CET ± 2h). €90k–€120k + equity, depending on "
     "experience.",
     "", "90000-120000 EUR/year"},
    {"Pay is $40/hr. You'd need solid Python and pandas, and ideally some "
     "SQL.",
     "", "40-40 USD/hour"},
    {"Remote in North America, $140k–$160k plus equity, and we work a "
     "4-day week.",
     "", "140000-160000 USD/year"},
    {"100% remote (LATAM), 40h/week, USD 4.5k/month. Spring Boot + AWS.", "",
     "4500-4500 USD/month"},
    {"Salary: $120k-$150k + annual bonus", "", "120000-150000 USD/year"},
    {"Remote within Poland, B2B contract, €6,000–€7,500 net per month.", "",
     "6000-7500 EUR/month"},
    {"Great question! The base range for this role is $160k–$185k, plus "
     "equity and a 10% bonus target.",
     "", "160000-185000 USD/year"},
    {"- €55k brutos anuales + retribución flexible", "",
     "55000-55000 EUR/year"},
    {"Sueldo: $60,000 - $70,000 MXN mensuales netos + prestaciones "
     "superiores a las de ley.",
     "", "60000-70000 MXN/month"},
    {"• Contractor, USD 5.000 mensuales", "", "5000-5000 USD/month"},
    {"💰 ARS 4.5M bruto mensual", "", "4500000-4500000 ARS/month"},
    {"Híbrido en Valencia (2 días de oficina), €50.000 - €58.000 brutos/año, "
     "contrato indefinido a jornada completa.",
     "", "50000-58000 EUR/year"},
    {"Remoto LATAM · contractor · USD 6-8k/mes (podés cobrar en USDT)", "",
     "6000-8000 USD/month"},
    {"Qué tal Diego, buscamos Ingeniero de Datos Jr para un cliente del "
     "sector logístico en Monterrey. Presencial, de 25 a 30 mil pesos "
     "mensuales. Python y SQL.",
     "", "25000-30000 MXN/month"},
    {"- ARS 2.800.000 brutos mensuales", "", "2800000-2800000 ARS/month"},
    {"Hola! El rango es de USD 3.500 a 4.200 mensuales, como contractor.", "",
     "3500-4200 USD/month"},
    {"USD 7-9k/month", "", "7000-9000 USD/month"},
    {"Compensation: 120-150K USD/year", "", "120000-150000 USD/year"},
    {"Salário: R$ 14.000 a R$ 17.000/mês + VR, VA e plano de saúde", "",
     "14000-17000 BRL/month"},
    {"💰 R$ 25 mil a R$ 30 mil por mês, CLT", "", "25000-30000 BRL/month"},
};

// ---------------------------------------------------------------------------
// Formats beyond the corpus, in the three languages.
constexpr Case kFormats[] = {
    // Shared units and multipliers across a range.
    {"$120-150k", "", "120000-150000 USD/year"},
    {"Salary: 120k–150k", "", "120000-150000 USD/year"},
    {"Salary: 90-110k", "", "90000-110000 USD/year"},
    {"$500-1k/day", "", "500-1000 USD/day"},
    {"$150k-$120k", "", "120000-150000 USD/year"},
    {"30-35k€", "", "30000-35000 EUR/year"},
    {"€80-95k", "", "80000-95000 EUR/year"},
    {"between $100k and $120k", "", "100000-120000 USD/year"},
    {"from $100k to $120k", "", "100000-120000 USD/year"},
    {"$100k to $120k", "", "100000-120000 USD/year"},
    {"$100k up to $120k", "", "100000-120000 USD/year"},
    {"between 90 and 110k EUR", "", "90000-110000 EUR/year"},
    {"$8k-$10k USD/month", "", "8000-10000 USD/month"},
    {"$35-45 USD per hour", "", "35-45 USD/hour"},
    {"USD 50-60k/year", "", "50000-60000 USD/year"},
    {"$50K - $60K annually", "", "50000-60000 USD/year"},
    {"TC: $300-400k", "", "300000-400000 USD/year"},
    {"$120k OTE", "", "120000-120000 USD/year"},
    {"~$150k base", "", "150000-150000 USD/year"},
    {"$180K+ base", "", "180000-180000 USD/year"},
    {"The salary is $150,000.", "", "150000-150000 USD/year"},
    {"pays $95k", "", "95000-95000 USD/year"},
    {"$90 an hour", "", "90-90 USD/hour"},
    {"$2,500/mo", "", "2500-2500 USD/month"},
    {"$2.5k per month", "", "2500-2500 USD/month"},
    {"USD5,000/month", "", "5000-5000 USD/month"},
    {"$ 4,000 USD monthly", "", "4000-4000 USD/month"},
    {"monthly salary of $6,000", "", "6000-6000 USD/month"},
    {"hourly rate: $85", "", "85-85 USD/hour"},
    {"$2,000/week", "", "104000-104000 USD/year"},
    {"Pay: 65-75/hr", "", "65-75 USD/hour"},
    {"Rate: $65", "", "65-65 USD/hour"},
    {"Salary: $4,500", "", "4500-4500 USD/month"},
    {"US$ 3.000 por mes", "", "3000-3000 USD/month"},
    {"u$s 2500 mensuales", "", "2500-2500 USD/month"},
    {"U$D 2.800 por mes", "", "2800-2800 USD/month"},
    // Pounds, euros, francs, zloty, rupees...
    {"£500-£600 per day inside IR35", "", "500-600 GBP/day"},
    {"£550 a day", "", "550-550 GBP/day"},
    {"Day rate: £650 (outside IR35)", "", "650-650 GBP/day"},
    {"£45k-£55k + 10% bonus", "", "45000-55000 GBP/year"},
    {"salary from £60k", "", "60000-60000 GBP/year"},
    {"up to £95,000 p.a.", "", "95000-95000 GBP/year"},
    {"£5k pm", "", "5000-5000 GBP/month"},
    {"GBP 70,000 per annum", "", "70000-70000 GBP/year"},
    {"€45/h", "", "45-45 EUR/hour"},
    {"€400–500/day outside IR35", "", "400-500 EUR/day"},
    {"CHF 120'000 - 140'000", "", "120000-140000 CHF/year"},
    {"A$150k + super", "", "150000-150000 AUD/year"},
    {"CA$120,000/year", "", "120000-120000 CAD/year"},
    {"15 000 – 20 000 zł netto", "", "15000-20000 PLN/month"},
    {"₹25 LPA", "", "2500000-2500000 INR/year"},
    {"₹18-25 LPA", "", "1800000-2500000 INR/year"},
    {"Rs. 25,00,000 per annum", "", "2500000-2500000 INR/year"},
    {"Salary 120.000 - 150.000 per year", "ES", "120000-150000 EUR/year"},
    {"Salary: 120k-150k", "GB", "120000-150000 GBP/year"},
    // Spanish.
    {"45€/hora", "", "45-45 EUR/hour"},
    {"Tarifa: 50 € la hora", "", "50-50 EUR/hour"},
    {"60.000 € brutos al año", "", "60000-60000 EUR/year"},
    {"35.000-40.000€ brutos anuales", "", "35000-40000 EUR/year"},
    {"1.800€ netos al mes", "", "1800-1800 EUR/month"},
    {"4,5 mil euros al mes", "", "4500-4500 EUR/month"},
    {"Salario: 45.000 - 50.000 brutos anuales, oficina en Madrid", "",
     "45000-50000 EUR/year"},
    {"hasta USD 5.000 mensuales", "", "5000-5000 USD/month"},
    {"Salario: entre 3.000 y 4.000 USD al mes", "", "3000-4000 USD/month"},
    {"desde USD 3000 hasta USD 4000 por mes", "", "3000-4000 USD/month"},
    {"Ofrecemos $45,000 a $55,000 pesos mensuales", "MX",
     "45000-55000 MXN/month"},
    {"Sueldo de $45,000 - $55,000 mensuales, oficina en CDMX", "",
     "45000-55000 MXN/month"},
    {"Sueldo: $35,000 mensuales", "MX", "35000-35000 MXN/month"},
    {"Sueldo: $35,000 mensuales", "es-MX", "35000-35000 MXN/month"},
    {"Sueldo: $15,000 quincenales", "MX", "30000-30000 MXN/month"},
    {"Sueldo: $15,000 quincenales", "", "30000-30000 MXN/month"},
    {"Sueldo: $4,500 USD al mes", "MX", "4500-4500 USD/month"},
    {"USD 4,500/month, remote from Mexico", "", "4500-4500 USD/month"},
    {"Sueldo: $1.500.000 brutos mensuales", "AR", "1500000-1500000 ARS/month"},
    {"Sueldo bruto $2.000.000 por mes, híbrido en Buenos Aires", "",
     "2000000-2000000 ARS/month"},
    {"sueldo de 4 millones de pesos colombianos", "",
     "4000000-4000000 COP/month"},
    {"COP 8.000.000 mensuales", "", "8000000-8000000 COP/month"},
    {"CLP 2.500.000 líquidos", "", "2500000-2500000 CLP/month"},
    {"S/ 8,000 mensuales", "", "8000-8000 PEN/month"},
    {"MXN 45,000 - 55,000 brutos mensuales", "", "45000-55000 MXN/month"},
    {"2500 dólares mensuales", "", "2500-2500 USD/month"},
    {"El sueldo es de 3.000 USD x mes", "", "3000-3000 USD/month"},
    {"$25 la hora", "", "25-25 USD/hour"},
    // Portuguese.
    {"R$ 8.000,00 por mês", "", "8000-8000 BRL/month"},
    {"Salário de R$ 12 mil a R$ 15 mil + benefícios", "",
     "12000-15000 BRL/month"},
    {"entre R$ 10.000 e R$ 12.000 mensais", "", "10000-12000 BRL/month"},
    {"até R$ 18 mil por mês, PJ", "", "18000-18000 BRL/month"},
    {"Remuneração: R$ 150/hora", "", "150-150 BRL/hour"},
    {"Faixa salarial de 9 a 11 mil reais", "", "9000-11000 BRL/month"},
    {"R$ 180 mil ao ano", "", "180000-180000 BRL/year"},
    {"R$ 240.000 anuais", "", "240000-240000 BRL/year"},
    {"12k BRL/mês", "", "12000-12000 BRL/month"},
    {"R$ 9.500 (CLT) + VR", "", "9500-9500 BRL/month"},
    {"Salário: 14.000 a 17.000", "BR", "14000-17000 BRL/month"},
    {"R$ 120 mil a.a.", "", "120000-120000 BRL/year"},
    {"R$ 90 p/h", "", "90-90 BRL/hour"},
    // Several candidates: the pay keyword, the explicit currency win.
    {"Bonus: $20k. Salary: $150k.", "", "150000-150000 USD/year"},
    {"We closed a $60M Series B last month. Comp: $180k-$220k.", "",
     "180000-220000 USD/year"},
    {"$20k signing bonus and a base of $160k", "", "160000-160000 USD/year"},
    {"Salary $150k, plus a $5k learning budget", "", "150000-150000 USD/year"},
    {"Salary: $130k. In your last role you made 110k.", "",
     "130000-130000 USD/year"},
    {"Team of 12 engineers, founded 2019, salary 90k-100k", "",
     "90000-100000 USD/year"},
    {"Salário: R$ 14.000 + VR de R$ 1.200", "", "14000-14000 BRL/month"},
    {"Rate: $80/hr for a 6-month contract, 40 hours per week", "",
     "80-80 USD/hour"},
    {"Hi there! We're at $20M ARR and growing 3x YoY. Engineers here earn "
     "$180k-$230k.",
     "", "180000-230000 USD/year"},
    {"We are a Series A startup ($15M from Sequoia) paying $150k-$180k.", "",
     "150000-180000 USD/year"},
    {"Compensation: $60-70/hour on W2 or $75-85/hour C2C.", "",
     "60-70 USD/hour"},
    {"O salário é de R$ 6.500 por mês, com vale-refeição de R$ 800.", "",
     "6500-6500 BRL/month"},
    {"We offer 70.000 - 90.000 EUR gross/year. Relocation to Berlin "
     "supported (€5,000 relocation bonus).",
     "", "70000-90000 EUR/year"},
    {"We can go up to 140k for the right person.", "",
     "140000-140000 USD/year"},
    // Currency from a code next to "$", from the text, from the hint.
    {"MXN $40,000", "", "40000-40000 MXN/month"},
    {"CAD $120k base", "", "120000-120000 CAD/year"},
    {"Sueldo: $38.000 - $45.000 brutos mensuales", "", "38000-45000 MXN/month"},
    {"Paga de 40 a 50 mil pesos al mes (CDMX)", "", "40000-50000 MXN/month"},
    {"Hola Pedro, vacante Data Analyst en Santiago, renta líquida "
     "$1.800.000 - $2.200.000 mensuales.",
     "", "1800000-2200000 CLP/month"},
    {"Hola Ana! Buscamos Backend Sr. Remoto desde Argentina. Sueldo: "
     "$3.000.000 a $3.500.000 brutos.",
     "", "3000000-3500000 ARS/month"},
    {"Sueldo: $2.800.000 brutos", "AR", "2800000-2800000 ARS/month"},
    {"Pagamos até 25k/mês PJ", "", "25000-25000 BRL/month"},
    {"Salário: 14.000 a 17.000", "pt", "14000-17000 BRL/month"},
    {"Salário: 14.000 a 17.000", "pt-BR", "14000-17000 BRL/month"},
    {"Salary: 14.000 a 17.000", "pt-PT", "14000-17000 EUR/month"},
    {"Salary: 120k-150k", "es", "120000-150000 USD/year"},
    {"Salary: $120k-$150k", "MX", "120000-150000 USD/year"},
    {"USD 5,000/month (approx. R$ 27.000)", "", "5000-5000 USD/month"},
};

// ---------------------------------------------------------------------------
// Figures that are not a salary.
constexpr Case kTraps[] = {
    {"They've just closed a $60M round and are doubling the eng team.", "",
     "none"},
    {"We're pre-seed ($2.1M raised from great angels).", "", "none"},
    {"We closed a $60M Series B", "", "none"},
    {"Designing services that process $5B in volume", "", "none"},
    {"$3M ARR and growing 3x", "", "none"},
    {"ARR of $800k", "", "none"},
    {"a valuation of $1.2B", "", "none"},
    {"revenue of $900k last year", "", "none"},
    {"levantamos USD 5M en una ronda semilla", "", "none"},
    {"plus 8% holiday allowance", "", "none"},
    {"1-2% equity", "", "none"},
    {"a 10% bonus target", "", "none"},
    {"it's been our policy since 2021", "", "none"},
    {"Software Engineering Intern position for Summer 2025", "", "none"},
    {"Applications close on October 15", "", "none"},
    {"you'll own the patient app used by 2M+ people", "", "none"},
    {"Setting technical direction across 3 squads", "", "none"},
    {"100% remote (LATAM), 40h/week", "", "none"},
    {"a 4-day week (32 hours, full pay)", "", "none"},
    {"It's about 10 hours per week", "", "none"},
    {"roughly a 3-week project, about 60 hours total", "", "none"},
    {"looking for a Senior .NET Developer for a 12-month contract (W2)", "",
     "none"},
    {"a Principal Data Architect on a 6-month contract", "", "none"},
    {"Thursday at 3pm GMT with Dana", "", "none"},
    {"Does Tuesday at 10am PT work for a 30-minute Zoom?", "", "none"},
    {"Consegue às 15h?", "", "none"},
    {"Call at 10:30 to discuss salary", "", "none"},
    {"* 7+ years of C# and .NET Core", "", "none"},
    {"Keystone Staffing Group\n(704) 555-0142", "", "none"},
    {"Rate: call me at 555-0142", "", "none"},
    {"Java 17, Spring Boot, Kafka, AWS", "", "none"},
    {"Zoom link: https://zoom.us/j/84512309876", "", "none"},
    {"Here's the link: "
     "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ1ZjRk.",
     "", "none"},
    {"Competitive salary + equity", "", "none"},
    {"Salary: competitive (top 10% of market)", "", "none"},
    {"Salario a convenir según experiencia", "", "none"},
    {"sueldo en pesos + bono en USD, se charla segun seniority. te "
     "interesaria??",
     "", "none"},
    {"Salário: a combinar", "", "none"},
    {"Buscamos 3 a 5 años de experiencia en Java", "", "none"},
    {"Semana de 4 días (¡los viernes libres!)", "", "none"},
    {"Híbrido: 2 veces por semana en la oficina", "", "none"},
    {"Modelo: híbrido em São Paulo (2x por semana no escritório)", "", "none"},
    {"$1,000 referral bonus", "", "none"},
    {"401k match up to 4%", "", "none"},
    {"Salary review in 2025", "", "none"},
    {"Salary: 24/7 on-call support", "", "none"},
    {"Benefits: $2,000 home office stipend", "", "none"},
    {"Email me at jess@tillerdb.com or call +1 704 555 0142", "", "none"},
    {"Python 3.11, Django 4.2 and React 18", "", "none"},
    {"Version 2.1.3 released on 15.10.2024", "", "none"},
    {"The budget for this project is $5,000 total.", "", "none"},
    {"Preço fechado: R$ 3.000 por projeto", "", "none"},
    {"The range is 140 to 160.", "", "none"},
    {"Sueldo 1.2M", "", "none"},
    {"Sueldo neto: $1.300.000", "", "none"},
    {"We offer a $10,000 annual learning budget", "", "none"},
    {"$2,000 monthly stipend", "", "none"},
    {"Salary: mid six figures", "", "none"},
    {"Our 401k matches 4%", "", "none"},
    {"Team of 12 engineers across 3 countries, 2 offices", "", "none"},
};

// ---------------------------------------------------------------------------
// Whole messages from the corpus.
constexpr Case kMessages[] = {
    {R"(Hi Aisha,

Hope you're well! I'm reaching out because I'm partnering with one of our clients, a fast-growing Series B fintech, on a really exciting hire 👇

🔹 Role: Staff Software Engineer, Payments
🔹 Location: New York, NY (hybrid, 3 days/week in office)
🔹 Comp: $210k-$250k base + meaningful equity
🔹 Type: Full-time, permanent

What you'll work on:
• Designing the ledger and money-movement services that process billions in volume
• Setting technical direction across 3 squads
• Mentoring senior engineers

They've just closed a $60M round and are doubling the eng team this year. Would you be open to a confidential chat?

Best,
Jake Morrison)",
     "", "210000-250000 USD/year"},
    {R"(Good afternoon Sarah,

My name is Anthony and I'm a Technical Recruiter with Keystone Staffing Group. Our client, a leading insurance company in Charlotte, NC, is looking for a Senior .NET Developer for a 12-month contract (W2).

Requirements:
* 7+ years of C# and .NET Core
* SQL Server, stored procedures
* Onsite 3 days a week, remote 2

Rate: $65-75/hr W2

Thanks,
Anthony Russo
Keystone Staffing Group
(704) 555-0142)",
     "", "65-75 USD/hour"},
    {R"(🚀 ¡Hola Agus! Desde Pampa Labs estamos buscando Data Scientist Sr para nuestro equipo de Riesgo Crediticio.

📍 Híbrido: 2 veces por semana en la oficina de Palermo, CABA
💰 ARS 4.5M bruto mensual
🗓️ Semana de 4 días (¡los viernes libres!)
💼 Full time, relación de dependencia)",
     "", "4500000-4500000 ARS/month"},
    {R"(Olá, Rafael! Tudo bem?

Stack: Java, Spring Boot e PostgreSQL
Modelo: híbrido em São Paulo (2x por semana no escritório)
Contratação: CLT
Salário: R$ 14.000 a R$ 17.000/mês + VR, VA e plano de saúde

Posso te enviar mais detalhes?)",
     "", "14000-17000 BRL/month"},
    {R"(Hi Lucas,

I'm on the University Recruiting team at Stripe. We'd like to invite you to apply for our Software Engineering Intern position for Summer 2025.

It's a 12-week, full-time internship based on-site in our Dublin office.

Applications close on October 15 — let me know if you have any questions!)",
     "", "none"},
    {R"(Holaa! como andas? t cuento q tenemos una busqueda para un cliente: Desarrollador Mobile Flutter SSR, 100% remoto, full time en relacion de dependencia. sueldo en pesos + bono en USD, se charla segun seniority. te interesaria?? 😊)",
     "", "none"},
    {R"(Hi Marco,

I'm the co-founder & CEO of Tessellate. We're pre-seed ($2.1M raised from great angels) and building an AI copilot for commercial insurance underwriters.

We work in person in San Francisco, 5 days a week (Hayes Valley office). Comp: $140k-$170k + 1-2% equity.)",
     "", "140000-170000 USD/year"},
};

void ExpectCase(const Case& c) {
  const std::optional<Salary> got = ParseSalary(c.text, c.hint);
  EXPECT_EQ(Describe(got), c.expected) << c;
  if (got.has_value()) {
    EXPECT_LE(got->min, got->max);
    EXPECT_FALSE(got->yearly_usd_min.has_value());
    EXPECT_FALSE(got->yearly_usd_max.has_value());
  }
}

class CorpusLineTest : public testing::TestWithParam<Case> {};
TEST_P(CorpusLineTest, ParsesAsLabelled) { ExpectCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Salary, CorpusLineTest,
                         testing::ValuesIn(kCorpusLines));

class FormatTest : public testing::TestWithParam<Case> {};
TEST_P(FormatTest, ParsesFormat) { ExpectCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Salary, FormatTest, testing::ValuesIn(kFormats));

class TrapTest : public testing::TestWithParam<Case> {};
TEST_P(TrapTest, IsNotASalary) { ExpectCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Salary, TrapTest, testing::ValuesIn(kTraps));

class MessageTest : public testing::TestWithParam<Case> {};
TEST_P(MessageTest, FindsTheOffer) { ExpectCase(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Salary, MessageTest, testing::ValuesIn(kMessages));

// Every message of the published corpus, as the extractor sees it (newest
// message only, no hint).
TEST(SalaryCorpusTest, MatchesEveryDevLabel) {
  std::ifstream in(std::string(LIA_SHARED_DIR) + "/corpus/dev.jsonl");
  if (!in) GTEST_SKIP() << "corpus not found";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(row.is_discarded()) << line;
    std::string expected = "none";
    const nlohmann::json& s = row["expected"]["salary"];
    if (!s.is_null()) {
      expected = std::to_string(s["min"].get<int64_t>()) + "-" +
                 std::to_string(s["max"].get<int64_t>()) + " " +
                 s["currency"].get<std::string>() + "/" +
                 s["period"].get<std::string>();
    }
    EXPECT_EQ(Describe(ParseSalary(row["message"].get<std::string>())),
              expected)
        << row["id"].get<std::string>();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// ---------------------------------------------------------------------------
// Hostile input: each must return (the result is asserted, not the time;
// a quadratic scan would time the test out).

constexpr size_t kTenMegabytes = 10u << 20;

TEST(SalaryHostileTest, TenMegabytesOfDigits) {
  EXPECT_EQ(Describe(ParseSalary(std::string(kTenMegabytes, '7'))), "none");
  EXPECT_EQ(Describe(ParseSalary("$" + std::string(kTenMegabytes, '9'))),
            "none");
}

TEST(SalaryHostileTest, TenMegabytesOfCommas) {
  EXPECT_EQ(Describe(ParseSalary(std::string(kTenMegabytes, ','))), "none");
}

TEST(SalaryHostileTest, OneHundredThousandCommasAroundASalary) {
  const std::string commas(100000, ',');
  EXPECT_EQ(Describe(ParseSalary(commas + " Salary: $120k-$150k " + commas)),
            "120000-150000 USD/year");
  EXPECT_EQ(Describe(ParseSalary("$1" + commas + "000")), "none");
}

TEST(SalaryHostileTest, EndlessThousandsGroupsSaturate) {
  std::string s = "Salary: $1";
  for (int i = 0; i < 200000; ++i) s += ",000";
  EXPECT_EQ(Describe(ParseSalary(s)), "none");
  EXPECT_EQ(Describe(ParseSalary("Salary: €999.999.999.999.999")), "none");
  EXPECT_EQ(Describe(ParseSalary("Salary: $123456789012345678901")), "none");
}

TEST(SalaryHostileTest, AlternatingDigitsAndSeparators) {
  std::string s;
  s.reserve(kTenMegabytes);
  while (s.size() < kTenMegabytes) s += "1,";
  EXPECT_EQ(Describe(ParseSalary(s)), "none");
  std::string t;
  t.reserve(kTenMegabytes);
  while (t.size() < kTenMegabytes) t += "1 ";
  EXPECT_EQ(Describe(ParseSalary(t)), "none");
}

TEST(SalaryHostileTest, TenMegabytesOfWordsAndSymbols) {
  EXPECT_EQ(Describe(ParseSalary(std::string(kTenMegabytes, 'a'))), "none");
  EXPECT_EQ(Describe(ParseSalary(std::string(kTenMegabytes, '$'))), "none");
  std::string euros;
  while (euros.size() < kTenMegabytes) euros += "€ ";
  EXPECT_EQ(Describe(ParseSalary(euros)), "none");
}

TEST(SalaryHostileTest, InvalidUtf8AndNulBytes) {
  const std::string invalid =
      "\xff\xfe Salary: \xc3$120k\x80-$150k \xed\xa0\x80 \xf4\x90\x80\x80";
  EXPECT_EQ(Describe(ParseSalary(invalid)), "120000-150000 USD/year");
  const std::string nul("Salary:\0 $95k\0\0 per year", 25);
  EXPECT_EQ(Describe(ParseSalary(nul)), "95000-95000 USD/year");
  std::string garbage;
  for (int i = 0; i < 1 << 20; ++i) garbage.push_back(static_cast<char>(i));
  EXPECT_EQ(Describe(ParseSalary(garbage)), "none");
}

TEST(SalaryHostileTest, TenMegabytesOfARealMessage) {
  const std::string message =
      "Hi! Comp: $210k-$250k base + equity. They've just closed a $60M "
      "round. Setting direction across 3 squads, 40h/week, since 2021.\n";
  std::string s;
  s.reserve(kTenMegabytes + message.size());
  while (s.size() < kTenMegabytes) s += message;
  EXPECT_EQ(Describe(ParseSalary(s)), "210000-250000 USD/year");
}

// Tokens flow through a fixed window: wherever the offer falls relative
// to the window's edges, the answer is the same.
TEST(SalaryWindowTest, OfferFoundAtEveryOffset) {
  for (int filler = 0; filler < 700; ++filler) {
    std::string s;
    for (int i = 0; i < filler; ++i) s += i % 7 == 0 ? "3 squads, " : "word ";
    s += "Comp: $120k-$150k base + bonus, 40h/week.";
    for (int i = 0; i < 60; ++i) s += " filler";
    ASSERT_EQ(Describe(ParseSalary(s)), "120000-150000 USD/year") << filler;
  }
}

TEST(SalaryHostileTest, EmptyAndTinyInputs) {
  EXPECT_EQ(Describe(ParseSalary("")), "none");
  EXPECT_EQ(Describe(ParseSalary("$")), "none");
  EXPECT_EQ(Describe(ParseSalary("5")), "none");
  EXPECT_EQ(Describe(ParseSalary("k")), "none");
  EXPECT_EQ(Describe(ParseSalary("$5", "zz-??")), "none");
  EXPECT_EQ(Describe(ParseSalary("Rate: $5", "zz-??")), "5-5 USD/hour");
}

// ---------------------------------------------------------------------------
// ToYearlyUsd.

struct YearlyCase {
  int64_t min;
  int64_t max;
  std::string_view currency;
  SalaryPeriod period;
  std::optional<int64_t> yearly_min;
  std::optional<int64_t> yearly_max;
};

std::ostream& operator<<(std::ostream& os, const YearlyCase& c) {
  return os << c.min << "-" << c.max << " " << c.currency << "/"
            << PeriodName(c.period);
}

const YearlyCase kYearlyCases[] = {
    {120000, 150000, "USD", SalaryPeriod::kYear, 120000, 150000},
    {6000, 7500, "EUR", SalaryPeriod::kMonth, 77760, 97200},
    {65, 75, "USD", SalaryPeriod::kHour, 135200, 156000},
    {650, 650, "GBP", SalaryPeriod::kDay, 181610, 181610},
    {4500000, 4500000, "ARS", SalaryPeriod::kMonth, 45900, 45900},
    {14000, 17000, "BRL", SalaryPeriod::kMonth, 30240, 36720},
    {60000, 70000, "MXN", SalaryPeriod::kMonth, 39600, 46200},
    {160000, 195000, "CAD", SalaryPeriod::kYear, 116800, 142350},
    {1, 1, "EUR", SalaryPeriod::kYear, 1, 1},
    {100, 100, "XYZ", SalaryPeriod::kYear, std::nullopt, std::nullopt},
};

class YearlyUsdTest : public testing::TestWithParam<YearlyCase> {};

TEST_P(YearlyUsdTest, ConvertsWithDefaultRates) {
  const YearlyCase& c = GetParam();
  Salary s;
  s.min = c.min;
  s.max = c.max;
  s.currency = std::string(c.currency);
  s.period = c.period;
  ToYearlyUsd(s, ExchangeRates::Default());
  EXPECT_EQ(s.yearly_usd_min, c.yearly_min);
  EXPECT_EQ(s.yearly_usd_max, c.yearly_max);
}

INSTANTIATE_TEST_SUITE_P(Salary, YearlyUsdTest,
                         testing::ValuesIn(kYearlyCases));

TEST(ToYearlyUsdTest, UsesAnnualizationOptions) {
  Salary hourly;
  hourly.min = hourly.max = 65;
  hourly.period = SalaryPeriod::kHour;
  ToYearlyUsd(hourly, ExchangeRates::Default(),
              {.hours_per_year = 2000, .days_per_year = 220});
  EXPECT_EQ(hourly.yearly_usd_min, 130000);
  Salary daily;
  daily.min = daily.max = 500;
  daily.currency = "USD";
  daily.period = SalaryPeriod::kDay;
  ToYearlyUsd(daily, ExchangeRates::Default(),
              {.hours_per_year = 2080, .days_per_year = 200});
  EXPECT_EQ(daily.yearly_usd_max, 100000);
}

TEST(ToYearlyUsdTest, UsesInjectedRatesAndRoundsToNearest) {
  ExchangeRates rates;
  rates.usd_per_unit["ABC"] = 0.5;
  Salary s;
  s.min = 3;
  s.max = 5;
  s.currency = "ABC";
  ToYearlyUsd(s, rates);
  EXPECT_EQ(s.yearly_usd_min, 2);  // 1.5 rounds away from zero.
  EXPECT_EQ(s.yearly_usd_max, 3);  // 2.5 too.
}

TEST(ToYearlyUsdTest, ClearsStaleValuesForUnknownCurrency) {
  Salary s;
  s.currency = "XYZ";
  s.yearly_usd_min = 1;
  s.yearly_usd_max = 2;
  ToYearlyUsd(s, ExchangeRates::Default());
  EXPECT_FALSE(s.yearly_usd_min.has_value());
  EXPECT_FALSE(s.yearly_usd_max.has_value());
}

TEST(ToYearlyUsdTest, SaturatesInsteadOfOverflowing) {
  ExchangeRates rates;
  rates.usd_per_unit["BIG"] = 1e12;
  Salary s;
  s.min = s.max = 1000000000000;
  s.currency = "BIG";
  ToYearlyUsd(s, rates);
  EXPECT_EQ(s.yearly_usd_max, std::numeric_limits<int64_t>::max());
}

TEST(ExchangeRatesTest, DefaultCoversTheDocumentedCurrencies) {
  const ExchangeRates rates = ExchangeRates::Default();
  for (std::string_view code :
       {"USD", "EUR", "GBP", "CAD", "AUD", "BRL", "ARS", "MXN",
        "COP", "CLP", "PEN", "UYU", "CHF", "PLN", "INR", "JPY",
        "SEK", "NOK", "DKK", "CZK", "NZD", "SGD", "ZAR"}) {
    const auto it = rates.usd_per_unit.find(code);
    ASSERT_NE(it, rates.usd_per_unit.end()) << code;
    EXPECT_GT(it->second, 0) << code;
  }
  EXPECT_EQ(rates.usd_per_unit.at("USD"), 1.0);
}

TEST(ParseThenConvertTest, EndToEnd) {
  std::optional<Salary> s = ParseSalary("Rate: $65-75/hr W2");
  ASSERT_TRUE(s.has_value());
  ToYearlyUsd(*s, ExchangeRates::Default());
  EXPECT_EQ(s->yearly_usd_min, 135200);
  EXPECT_EQ(s->yearly_usd_max, 156000);
}

}  // namespace
}  // namespace lia::analysis
