#pragma once

// Traces (DESIGN §8): spans with W3C trace context, exported as OTLP/HTTP
// JSON in batches from a bounded queue, off the caller's path.
//
//   obs::Tracer tracer(options);              // exporter null: no cost
//   obs::Span request = tracer.StartSpan("GET /api/v1/jobs",
//                                        obs::SpanKind::kServer, &parent);
//   obs::ScopedSpan active(request);          // children find it
//   obs::Span child = tracer.StartSpan("store.list");  // parent: active
//   obs::Span query = obs::StartChildSpan("store.get");  // same, no tracer
//
// Spans end when destroyed (or at End()); ended spans are queued for the
// exporter's thread. A full queue drops spans and counts them.
//
// The thread's current span (ScopedSpan) is the one piece of context that
// travels implicitly, as in every tracing library: it carries the parent and
// the tracer, so a decorator deep in the call graph (a store query, a cache
// operation, an LLM call) joins the request's or the job's trace without a
// tracer being threaded through every constructor in between.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lia::obs {

struct SpanContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  bool sampled = true;

  // A context with a non-zero trace id and span id.
  bool valid() const;
  std::string TraceIdHex() const;  // 32 lowercase hex digits.
  std::string SpanIdHex() const;   // 16 lowercase hex digits.
};

// W3C Trace Context `traceparent`: "00-<trace id>-<parent id>-<flags>".
// nullopt for anything malformed, an all-zero id, or version ff.
std::optional<SpanContext> ParseTraceparent(std::string_view header);
std::string FormatTraceparent(const SpanContext& context);

// OTLP's SpanKind values.
enum class SpanKind {
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};

using AttributeValue = std::variant<std::string, int64_t, double, bool>;

// An ended span, as exported.
struct SpanData {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  SpanContext context;
  std::array<uint8_t, 8> parent_span_id{};  // All zero: a root span.
  absl::Time start;
  absl::Time end;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  bool error = false;
  std::string status_message;
  std::vector<SpanContext> links;
};

// Where batches of ended spans go. Export is called from the tracer's own
// thread, one batch at a time; an error is retried with backoff.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual absl::Status Export(const std::vector<SpanData>& spans) = 0;
};

// OTLP/HTTP with the JSON encoding: POST <endpoint>/v1/traces (endpoint
// "http://collector:4318"). 5xx, 429 and connection failures are
// Unavailable (retried); other 4xx InvalidArgument (dropped).
std::unique_ptr<SpanExporter> NewOtlpHttpJsonExporter(std::string endpoint,
                                                      std::string service_name);

// The OTLP JSON request body for `spans` (exposed for tests).
std::string OtlpJson(const std::vector<SpanData>& spans,
                     std::string_view service_name);

struct TracerOptions {
  // Not owned; null: tracing off (spans are inert and cost a branch).
  SpanExporter* exporter = nullptr;
  size_t max_queue = 4096;  // Ended spans waiting; more are dropped.
  size_t max_batch = 512;   // Spans per Export call.
  absl::Duration flush_interval = absl::Seconds(2);
  int max_attempts = 3;  // Per batch; then the batch is dropped.
  absl::Duration retry_backoff = absl::Milliseconds(500);
  // Default 1: every trace. The share of new traces recorded (0 to 1),
  // decided once per trace from its random id and inherited by every span
  // of it, as a caller's traceparent sampled flag is: a trace is exported
  // whole or not at all. Unrecorded spans still carry their context to
  // children and to outgoing traceparents, and skip their attributes and
  // export.
  double sample_ratio = 1.0;
};

class Tracer;
class ScopedSpan;

// A span in progress. Move-only; ends when destroyed. Not thread-safe: one
// thread works on a span at a time. An inert span (tracing off) is two null
// pointers: making, passing and destroying one costs next to nothing.
class Span {
 public:
  Span() = default;
  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }

  // Started by a tracer and not yet ended.
  bool active() const { return tracer_ != nullptr; }
  // Inert spans return an invalid context. Stays valid (and the same) when
  // the span is moved or ended, until it is destroyed.
  const SpanContext& context() const;

  void SetAttribute(std::string key, AttributeValue value);
  void SetError(std::string message);
  void AddLink(const SpanContext& context);
  void End();

 private:
  friend class Tracer;
  friend class ScopedSpan;
  Tracer* tracer_ = nullptr;  // Null once ended, and for inert spans.
  // Null for inert spans; on the heap so that the context a ScopedSpan
  // points to survives moves.
  std::unique_ptr<SpanData> data_;
};

// Makes `span` the calling thread's current span (the default parent of
// spans started on it, and what StartChildSpan continues) until destroyed.
// Nests; scopes end in reverse order on the thread that made them. `span`
// must stay where it is (not moved from) while it is current. An inert span
// makes no span current.
class ScopedSpan {
 public:
  explicit ScopedSpan(const Span& span);
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

  // The calling thread's current span context; nullptr when none.
  static const SpanContext* Current();

 private:
  // What was current before this scope, restored when it ends.
  const SpanContext* previous_context_;
  Tracer* previous_tracer_;
};

// A child of the calling thread's current span, started by the tracer that
// started that span. Inert — one thread-local read and a branch — when no
// span is current: tracing is off, or the work is no part of a traced
// request or job (a scrape's database read, a scheduler tick).
Span StartChildSpan(std::string_view name, SpanKind kind = SpanKind::kInternal);

// Thread-safe. Owns the export thread when an exporter is set.
class Tracer {
 public:
  explicit Tracer(TracerOptions options);
  ~Tracer();  // Shutdown().
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  bool enabled() const { return options_.exporter != nullptr; }

  // A new span: a child of `parent` when given and valid, else of the
  // thread's current span, else a new trace. Inert when tracing is off.
  Span StartSpan(std::string_view name, SpanKind kind = SpanKind::kInternal,
                 const SpanContext* parent = nullptr);

  // A new trace's root span, whatever span is current, linked to `link`
  // when given and valid: for work that starts a trace of its own (a job
  // attempt) and refers to the one that caused it. Recorded when `link`
  // was (a traced request's jobs are traced), else as sample_ratio says.
  // Inert when tracing is off.
  Span StartRootSpan(std::string_view name, SpanKind kind,
                     const SpanContext* link = nullptr);

  // Exports what is queued, then stops the thread. Idempotent.
  void Shutdown();

  int64_t exported() const { return exported_.load(); }
  int64_t dropped() const { return dropped_.load(); }

 private:
  friend class Span;
  // An active span of a trace yet to be set (trace id, parent, sampled).
  Span NewSpan(std::string_view name, SpanKind kind);
  // Whether a new trace with this id is recorded (sample_ratio).
  bool Sampled(const std::array<uint8_t, 16>& trace_id) const;
  void Enqueue(SpanData span);
  bool BatchReady() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || queue_.size() >= options_.max_batch;
  }
  void Loop();
  void ExportWithRetry(std::vector<SpanData> batch);

  TracerOptions options_;
  mutable absl::Mutex mu_;
  std::deque<SpanData> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::atomic<int64_t> exported_{0};
  std::atomic<int64_t> dropped_{0};
};

}  // namespace lia::obs
