#include "app/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace lia::app {
namespace {

TEST(ConfigTest, EmptyConfigKeepsDefaults) {
  absl::StatusOr<Config> options = ParseConfigToml("");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pipeline.scoring.tiers.high_priority, 75);
  EXPECT_EQ(options->pipeline.scoring.tiers.interesting, 50);
  EXPECT_EQ(options->pipeline.scoring.tiers.low, 30);
  EXPECT_EQ(options->pipeline.scoring.filter_penalty, 40);
  EXPECT_EQ(options->pipeline.annualization.hours_per_year, 2080);
  EXPECT_GT(options->pipeline.exchange_rates.usd_per_unit.at("EUR"), 0.5);
}

TEST(ConfigTest, OverridesTiersPenaltyRatesAndAnnualisation) {
  absl::StatusOr<Config> options = ParseConfigToml(R"(
[tiers]
high_priority = 80
interesting = 60
low = 20

[scoring]
filter_penalty = 25

[salary]
hours_per_year = 1800
days_per_year = 200

[exchange_rates]
EUR = 1.25
XYZ = 0.5
)");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->pipeline.scoring.tiers.high_priority, 80);
  EXPECT_EQ(options->pipeline.scoring.tiers.interesting, 60);
  EXPECT_EQ(options->pipeline.scoring.tiers.low, 20);
  EXPECT_EQ(options->pipeline.scoring.filter_penalty, 25);
  EXPECT_EQ(options->pipeline.annualization.hours_per_year, 1800);
  EXPECT_EQ(options->pipeline.annualization.days_per_year, 200);
  EXPECT_DOUBLE_EQ(options->pipeline.exchange_rates.usd_per_unit.at("EUR"),
                   1.25);
  EXPECT_DOUBLE_EQ(options->pipeline.exchange_rates.usd_per_unit.at("XYZ"),
                   0.5);
  // Currencies not named keep their built-in rate.
  EXPECT_GT(options->pipeline.exchange_rates.usd_per_unit.at("GBP"), 1.0);
}

TEST(ConfigTest, ErrorsNameTheKeyAndLine) {
  const struct {
    const char* toml;
    const char* message;
  } cases[] = {
      {"[tiers]\nlow = 200\n", "config line 2: tiers.low: expected an integer"},
      {"[tiers]\nhigh_priority = 40\ninteresting = 60\n",
       "expected high_priority >= interesting >= low"},
      {"[tierz]\nlow = 1\n", "config line 1: tierz: unknown key"},
      {"[scoring]\nfilter_penalty = \"high\"\n",
       "config line 2: scoring.filter_penalty: expected an integer"},
      {"[exchange_rates]\neur = 1.1\n",
       "config line 2: exchange_rates.eur: expected an ISO 4217 code"},
      {"[exchange_rates]\nEUR = -1\n",
       "config line 2: exchange_rates.EUR: expected a positive number"},
      {"tiers = 3\n", "config line 1: tiers: expected a table"},
      {"[tiers\n", "config line 1:"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Config> options = ParseConfigToml(c.toml);
    ASSERT_FALSE(options.ok()) << c.toml;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(options.status().message()).find(c.message),
              std::string::npos)
        << options.status().message();
  }
}

TEST(ConfigTest, DatabaseAndObsTablesOverrideTheirDefaults) {
  absl::StatusOr<Config> defaults = ParseConfigToml("");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->database.pool_size, 10);
  EXPECT_EQ(defaults->database.acquire_timeout_ms, 5000);
  EXPECT_EQ(defaults->database.statement_timeout_ms, 30000);
  EXPECT_TRUE(defaults->obs.metrics);

  absl::StatusOr<Config> config = ParseConfigToml(
      "[database]\npool_size = 25\nacquire_timeout_ms = 250\n"
      "statement_timeout_ms = 1000\n[obs]\nmetrics = false\n"
      "metrics_listen = \"127.0.0.1:9464\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.pool_size, 25);
  EXPECT_EQ(config->database.acquire_timeout_ms, 250);
  EXPECT_EQ(config->database.statement_timeout_ms, 1000);
  EXPECT_FALSE(config->obs.metrics);
  EXPECT_EQ(config->obs.metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(ConfigToJson(*config)["database"]["pool_size"], 25);

  for (const char* bad :
       {"[database]\npool_size = 0\n", "[database]\npool_size = 5000\n",
        "[database]\npoolsize = 5\n", "[obs]\nmetrics = \"yes\"\n"}) {
    absl::StatusOr<Config> refused = ParseConfigToml(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ConfigTest, ExampleFileParses) {
  absl::StatusOr<Config> options =
      LoadConfigFile(LIA_SOURCE_DIR "/config/lia.example.toml");
  ASSERT_TRUE(options.ok()) << options.status();
}

TEST(ConfigTest, MissingFileIsNotFound) {
  EXPECT_TRUE(
      absl::IsNotFound(LoadConfigFile("/nonexistent/lia.toml").status()));
}

TEST(ConfigTest, LlmSettingsStandForTheirEnvironmentVariables) {
  absl::StatusOr<Config> config = ParseConfigToml(R"(
[llm]
engine = "openai:gpt-4o-mini"
fallback = "ollama:llama3.1,rules"
concurrency = 8
timeout = "30s"
[llm.stages]
draft = "anthropic:claude-3-5-haiku-latest"
[llm.openai]
api_key = "sk-secret"
base_url = "http://127.0.0.1:9999/v1"
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->llm.at("LIA_ENGINE"), "openai:gpt-4o-mini");
  EXPECT_EQ(config->llm.at("LIA_ENGINE_FALLBACK"), "ollama:llama3.1,rules");
  EXPECT_EQ(config->llm.at("LIA_LLM_CONCURRENCY"), "8");
  EXPECT_EQ(config->llm.at("LIA_ENGINE_DRAFT"),
            "anthropic:claude-3-5-haiku-latest");
  EXPECT_EQ(config->llm.at("OPENAI_API_KEY"), "sk-secret");
  // `lia config` never shows a key.
  const std::string shown = ConfigToJson(*config).dump();
  EXPECT_EQ(shown.find("sk-secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"openai.api_key\":\"(set)\""), std::string::npos)
      << shown;
  EXPECT_NE(shown.find("\"openai.base_url\":\"http://127.0.0.1:9999/v1\""),
            std::string::npos);
}

TEST(ConfigTest, LlmTyposAndBadEnginesNameTheirLine) {
  absl::StatusOr<Config> typo = ParseConfigToml("[llm]\nengien = \"x\"\n");
  EXPECT_TRUE(absl::IsInvalidArgument(typo.status()));
  EXPECT_NE(typo.status().message().find("llm.engien: unknown key"),
            std::string::npos)
      << typo.status();
  absl::StatusOr<Config> engine =
      ParseConfigToml("[llm]\n\nengine = \"gemini:pro\"\n");
  EXPECT_TRUE(absl::IsInvalidArgument(engine.status()));
  EXPECT_NE(engine.status().message().find("line 3: llm.engine"),
            std::string::npos)
      << engine.status();
  absl::StatusOr<Config> type =
      ParseConfigToml("[llm]\nconcurrency = [1, 2]\n");
  EXPECT_TRUE(absl::IsInvalidArgument(type.status()));
}

}  // namespace
}  // namespace lia::app
