#pragma once

// The three APIs' wire formats (private to llm/): the request body and
// headers for a ChatRequest, and the ChatResponse in a reply's body. Pure
// functions of their input, so they are tested without a network.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "llm/internal/http_transport.h"
#include "llm/provider.h"
#include "llm/provider_config.h"

namespace lia::llm::internal {

// How a request with a schema asks for JSON.
enum class JsonMode {
  kNative,      // The API's schema mechanism.
  kJsonObject,  // OpenAI JSON mode, with the schema in the system prompt.
};

// Thread-safe (immutable).
class WireFormat {
 public:
  virtual ~WireFormat() = default;

  // The path after the base URL: "/chat/completions".
  virtual std::string_view path() const = 0;
  // Authentication and version headers (holding the key: never log them).
  virtual HttpHeaders Headers() const = 0;
  // The JSON body for `request`, whose model is set. InvalidArgument when
  // the schema is not a JSON object or a field is out of range.
  virtual absl::StatusOr<std::string> EncodeRequest(const ChatRequest& request,
                                                    JsonMode mode) const = 0;
  // The answer in a 2xx body. DataLoss when `body` is not this API's
  // answer; with a schema, the text is the JSON object's text.
  virtual absl::StatusOr<ChatResponse> DecodeResponse(
      std::string_view body, const ChatRequest& request) const = 0;
};

std::unique_ptr<WireFormat> NewOpenAiWire(const ProviderConfig& config);
std::unique_ptr<WireFormat> NewAnthropicWire(const ProviderConfig& config);
std::unique_ptr<WireFormat> NewOllamaWire(const ProviderConfig& config);

// The API's error message in an error reply's body (OpenAI and Anthropic
// {"error": {"message": ...}}, Ollama {"error": "..."}), cut to a few
// hundred bytes; "" when there is none.
std::string ErrorMessageOf(std::string_view body);

// The system prompt of JSON mode: `system`, then an instruction to answer
// with one JSON object of `schema`.
std::string SystemWithSchema(std::string_view system, std::string_view schema);

}  // namespace lia::llm::internal
