#include "llm/provider_config.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace lia::llm {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](
             std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(EngineSpecTest, ParsesProviderAndModel) {
  struct Case {
    const char* text;
    const char* provider;
    const char* model;
  } cases[] = {
      {"openai:gpt-4o-mini", "openai", "gpt-4o-mini"},
      {" Anthropic : claude-3-5-haiku-latest ", "anthropic",
       "claude-3-5-haiku-latest"},
      {"ollama:llama3.1:8b", "ollama", "llama3.1:8b"},
      {"ollama:hf.co/org/model:Q4_K_M", "ollama", "hf.co/org/model:Q4_K_M"},
      {"rules", "rules", ""},
      {"RULES", "rules", ""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<EngineSpec> spec = ParseEngineSpec(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.status();
    EXPECT_EQ(spec->provider, c.provider) << c.text;
    EXPECT_EQ(spec->model, c.model) << c.text;
  }
  EXPECT_EQ(ParseEngineSpec("openai:gpt-4o-mini")->ToString(),
            "openai:gpt-4o-mini");
  EXPECT_TRUE(ParseEngineSpec("rules")->is_rules());
}

TEST(EngineSpecTest, RejectsUnknownProvidersAndMissingModels) {
  for (const char* text : {"", "gpt-4o-mini", "openai", "openai:", "ollama: ",
                           "rules:x", "azure:gpt-4o", ":model"}) {
    absl::StatusOr<EngineSpec> spec = ParseEngineSpec(text);
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
}

TEST(EngineSpecTest, ParsesChainsInOrder) {
  absl::StatusOr<std::vector<EngineSpec>> chain =
      ParseEngineChain("ollama:llama3.1, rules");
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], (EngineSpec{"ollama", "llama3.1"}));
  EXPECT_EQ((*chain)[1], (EngineSpec{"rules", ""}));

  EXPECT_FALSE(ParseEngineChain("").ok());
  EXPECT_FALSE(ParseEngineChain("rules,,openai:x").ok());
  absl::Status bad = ParseEngineChain("rules,nope:x").status();
  EXPECT_TRUE(absl::StrContains(bad.message(), "nope:x")) << bad;
}

TEST(EngineSpecTest, ChainFromEnvironmentIsEngineThenFallback) {
  absl::StatusOr<std::vector<EngineSpec>> chain =
      EngineChainFromEnvironment(FakeEnv({}));
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(*chain, (std::vector<EngineSpec>{{"rules", ""}}));

  chain = EngineChainFromEnvironment(
      FakeEnv({{"LIA_ENGINE", "openai:gpt-4o-mini"},
               {"LIA_ENGINE_FALLBACK", "ollama:llama3.1,rules"}}));
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(*chain, (std::vector<EngineSpec>{{"openai", "gpt-4o-mini"},
                                             {"ollama", "llama3.1"},
                                             {"rules", ""}}));

  absl::Status bad =
      EngineChainFromEnvironment(FakeEnv({{"LIA_ENGINE_FALLBACK", "x"}}))
          .status();
  EXPECT_TRUE(absl::StartsWith(bad.message(), "LIA_ENGINE_FALLBACK")) << bad;
}

TEST(ProviderConfigFromEnvironmentTest, DefaultsPerProvider) {
  absl::StatusOr<ProviderConfig> openai = ProviderConfigFromEnvironment(
      {"openai", "gpt-4o-mini"}, FakeEnv({{"OPENAI_API_KEY", "sk-test"}}));
  ASSERT_TRUE(openai.ok()) << openai.status();
  EXPECT_EQ(openai->kind, ProviderKind::kOpenAi);
  EXPECT_EQ(openai->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(openai->api_key, "sk-test");
  EXPECT_EQ(openai->model, "gpt-4o-mini");
  EXPECT_EQ(openai->timeout, ProviderConfig().timeout);
  EXPECT_EQ(openai->openai_response_format, OpenAiResponseFormat::kJsonSchema);

  absl::StatusOr<ProviderConfig> anthropic = ProviderConfigFromEnvironment(
      {"anthropic", "claude-3-5-haiku-latest"},
      FakeEnv({{"ANTHROPIC_API_KEY", "sk-ant-test"}}));
  ASSERT_TRUE(anthropic.ok()) << anthropic.status();
  EXPECT_EQ(anthropic->kind, ProviderKind::kAnthropic);
  EXPECT_EQ(anthropic->base_url, "https://api.anthropic.com");
  EXPECT_EQ(anthropic->api_key, "sk-ant-test");

  absl::StatusOr<ProviderConfig> ollama =
      ProviderConfigFromEnvironment({"ollama", "llama3.1"}, FakeEnv({}));
  ASSERT_TRUE(ollama.ok()) << ollama.status();
  EXPECT_EQ(ollama->kind, ProviderKind::kOllama);
  EXPECT_EQ(ollama->base_url, "http://localhost:11434");
  EXPECT_TRUE(ollama->api_key.empty());
}

TEST(ProviderConfigFromEnvironmentTest, EndpointsFromTheEnvironment) {
  absl::StatusOr<ProviderConfig> local = ProviderConfigFromEnvironment(
      {"openai", "qwen"},
      FakeEnv({{"OPENAI_BASE_URL", "http://localhost:8000/v1"}}));
  ASSERT_TRUE(local.ok()) << local.status();  // No key needed off OpenAI.
  EXPECT_EQ(local->base_url, "http://localhost:8000/v1");

  absl::StatusOr<ProviderConfig> anthropic = ProviderConfigFromEnvironment(
      {"anthropic", "claude"},
      FakeEnv({{"ANTHROPIC_API_KEY", "k"},
               {"ANTHROPIC_BASE_URL", "https://gw.example/anthropic"}}));
  ASSERT_TRUE(anthropic.ok());
  EXPECT_EQ(anthropic->base_url, "https://gw.example/anthropic");

  struct Case {
    const char* host;
    const char* url;
  } cases[] = {
      {"0.0.0.0", "http://0.0.0.0:11434"},
      {"gpu-box:8080", "http://gpu-box:8080"},
      {"http://gpu-box", "http://gpu-box:11434"},
      {"https://ollama.example/", "https://ollama.example:443"},
      {"http://[::1]:11434", "http://[::1]:11434"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ProviderConfig> ollama = ProviderConfigFromEnvironment(
        {"ollama", "m"}, FakeEnv({{"OLLAMA_HOST", c.host}}));
    ASSERT_TRUE(ollama.ok()) << c.host;
    EXPECT_EQ(ollama->base_url, c.url) << c.host;
  }
}

TEST(ProviderConfigFromEnvironmentTest, MissingKeysAreFailedPrecondition) {
  absl::Status openai =
      ProviderConfigFromEnvironment({"openai", "gpt-4o-mini"}, FakeEnv({}))
          .status();
  EXPECT_EQ(openai.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(openai.message(), "OPENAI_API_KEY"));
  absl::Status anthropic =
      ProviderConfigFromEnvironment(
          {"anthropic", "claude"},
          FakeEnv({{"ANTHROPIC_BASE_URL", "http://localhost:1"}}))
          .status();
  EXPECT_EQ(anthropic.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      ProviderConfigFromEnvironment({"rules", ""}, FakeEnv({})).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(ProviderConfigFromEnvironmentTest, TunablesAndTheirErrors) {
  absl::StatusOr<ProviderConfig> config = ProviderConfigFromEnvironment(
      {"ollama", "llama3.1"},
      FakeEnv({{"LIA_LLM_TIMEOUT", "45s"},
               {"LIA_LLM_ATTEMPT_TIMEOUT", "2.5"},
               {"LIA_LLM_CONNECT_TIMEOUT", "750ms"},
               {"LIA_LLM_MAX_ATTEMPTS", "2"},
               {"LIA_LLM_CONCURRENCY", "8"},
               {"LIA_LLM_PRICES", "ollama:llama3.1=1/2"},
               {"LIA_OPENAI_RESPONSE_FORMAT", "json_object"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->timeout, absl::Seconds(45));
  EXPECT_EQ(config->attempt_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(config->connect_timeout, absl::Milliseconds(750));
  EXPECT_EQ(config->retry.max_attempts, 2);
  EXPECT_EQ(config->max_concurrency, 8);
  EXPECT_DOUBLE_EQ(
      config->prices.Find("ollama", "llama3.1")->output_per_million, 2.0);

  absl::StatusOr<ProviderConfig> json_object = ProviderConfigFromEnvironment(
      {"openai", "m"},
      FakeEnv({{"OPENAI_BASE_URL", "http://h:1/v1"},
               {"LIA_OPENAI_RESPONSE_FORMAT", "json_object"}}));
  ASSERT_TRUE(json_object.ok());
  EXPECT_EQ(json_object->openai_response_format,
            OpenAiResponseFormat::kJsonObject);

  const std::pair<const char*, const char*> bad[] = {
      {"LIA_LLM_TIMEOUT", "soon"},
      {"LIA_LLM_TIMEOUT", "-1s"},
      {"LIA_LLM_TIMEOUT", "inf"},
      {"LIA_LLM_MAX_ATTEMPTS", "0"},
      {"LIA_LLM_CONCURRENCY", "many"},
      {"LIA_LLM_PRICES", "x"},
      {"LIA_OPENAI_RESPONSE_FORMAT", "xml"},
  };
  for (const auto& [name, value] : bad) {
    absl::Status status =
        ProviderConfigFromEnvironment(
            {"openai", "m"},
            FakeEnv({{"OPENAI_BASE_URL", "http://h:1/v1"}, {name, value}}))
            .status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << name << "=" << value;
    EXPECT_TRUE(absl::StrContains(status.message(), name)) << status;
  }
}

TEST(ProviderConfigFromEnvironmentTest, ErrorsNeverShowTheKey) {
  const std::string key = "sk-secret-0123456789";
  absl::Status status =
      ProviderConfigFromEnvironment(
          {"openai", "m"},
          FakeEnv({{"OPENAI_API_KEY", key}, {"LIA_LLM_TIMEOUT", "x"}}))
          .status();
  ASSERT_FALSE(status.ok());
  EXPECT_FALSE(absl::StrContains(status.ToString(), key));
}

TEST(NewProviderTest, RejectsBadOptions) {
  ProviderConfig config;
  config.kind = ProviderKind::kOllama;
  config.base_url = "ftp://x";
  EXPECT_EQ(NewProvider(config).status().code(),
            absl::StatusCode::kInvalidArgument);
  config.base_url = "http://localhost:11434";
  config.retry.max_attempts = 0;
  EXPECT_EQ(NewProvider(config).status().code(),
            absl::StatusCode::kInvalidArgument);
  config.retry.max_attempts = 1;
  config.timeout = absl::ZeroDuration();
  EXPECT_EQ(NewProvider(config).status().code(),
            absl::StatusCode::kInvalidArgument);
  config.timeout = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
  ASSERT_TRUE(provider.ok()) << provider.status();
  EXPECT_EQ((*provider)->name(), "ollama");
  config.name = "local-gpu";
  EXPECT_EQ((*NewProvider(config))->name(), "local-gpu");
}

}  // namespace
}  // namespace lia::llm
