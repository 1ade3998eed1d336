#pragma once

// A stand-in LLM API for tests: an HTTP server on 127.0.0.1 and a free port
// that answers from a queue the test fills, and records every request. It
// speaks whatever the queued answers say; the *Body() helpers below write
// the real wire format of each API's answers.
//
//   StandinServer server;
//   server.Enqueue(StandinResponse::Json(429, OpenAiErrorBody("slow down"))
//                      .Header("Retry-After", "1"));
//   server.Enqueue(StandinResponse::Ok(OpenAiChatBody(R"({"tier":"LOW"})", 12,
//   5))); config.base_url = server.url();   // "http://127.0.0.1:PORT"
//   ... provider->Complete(request) ...
//   EXPECT_EQ(server.requests()[1].path, "/chat/completions");
//
// cpp-httplib stays inside the .cc.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace lia::llm::testing {

struct RecordedRequest {
  std::string method;  // "POST".
  std::string path;    // "/v1/chat/completions", without the query.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  std::string body;

  // The first value of header `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct StandinResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Waits this long before answering (less if the server stops).
  absl::Duration delay = absl::ZeroDuration();
  // Never answers: holds the request until ReleaseHeld() or Stop(), then
  // answers 503. For clients that must give up on their own.
  bool hold = false;

  // Builders, for one-line answers:
  //   StandinResponse::Json(429, body).Header("Retry-After", "1")
  static StandinResponse Json(int status, std::string body);
  static StandinResponse Ok(std::string body) {
    return Json(200, std::move(body));
  }
  static StandinResponse Held();
  StandinResponse Header(std::string name, std::string value) &&;
  StandinResponse Delayed(absl::Duration d) &&;
};

// Computes the answer from the request (called on a server thread).
using StandinHandler =
    std::function<StandinResponse(const RecordedRequest& request)>;

// Thread-safe.
class StandinServer {
 public:
  // Listens at once; Stop() or the destructor ends it.
  StandinServer();
  ~StandinServer();
  StandinServer(const StandinServer&) = delete;
  StandinServer& operator=(const StandinServer&) = delete;

  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT".

  // Answers, one per request, in order. Any method and path.
  void Enqueue(StandinResponse response);
  void Enqueue(StandinHandler handler);
  // The answer once the queue is empty. Default: 500 with an error body
  // saying nothing was queued.
  void SetFallback(StandinResponse response);

  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  // Waits until `count` requests have arrived; false after `timeout`.
  bool WaitForRequests(std::size_t count, absl::Duration timeout) const;
  // Requests being answered now, and the most there have been at once.
  int in_flight() const;
  int max_in_flight() const;

  // Lets every held request answer (503).
  void ReleaseHeld();
  // Ends held requests and stops serving. Idempotent.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A port on 127.0.0.1 where nothing listens: connecting is refused.
int UnusedPort();

// --- Answers in each API's wire format ---------------------------------------

// OpenAI Chat Completions: one choice whose message content is `content`,
// with usage prompt_tokens/completion_tokens.
std::string OpenAiChatBody(std::string_view content, int64_t prompt_tokens,
                           int64_t completion_tokens,
                           std::string_view finish_reason = "stop",
                           std::string_view model = "gpt-4o-mini-2024-07-18");
// {"error": {"message", "type", "code"}}, as OpenAI sends with a 4xx/5xx.
std::string OpenAiErrorBody(std::string_view message,
                            std::string_view type = "invalid_request_error",
                            std::string_view code = "");

// Anthropic Messages: one text content block.
std::string AnthropicTextBody(
    std::string_view text, int64_t input_tokens, int64_t output_tokens,
    std::string_view stop_reason = "end_turn",
    std::string_view model = "claude-3-5-haiku-20241022");
// Anthropic Messages: a tool_use block named `tool` whose input is
// `input_json` (a JSON object), as a forced tool_choice yields.
std::string AnthropicToolUseBody(
    std::string_view tool, std::string_view input_json, int64_t input_tokens,
    int64_t output_tokens, std::string_view stop_reason = "tool_use",
    std::string_view model = "claude-3-5-haiku-20241022");
// {"type": "error", "error": {"type", "message"}}.
std::string AnthropicErrorBody(std::string_view type, std::string_view message);

// Ollama /api/chat with stream false: the final object, with
// prompt_eval_count and eval_count.
std::string OllamaChatBody(std::string_view content, int64_t prompt_eval_count,
                           int64_t eval_count,
                           std::string_view done_reason = "stop",
                           std::string_view model = "llama3.1:8b");
// {"error": "..."}.
std::string OllamaErrorBody(std::string_view message);

}  // namespace lia::llm::testing
