#pragma once

// What LLM calls cost: USD per million input and output tokens, per
// provider and model. A small built-in table of list prices (approximate,
// as published when written: check your provider's page before relying on
// them) is overridable from configuration (LIA_LLM_PRICES).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "llm/provider.h"

namespace lia::llm {

struct Price {
  double input_per_million = 0.0;   // USD per 1 000 000 input tokens.
  double output_per_million = 0.0;  // USD per 1 000 000 output tokens.
};

// A value type; const methods are thread-safe.
class PriceTable {
 public:
  PriceTable() = default;  // Empty: every cost unknown.

  // Common OpenAI and Anthropic models; every Ollama model free ("ollama:*").
  static PriceTable BuiltIn();

  // Sets the price of `model` ("*": any model of `provider` without a
  // price of its own).
  void Set(std::string_view provider, std::string_view model, Price price);

  // The price of `provider`:`model`: its own entry, else the longest entry
  // that is a prefix of it followed by '-', ':' or '@' (so "gpt-4o-mini"
  // prices "gpt-4o-mini-2024-07-18"), else the provider's "*" entry.
  std::optional<Price> Find(std::string_view provider,
                            std::string_view model) const;

  // USD for `usage`, or nullopt when the model has no price.
  std::optional<double> CostUsd(std::string_view provider,
                                std::string_view model,
                                const Usage& usage) const;

  // Adds or replaces entries from text like
  //   "openai:gpt-4o-mini=0.15/0.60, anthropic:claude-3-5-haiku=0.8/4"
  // (provider:model=input/output, USD per million tokens). InvalidArgument
  // naming the bad entry; the table is unchanged then.
  absl::Status Merge(std::string_view text);

  std::size_t size() const { return prices_.size(); }

 private:
  std::map<std::string, Price, std::less<>> prices_;  // "provider:model".
};

}  // namespace lia::llm
