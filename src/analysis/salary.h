#pragma once

// The salary parser: finds the pay a recruiter offers in English, Spanish or
// Portuguese text, and converts it to a yearly USD figure.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace lia::analysis {

// Units of a currency per one US dollar is awkward to read; this table says
// how many US dollars one unit is worth ("EUR" -> 1.08).
struct ExchangeRates {
  std::map<std::string, double, std::less<>> usd_per_unit;

  // The built-in table (approximate mid-market rates; configurable because
  // they drift). Covers at least USD EUR GBP CAD AUD BRL ARS MXN COP CLP PEN
  // UYU CHF PLN INR JPY SEK NOK DKK CZK NZD SGD ZAR.
  static ExchangeRates Default();
};

// How pay periods convert to a year: 2,080 working hours, 220 working days,
// 12 months.
struct AnnualizationOptions {
  int hours_per_year = 2080;  // Default 2080 (40 h x 52 weeks).
  int days_per_year = 220;    // Default 220 working days.
};

// Finds the salary offered in `text` (raw UTF-8, as written). Handles ranges
// ("$120k-$150k", "de 25 a 30 mil pesos", "R$ 14.000 a R$ 17.000"), single
// figures, "up to"/"hasta"/"até", k/K/M/"mil"/"millones", both "." and "," as
// thousands separators, symbols and codes ($, US$, USD, €, £, R$, ARS, MXN,
// BRL, CAD...), periods per hour/day/month/year in all three languages ("/hr",
// "por mes", "mensuales", "/mês", "per annum", "brutos anuales"...).
// Not a salary: funding ("$60M round", "$2.1M raised"), percentages, years,
// head counts, hours per week, durations. "Competitive" or "a convenir" is no
// figure. When several figures are offered the one nearest a pay keyword
// wins. `locale_hint` helps resolve "$" and "pesos" (an ISO country code such
// as "MX", "AR", "BR", "US", or empty). min <= max always; the yearly USD
// fields are left unset (see ToYearlyUsd). Linear in the size of `text`.
std::optional<core::Salary> ParseSalary(std::string_view text,
                                        std::string_view locale_hint = "");

// Fills salary.yearly_usd_min/max from the rates; leaves them unset when the
// currency is not in the table.
void ToYearlyUsd(core::Salary& salary, const ExchangeRates& rates,
                 const AnnualizationOptions& options = {});

}  // namespace lia::analysis
