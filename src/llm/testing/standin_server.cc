#include "llm/testing/standin_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <thread>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace lia::llm::testing {

using nlohmann::json;

std::string RecordedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key,
                               absl::string_view(name.data(), name.size()))) {
      return value;
    }
  }
  return "";
}

StandinResponse StandinResponse::Json(int status, std::string body) {
  StandinResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

StandinResponse StandinResponse::Held() {
  StandinResponse response;
  response.hold = true;
  return response;
}

StandinResponse StandinResponse::Header(std::string name,
                                        std::string value) && {
  headers.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

StandinResponse StandinResponse::Delayed(absl::Duration d) && {
  delay = d;
  return std::move(*this);
}

struct StandinServer::State {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  mutable absl::Mutex mu;
  std::deque<std::variant<StandinResponse, StandinHandler>> queue
      ABSL_GUARDED_BY(mu);
  StandinResponse fallback ABSL_GUARDED_BY(mu);
  std::vector<RecordedRequest> requests ABSL_GUARDED_BY(mu);
  int in_flight ABSL_GUARDED_BY(mu) = 0;
  int max_in_flight ABSL_GUARDED_BY(mu) = 0;
  uint64_t release_generation ABSL_GUARDED_BY(mu) = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool stopped ABSL_GUARDED_BY(mu) = false;

  void Handle(const httplib::Request& req, httplib::Response& res);
};

void StandinServer::State::Handle(const httplib::Request& req,
                                  httplib::Response& res) {
  RecordedRequest recorded;
  recorded.method = req.method;
  recorded.path = req.path;
  for (const auto& [name, value] : req.headers) {
    recorded.headers.emplace_back(name, value);
  }
  recorded.body = req.body;

  std::variant<StandinResponse, StandinHandler> next;
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu);
    requests.push_back(recorded);
    max_in_flight = std::max(max_in_flight, ++in_flight);
    if (queue.empty()) {
      next = fallback;
    } else {
      next = std::move(queue.front());
      queue.pop_front();
    }
    generation = release_generation;
  }
  StandinResponse answer;
  if (auto* handler = std::get_if<StandinHandler>(&next)) {
    answer = (*handler)(recorded);
  } else {
    answer = std::get<StandinResponse>(std::move(next));
  }
  {
    absl::MutexLock lock(&mu);
    if (answer.hold) {
      auto released = [this, generation]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        mu.AssertHeld();
        return stopping || release_generation != generation;
      };
      mu.Await(absl::Condition(&released));
      answer.status = 503;
      answer.body = R"({"error":"stand-in: held request released"})";
    } else if (answer.delay > absl::ZeroDuration()) {
      mu.AwaitWithTimeout(absl::Condition(&stopping), answer.delay);
    }
    --in_flight;
  }
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) {
    res.set_header(name, value);
  }
  res.set_content(answer.body, answer.content_type);
}

StandinServer::StandinServer() : state_(std::make_unique<State>()) {
  State& s = *state_;
  {
    absl::MutexLock lock(&s.mu);
    s.fallback.status = 500;
    s.fallback.body =
        R"({"error":{"message":"stand-in: no response queued","type":"server_error"}})";
  }
  // Enough threads for the concurrency tests and their keep-alive sockets.
  s.server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  s.server.set_keep_alive_timeout(1);
  auto handler = [&s](const httplib::Request& req, httplib::Response& res) {
    s.Handle(req, res);
  };
  s.server.Post(".*", handler);
  s.server.Get(".*", handler);
  s.server.Put(".*", handler);
  s.server.Delete(".*", handler);
  s.server.Patch(".*", handler);
  s.port = s.server.bind_to_any_port("127.0.0.1");
  if (s.port <= 0) throw std::runtime_error("stand-in server: bind failed");
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  // Connections queue in the listen backlog until the loop runs, so the
  // server is usable at once; wait anyway so Stop() always finds it running.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!s.server.is_running()) {
    if (absl::Now() > give_up) {
      throw std::runtime_error("stand-in server: did not start");
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
}

StandinServer::~StandinServer() { Stop(); }

int StandinServer::port() const { return state_->port; }

std::string StandinServer::url() const {
  return absl::StrCat("http://127.0.0.1:", state_->port);
}

void StandinServer::Enqueue(StandinResponse response) {
  absl::MutexLock lock(&state_->mu);
  state_->queue.emplace_back(std::move(response));
}

void StandinServer::Enqueue(StandinHandler handler) {
  absl::MutexLock lock(&state_->mu);
  state_->queue.emplace_back(std::move(handler));
}

void StandinServer::SetFallback(StandinResponse response) {
  absl::MutexLock lock(&state_->mu);
  state_->fallback = std::move(response);
}

std::vector<RecordedRequest> StandinServer::requests() const {
  absl::MutexLock lock(&state_->mu);
  return state_->requests;
}

std::size_t StandinServer::request_count() const {
  absl::MutexLock lock(&state_->mu);
  return state_->requests.size();
}

bool StandinServer::WaitForRequests(std::size_t count,
                                    absl::Duration timeout) const {
  State& s = *state_;
  absl::MutexLock lock(&s.mu);
  auto arrived = [&s, count]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    s.mu.AssertHeld();
    return s.requests.size() >= count;
  };
  return s.mu.AwaitWithTimeout(absl::Condition(&arrived), timeout);
}

int StandinServer::in_flight() const {
  absl::MutexLock lock(&state_->mu);
  return state_->in_flight;
}

int StandinServer::max_in_flight() const {
  absl::MutexLock lock(&state_->mu);
  return state_->max_in_flight;
}

void StandinServer::ReleaseHeld() {
  absl::MutexLock lock(&state_->mu);
  ++state_->release_generation;
}

void StandinServer::Stop() {
  State& s = *state_;
  {
    absl::MutexLock lock(&s.mu);
    if (s.stopped) return;
    s.stopped = true;
    s.stopping = true;
  }
  s.server.stop();
  if (s.thread.joinable()) s.thread.join();
}

int UnusedPort() {
  // Bind a port, then close it without listening: the kernel will not hand
  // it out again at once, and nothing accepts on it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("UnusedPort: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("UnusedPort: bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string OpenAiChatBody(std::string_view content, int64_t prompt_tokens,
                           int64_t completion_tokens,
                           std::string_view finish_reason,
                           std::string_view model) {
  json body = {
      {"id", "chatcmpl-standin"},
      {"object", "chat.completion"},
      {"created", 1'800'000'000},
      {"model", model},
      {"choices", json::array({{{"index", 0},
                                {"message",
                                 {{"role", "assistant"},
                                  {"content", content},
                                  {"refusal", nullptr}}},
                                {"logprobs", nullptr},
                                {"finish_reason", finish_reason}}})},
      {"usage",
       {{"prompt_tokens", prompt_tokens},
        {"completion_tokens", completion_tokens},
        {"total_tokens", prompt_tokens + completion_tokens}}},
      {"system_fingerprint", "fp_standin"},
  };
  return body.dump();
}

std::string OpenAiErrorBody(std::string_view message, std::string_view type,
                            std::string_view code) {
  json error = {{"message", message}, {"type", type}, {"param", nullptr}};
  error["code"] = code.empty() ? json(nullptr) : json(code);
  return json{{"error", std::move(error)}}.dump();
}

namespace {

json AnthropicMessage(json content, std::string_view stop_reason,
                      std::string_view model, int64_t input_tokens,
                      int64_t output_tokens) {
  return {
      {"id", "msg_standin"},
      {"type", "message"},
      {"role", "assistant"},
      {"model", model},
      {"content", std::move(content)},
      {"stop_reason", stop_reason},
      {"stop_sequence", nullptr},
      {"usage",
       {{"input_tokens", input_tokens},
        {"output_tokens", output_tokens},
        {"cache_creation_input_tokens", 0},
        {"cache_read_input_tokens", 0}}},
  };
}

}  // namespace

std::string AnthropicTextBody(std::string_view text, int64_t input_tokens,
                              int64_t output_tokens,
                              std::string_view stop_reason,
                              std::string_view model) {
  return AnthropicMessage(json::array({{{"type", "text"}, {"text", text}}}),
                          stop_reason, model, input_tokens, output_tokens)
      .dump();
}

std::string AnthropicToolUseBody(std::string_view tool,
                                 std::string_view input_json,
                                 int64_t input_tokens, int64_t output_tokens,
                                 std::string_view stop_reason,
                                 std::string_view model) {
  json block = {{"type", "tool_use"},
                {"id", "toolu_standin"},
                {"name", tool},
                {"input", json::parse(input_json)}};
  return AnthropicMessage(json::array({std::move(block)}), stop_reason, model,
                          input_tokens, output_tokens)
      .dump();
}

std::string AnthropicErrorBody(std::string_view type,
                               std::string_view message) {
  return json{{"type", "error"},
              {"error", {{"type", type}, {"message", message}}}}
      .dump();
}

std::string OllamaChatBody(std::string_view content, int64_t prompt_eval_count,
                           int64_t eval_count, std::string_view done_reason,
                           std::string_view model) {
  json body = {
      {"model", model},
      {"created_at", "2026-01-01T00:00:00.000000Z"},
      {"message", {{"role", "assistant"}, {"content", content}}},
      {"done_reason", done_reason},
      {"done", true},
      {"total_duration", 4'883'583'458},
      {"load_duration", 1'334'875},
      {"prompt_eval_count", prompt_eval_count},
      {"prompt_eval_duration", 342'546'000},
      {"eval_count", eval_count},
      {"eval_duration", 4'535'599'000},
  };
  return body.dump();
}

std::string OllamaErrorBody(std::string_view message) {
  return json{{"error", message}}.dump();
}

}  // namespace lia::llm::testing
