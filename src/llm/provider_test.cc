// Each provider against a stand-in of its API (llm/testing/standin_server.h)
// over real sockets: the request it sends, and what it makes of every kind
// of answer, silence and failure. Durations are milliseconds so the suite
// stays fast.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "llm/provider.h"
#include "llm/provider_config.h"
#include "llm/testing/standin_server.h"
#include "nlohmann/json.hpp"
#include "obs/metrics.h"

namespace lia::llm {
namespace {

using nlohmann::json;
using testing::RecordedRequest;
using testing::StandinResponse;
using testing::StandinServer;

constexpr char kKey[] = "sk-test-0123456789abcdef";
constexpr char kModel[] = "test-model";
constexpr char kSchema[] =
    R"({"type":"object","properties":{"tier":{"type":"string"}},)"
    R"("required":["tier"],"additionalProperties":false})";
constexpr char kAnswer[] = R"({"tier":"LOW"})";

// What differs between the three APIs, for the shared tests below.
struct Api {
  const char* name;
  ProviderKind kind;
  const char* base_path;  // Appended to the stand-in's URL.
  const char* path;       // Where requests must land.
  bool uses_key;
  // An answer carrying `json_text` with these token counts; "length" /
  // "max_tokens" when `truncated`.
  std::function<std::string(std::string_view json_text, int64_t in, int64_t out,
                            bool truncated)>
      answer;
  std::function<std::string(std::string_view message)> error;
  // The API-specific half of the request check: headers, schema placement.
  std::function<void(const RecordedRequest& request, const json& body)> check;
};

void PrintTo(const Api& api, std::ostream* os) { *os << api.name; }

const Api kApis[] = {
    {"openai", ProviderKind::kOpenAi, "/v1", "/v1/chat/completions", true,
     [](std::string_view text, int64_t in, int64_t out, bool truncated) {
       return testing::OpenAiChatBody(text, in, out,
                                      truncated ? "length" : "stop");
     },
     [](std::string_view message) { return testing::OpenAiErrorBody(message); },
     [](const RecordedRequest& request, const json& body) {
       EXPECT_EQ(request.header("Authorization"),
                 absl::StrCat("Bearer ", kKey));
       EXPECT_EQ(body["messages"][0],
                 (json{{"role", "system"}, {"content", "Triage it."}}));
       EXPECT_EQ(body["messages"][1],
                 (json{{"role", "user"}, {"content", "Hi, a Go role?"}}));
       EXPECT_EQ(body["max_tokens"], 200);
       EXPECT_EQ(body["response_format"]["type"], "json_schema");
       EXPECT_EQ(body["response_format"]["json_schema"]["name"], "triage");
       EXPECT_EQ(body["response_format"]["json_schema"]["strict"], true);
       EXPECT_EQ(body["response_format"]["json_schema"]["schema"],
                 json::parse(kSchema));
     }},
    {"anthropic", ProviderKind::kAnthropic, "", "/v1/messages", true,
     [](std::string_view text, int64_t in, int64_t out, bool truncated) {
       if (truncated) {
         return json{{"id", "msg_1"},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"model", "claude-3-5-haiku-20241022"},
                     {"content", json::array({{{"type", "tool_use"},
                                               {"id", "toolu_1"},
                                               {"name", "triage"},
                                               {"input", json::object()}}})},
                     {"stop_reason", "max_tokens"},
                     {"stop_sequence", nullptr},
                     {"usage", {{"input_tokens", in}, {"output_tokens", out}}}}
             .dump();
       }
       return testing::AnthropicToolUseBody("triage", text, in, out);
     },
     [](std::string_view message) {
       return testing::AnthropicErrorBody("invalid_request_error", message);
     },
     [](const RecordedRequest& request, const json& body) {
       EXPECT_EQ(request.header("x-api-key"), kKey);
       EXPECT_EQ(request.header("anthropic-version"), "2023-06-01");
       EXPECT_EQ(request.header("Authorization"), "");
       EXPECT_EQ(body["system"], "Triage it.");
       EXPECT_EQ(
           body["messages"],
           json::array({{{"role", "user"}, {"content", "Hi, a Go role?"}}}));
       EXPECT_EQ(body["max_tokens"], 200);
       ASSERT_EQ(body["tools"].size(), 1u);
       EXPECT_EQ(body["tools"][0]["name"], "triage");
       EXPECT_EQ(body["tools"][0]["input_schema"], json::parse(kSchema));
       EXPECT_EQ(body["tool_choice"],
                 (json{{"type", "tool"}, {"name", "triage"}}));
     }},
    {"ollama", ProviderKind::kOllama, "", "/api/chat", false,
     [](std::string_view text, int64_t in, int64_t out, bool truncated) {
       return testing::OllamaChatBody(text, in, out,
                                      truncated ? "length" : "stop");
     },
     [](std::string_view message) { return testing::OllamaErrorBody(message); },
     [](const RecordedRequest& request, const json& body) {
       EXPECT_EQ(request.header("Authorization"), "");
       EXPECT_EQ(body["stream"], false);
       EXPECT_EQ(body["messages"][0],
                 (json{{"role", "system"}, {"content", "Triage it."}}));
       EXPECT_EQ(body["format"], json::parse(kSchema));
       EXPECT_EQ(body["options"]["num_predict"], 200);
     }},
};

// The value of the exposition line `series value`, or nullopt.
std::optional<double> Sample(const std::string& exposition,
                             const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::StartsWith(line, absl::StrCat(series, " "))) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) {
        return value;
      }
    }
  }
  return std::nullopt;
}

class ProviderTest : public ::testing::TestWithParam<Api> {
 protected:
  const Api& api() const { return GetParam(); }

  ProviderConfig Config() {
    ProviderConfig config;
    config.kind = api().kind;
    config.base_url = server_.url() + api().base_path;
    if (api().uses_key) config.api_key = kKey;
    config.model = kModel;
    config.connect_timeout = absl::Seconds(1);
    config.attempt_timeout = absl::Seconds(3);
    config.timeout = absl::Seconds(4);
    config.retry.max_attempts = 3;
    config.retry.initial_backoff = absl::Milliseconds(1);
    config.retry.max_backoff = absl::Milliseconds(5);
    config.retry.max_retry_after = absl::Seconds(3);
    config.circuit_breaker.failure_threshold = 100;
    config.circuit_breaker.cooldown = absl::Milliseconds(100);
    config.metrics = &registry_;
    return config;
  }

  std::unique_ptr<Provider> Make(const ProviderConfig& config) {
    absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
    EXPECT_TRUE(provider.ok()) << provider.status();
    return provider.ok() ? *std::move(provider) : nullptr;
  }
  std::unique_ptr<Provider> Make() { return Make(Config()); }

  static ChatRequest Request() {
    ChatRequest request;  // The model comes from the configuration.
    request.system = "Triage it.";
    request.messages = {{ChatMessage::Role::kUser, "Hi, a Go role?"}};
    request.json_schema = kSchema;
    request.schema_name = "triage";
    request.max_tokens = 200;
    return request;
  }

  StandinResponse Answer(int64_t in = 10, int64_t out = 5) const {
    return StandinResponse::Ok(api().answer(kAnswer, in, out, false));
  }
  StandinResponse Error(int status, std::string_view message) const {
    return StandinResponse::Json(status, api().error(message));
  }

  std::string Series(const std::string& family, const std::string& extra = "") {
    return absl::StrCat(family, "{provider=\"", api().name, "\",model=\"",
                        kModel, "\"", extra, "}");
  }

  StandinServer server_;
  obs::Registry registry_;
};

TEST_P(ProviderTest, SendsTheApisRequestAndReadsTheAnswer) {
  server_.Enqueue(Answer(31, 7));
  auto provider = Make();
  EXPECT_EQ(provider->name(), api().name);

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(json::parse(response->text), json::parse(kAnswer));
  EXPECT_EQ(response->usage.input_tokens, 31);
  EXPECT_EQ(response->usage.output_tokens, 7);
  EXPECT_NE(response->finish_reason, "length");
  EXPECT_FALSE(response->model.empty());
  EXPECT_EQ(response->attempts, 1);

  std::vector<RecordedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, api().path);
  EXPECT_TRUE(
      absl::StartsWith(requests[0].header("Content-Type"), "application/json"));
  const json body = json::parse(requests[0].body);
  EXPECT_EQ(body["model"], kModel);
  api().check(requests[0], body);
}

TEST_P(ProviderTest, RetriesA429AfterItsRetryAfterThenSucceeds) {
  server_.Enqueue(StandinResponse::Json(429, api().error("rate limited"))
                      .Header("Retry-After", "1"));
  server_.Enqueue(Answer());
  auto provider = Make();

  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> response = provider->Complete(Request());
  const absl::Duration elapsed = absl::Now() - start;

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->attempts, 2);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_GE(elapsed, absl::Milliseconds(950));
  EXPECT_LT(elapsed, absl::Milliseconds(2500));
}

TEST_P(ProviderTest, CapsALongRetryAfter) {
  ProviderConfig config = Config();
  config.retry.max_retry_after = absl::Milliseconds(50);
  server_.Enqueue(StandinResponse::Json(503, api().error("overloaded"))
                      .Header("Retry-After", "3600"));
  server_.Enqueue(Answer());
  auto provider = Make(config);

  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> response = provider->Complete(Request());
  const absl::Duration elapsed = absl::Now() - start;

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_GE(elapsed, absl::Milliseconds(50));
  EXPECT_LT(elapsed, absl::Milliseconds(1000));
}

TEST_P(ProviderTest, ARetryAfterPastTheDeadlineFailsAtOnce) {
  ProviderConfig config = Config();
  config.timeout = absl::Milliseconds(500);
  server_.Enqueue(StandinResponse::Json(429, api().error("slow down"))
                      .Header("Retry-After", "2"));
  auto provider = Make(config);

  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted)
      << response.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(400));
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_P(ProviderTest, RetriesA500ThenSucceeds) {
  server_.Enqueue(Error(500, "boom"));
  server_.Enqueue(Answer());
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->attempts, 2);
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_P(ProviderTest, A500ForeverIsUnavailableAfterTheRetries) {
  server_.SetFallback(Error(500, "still broken"));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(response.status().message(), "HTTP 500"))
      << response.status();
  EXPECT_TRUE(absl::StrContains(response.status().message(), "still broken"))
      << response.status();
  EXPECT_EQ(server_.request_count(), 3u);  // retry.max_attempts
}

TEST_P(ProviderTest, A429ForeverIsResourceExhaustedAfterTheRetries) {
  server_.SetFallback(Error(429, "rate limited"));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_P(ProviderTest, AMalformedBodyIsDataLossAndNotRetried) {
  server_.Enqueue(StandinResponse::Ok(R"({"choices": [{"message": )"));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kDataLoss)
      << response.status();
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_P(ProviderTest, ATruncatedAnswerIsReportedAsLength) {
  server_.Enqueue(
      StandinResponse::Ok(api().answer(R"({"tier":"LO)", 12, 200, true)));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->finish_reason, "length");
  EXPECT_EQ(response->usage.output_tokens, 200);
}

TEST_P(ProviderTest, A400IsInvalidArgumentAndNotRetried) {
  ProviderConfig config = Config();
  config.openai_json_object_fallback = false;
  server_.Enqueue(Error(400, "messages: field required"));
  auto provider = Make(config);

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(response.status().message(),
                                "messages: field required"))
      << response.status();
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_P(ProviderTest, A401IsUnauthenticatedAndNeverShowsTheKey) {
  // Servers echo (parts of) a wrong key; the error must not carry it.
  server_.Enqueue(Error(401, absl::StrCat("Incorrect API key: ", kKey)));
  server_.Enqueue(Error(403, absl::StrCat("Key ", kKey, " lacks access")));
  auto provider = Make();

  absl::StatusOr<ChatResponse> unauthenticated = provider->Complete(Request());
  absl::StatusOr<ChatResponse> denied = provider->Complete(Request());

  EXPECT_EQ(unauthenticated.status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(absl::StrContains(unauthenticated.status().ToString(), kKey));
  EXPECT_FALSE(absl::StrContains(denied.status().ToString(), kKey));
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_P(ProviderTest, ErrorMessagesNeverShowTheKey) {
  server_.Enqueue(Error(400, absl::StrCat("bad request from key ", kKey)));
  ProviderConfig config = Config();
  config.api_key = kKey;  // Even where the API takes no key.
  config.openai_json_object_fallback = false;
  auto provider = Make(config);

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(absl::StrContains(response.status().ToString(), kKey))
      << response.status();
}

TEST_P(ProviderTest, ASilentServerIsDeadlineExceededWithinTheTimeout) {
  ProviderConfig config = Config();
  config.timeout = absl::Milliseconds(300);
  config.attempt_timeout = absl::Milliseconds(300);
  server_.SetFallback(StandinResponse::Held());
  auto provider = Make(config);

  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> response = provider->Complete(Request());
  const absl::Duration elapsed = absl::Now() - start;

  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  EXPECT_GE(elapsed, absl::Milliseconds(290));
  EXPECT_LT(elapsed, absl::Milliseconds(700));
  server_.ReleaseHeld();
}

TEST_P(ProviderTest, ATimedOutAttemptIsRetriedWithinTheCallTimeout) {
  ProviderConfig config = Config();
  config.attempt_timeout = absl::Milliseconds(150);
  server_.Enqueue(StandinResponse::Held());
  server_.Enqueue(Answer());
  auto provider = Make(config);

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->attempts, 2);
  server_.ReleaseHeld();
}

TEST_P(ProviderTest, ARefusedConnectionIsUnavailable) {
  ProviderConfig config = Config();
  config.base_url =
      absl::StrCat("http://127.0.0.1:", testing::UnusedPort(), api().base_path);
  auto provider = Make(config);

  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

TEST_P(ProviderTest, TheCircuitBreakerOpensThenHalfOpens) {
  ProviderConfig config = Config();
  config.retry.max_attempts = 1;
  config.circuit_breaker.failure_threshold = 2;
  config.circuit_breaker.cooldown = absl::Milliseconds(150);
  server_.Enqueue(Error(500, "down"));
  server_.Enqueue(Error(502, "down"));
  auto provider = Make(config);

  EXPECT_EQ(provider->Complete(Request()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(provider->Complete(Request()).status().code(),
            absl::StatusCode::kUnavailable);
  // Open: refused at once, without a request.
  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> refused = provider->Complete(Request());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "circuit breaker"))
      << refused.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(server_.request_count(), 2u);

  // After the cool-down one trial goes through; its success closes it.
  absl::SleepFor(absl::Milliseconds(200));
  server_.Enqueue(Answer());
  server_.Enqueue(Answer());
  EXPECT_TRUE(provider->Complete(Request()).ok());
  EXPECT_TRUE(provider->Complete(Request()).ok());
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_P(ProviderTest, AFailedTrialOpensTheBreakerAgain) {
  ProviderConfig config = Config();
  config.retry.max_attempts = 1;
  config.circuit_breaker.failure_threshold = 1;
  config.circuit_breaker.cooldown = absl::Milliseconds(100);
  server_.SetFallback(Error(500, "down"));
  auto provider = Make(config);

  EXPECT_FALSE(provider->Complete(Request()).ok());
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_FALSE(provider->Complete(Request()).ok());  // The trial, failed.
  EXPECT_EQ(server_.request_count(), 2u);
  absl::StatusOr<ChatResponse> refused = provider->Complete(Request());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "circuit breaker"))
      << refused.status();
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_P(ProviderTest, AtMostMaxConcurrencyCallsAreInFlight) {
  ProviderConfig config = Config();
  config.max_concurrency = 2;
  StandinResponse answer = Answer().Delayed(absl::Milliseconds(150));
  for (int i = 0; i < 3; ++i) server_.Enqueue(answer);
  auto provider = Make(config);

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      if (provider->Complete(Request()).ok()) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(server_.max_in_flight(), 2);
}

TEST_P(ProviderTest, WaitingForASlotCountsAgainstTheTimeout) {
  ProviderConfig config = Config();
  config.max_concurrency = 1;
  config.timeout = absl::Milliseconds(300);
  server_.SetFallback(StandinResponse::Held());
  auto provider = Make(config);

  // The holder keeps the only slot until its own deadline; the waiter, a
  // little later, has then almost no time left: it must end at its own
  // deadline, not a whole timeout after getting the slot.
  std::thread holder([&] { provider->Complete(Request()).IgnoreError(); });
  ASSERT_TRUE(server_.WaitForRequests(1, absl::Seconds(2)));
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  absl::StatusOr<ChatResponse> waited = provider->Complete(Request());
  const absl::Duration elapsed = absl::Now() - start;
  holder.join();

  EXPECT_EQ(waited.status().code(), absl::StatusCode::kDeadlineExceeded)
      << waited.status();
  EXPECT_GE(elapsed, absl::Milliseconds(280));
  EXPECT_LT(elapsed, absl::Milliseconds(450));
  server_.ReleaseHeld();
}

TEST_P(ProviderTest, ShutdownCancelsACallInFlightPromptly) {
  server_.SetFallback(StandinResponse::Held());
  auto provider = Make();

  absl::StatusOr<ChatResponse> in_flight = absl::UnknownError("not run");
  std::thread caller([&] { in_flight = provider->Complete(Request()); });
  ASSERT_TRUE(server_.WaitForRequests(1, absl::Seconds(2)));
  const absl::Time start = absl::Now();
  provider->Shutdown();
  caller.join();
  const absl::Duration elapsed = absl::Now() - start;

  EXPECT_EQ(in_flight.status().code(), absl::StatusCode::kCancelled)
      << in_flight.status();
  EXPECT_LT(elapsed, absl::Milliseconds(200));
  // Refused from now on, without a request.
  EXPECT_EQ(provider->Complete(Request()).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(server_.request_count(), 1u);
  provider->Shutdown();  // Idempotent.
  server_.ReleaseHeld();
}

TEST_P(ProviderTest, ShutdownEndsWaitsForASlotAndForABackoff) {
  ProviderConfig config = Config();
  config.max_concurrency = 1;
  config.timeout = absl::Seconds(10);
  config.retry.max_retry_after = absl::Seconds(10);
  auto provider = Make(config);
  auto other = Make(config);
  server_.Enqueue(StandinResponse::Held());  // For `provider`.
  server_.Enqueue(StandinResponse::Json(429, api().error("wait"))
                      .Header("Retry-After", "5"));

  absl::StatusOr<ChatResponse> holder = absl::UnknownError("not run");
  absl::StatusOr<ChatResponse> waiter = absl::UnknownError("not run");
  absl::StatusOr<ChatResponse> backing_off = absl::UnknownError("not run");
  std::thread a([&] { holder = provider->Complete(Request()); });
  ASSERT_TRUE(server_.WaitForRequests(1, absl::Seconds(2)));
  std::thread b([&] { waiter = provider->Complete(Request()); });
  std::thread c([&] { backing_off = other->Complete(Request()); });
  ASSERT_TRUE(server_.WaitForRequests(2, absl::Seconds(2)));
  absl::SleepFor(absl::Milliseconds(50));  // b waits for the slot, c sleeps.

  const absl::Time start = absl::Now();
  provider->Shutdown();
  other->Shutdown();
  a.join();
  b.join();
  c.join();

  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_EQ(holder.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(waiter.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(backing_off.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(server_.request_count(), 2u);
  server_.ReleaseHeld();
}

TEST_P(ProviderTest, UsageCostAndMetricsAreExact) {
  ProviderConfig config = Config();
  config.prices = PriceTable();
  config.prices.Set(api().name, kModel, Price{2.0, 8.0});
  config.openai_json_object_fallback = false;
  server_.Enqueue(Answer(1000, 200));
  server_.Enqueue(Error(500, "flaky"));
  server_.Enqueue(Answer(500, 100));
  server_.Enqueue(Error(400, "bad"));
  auto provider = Make(config);

  absl::StatusOr<ChatResponse> first = provider->Complete(Request());
  absl::StatusOr<ChatResponse> second = provider->Complete(Request());
  absl::StatusOr<ChatResponse> third = provider->Complete(Request());

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(third.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(first->usage.input_tokens, 1000);
  EXPECT_EQ(second->usage.output_tokens, 100);
  EXPECT_EQ(second->attempts, 2);
  EXPECT_DOUBLE_EQ(*config.prices.CostUsd(api().name, kModel, first->usage),
                   (1000 * 2.0 + 200 * 8.0) / 1e6);

  const std::string exposition = registry_.Expose();
  EXPECT_EQ(
      Sample(exposition, Series("llm_api_calls_total", ",status=\"success\"")),
      2.0)
      << exposition;
  EXPECT_EQ(Sample(exposition, Series("llm_api_calls_total",
                                      ",status=\"invalid_argument\"")),
            1.0);
  EXPECT_EQ(
      Sample(exposition, Series("llm_tokens_used_total", ",type=\"input\"")),
      1500.0);
  EXPECT_EQ(
      Sample(exposition, Series("llm_tokens_used_total", ",type=\"output\"")),
      300.0);
  std::optional<double> cost = Sample(exposition, Series("llm_cost_usd_total"));
  ASSERT_TRUE(cost.has_value()) << exposition;
  EXPECT_NEAR(*cost, (1500 * 2.0 + 300 * 8.0) / 1e6, 1e-12);
  EXPECT_EQ(Sample(exposition, Series("llm_api_latency_seconds_count")), 3.0);
}

INSTANTIATE_TEST_SUITE_P(Apis, ProviderTest, ::testing::ValuesIn(kApis),
                         [](const ::testing::TestParamInfo<Api>& param_info) {
                           return std::string(param_info.param.name);
                         });

// --- What only one API does -------------------------------------------------

class OpenAiProviderTest : public ::testing::Test {
 protected:
  std::unique_ptr<Provider> Make(ProviderConfig config = {}) {
    config.kind = ProviderKind::kOpenAi;
    config.base_url = server_.url() + "/v1";
    config.model = kModel;
    config.retry.initial_backoff = absl::Milliseconds(1);
    config.retry.max_backoff = absl::Milliseconds(5);
    config.timeout = absl::Seconds(4);
    absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
    EXPECT_TRUE(provider.ok()) << provider.status();
    return provider.ok() ? *std::move(provider) : nullptr;
  }
  static ChatRequest Request() {
    ChatRequest request;
    request.messages = {{ChatMessage::Role::kUser, "Hi"}};
    request.json_schema = kSchema;
    return request;
  }
  json Body(std::size_t i) {
    return json::parse(server_.requests().at(i).body);
  }

  StandinServer server_;
};

TEST_F(OpenAiProviderTest, FallsBackToJsonModeWhenJsonSchemaIsRefused) {
  server_.Enqueue(StandinResponse::Json(
      400, testing::OpenAiErrorBody(
               "response_format.type 'json_schema' is not supported")));
  server_.Enqueue(StandinResponse::Ok(testing::OpenAiChatBody(kAnswer, 9, 4)));
  server_.Enqueue(StandinResponse::Ok(testing::OpenAiChatBody(kAnswer, 9, 4)));
  auto provider = Make();

  absl::StatusOr<ChatResponse> first = provider->Complete(Request());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->attempts, 2);
  EXPECT_EQ(Body(0)["response_format"]["type"], "json_schema");
  EXPECT_EQ(Body(1)["response_format"], (json{{"type", "json_object"}}));
  EXPECT_TRUE(absl::StrContains(
      Body(1)["messages"][0]["content"].get<std::string>(), kSchema));

  // Remembered: the next call goes straight to JSON mode.
  ASSERT_TRUE(provider->Complete(Request()).ok());
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(Body(2)["response_format"], (json{{"type", "json_object"}}));
}

TEST_F(OpenAiProviderTest, A400InJsonModeTooIsInvalidArgument) {
  server_.SetFallback(
      StandinResponse::Json(400, testing::OpenAiErrorBody("model not found")));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.request_count(), 2u);  // json_schema, then JSON mode.
}

TEST_F(OpenAiProviderTest, JsonObjectOptionSendsJsonMode) {
  server_.Enqueue(StandinResponse::Ok(testing::OpenAiChatBody(kAnswer, 1, 1)));
  ProviderConfig config;
  config.openai_response_format = OpenAiResponseFormat::kJsonObject;
  auto provider = Make(config);

  ASSERT_TRUE(provider->Complete(Request()).ok());
  EXPECT_EQ(Body(0)["response_format"], (json{{"type", "json_object"}}));
}

TEST_F(OpenAiProviderTest, ASpentQuotaIsNotRetried) {
  server_.SetFallback(StandinResponse::Json(
      429,
      testing::OpenAiErrorBody("You exceeded your current quota",
                               "insufficient_quota", "insufficient_quota")));
  auto provider = Make();

  absl::StatusOr<ChatResponse> response = provider->Complete(Request());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(OpenAiProviderTest, HonoursRetryAfterMs) {
  server_.Enqueue(
      StandinResponse::Json(429, testing::OpenAiErrorBody("slow down"))
          .Header("retry-after-ms", "120"));
  server_.Enqueue(StandinResponse::Ok(testing::OpenAiChatBody(kAnswer, 1, 1)));
  auto provider = Make();

  const absl::Time start = absl::Now();
  ASSERT_TRUE(provider->Complete(Request()).ok());
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_GE(elapsed, absl::Milliseconds(120));
  EXPECT_LT(elapsed, absl::Milliseconds(800));
}

TEST_F(OpenAiProviderTest, ARequestWithoutAModelIsInvalidArgument) {
  ProviderConfig config;
  auto provider = Make(config);
  ChatRequest request = Request();
  request.model = "explicit";
  server_.Enqueue(StandinResponse::Ok(testing::OpenAiChatBody(kAnswer, 1, 1)));
  ASSERT_TRUE(provider->Complete(request).ok());
  EXPECT_EQ(Body(0)["model"], "explicit");

  ProviderConfig modelless_config;
  modelless_config.base_url = server_.url();
  absl::StatusOr<std::unique_ptr<Provider>> modelless =
      NewProvider(modelless_config);
  ASSERT_TRUE(modelless.ok());
  EXPECT_EQ((*modelless)->Complete(Request()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST(HttpsTest, ATlsFailureIsUnavailable) {
  StandinServer plain_http;  // Answers a TLS hello with garbage.
  ProviderConfig config;
  config.kind = ProviderKind::kOpenAi;
  config.base_url =
      absl::StrCat("https://127.0.0.1:", plain_http.port(), "/v1");
  config.api_key = kKey;
  config.model = kModel;
  config.retry.max_attempts = 1;
  config.timeout = absl::Seconds(2);
  absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
  ASSERT_TRUE(provider.ok()) << provider.status();
  ChatRequest request;
  request.messages = {{ChatMessage::Role::kUser, "Hi"}};

  absl::StatusOr<ChatResponse> response = (*provider)->Complete(request);

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_FALSE(absl::StrContains(response.status().ToString(), kKey));
}

TEST(AnthropicProviderTest, OverloadedIsRetried) {
  StandinServer server;
  server.Enqueue(StandinResponse::Json(
      529, testing::AnthropicErrorBody("overloaded_error", "Overloaded")));
  server.Enqueue(StandinResponse::Ok(
      testing::AnthropicToolUseBody("answer", kAnswer, 3, 2)));
  ProviderConfig config;
  config.kind = ProviderKind::kAnthropic;
  config.base_url = server.url();
  config.api_key = kKey;
  config.model = "claude-3-5-haiku-latest";
  config.retry.initial_backoff = absl::Milliseconds(1);
  absl::StatusOr<std::unique_ptr<Provider>> provider = NewProvider(config);
  ASSERT_TRUE(provider.ok());
  ChatRequest request;
  request.messages = {{ChatMessage::Role::kUser, "Hi"}};
  request.json_schema = kSchema;  // schema_name defaults to "answer".

  absl::StatusOr<ChatResponse> response = (*provider)->Complete(request);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, kAnswer);
  EXPECT_EQ(response->finish_reason, "tool_use");
  EXPECT_EQ(response->attempts, 2);
}

}  // namespace
}  // namespace lia::llm
