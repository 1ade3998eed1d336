#pragma once

// Building Providers (provider.h): their configuration, the factory, and
// the engine settings of DESIGN §4 read from the environment.
//
//   LIA_ASSIGN_OR_RETURN(EngineSpec spec,
//   ParseEngineSpec("openai:gpt-4o-mini")); LIA_ASSIGN_OR_RETURN(ProviderConfig
//   config,
//                        ProviderConfigFromEnvironment(spec,
//                        ProcessEnvironment()));
//   config.metrics = &registry;
//   LIA_ASSIGN_OR_RETURN(std::unique_ptr<Provider> provider,
//   NewProvider(config));

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "llm/pricing.h"
#include "llm/provider.h"

namespace lia::obs {
class Registry;
}  // namespace lia::obs

namespace lia::llm {

enum class ProviderKind {
  kOpenAi,     // Chat Completions: OpenAI and every server that speaks it.
  kAnthropic,  // Messages API.
  kOllama,     // Ollama's native /api/chat.
};

// "openai", "anthropic", "ollama".
std::string_view ProviderKindName(ProviderKind kind);

// How the OpenAI-compatible client asks for JSON when a request has a schema.
enum class OpenAiResponseFormat {
  // response_format {"type": "json_schema", ...}: the server enforces the
  // schema (OpenAI, vLLM, recent llama.cpp and Ollama /v1).
  kJsonSchema,
  // response_format {"type": "json_object"} and the schema in the system
  // prompt: for servers without json_schema.
  kJsonObject,
};

struct RetryOptions {
  // Default 4. HTTP attempts per Complete, the first included; 429, 5xx,
  // connection failures and attempt timeouts are retried.
  int max_attempts = 4;
  // Default 500 ms. Backoff before the first retry; doubles per retry, with
  // full jitter (a uniform wait between zero and the doubled value).
  absl::Duration initial_backoff = absl::Milliseconds(500);
  // Default 20 s. Cap of the doubled backoff.
  absl::Duration max_backoff = absl::Seconds(20);
  // Default 60 s. Cap of a server's Retry-After (or retry-after-ms); a wait
  // that would end past the call's deadline is not made (the call fails).
  absl::Duration max_retry_after = absl::Seconds(60);
};

struct CircuitBreakerOptions {
  // Default 5. Consecutive failed attempts (connection errors, timeouts,
  // 5xx) that open the breaker; 0 never opens it. While open, calls fail at
  // once with Unavailable.
  int failure_threshold = 5;
  // Default 30 s. How long the breaker stays open before one trial call.
  absl::Duration cooldown = absl::Seconds(30);
};

struct ProviderConfig {
  ProviderKind kind = ProviderKind::kOpenAi;
  // Default "": ProviderKindName(kind). name() and the metrics' provider
  // label (e.g. "openrouter" for an OpenAI-compatible gateway).
  std::string name;
  // Default "": https://api.openai.com/v1, https://api.anthropic.com or
  // http://localhost:11434 by kind. scheme://host[:port][/path]; the API's
  // paths (/chat/completions, /v1/messages, /api/chat) are appended.
  std::string base_url;
  // Default "": no credential (local servers). Sent as a Bearer token
  // (OpenAI) or x-api-key (Anthropic); never logged nor put in errors.
  std::string api_key;
  // Default "": none. The model of requests that name none.
  std::string model;
  // Default none. Sent with every request (e.g. OpenRouter's X-Title).
  std::vector<std::pair<std::string, std::string>> extra_headers;

  // OpenAI-compatible only. Default kJsonSchema.
  OpenAiResponseFormat openai_response_format =
      OpenAiResponseFormat::kJsonSchema;
  // Default true. json_schema's "strict": the server guarantees the schema
  // (OpenAI then needs additionalProperties false and every property
  // required).
  bool openai_strict_schema = true;
  // Default true. When a json_schema request gets a 400, retry it once in
  // JSON mode, and keep using JSON mode on this provider if that works.
  bool openai_json_object_fallback = true;
  // Default false. Send max_completion_tokens instead of max_tokens (OpenAI's
  // reasoning models refuse max_tokens; most compatible servers only know
  // max_tokens).
  bool openai_max_completion_tokens = false;

  // Anthropic only. Default "2023-06-01". The anthropic-version header.
  std::string anthropic_version = "2023-06-01";

  // Default 5 s. Per TCP (and TLS) connection attempt.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Default 60 s. Per HTTP attempt; an attempt that runs out is retried
  // while the call's time lasts.
  absl::Duration attempt_timeout = absl::Seconds(60);
  // Default 120 s. Per Complete call, all of it: waiting for a concurrency
  // slot, attempts and backoff. DeadlineExceeded when it runs out.
  absl::Duration timeout = absl::Seconds(120);
  RetryOptions retry;
  CircuitBreakerOptions circuit_breaker;
  // Default 4. Calls in flight at once on this provider; more wait (within
  // their timeout) for a slot.
  int max_concurrency = 4;

  // Default PriceTable::BuiltIn(). Prices of llm_cost_usd_total, looked up
  // as name():model (so a renamed provider needs its own entries).
  PriceTable prices = PriceTable::BuiltIn();
  // Default nullptr: no metrics. Not owned; must outlive the provider. Gets
  //   llm_api_calls_total{provider,model,status}  per Complete call; status
  //       "success" or the error code ("unavailable", "deadline_exceeded"...)
  //   llm_tokens_used_total{provider,model,type}  type "input" | "output"
  //   llm_cost_usd_total{provider,model}          USD, from `prices`
  //   llm_api_latency_seconds{provider,model}     per call that reached the
  //       API (retries and backoff included)
  // where model is the requested model.
  obs::Registry* metrics = nullptr;
};

// A provider for `config`. InvalidArgument for a bad base URL or options;
// AlreadyExists if `config.metrics` holds other metrics of the same names.
absl::StatusOr<std::unique_ptr<Provider>> NewProvider(
    const ProviderConfig& config);

// One engine of LIA_ENGINE / LIA_ENGINE_FALLBACK: "rules", or
// "provider:model" with provider openai, anthropic or ollama.
struct EngineSpec {
  std::string provider;  // "rules", "openai", "anthropic", "ollama".
  std::string model;     // Empty for rules.

  bool is_rules() const { return provider == "rules"; }
  // "rules", "openai:gpt-4o-mini".
  std::string ToString() const;
  friend bool operator==(const EngineSpec&, const EngineSpec&) = default;
};

// "openai:gpt-4o-mini" -> {openai, gpt-4o-mini}; the model is everything
// after the first ':' ("ollama:llama3.1:8b" -> {ollama, llama3.1:8b}).
// Surrounding blanks are ignored and the provider is case-insensitive.
// InvalidArgument for an unknown provider, a missing model, or a model
// given to rules.
absl::StatusOr<EngineSpec> ParseEngineSpec(std::string_view spec);
// Comma-separated specs, in order: "ollama:llama3.1,rules". InvalidArgument
// for an empty chain or entry, naming the entry.
absl::StatusOr<std::vector<EngineSpec>> ParseEngineChain(
    std::string_view chain);

// Reads one environment variable: nullopt when unset.
using EnvLookup =
    std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (getenv).
EnvLookup ProcessEnvironment();

// LIA_ENGINE (default "rules") followed by LIA_ENGINE_FALLBACK (default
// none), e.g. {openai:gpt-4o-mini, ollama:llama3.1, rules}.
absl::StatusOr<std::vector<EngineSpec>> EngineChainFromEnvironment(
    const EnvLookup& env);

// The configuration of `spec`'s provider from the environment:
//   OPENAI_API_KEY, OPENAI_BASE_URL      (openai)
//   ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL (anthropic)
//   OLLAMA_HOST                          (ollama; "host[:port]" or a URL)
//   LIA_LLM_TIMEOUT, LIA_LLM_ATTEMPT_TIMEOUT, LIA_LLM_CONNECT_TIMEOUT
//       ("30s", "500ms" or plain seconds), LIA_LLM_MAX_ATTEMPTS,
//       LIA_LLM_CONCURRENCY, LIA_LLM_PRICES (PriceTable::Merge's format,
//       over the built-in table), LIA_OPENAI_RESPONSE_FORMAT (json_schema |
//       json_object)
// with the defaults of ProviderConfig. InvalidArgument for rules or an
// unreadable value (naming the variable, never showing a key);
// FailedPrecondition when the provider needs a key that is unset
// (anthropic always; openai at its default base URL).
absl::StatusOr<ProviderConfig> ProviderConfigFromEnvironment(
    const EngineSpec& spec, const EnvLookup& env);

}  // namespace lia::llm
