// The salary parser alone: arbitrary bytes -> analysis::ParseSalary ->
// ToYearlyUsd -> core::ToJson (strict UTF-8). Byte 0 picks the locale hint,
// the rest is the text, so a corpus seed of mode byte 0 + message text is a
// message with no hint.
//
// Fails (aborts) when min > max (salary.h: "min <= max always"), the yearly
// figures are out of order, or the JSON is not valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/salary.h"
#include "core/json.h"
#include "core/types.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

namespace {

constexpr std::string_view kLocaleHints[] = {"",   "US", "MX", "AR", "BR",
                                             "CO", "CL", "ES", "GB", "CA",
                                             "PT", "DE", "x",  "??"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const lia::analysis::ExchangeRates rates =
      lia::analysis::ExchangeRates::Default();
  if (size == 0) return 0;
  const std::string_view hint = kLocaleHints[data[0] % std::size(kLocaleHints)];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1,
                              size - 1);

  std::optional<lia::core::Salary> salary =
      lia::analysis::ParseSalary(text, hint);
  if (!salary) return 0;
  LIA_FUZZ_CHECK(
      salary->min <= salary->max,
      std::to_string(salary->min) + " > " + std::to_string(salary->max));
  lia::analysis::ToYearlyUsd(*salary, rates);
  if (salary->yearly_usd_min && salary->yearly_usd_max) {
    LIA_FUZZ_CHECK(*salary->yearly_usd_min <= *salary->yearly_usd_max,
                   std::to_string(*salary->yearly_usd_min) + " > " +
                       std::to_string(*salary->yearly_usd_max));
  }
  const std::string out = lia::core::ToJson(*salary).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::strict);
  LIA_FUZZ_CHECK(!out.empty(), "empty JSON");
  return 0;
}
