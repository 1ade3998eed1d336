// The providers over HTTP: one class for the three APIs, which differ only
// in their wire format (internal/wire.h). Everything around the request is
// shared: the concurrency limit, retries with backoff and Retry-After, the
// circuit breaker, Shutdown, and the metrics.

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "llm/internal/backoff.h"
#include "llm/internal/circuit_breaker.h"
#include "llm/internal/http_transport.h"
#include "llm/internal/wire.h"
#include "llm/provider_config.h"
#include "obs/metrics.h"
#include "obs/trace.h"

namespace lia::llm {
namespace {

using internal::CircuitBreaker;
using internal::HttpReply;
using internal::HttpTransport;
using internal::JsonMode;
using internal::WireFormat;

// Keys shorter than this are not searched for in messages (a one-letter
// test key would garble them); real keys are far longer.
constexpr std::size_t kMinRedactedKeyLength = 8;

struct Metrics {
  obs::CounterFamily* calls = nullptr;
  obs::CounterFamily* tokens = nullptr;
  obs::CounterFamily* cost = nullptr;
  obs::HistogramFamily* latency = nullptr;
};

absl::StatusOr<Metrics> RegisterMetrics(obs::Registry* registry) {
  Metrics metrics;
  if (registry == nullptr) return metrics;
  LIA_ASSIGN_OR_RETURN(
      metrics.calls,
      registry->AddCounter("llm_api_calls_total",
                           "LLM completions requested, by outcome.",
                           {"provider", "model", "status"}));
  LIA_ASSIGN_OR_RETURN(
      metrics.tokens,
      registry->AddCounter("llm_tokens_used_total",
                           "LLM tokens used, as the APIs reported them.",
                           {"provider", "model", "type"}));
  LIA_ASSIGN_OR_RETURN(
      metrics.cost,
      registry->AddCounter("llm_cost_usd_total",
                           "Estimated LLM cost in USD, from the price table.",
                           {"provider", "model"}));
  LIA_ASSIGN_OR_RETURN(
      metrics.latency,
      registry->AddHistogram(
          "llm_api_latency_seconds",
          "Time of LLM completions that reached the API, retries included.",
          {"provider", "model"},
          {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120}));
  return metrics;
}

// "success", or the code in snake case: "deadline_exceeded".
std::string StatusLabel(const absl::Status& status) {
  if (status.ok()) return "success";
  return absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
}

// What one HTTP attempt says about the call and the server.
struct Outcome {
  enum class Health { kSuccess, kFailure, kNeutral };
  absl::Status status;
  Health health = Health::kNeutral;
  bool retryable = false;
  std::optional<absl::Duration> server_delay;  // Retry-After, uncapped.
};

class HttpProvider final : public Provider {
 public:
  HttpProvider(ProviderConfig config, std::unique_ptr<WireFormat> wire,
               std::unique_ptr<HttpTransport> transport, Metrics metrics)
      : config_(std::move(config)),
        name_(config_.name.empty() ? std::string(ProviderKindName(config_.kind))
                                   : config_.name),
        wire_(std::move(wire)),
        transport_(std::move(transport)),
        headers_(wire_->Headers()),
        metrics_(metrics),
        breaker_(config_.circuit_breaker, [] { return absl::Now(); }) {}

  ~HttpProvider() override { Shutdown(); }

  // Provider:
  std::string name() const override { return name_; }
  absl::StatusOr<ChatResponse> Complete(const ChatRequest& request) override;
  void Shutdown() override;

 private:
  struct CallStats {
    int attempts = 0;  // HTTP requests sent.
  };

  absl::StatusOr<ChatResponse> Run(const ChatRequest& request,
                                   absl::Time deadline, CallStats& stats);
  Outcome Classify(absl::StatusOr<HttpReply>& reply, const ChatRequest& request,
                   absl::StatusOr<ChatResponse>& response) const;
  void Record(std::string_view model,
              const absl::StatusOr<ChatResponse>& result,
              const CallStats& stats, absl::Duration elapsed) const;
  // The call's outcome on its span (active).
  void Annotate(obs::Span& span, std::string_view model,
                const absl::StatusOr<ChatResponse>& result,
                const CallStats& stats) const;
  std::string Redact(std::string message) const;
  bool OpenAiJsonMode() const;

  absl::Status AcquireSlot(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);
  void ReleaseSlot() ABSL_LOCKS_EXCLUDED(mu_);
  bool SlotFreeOrShutdown() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return shutdown_ || in_flight_ < config_.max_concurrency;
  }
  // Waits `delay`; false if Shutdown came first.
  bool Sleep(absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Duration Backoff(int retry) ABSL_LOCKS_EXCLUDED(mu_);

  const ProviderConfig config_;
  const std::string name_;
  const std::unique_ptr<WireFormat> wire_;
  const std::unique_ptr<HttpTransport> transport_;
  const internal::HttpHeaders headers_;
  const Metrics metrics_;
  CircuitBreaker breaker_;
  // Set once a json_schema request got a 400 and JSON mode then worked.
  std::atomic<bool> json_object_fallback_{false};

  absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

void HttpProvider::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
  }
  transport_->Shutdown();
}

absl::Status HttpProvider::AcquireSlot(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithDeadline(
          absl::Condition(this, &HttpProvider::SlotFreeOrShutdown), deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat(name_, ": timed out waiting for one of ",
                     config_.max_concurrency, " concurrent call slots"));
  }
  if (shutdown_) return absl::CancelledError(name_ + ": shutting down");
  ++in_flight_;
  return absl::OkStatus();
}

void HttpProvider::ReleaseSlot() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

bool HttpProvider::Sleep(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&shutdown_), delay);
  return !shutdown_;
}

absl::Duration HttpProvider::Backoff(int retry) {
  absl::MutexLock lock(&mu_);
  return internal::FullJitterBackoff(retry, config_.retry.initial_backoff,
                                     config_.retry.max_backoff, gen_);
}

bool HttpProvider::OpenAiJsonMode() const {
  return config_.kind == ProviderKind::kOpenAi &&
         (config_.openai_response_format == OpenAiResponseFormat::kJsonObject ||
          json_object_fallback_.load(std::memory_order_relaxed));
}

std::string HttpProvider::Redact(std::string message) const {
  if (config_.api_key.size() >= kMinRedactedKeyLength) {
    absl::StrReplaceAll({{config_.api_key, "[redacted]"}}, &message);
  }
  return message;
}

Outcome HttpProvider::Classify(absl::StatusOr<HttpReply>& reply,
                               const ChatRequest& request,
                               absl::StatusOr<ChatResponse>& response) const {
  using Health = Outcome::Health;
  Outcome out;
  if (!reply.ok()) {
    const absl::StatusCode code = reply.status().code();
    out.status =
        absl::Status(code, absl::StrCat(name_, ": ", reply.status().message()));
    if (code != absl::StatusCode::kCancelled) {
      out.health = Health::kFailure;
      out.retryable = true;
    }
    return out;
  }
  const int status = reply->status;
  if (status >= 200 && status < 300) {
    response = wire_->DecodeResponse(reply->body, request);
    out.health = Health::kSuccess;
    if (!response.ok()) {
      out.status = absl::DataLossError(absl::StrCat(
          name_, ": HTTP ", status, ": ", response.status().message()));
    }
    return out;
  }

  std::string api_message = (status == 401 || status == 403)
                                ? std::string("check the API key")
                                : Redact(internal::ErrorMessageOf(reply->body));
  const std::string message = absl::StrCat(
      name_, ": HTTP ", status, api_message.empty() ? "" : ": ", api_message);
  auto server_delay = [&]() -> std::optional<absl::Duration> {
    if (auto ms = internal::ParseRetryAfterMs(reply->retry_after_ms)) return ms;
    return internal::ParseRetryAfter(reply->retry_after, absl::Now());
  };
  if (status == 429) {
    out.status = absl::ResourceExhaustedError(message);
    // A spent quota does not come back by retrying.
    out.retryable = !absl::StrContains(reply->body, "insufficient_quota");
    out.server_delay = server_delay();
  } else if (status >= 500 || status == 408) {
    out.status = absl::UnavailableError(message);
    out.health = Health::kFailure;
    out.retryable = true;
    out.server_delay = server_delay();
  } else if (status == 401) {
    out.status = absl::UnauthenticatedError(message);
  } else if (status == 403) {
    out.status = absl::PermissionDeniedError(message);
  } else if (status >= 400) {
    out.status = absl::InvalidArgumentError(message);
  } else {
    out.status =
        absl::DataLossError(absl::StrCat(name_, ": unexpected HTTP ", status));
  }
  return out;
}

absl::StatusOr<ChatResponse> HttpProvider::Run(const ChatRequest& request,
                                               absl::Time deadline,
                                               CallStats& stats) {
  if (request.model.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_,
                     ": the request names no model and the provider "
                     "has none configured"));
  }
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return absl::CancelledError(name_ + ": shutting down");
  }
  JsonMode mode = OpenAiJsonMode() ? JsonMode::kJsonObject : JsonMode::kNative;
  absl::StatusOr<std::string> body = wire_->EncodeRequest(request, mode);
  if (!body.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": ", body.status().message()));
  }
  LIA_RETURN_IF_ERROR(AcquireSlot(deadline));
  struct SlotRelease {
    HttpProvider* provider;
    ~SlotRelease() { provider->ReleaseSlot(); }
  } release{this};

  const bool may_fall_back =
      config_.kind == ProviderKind::kOpenAi && mode == JsonMode::kNative &&
      !request.json_schema.empty() && config_.openai_json_object_fallback;
  bool falling_back = false;
  int attempt = 0;  // Counted against retry.max_attempts.
  absl::Status last_error;
  while (true) {
    ++attempt;
    if (!breaker_.Allow()) {
      // No countdown in the message: it ends up in analyses' engines
      // field, where the same failure must read the same every time.
      return absl::UnavailableError(absl::StrCat(
          name_, ": circuit breaker open after repeated failures",
          last_error.ok() ? "" : "; last error: ", last_error.message()));
    }
    ++stats.attempts;
    const absl::Time attempt_deadline =
        std::min(deadline, absl::Now() + config_.attempt_timeout);
    absl::StatusOr<HttpReply> reply =
        transport_->PostJson(wire_->path(), headers_, *body, attempt_deadline);
    absl::StatusOr<ChatResponse> response =
        absl::UnknownError("no response decoded");
    Outcome outcome = Classify(reply, request, response);
    switch (outcome.health) {
      case Outcome::Health::kSuccess:
        breaker_.RecordSuccess();
        break;
      case Outcome::Health::kFailure:
        breaker_.RecordFailure();
        break;
      case Outcome::Health::kNeutral:
        breaker_.RecordNeutral();
        break;
    }
    if (outcome.status.ok()) {
      if (falling_back) {
        json_object_fallback_.store(true, std::memory_order_relaxed);
      }
      response->attempts = stats.attempts;
      return response;
    }
    // A server without json_schema: once in JSON mode, at once.
    if (may_fall_back && !falling_back && reply.ok() && reply->status == 400) {
      absl::StatusOr<std::string> json_mode_body =
          wire_->EncodeRequest(request, JsonMode::kJsonObject);
      if (json_mode_body.ok()) {
        body = std::move(json_mode_body);
        falling_back = true;
        --attempt;
        continue;
      }
    }
    last_error = outcome.status;
    if (!outcome.retryable || attempt >= config_.retry.max_attempts) {
      return outcome.status;
    }
    absl::Duration delay =
        outcome.server_delay
            ? std::min(*outcome.server_delay, config_.retry.max_retry_after)
            : Backoff(attempt);
    if (absl::Now() + delay >= deadline) {
      if (outcome.status.code() == absl::StatusCode::kDeadlineExceeded) {
        return outcome.status;
      }
      return absl::Status(
          outcome.status.code(),
          absl::StrCat(
              outcome.status.message(), " (no time left to retry in ",
              absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1))),
              ")"));
    }
    if (!Sleep(delay)) return absl::CancelledError(name_ + ": shutting down");
  }
}

void HttpProvider::Record(std::string_view model,
                          const absl::StatusOr<ChatResponse>& result,
                          const CallStats& stats,
                          absl::Duration elapsed) const {
  if (metrics_.calls == nullptr) return;
  const std::string status = StatusLabel(result.status());
  const std::string_view call_labels[] = {name_, model, status};
  metrics_.calls->WithLabels(call_labels).Increment();
  if (stats.attempts > 0) {
    const std::string_view labels[] = {name_, model};
    metrics_.latency->WithLabels(labels).Observe(
        absl::ToDoubleSeconds(elapsed));
  }
  if (!result.ok()) return;
  const Usage& usage = result->usage;
  const std::string_view input_labels[] = {name_, model, "input"};
  const std::string_view output_labels[] = {name_, model, "output"};
  metrics_.tokens->WithLabels(input_labels)
      .Increment(static_cast<double>(usage.input_tokens));
  metrics_.tokens->WithLabels(output_labels)
      .Increment(static_cast<double>(usage.output_tokens));
  if (std::optional<double> cost = config_.prices.CostUsd(name_, model, usage);
      cost.has_value()) {
    const std::string_view labels[] = {name_, model};
    metrics_.cost->WithLabels(labels).Increment(*cost);
  }
}

absl::StatusOr<ChatResponse> HttpProvider::Complete(const ChatRequest& in) {
  const absl::Time start = absl::Now();
  ChatRequest request = in;
  if (request.model.empty()) request.model = config_.model;
  // A client span per call (retries and backoff included), a child of the
  // analysis stage that asked; inert outside a traced request or job.
  obs::Span span = obs::StartChildSpan("llm.chat", obs::SpanKind::kClient);
  CallStats stats;
  absl::StatusOr<ChatResponse> result =
      Run(request, start + config_.timeout, stats);
  Record(request.model, result, stats, absl::Now() - start);
  if (span.active()) Annotate(span, request.model, result, stats);
  return result;
}

void HttpProvider::Annotate(obs::Span& span, std::string_view model,
                            const absl::StatusOr<ChatResponse>& result,
                            const CallStats& stats) const {
  // OpenTelemetry's gen_ai conventions where they fit; never the prompt
  // or the answer (a recruiter's message is personal data).
  span.SetAttribute("gen_ai.system", name_);
  span.SetAttribute("gen_ai.request.model", std::string(model));
  span.SetAttribute("lia.llm.status", StatusLabel(result.status()));
  span.SetAttribute("lia.llm.attempts", static_cast<int64_t>(stats.attempts));
  if (!result.ok()) {
    span.SetError(Redact(result.status().ToString()));
    return;
  }
  span.SetAttribute("gen_ai.response.model", result->model);
  span.SetAttribute("gen_ai.response.finish_reasons", result->finish_reason);
  span.SetAttribute("gen_ai.usage.input_tokens", result->usage.input_tokens);
  span.SetAttribute("gen_ai.usage.output_tokens", result->usage.output_tokens);
}

std::string DefaultBaseUrl(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kOpenAi:
      return "https://api.openai.com/v1";
    case ProviderKind::kAnthropic:
      return "https://api.anthropic.com";
    case ProviderKind::kOllama:
      return "http://localhost:11434";
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Provider>> NewProvider(
    const ProviderConfig& config) {
  auto positive = [](absl::Duration d) {
    return d > absl::ZeroDuration() && d < absl::InfiniteDuration();
  };
  if (!positive(config.timeout) || !positive(config.attempt_timeout) ||
      !positive(config.connect_timeout)) {
    return absl::InvalidArgumentError(
        "LLM provider: timeouts must be positive and finite");
  }
  if (config.retry.max_attempts < 1 || config.max_concurrency < 1) {
    return absl::InvalidArgumentError(
        "LLM provider: max_attempts and max_concurrency must be at least 1");
  }
  if (config.retry.initial_backoff < absl::ZeroDuration() ||
      config.retry.max_backoff < absl::ZeroDuration() ||
      config.retry.max_retry_after < absl::ZeroDuration() ||
      config.circuit_breaker.failure_threshold < 0 ||
      config.circuit_breaker.cooldown < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "LLM provider: backoff, cool-down and threshold must not be negative");
  }
  ProviderConfig resolved = config;
  if (resolved.base_url.empty()) {
    resolved.base_url = DefaultBaseUrl(resolved.kind);
  }
  internal::HttpTransportOptions transport_options;
  transport_options.base_url = resolved.base_url;
  transport_options.connect_timeout = resolved.connect_timeout;
  transport_options.max_idle_connections = resolved.max_concurrency;
  LIA_ASSIGN_OR_RETURN(std::unique_ptr<HttpTransport> transport,
                       HttpTransport::Create(std::move(transport_options)));
  std::unique_ptr<WireFormat> wire;
  switch (resolved.kind) {
    case ProviderKind::kOpenAi:
      wire = internal::NewOpenAiWire(resolved);
      break;
    case ProviderKind::kAnthropic:
      wire = internal::NewAnthropicWire(resolved);
      break;
    case ProviderKind::kOllama:
      wire = internal::NewOllamaWire(resolved);
      break;
  }
  LIA_ASSIGN_OR_RETURN(Metrics metrics, RegisterMetrics(resolved.metrics));
  return std::unique_ptr<Provider>(new HttpProvider(
      std::move(resolved), std::move(wire), std::move(transport), metrics));
}

}  // namespace lia::llm
