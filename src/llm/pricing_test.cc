#include "llm/pricing.h"

#include <gtest/gtest.h>

namespace lia::llm {
namespace {

TEST(PriceTableTest, BuiltInPricesCommonModelsAndFreeOllama) {
  const PriceTable table = PriceTable::BuiltIn();
  std::optional<Price> mini = table.Find("openai", "gpt-4o-mini");
  ASSERT_TRUE(mini.has_value());
  EXPECT_DOUBLE_EQ(mini->input_per_million, 0.15);
  EXPECT_DOUBLE_EQ(mini->output_per_million, 0.60);
  std::optional<Price> llama = table.Find("ollama", "llama3.1:8b");
  ASSERT_TRUE(llama.has_value());
  EXPECT_DOUBLE_EQ(llama->input_per_million, 0.0);
  EXPECT_FALSE(table.Find("openai", "my-finetune").has_value());
  EXPECT_FALSE(table.Find("openrouter", "gpt-4o-mini").has_value());
}

TEST(PriceTableTest, DatedAndAliasedModelsTakeTheLongestPrefix) {
  const PriceTable table = PriceTable::BuiltIn();
  struct Case {
    const char* provider;
    const char* model;
    double input;
  } cases[] = {
      {"openai", "gpt-4o-mini-2024-07-18", 0.15},
      {"openai", "gpt-4o-2024-08-06", 2.50},
      {"openai", "gpt-4.1-mini-2025-04-14", 0.40},
      {"openai", "gpt-4.1-2025-04-14", 2.00},
      {"anthropic", "claude-3-5-haiku-latest", 0.80},
      {"anthropic", "claude-3-5-haiku-20241022", 0.80},
      {"anthropic", "claude-sonnet-4-20250514", 3.00},
  };
  for (const Case& c : cases) {
    std::optional<Price> price = table.Find(c.provider, c.model);
    ASSERT_TRUE(price.has_value()) << c.model;
    EXPECT_DOUBLE_EQ(price->input_per_million, c.input) << c.model;
  }
  // "gpt-4o" is no price for "gpt-4oz": a prefix must end at '-', ':', '@'.
  EXPECT_FALSE(table.Find("openai", "gpt-4oz").has_value());
}

TEST(PriceTableTest, CostIsTokensTimesPricePerMillion) {
  const PriceTable table = PriceTable::BuiltIn();
  Usage usage{.input_tokens = 1'000'000, .output_tokens = 500'000};
  EXPECT_DOUBLE_EQ(*table.CostUsd("openai", "gpt-4o-mini", usage), 0.15 + 0.30);
  EXPECT_DOUBLE_EQ(*table.CostUsd("ollama", "qwen2.5", usage), 0.0);
  EXPECT_FALSE(table.CostUsd("openai", "unknown", usage).has_value());
}

TEST(PriceTableTest, MergeOverridesAndAdds) {
  PriceTable table = PriceTable::BuiltIn();
  const std::size_t before = table.size();
  ASSERT_TRUE(table
                  .Merge(" openai:gpt-4o-mini = 1/2 , OpenRouter:meta/llama:"
                         "free=0/0,ollama:big-model=0.5/0.5")
                  .ok());
  EXPECT_EQ(table.size(), before + 2);
  EXPECT_DOUBLE_EQ(table.Find("openai", "gpt-4o-mini")->output_per_million,
                   2.0);
  EXPECT_TRUE(table.Find("openrouter", "meta/llama:free").has_value());
  EXPECT_DOUBLE_EQ(table.Find("ollama", "big-model")->input_per_million, 0.5);
}

TEST(PriceTableTest, MergeRejectsBadEntriesWithoutChangingTheTable) {
  const char* bad[] = {"openai:gpt-4o-mini", "gpt-4o-mini=1/2",
                       "openai:=1/2",        "openai:x=1",
                       "openai:x=-1/2",      "openai:x=a/b",
                       "openai:x=1/2/3",     "openai:y=1/1,openai:x=nan/1"};
  for (const char* text : bad) {
    PriceTable table;
    absl::Status status = table.Merge(text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(table.size(), 0u) << text;
  }
}

}  // namespace
}  // namespace lia::llm
