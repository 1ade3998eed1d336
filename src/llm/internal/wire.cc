#include "llm/internal/wire.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace lia::llm::internal {
namespace {

using nlohmann::json;

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

constexpr std::size_t kMaxErrorMessage = 300;

const char* RoleName(ChatMessage::Role role) {
  return role == ChatMessage::Role::kAssistant ? "assistant" : "user";
}

// The schema as a JSON object; InvalidArgument otherwise.
absl::StatusOr<json> ParseSchema(const ChatRequest& request) {
  json schema = json::parse(request.json_schema, nullptr, false);
  if (schema.is_discarded() || !schema.is_object()) {
    return absl::InvalidArgumentError(
        "json_schema is not the JSON text of an object");
  }
  return schema;
}

absl::Status CheckRequest(const ChatRequest& request) {
  if (request.messages.empty()) {
    return absl::InvalidArgumentError("a chat request needs a message");
  }
  if (request.max_tokens < 1) {
    return absl::InvalidArgumentError("max_tokens must be at least 1");
  }
  if (!request.json_schema.empty()) {
    const std::string& name = request.schema_name;
    const bool name_ok =
        !name.empty() && name.size() <= 64 &&
        std::all_of(name.begin(), name.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                 c == '_' || c == '-';
        });
    if (!name_ok) {
      return absl::InvalidArgumentError(
          "schema_name must match [a-zA-Z0-9_-]{1,64}");
    }
  }
  return absl::OkStatus();
}

absl::Status NotTheApi(std::string_view api, std::string_view why) {
  return absl::DataLossError(
      absl::StrCat("reply is not a ", Absl(api), " answer: ", Absl(why)));
}

// A token count that may be absent or null: 0 then.
int64_t Count(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  return std::max<int64_t>(0, it->get<int64_t>());
}

std::string StringOr(const json& object, const char* key,
                     std::string fallback) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

// --- OpenAI Chat Completions ------------------------------------------------

// The configured extra headers, plus "Authorization: Bearer <key>" when
// there is a key.
HttpHeaders WithBearer(const HttpHeaders& extra, const std::string& key) {
  HttpHeaders headers = extra;
  if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
  return headers;
}

class OpenAiWire final : public WireFormat {
 public:
  explicit OpenAiWire(const ProviderConfig& config)
      : api_key_(config.api_key),
        extra_headers_(config.extra_headers),
        strict_(config.openai_strict_schema),
        max_completion_tokens_(config.openai_max_completion_tokens) {}

  // WireFormat:
  std::string_view path() const override { return "/chat/completions"; }

  HttpHeaders Headers() const override {
    return WithBearer(extra_headers_, api_key_);
  }

  absl::StatusOr<std::string> EncodeRequest(const ChatRequest& request,
                                            JsonMode mode) const override {
    if (absl::Status s = CheckRequest(request); !s.ok()) return s;
    json body = {{"model", request.model}};
    json messages = json::array();
    std::string system = request.system;
    json response_format;
    if (!request.json_schema.empty()) {
      absl::StatusOr<json> schema = ParseSchema(request);
      if (!schema.ok()) return schema.status();
      if (mode == JsonMode::kNative) {
        response_format = {{"type", "json_schema"},
                           {"json_schema",
                            {{"name", request.schema_name},
                             {"schema", *std::move(schema)},
                             {"strict", strict_}}}};
      } else {
        response_format = {{"type", "json_object"}};
        system = SystemWithSchema(system, request.json_schema);
      }
    }
    if (!system.empty()) {
      messages.push_back({{"role", "system"}, {"content", system}});
    }
    for (const ChatMessage& message : request.messages) {
      messages.push_back(
          {{"role", RoleName(message.role)}, {"content", message.content}});
    }
    body["messages"] = std::move(messages);
    body[max_completion_tokens_ ? "max_completion_tokens" : "max_tokens"] =
        request.max_tokens;
    if (request.temperature) body["temperature"] = *request.temperature;
    if (!response_format.is_null()) {
      body["response_format"] = std::move(response_format);
    }
    body["stream"] = false;
    return body.dump();
  }

  absl::StatusOr<ChatResponse> DecodeResponse(
      std::string_view body, const ChatRequest& request) const override {
    json reply = json::parse(body, nullptr, false);
    if (reply.is_discarded()) return NotTheApi("chat completion", "not JSON");
    if (!reply.is_object())
      return NotTheApi("chat completion", "not a JSON object");
    auto choices = reply.find("choices");
    if (choices == reply.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].is_object()) {
      return NotTheApi("chat completion", "no choices");
    }
    const json& choice = (*choices)[0];
    auto message = choice.find("message");
    if (message == choice.end() || !message->is_object()) {
      return NotTheApi("chat completion", "no choices[0].message");
    }
    ChatResponse response;
    auto content = message->find("content");
    if (content != message->end() && content->is_string()) {
      response.text = content->get<std::string>();
    } else if (content != message->end() && !content->is_null()) {
      return NotTheApi("chat completion", "message.content is not a string");
    }
    response.finish_reason = Lower(StringOr(choice, "finish_reason", ""));
    auto refusal = message->find("refusal");
    if (response.text.empty() && refusal != message->end() &&
        refusal->is_string() && !refusal->get<std::string>().empty()) {
      response.finish_reason = "refusal";
    }
    if (auto usage = reply.find("usage");
        usage != reply.end() && usage->is_object()) {
      response.usage.input_tokens = Count(*usage, "prompt_tokens");
      response.usage.output_tokens = Count(*usage, "completion_tokens");
    }
    response.model = StringOr(reply, "model", request.model);
    return response;
  }

 private:
  const std::string api_key_;
  const HttpHeaders extra_headers_;
  const bool strict_;
  const bool max_completion_tokens_;
};

// --- Anthropic Messages -----------------------------------------------------

class AnthropicWire final : public WireFormat {
 public:
  explicit AnthropicWire(const ProviderConfig& config)
      : api_key_(config.api_key),
        version_(config.anthropic_version),
        extra_headers_(config.extra_headers) {}

  // WireFormat:
  std::string_view path() const override { return "/v1/messages"; }

  HttpHeaders Headers() const override {
    HttpHeaders headers = extra_headers_;
    if (!api_key_.empty()) headers.emplace_back("x-api-key", api_key_);
    headers.emplace_back("anthropic-version", version_);
    return headers;
  }

  absl::StatusOr<std::string> EncodeRequest(const ChatRequest& request,
                                            JsonMode) const override {
    if (absl::Status s = CheckRequest(request); !s.ok()) return s;
    json body = {{"model", request.model}, {"max_tokens", request.max_tokens}};
    if (!request.system.empty()) body["system"] = request.system;
    json messages = json::array();
    for (const ChatMessage& message : request.messages) {
      messages.push_back(
          {{"role", RoleName(message.role)}, {"content", message.content}});
    }
    body["messages"] = std::move(messages);
    if (request.temperature) body["temperature"] = *request.temperature;
    if (!request.json_schema.empty()) {
      absl::StatusOr<json> schema = ParseSchema(request);
      if (!schema.ok()) return schema.status();
      body["tools"] = json::array(
          {{{"name", request.schema_name},
            {"description",
             "Record the answer. Call this tool exactly once, with the "
             "whole answer as its input."},
            {"input_schema", *std::move(schema)}}});
      body["tool_choice"] = {{"type", "tool"}, {"name", request.schema_name}};
    }
    return body.dump();
  }

  absl::StatusOr<ChatResponse> DecodeResponse(
      std::string_view body, const ChatRequest& request) const override {
    json reply = json::parse(body, nullptr, false);
    if (reply.is_discarded()) return NotTheApi("message", "not JSON");
    if (!reply.is_object()) return NotTheApi("message", "not a JSON object");
    if (StringOr(reply, "type", "message") != "message") {
      return NotTheApi("message", "type is not \"message\"");
    }
    auto content = reply.find("content");
    if (content == reply.end() || !content->is_array()) {
      return NotTheApi("message", "no content array");
    }
    ChatResponse response;
    const std::string stop = Lower(StringOr(reply, "stop_reason", ""));
    response.finish_reason = stop == "max_tokens" ? "length" : stop;
    bool found_tool = false;
    for (const json& block : *content) {
      if (!block.is_object()) return NotTheApi("message", "content block");
      const std::string type = StringOr(block, "type", "");
      if (request.json_schema.empty()) {
        if (type == "text") response.text += StringOr(block, "text", "");
      } else if (type == "tool_use" && !found_tool &&
                 StringOr(block, "name", "") == request.schema_name) {
        auto input = block.find("input");
        if (input == block.end() || !input->is_object()) {
          return NotTheApi("message", "tool_use without an input object");
        }
        response.text = input->dump();
        found_tool = true;
      }
    }
    if (!request.json_schema.empty() && !found_tool &&
        response.finish_reason != "length" &&
        response.finish_reason != "refusal") {
      return NotTheApi("message", absl::StrCat("no tool_use block named ",
                                               request.schema_name));
    }
    if (auto usage = reply.find("usage");
        usage != reply.end() && usage->is_object()) {
      response.usage.input_tokens = Count(*usage, "input_tokens");
      response.usage.output_tokens = Count(*usage, "output_tokens");
    }
    response.model = StringOr(reply, "model", request.model);
    return response;
  }

 private:
  const std::string api_key_;
  const std::string version_;
  const HttpHeaders extra_headers_;
};

// --- Ollama /api/chat -------------------------------------------------------

class OllamaWire final : public WireFormat {
 public:
  explicit OllamaWire(const ProviderConfig& config)
      : api_key_(config.api_key), extra_headers_(config.extra_headers) {}

  // WireFormat:
  std::string_view path() const override { return "/api/chat"; }

  HttpHeaders Headers() const override {
    // Ollama needs none; a proxy in front of it may.
    return WithBearer(extra_headers_, api_key_);
  }

  absl::StatusOr<std::string> EncodeRequest(const ChatRequest& request,
                                            JsonMode) const override {
    if (absl::Status s = CheckRequest(request); !s.ok()) return s;
    json body = {{"model", request.model}};
    json messages = json::array();
    if (!request.system.empty()) {
      messages.push_back({{"role", "system"}, {"content", request.system}});
    }
    for (const ChatMessage& message : request.messages) {
      messages.push_back(
          {{"role", RoleName(message.role)}, {"content", message.content}});
    }
    body["messages"] = std::move(messages);
    body["stream"] = false;
    if (!request.json_schema.empty()) {
      absl::StatusOr<json> schema = ParseSchema(request);
      if (!schema.ok()) return schema.status();
      body["format"] = *std::move(schema);
    }
    json options = {{"num_predict", request.max_tokens}};
    if (request.temperature) options["temperature"] = *request.temperature;
    body["options"] = std::move(options);
    return body.dump();
  }

  absl::StatusOr<ChatResponse> DecodeResponse(
      std::string_view body, const ChatRequest& request) const override {
    json reply = json::parse(body, nullptr, false);
    if (reply.is_discarded()) return NotTheApi("chat", "not JSON");
    if (!reply.is_object()) return NotTheApi("chat", "not a JSON object");
    if (auto error = reply.find("error"); error != reply.end()) {
      return NotTheApi("chat", "an error object");
    }
    auto message = reply.find("message");
    if (message == reply.end() || !message->is_object()) {
      return NotTheApi("chat", "no message");
    }
    auto content = message->find("content");
    if (content == message->end() || !content->is_string()) {
      return NotTheApi("chat", "message.content is not a string");
    }
    ChatResponse response;
    response.text = content->get<std::string>();
    response.finish_reason = Lower(StringOr(reply, "done_reason", ""));
    if (response.finish_reason.empty() && reply.value("done", false)) {
      response.finish_reason = "stop";
    }
    response.usage.input_tokens = Count(reply, "prompt_eval_count");
    response.usage.output_tokens = Count(reply, "eval_count");
    response.model = StringOr(reply, "model", request.model);
    return response;
  }

 private:
  const std::string api_key_;
  const HttpHeaders extra_headers_;
};

}  // namespace

std::unique_ptr<WireFormat> NewOpenAiWire(const ProviderConfig& config) {
  return std::make_unique<OpenAiWire>(config);
}
std::unique_ptr<WireFormat> NewAnthropicWire(const ProviderConfig& config) {
  return std::make_unique<AnthropicWire>(config);
}
std::unique_ptr<WireFormat> NewOllamaWire(const ProviderConfig& config) {
  return std::make_unique<OllamaWire>(config);
}

std::string ErrorMessageOf(std::string_view body) {
  json reply = json::parse(body, nullptr, false);
  std::string message;
  if (!reply.is_discarded() && reply.is_object()) {
    if (auto error = reply.find("error"); error != reply.end()) {
      if (error->is_string()) {
        message = error->get<std::string>();
      } else if (error->is_object()) {
        message = StringOr(*error, "message", "");
        const std::string type = StringOr(*error, "type", "");
        const std::string code = StringOr(*error, "code", "");
        const std::string& tag = code.empty() ? type : code;
        if (!tag.empty()) message = absl::StrCat(tag, ": ", message);
      }
    } else {
      message = StringOr(reply, "message", "");
    }
  }
  if (message.size() > kMaxErrorMessage) {
    message.resize(kMaxErrorMessage);
    message += "...";
  }
  return message;
}

std::string SystemWithSchema(std::string_view system, std::string_view schema) {
  std::string out(system);
  if (!out.empty()) out += "\n\n";
  absl::StrAppend(&out,
                  "Answer with one JSON object and nothing else. The object "
                  "must match this JSON Schema:\n",
                  Absl(schema));
  return out;
}

}  // namespace lia::llm::internal
