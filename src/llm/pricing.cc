#include "llm/pricing.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lia::llm {
namespace {

std::string Key(std::string_view provider, std::string_view model) {
  return absl::StrCat(absl::string_view(provider.data(), provider.size()), ":",
                      absl::string_view(model.data(), model.size()));
}

bool ParsePrice(std::string_view text, double& out) {
  std::string trimmed(
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  return absl::SimpleAtod(trimmed, &out) && std::isfinite(out) && out >= 0.0;
}

}  // namespace

PriceTable PriceTable::BuiltIn() {
  PriceTable table;
  // USD per million tokens, input then output.
  const std::pair<const char*, Price> kPrices[] = {
      {"openai:gpt-4o-mini", {0.15, 0.60}},
      {"openai:gpt-4o", {2.50, 10.00}},
      {"openai:gpt-4.1", {2.00, 8.00}},
      {"openai:gpt-4.1-mini", {0.40, 1.60}},
      {"openai:gpt-4.1-nano", {0.10, 0.40}},
      {"openai:gpt-3.5-turbo", {0.50, 1.50}},
      {"openai:o3-mini", {1.10, 4.40}},
      {"openai:o4-mini", {1.10, 4.40}},
      {"anthropic:claude-3-haiku", {0.25, 1.25}},
      {"anthropic:claude-3-5-haiku", {0.80, 4.00}},
      {"anthropic:claude-haiku-4-5", {1.00, 5.00}},
      {"anthropic:claude-3-5-sonnet", {3.00, 15.00}},
      {"anthropic:claude-3-7-sonnet", {3.00, 15.00}},
      {"anthropic:claude-sonnet-4", {3.00, 15.00}},
      {"anthropic:claude-sonnet-4-5", {3.00, 15.00}},
      {"anthropic:claude-3-opus", {15.00, 75.00}},
      {"anthropic:claude-opus-4", {15.00, 75.00}},
      {"ollama:*", {0.0, 0.0}},
  };
  for (const auto& [key, price] : kPrices) table.prices_[key] = price;
  return table;
}

void PriceTable::Set(std::string_view provider, std::string_view model,
                     Price price) {
  prices_[Key(provider, model)] = price;
}

std::optional<Price> PriceTable::Find(std::string_view provider,
                                      std::string_view model) const {
  const std::string key = Key(provider, model);
  if (auto it = prices_.find(key); it != prices_.end()) return it->second;
  // Entries sort before their extensions, so walk back from where `key`
  // would go: the first prefix met is the longest.
  const std::string provider_prefix = Key(provider, "");
  for (auto it = prices_.lower_bound(key); it != prices_.begin();) {
    --it;
    const std::string& candidate = it->first;
    if (candidate.compare(0, provider_prefix.size(), provider_prefix) != 0) {
      break;
    }
    if (candidate.size() < key.size() &&
        key.compare(0, candidate.size(), candidate) == 0) {
      const char next = key[candidate.size()];
      if (next == '-' || next == ':' || next == '@') return it->second;
    }
  }
  if (auto it = prices_.find(Key(provider, "*")); it != prices_.end()) {
    return it->second;
  }
  return std::nullopt;
}

std::optional<double> PriceTable::CostUsd(std::string_view provider,
                                          std::string_view model,
                                          const Usage& usage) const {
  std::optional<Price> price = Find(provider, model);
  if (!price) return std::nullopt;
  return (static_cast<double>(usage.input_tokens) * price->input_per_million +
          static_cast<double>(usage.output_tokens) *
              price->output_per_million) /
         1e6;
}

absl::Status PriceTable::Merge(std::string_view text) {
  std::vector<std::pair<std::string, Price>> parsed;
  for (absl::string_view entry :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',',
                      absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::string shown(entry);
    auto bad = [&shown](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("price entry \"", shown,
                       "\": ", absl::string_view(why.data(), why.size()),
                       " (expected provider:model=input/output, USD per "
                       "million tokens)"));
    };
    const std::size_t eq = entry.rfind('=');
    if (eq == absl::string_view::npos) return bad("no '='");
    absl::string_view key = absl::StripAsciiWhitespace(entry.substr(0, eq));
    const std::size_t colon = key.find(':');
    if (colon == absl::string_view::npos || colon == 0 ||
        colon + 1 == key.size()) {
      return bad("no provider:model before '='");
    }
    std::vector<absl::string_view> numbers =
        absl::StrSplit(entry.substr(eq + 1), '/');
    Price price;
    if (numbers.size() != 2 ||
        !ParsePrice(std::string_view(numbers[0].data(), numbers[0].size()),
                    price.input_per_million) ||
        !ParsePrice(std::string_view(numbers[1].data(), numbers[1].size()),
                    price.output_per_million)) {
      return bad("prices must be two non-negative numbers as input/output");
    }
    std::string normalized = absl::AsciiStrToLower(key.substr(0, colon));
    absl::StrAppend(&normalized, key.substr(colon));
    parsed.emplace_back(std::move(normalized), price);
  }
  for (auto& [key, price] : parsed) prices_[std::move(key)] = price;
  return absl::OkStatus();
}

}  // namespace lia::llm
