// The three wire formats without a network: request bodies and headers for
// a ChatRequest, and what each reply body decodes to.

#include "llm/internal/wire.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "llm/internal/http_transport.h"
#include "nlohmann/json.hpp"

namespace lia::llm::internal {
namespace {

using nlohmann::json;

constexpr char kSchema[] =
    R"({"type":"object","properties":{"tier":{"type":"string"}},)"
    R"("required":["tier"],"additionalProperties":false})";

ChatRequest Request(bool with_schema) {
  ChatRequest request;
  request.model = "m-1";
  request.system = "You triage recruiter messages.";
  request.messages = {{ChatMessage::Role::kUser, "first"},
                      {ChatMessage::Role::kAssistant, "ok"},
                      {ChatMessage::Role::kUser, "Hi, we have a Go role"}};
  if (with_schema) request.json_schema = kSchema;
  request.schema_name = "triage";
  request.temperature = 0.0;
  request.max_tokens = 300;
  return request;
}

ProviderConfig Config(ProviderKind kind) {
  ProviderConfig config;
  config.kind = kind;
  config.api_key = "sk-wire-test-key";
  config.extra_headers = {{"X-Title", "lia"}};
  return config;
}

json Encode(const WireFormat& wire, const ChatRequest& request,
            JsonMode mode = JsonMode::kNative) {
  absl::StatusOr<std::string> body = wire.EncodeRequest(request, mode);
  EXPECT_TRUE(body.ok()) << body.status();
  return json::parse(body.value_or("null"));
}

std::string HeaderOf(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(OpenAiWireTest, RequestWithJsonSchema) {
  auto wire = NewOpenAiWire(Config(ProviderKind::kOpenAi));
  EXPECT_EQ(wire->path(), "/chat/completions");
  EXPECT_EQ(HeaderOf(wire->Headers(), "Authorization"),
            "Bearer sk-wire-test-key");
  EXPECT_EQ(HeaderOf(wire->Headers(), "X-Title"), "lia");
  const json body = Encode(*wire, Request(true));
  EXPECT_EQ(body["model"], "m-1");
  EXPECT_EQ(body["max_tokens"], 300);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["stream"], false);
  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0],
            (json{{"role", "system"},
                  {"content", "You triage recruiter messages."}}));
  EXPECT_EQ(body["messages"][2]["role"], "assistant");
  EXPECT_EQ(body["messages"][3],
            (json{{"role", "user"}, {"content", "Hi, we have a Go role"}}));
  EXPECT_EQ(body["response_format"], (json{{"type", "json_schema"},
                                           {"json_schema",
                                            {{"name", "triage"},
                                             {"schema", json::parse(kSchema)},
                                             {"strict", true}}}}));
}

TEST(OpenAiWireTest, JsonModePutsTheSchemaInTheSystemPrompt) {
  ProviderConfig config = Config(ProviderKind::kOpenAi);
  config.api_key.clear();
  config.openai_max_completion_tokens = true;
  auto wire = NewOpenAiWire(config);
  EXPECT_EQ(HeaderOf(wire->Headers(), "Authorization"), "<absent>");
  const json body = Encode(*wire, Request(true), JsonMode::kJsonObject);
  EXPECT_EQ(body["response_format"], (json{{"type", "json_object"}}));
  EXPECT_EQ(body["max_completion_tokens"], 300);
  EXPECT_FALSE(body.contains("max_tokens"));
  const std::string system = body["messages"][0]["content"];
  EXPECT_TRUE(absl::StartsWith(system, "You triage recruiter messages."));
  EXPECT_TRUE(absl::StrContains(system, "JSON"));
  EXPECT_TRUE(absl::StrContains(system, kSchema));
}

TEST(OpenAiWireTest, FreeTextHasNoResponseFormat) {
  auto wire = NewOpenAiWire(Config(ProviderKind::kOpenAi));
  ChatRequest request = Request(false);
  request.system.clear();
  request.temperature.reset();
  const json body = Encode(*wire, request);
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_EQ(body["messages"][0]["role"], "user");
}

TEST(AnthropicWireTest, RequestForcesTheSchemaTool) {
  auto wire = NewAnthropicWire(Config(ProviderKind::kAnthropic));
  EXPECT_EQ(wire->path(), "/v1/messages");
  EXPECT_EQ(HeaderOf(wire->Headers(), "x-api-key"), "sk-wire-test-key");
  EXPECT_EQ(HeaderOf(wire->Headers(), "anthropic-version"), "2023-06-01");
  EXPECT_EQ(HeaderOf(wire->Headers(), "Authorization"), "<absent>");
  const json body = Encode(*wire, Request(true));
  EXPECT_EQ(body["model"], "m-1");
  EXPECT_EQ(body["max_tokens"], 300);
  EXPECT_EQ(body["system"], "You triage recruiter messages.");
  ASSERT_EQ(body["messages"].size(), 3u);
  EXPECT_EQ(body["messages"][0],
            (json{{"role", "user"}, {"content", "first"}}));
  ASSERT_EQ(body["tools"].size(), 1u);
  EXPECT_EQ(body["tools"][0]["name"], "triage");
  EXPECT_EQ(body["tools"][0]["input_schema"], json::parse(kSchema));
  EXPECT_EQ(body["tool_choice"], (json{{"type", "tool"}, {"name", "triage"}}));
}

TEST(OllamaWireTest, RequestPutsTheSchemaInFormat) {
  auto wire = NewOllamaWire(Config(ProviderKind::kOllama));
  EXPECT_EQ(wire->path(), "/api/chat");
  const json body = Encode(*wire, Request(true));
  EXPECT_EQ(body["model"], "m-1");
  EXPECT_EQ(body["stream"], false);
  EXPECT_EQ(body["format"], json::parse(kSchema));
  EXPECT_EQ(body["options"],
            (json{{"num_predict", 300}, {"temperature", 0.0}}));
  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
}

TEST(WireTest, BadRequestsAreInvalidArgument) {
  const std::unique_ptr<WireFormat> wires[] = {
      NewOpenAiWire(Config(ProviderKind::kOpenAi)),
      NewAnthropicWire(Config(ProviderKind::kAnthropic)),
      NewOllamaWire(Config(ProviderKind::kOllama))};
  for (const auto& wire : wires) {
    ChatRequest no_messages = Request(false);
    no_messages.messages.clear();
    ChatRequest bad_schema = Request(true);
    bad_schema.json_schema = "[1,2";
    ChatRequest array_schema = Request(true);
    array_schema.json_schema = "[]";
    ChatRequest bad_name = Request(true);
    bad_name.schema_name = "has space";
    ChatRequest no_tokens = Request(false);
    no_tokens.max_tokens = 0;
    for (const ChatRequest* request :
         {&no_messages, &bad_schema, &array_schema, &bad_name, &no_tokens}) {
      EXPECT_EQ(
          wire->EncodeRequest(*request, JsonMode::kNative).status().code(),
          absl::StatusCode::kInvalidArgument)
          << wire->path();
    }
  }
}

// --- Decoding ---------------------------------------------------------------

struct DecodeCase {
  const char* name;
  ProviderKind kind;
  bool with_schema;
  const char* body;
  // Expected: ok, then text, finish_reason, input and output tokens, model.
  bool ok;
  const char* text;
  const char* finish_reason;
  int64_t input_tokens;
  int64_t output_tokens;
  const char* model;
};

const DecodeCase kDecodeCases[] = {
    {"openai_answer", ProviderKind::kOpenAi, true,
     R"({"id":"c","object":"chat.completion","model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant",
         "content":"{\"tier\":\"LOW\"}","refusal":null},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":31,"completion_tokens":7,"total_tokens":38}})",
     true, R"({"tier":"LOW"})", "stop", 31, 7, "gpt-4o-mini-2024-07-18"},
    {"openai_truncated", ProviderKind::kOpenAi, true,
     R"({"choices":[{"message":{"content":"{\"tier\":\"LO"},
         "finish_reason":"length"}],"usage":{"prompt_tokens":3,
         "completion_tokens":300}})",
     true, R"({"tier":"LO)", "length", 3, 300, "m-1"},
    {"openai_refusal", ProviderKind::kOpenAi, true,
     R"({"choices":[{"message":{"content":null,"refusal":"I can't"},
         "finish_reason":"stop"}]})",
     true, "", "refusal", 0, 0, "m-1"},
    {"openai_no_usage_null_reason", ProviderKind::kOpenAi, false,
     R"({"choices":[{"message":{"content":"hi"},"finish_reason":null}]})", true,
     "hi", "", 0, 0, "m-1"},
    {"openai_not_json", ProviderKind::kOpenAi, false, "<html>oops</html>",
     false, "", "", 0, 0, ""},
    {"openai_no_choices", ProviderKind::kOpenAi, false, R"({"choices":[]})",
     false, "", "", 0, 0, ""},
    {"openai_content_not_string", ProviderKind::kOpenAi, false,
     R"({"choices":[{"message":{"content":5}}]})", false, "", "", 0, 0, ""},
    {"openai_truncated_body", ProviderKind::kOpenAi, false,
     R"({"choices":[{"message":{"content":"h)", false, "", "", 0, 0, ""},

    {"anthropic_tool_use", ProviderKind::kAnthropic, true,
     R"({"id":"msg","type":"message","role":"assistant","model":"claude-x",
         "content":[{"type":"text","text":"Sure."},{"type":"tool_use",
         "id":"toolu_1","name":"triage","input":{"tier":"LOW"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":40,"output_tokens":12}})",
     true, R"({"tier":"LOW"})", "tool_use", 40, 12, "claude-x"},
    {"anthropic_max_tokens", ProviderKind::kAnthropic, true,
     R"({"type":"message","content":[],"stop_reason":"max_tokens",
         "usage":{"input_tokens":40,"output_tokens":300}})",
     true, "", "length", 40, 300, "m-1"},
    {"anthropic_text", ProviderKind::kAnthropic, false,
     R"({"type":"message","content":[{"type":"text","text":"Hello "},
         {"type":"text","text":"there"}],"stop_reason":"end_turn",
         "usage":{"input_tokens":5,"output_tokens":2}})",
     true, "Hello there", "end_turn", 5, 2, "m-1"},
    {"anthropic_schema_but_no_tool", ProviderKind::kAnthropic, true,
     R"({"type":"message","content":[{"type":"text","text":"{}"}],
         "stop_reason":"end_turn"})",
     false, "", "", 0, 0, ""},
    {"anthropic_error_object", ProviderKind::kAnthropic, false,
     R"({"type":"error","error":{"type":"overloaded_error","message":"x"}})",
     false, "", "", 0, 0, ""},

    {"ollama_answer", ProviderKind::kOllama, true,
     R"({"model":"llama3.1:8b","created_at":"2026-01-01T00:00:00Z",
         "message":{"role":"assistant","content":"{\"tier\":\"LOW\"}"},
         "done_reason":"stop","done":true,"prompt_eval_count":26,
         "eval_count":290})",
     true, R"({"tier":"LOW"})", "stop", 26, 290, "llama3.1:8b"},
    {"ollama_length_cached_prompt", ProviderKind::kOllama, false,
     R"({"message":{"role":"assistant","content":"abc"},"done_reason":"length",
         "done":true,"eval_count":300})",
     true, "abc", "length", 0, 300, "m-1"},
    {"ollama_error", ProviderKind::kOllama, false,
     R"({"error":"model 'x' not found"})", false, "", "", 0, 0, ""},
    {"ollama_no_message", ProviderKind::kOllama, false, R"({"done":true})",
     false, "", "", 0, 0, ""},
};

class DecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeTest, DecodesOrRefuses) {
  const DecodeCase& c = GetParam();
  ProviderConfig config = Config(c.kind);
  std::unique_ptr<WireFormat> wire =
      c.kind == ProviderKind::kOpenAi      ? NewOpenAiWire(config)
      : c.kind == ProviderKind::kAnthropic ? NewAnthropicWire(config)
                                           : NewOllamaWire(config);
  absl::StatusOr<ChatResponse> response =
      wire->DecodeResponse(c.body, Request(c.with_schema));
  if (!c.ok) {
    EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss)
        << response.status();
    return;
  }
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, c.text);
  EXPECT_EQ(response->finish_reason, c.finish_reason);
  EXPECT_EQ(response->usage.input_tokens, c.input_tokens);
  EXPECT_EQ(response->usage.output_tokens, c.output_tokens);
  EXPECT_EQ(response->model, c.model);
}

INSTANTIATE_TEST_SUITE_P(
    Replies, DecodeTest, ::testing::ValuesIn(kDecodeCases),
    [](const ::testing::TestParamInfo<DecodeCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(ErrorMessageTest, ReadsEachApisErrorShape) {
  EXPECT_EQ(
      ErrorMessageOf(
          R"({"error":{"message":"bad schema","type":"invalid_request_error","code":null}})"),
      "invalid_request_error: bad schema");
  EXPECT_EQ(
      ErrorMessageOf(
          R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"),
      "overloaded_error: Overloaded");
  EXPECT_EQ(ErrorMessageOf(R"({"error":"model not found"})"),
            "model not found");
  EXPECT_EQ(ErrorMessageOf("<html>502</html>"), "");
  EXPECT_LE(
      ErrorMessageOf(R"({"error":")" + std::string(5000, 'x') + "\"}").size(),
      310u);
}

TEST(BaseUrlTest, SplitsEndpointAndPathPrefix) {
  struct Case {
    const char* url;
    const char* endpoint;
    const char* prefix;
  } cases[] = {
      {"https://api.openai.com/v1", "https://api.openai.com:443", "/v1"},
      {"https://api.anthropic.com", "https://api.anthropic.com:443", ""},
      {"http://localhost:11434/", "http://localhost:11434", ""},
      {"HTTP://127.0.0.1:8080/openai/v1//", "http://127.0.0.1:8080",
       "/openai/v1"},
      {"http://[::1]:8000/v1", "http://[::1]:8000", "/v1"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<BaseUrl> base = ParseBaseUrl(c.url);
    ASSERT_TRUE(base.ok()) << c.url << ": " << base.status();
    EXPECT_EQ(base->scheme_host_port, c.endpoint) << c.url;
    EXPECT_EQ(base->path_prefix, c.prefix) << c.url;
  }
  for (const char* bad :
       {"", "api.openai.com", "ftp://x", "http://", "http://:80", "http://h:0",
        "http://h:99999", "http://h:x", "http://u:p@h/", "http://h/v1?key=1"}) {
    EXPECT_EQ(ParseBaseUrl(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace lia::llm::internal
