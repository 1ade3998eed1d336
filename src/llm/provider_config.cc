#include "llm/provider_config.h"

#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_macros.h"

namespace lia::llm {
namespace {

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

constexpr char kOpenAiDefaultBaseUrl[] = "https://api.openai.com/v1";

// OLLAMA_HOST as Ollama reads it: "host", "host:port" or a URL; port 11434
// when none is given.
std::string OllamaBaseUrl(std::string_view host) {
  std::string url(absl::StripAsciiWhitespace(Absl(host)));
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string scheme = "http://";
  if (const std::size_t sep = url.find("://"); sep != std::string::npos) {
    scheme = url.substr(0, sep + 3);
    url = url.substr(sep + 3);
  }
  const std::size_t slash = url.find('/');
  std::string authority = url.substr(0, slash);
  const std::string path =
      slash == std::string::npos ? std::string() : url.substr(slash);
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string::npos &&
                        (bracket == std::string::npos || colon > bracket);
  if (!has_port) {
    absl::StrAppend(&authority, scheme == "https://" ? ":443" : ":11434");
  }
  return absl::StrCat(scheme, authority, path);
}

absl::StatusOr<absl::Duration> DurationVar(const EnvLookup& env,
                                           std::string_view name,
                                           absl::Duration fallback) {
  std::optional<std::string> value = env(name);
  if (!value) return fallback;
  const std::string text(absl::StripAsciiWhitespace(*value));
  if (text.empty()) return fallback;
  double seconds = 0.0;
  absl::Duration d;
  if (absl::SimpleAtod(text, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d)) {
    d = -absl::InfiniteDuration();
  }
  if (d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(name), "=\"", text,
                     "\": expected a positive duration (\"30s\", \"500ms\" or "
                     "seconds)"));
  }
  return d;
}

absl::StatusOr<int> IntVar(const EnvLookup& env, std::string_view name,
                           int fallback, int min) {
  std::optional<std::string> value = env(name);
  if (!value) return fallback;
  const std::string text(absl::StripAsciiWhitespace(*value));
  if (text.empty()) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < min) {
    return absl::InvalidArgumentError(absl::StrCat(
        Absl(name), "=\"", text, "\": expected an integer >= ", min));
  }
  return n;
}

std::string NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (!value) return "";
  return std::string(absl::StripAsciiWhitespace(*value));
}

}  // namespace

std::string_view ProviderKindName(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kOpenAi:
      return "openai";
    case ProviderKind::kAnthropic:
      return "anthropic";
    case ProviderKind::kOllama:
      return "ollama";
  }
  return "unknown";
}

std::string EngineSpec::ToString() const {
  if (model.empty()) return provider;
  return absl::StrCat(provider, ":", model);
}

absl::StatusOr<EngineSpec> ParseEngineSpec(std::string_view spec) {
  const absl::string_view text = absl::StripAsciiWhitespace(Absl(spec));
  const std::size_t colon = text.find(':');
  EngineSpec out;
  out.provider = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      colon == absl::string_view::npos ? text : text.substr(0, colon)));
  if (colon != absl::string_view::npos) {
    out.model = std::string(absl::StripAsciiWhitespace(text.substr(colon + 1)));
  }
  if (out.provider == "rules") {
    if (colon != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "engine \"", text, "\": the rules engine takes no model"));
    }
    return out;
  }
  if (out.provider != "openai" && out.provider != "anthropic" &&
      out.provider != "ollama") {
    return absl::InvalidArgumentError(
        absl::StrCat("engine \"", text,
                     "\": unknown provider (expected rules, openai:MODEL, "
                     "anthropic:MODEL or ollama:MODEL)"));
  }
  if (out.model.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "engine \"", text, "\": no model (expected ", out.provider, ":MODEL)"));
  }
  return out;
}

absl::StatusOr<std::vector<EngineSpec>> ParseEngineChain(
    std::string_view chain) {
  std::vector<EngineSpec> specs;
  if (absl::StripAsciiWhitespace(Absl(chain)).empty()) {
    return absl::InvalidArgumentError("engine chain is empty");
  }
  int position = 0;
  for (absl::string_view entry : absl::StrSplit(Absl(chain), ',')) {
    ++position;
    if (absl::StripAsciiWhitespace(entry).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "engine chain \"", Absl(chain), "\": entry ", position, " is empty"));
    }
    LIA_ASSIGN_OR_RETURN(EngineSpec spec, ParseEngineSpec(std::string_view(
                                              entry.data(), entry.size())));
    specs.push_back(std::move(spec));
  }
  return specs;
}

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<std::vector<EngineSpec>> EngineChainFromEnvironment(
    const EnvLookup& env) {
  std::string engine = NonEmpty(env, "LIA_ENGINE");
  if (engine.empty()) engine = "rules";
  absl::StatusOr<std::vector<EngineSpec>> chain = ParseEngineChain(engine);
  if (!chain.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("LIA_ENGINE: ", chain.status().message()));
  }
  const std::string fallback = NonEmpty(env, "LIA_ENGINE_FALLBACK");
  if (!fallback.empty()) {
    absl::StatusOr<std::vector<EngineSpec>> rest = ParseEngineChain(fallback);
    if (!rest.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("LIA_ENGINE_FALLBACK: ", rest.status().message()));
    }
    for (EngineSpec& spec : *rest) chain->push_back(std::move(spec));
  }
  return chain;
}

absl::StatusOr<ProviderConfig> ProviderConfigFromEnvironment(
    const EngineSpec& spec, const EnvLookup& env) {
  ProviderConfig config;
  config.model = spec.model;
  if (spec.provider == "openai") {
    config.kind = ProviderKind::kOpenAi;
    config.base_url = NonEmpty(env, "OPENAI_BASE_URL");
    config.api_key = NonEmpty(env, "OPENAI_API_KEY");
    const bool default_endpoint =
        config.base_url.empty() ||
        absl::StartsWith(config.base_url, "https://api.openai.com");
    if (config.base_url.empty()) config.base_url = kOpenAiDefaultBaseUrl;
    if (default_endpoint && config.api_key.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("engine ", spec.ToString(),
                       ": OPENAI_API_KEY is not set (or point "
                       "OPENAI_BASE_URL at a server that needs no key)"));
    }
    const std::string format =
        absl::AsciiStrToLower(NonEmpty(env, "LIA_OPENAI_RESPONSE_FORMAT"));
    if (format == "json_object") {
      config.openai_response_format = OpenAiResponseFormat::kJsonObject;
    } else if (!format.empty() && format != "json_schema") {
      return absl::InvalidArgumentError(
          absl::StrCat("LIA_OPENAI_RESPONSE_FORMAT=\"", format,
                       "\": expected json_schema or json_object"));
    }
  } else if (spec.provider == "anthropic") {
    config.kind = ProviderKind::kAnthropic;
    config.base_url = NonEmpty(env, "ANTHROPIC_BASE_URL");
    if (config.base_url.empty()) config.base_url = "https://api.anthropic.com";
    config.api_key = NonEmpty(env, "ANTHROPIC_API_KEY");
    if (config.api_key.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "engine ", spec.ToString(), ": ANTHROPIC_API_KEY is not set"));
    }
  } else if (spec.provider == "ollama") {
    config.kind = ProviderKind::kOllama;
    const std::string host = NonEmpty(env, "OLLAMA_HOST");
    config.base_url = OllamaBaseUrl(host.empty() ? "localhost" : host);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("engine \"", spec.ToString(), "\" is not an LLM"));
  }

  LIA_ASSIGN_OR_RETURN(config.timeout,
                       DurationVar(env, "LIA_LLM_TIMEOUT", config.timeout));
  LIA_ASSIGN_OR_RETURN(
      config.attempt_timeout,
      DurationVar(env, "LIA_LLM_ATTEMPT_TIMEOUT", config.attempt_timeout));
  LIA_ASSIGN_OR_RETURN(
      config.connect_timeout,
      DurationVar(env, "LIA_LLM_CONNECT_TIMEOUT", config.connect_timeout));
  LIA_ASSIGN_OR_RETURN(
      config.retry.max_attempts,
      IntVar(env, "LIA_LLM_MAX_ATTEMPTS", config.retry.max_attempts, 1));
  LIA_ASSIGN_OR_RETURN(
      config.max_concurrency,
      IntVar(env, "LIA_LLM_CONCURRENCY", config.max_concurrency, 1));
  if (const std::string prices = NonEmpty(env, "LIA_LLM_PRICES");
      !prices.empty()) {
    absl::Status merged = config.prices.Merge(prices);
    if (!merged.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("LIA_LLM_PRICES: ", merged.message()));
    }
  }
  return config;
}

}  // namespace lia::llm
