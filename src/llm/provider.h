#pragma once

// An LLM behind one interface (DESIGN §2, llm/): a chat request in, text (or
// JSON text) and token usage out. Implemented for the OpenAI Chat
// Completions API (and everything that speaks it: Azure-style gateways,
// OpenRouter, vLLM, llama.cpp's server, Ollama's /v1), the Anthropic
// Messages API and Ollama's native /api/chat. The analysis stages
// (llm/stages.h) build on it; nothing else talks to an LLM.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::llm {

struct ChatMessage {
  enum class Role { kUser, kAssistant };
  Role role = Role::kUser;
  std::string content;
};

struct ChatRequest {
  // "gpt-4o-mini", "claude-3-5-haiku-latest", "llama3.1:8b". Empty: the
  // provider's configured model (ProviderConfig::model); InvalidArgument if
  // it has none.
  std::string model;
  std::string system;                 // Instructions; may be empty.
  std::vector<ChatMessage> messages;  // At least one; the last is the user's.
  // When set, the answer must be one JSON object of this JSON Schema: sent
  // as response_format json_schema (OpenAI), a forced tool's input_schema
  // (Anthropic) or `format` (Ollama). Empty: free text.
  std::string json_schema;             // JSON text of the schema.
  std::string schema_name = "answer";  // [a-zA-Z0-9_-]{1,64}.
  std::optional<double> temperature;   // Default: the provider's.
  int max_tokens = 1024;
};

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct ChatResponse {
  std::string text;  // The answer; with a schema, the JSON object's text.
  Usage usage;
  // Why the model stopped, lower-cased. "length" whenever the answer was cut
  // by max_tokens, whichever the API (OpenAI "length", Anthropic
  // "max_tokens", Ollama "length"): the JSON is then likely truncated.
  // Otherwise as the API said it: "stop", "end_turn", "tool_use",
  // "refusal" (the model declined; `text` is empty)...
  std::string finish_reason;
  std::string model;  // As the API reported it ("gpt-4o-mini-2024-07-18").
  int attempts = 1;   // HTTP attempts made (retries included).
};

// Thread-safe. Errors, coded for the caller's fallback and for job retries
// (STYLE habit 3): DeadlineExceeded (no answer in time), Unavailable
// (connection refused or reset, 5xx, the circuit breaker open),
// ResourceExhausted (429 after the retries, or the account's quota is
// spent), InvalidArgument (the request is bad: 400/404/422, never retried),
// Unauthenticated/PermissionDenied (401/403), DataLoss (a reply that is not
// the API's format), Cancelled (Shutdown was called). Messages name the
// provider and the HTTP status, never an API key.
//
// The implementations (provider_config.h: NewProvider) retry 429, 5xx and
// timeouts with backoff, keep a circuit breaker and a concurrency limit,
// and count calls, tokens, cost and latency on an obs::Registry.
class Provider {
 public:
  virtual ~Provider() = default;
  // "openai", "anthropic", "ollama": the provider label of metrics and of
  // the engine recorded in an analysis.
  virtual std::string name() const = 0;
  virtual absl::StatusOr<ChatResponse> Complete(const ChatRequest& request) = 0;
  // Ends calls in flight (Cancelled) and refuses new ones. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace lia::llm
