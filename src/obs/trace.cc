#include "obs/trace.h"

#include <httplib.h>

#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lia::obs {
namespace {

// The calling thread's current span (ScopedSpan) and the tracer that
// started it; both null when none is.
thread_local const SpanContext* current_span = nullptr;
thread_local Tracer* current_tracer = nullptr;

// Lowercase hex of `bytes` appended to `out`, with no temporary: the
// exporter writes three ids per span.
template <size_t N>
void AppendHex(std::string& out, const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t at = out.size();
  out.resize(at + 2 * N);
  for (size_t i = 0; i < N; ++i) {
    out[at + 2 * i] = kDigits[bytes[i] >> 4];
    out[at + 2 * i + 1] = kDigits[bytes[i] & 15];
  }
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  std::string out;
  AppendHex(out, bytes);
  return out;
}

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C: lowercase only.
}

template <size_t N>
bool ParseHex(std::string_view text, std::array<uint8_t, N>& out) {
  if (text.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Random ids; one generator per thread, seeded from the OS.
template <size_t N>
std::array<uint8_t, N> RandomId() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::array<uint8_t, N> id{};
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t v = gen();
      for (size_t k = 0; k < 8 && i + k < N; ++k) {
        id[i + k] = static_cast<uint8_t>(v >> (8 * k));
      }
    }
  } while (AllZero(id));
  return id;
}

// `s` as a JSON string; runs that need no escape are copied whole.
void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  size_t plain = 0;  // Start of the run not yet copied.
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void AppendAttribute(std::string& out, const std::string& key,
                     const AttributeValue& value) {
  out += "{\"key\":";
  AppendJsonString(out, key);
  out += ",\"value\":{";
  if (const auto* s = std::get_if<std::string>(&value)) {
    out += "\"stringValue\":";
    AppendJsonString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    // OTLP JSON: 64-bit integers are strings.
    absl::StrAppend(&out, "\"intValue\":\"", *i, "\"");
  } else if (const auto* d = std::get_if<double>(&value)) {
    absl::StrAppend(&out, "\"doubleValue\":", *d);
  } else {
    absl::StrAppend(&out,
                    "\"boolValue\":", std::get<bool>(value) ? "true" : "false");
  }
  out += "}}";
}

// One connection, kept alive between batches: Export runs on the tracer's
// thread only (SpanExporter's contract), so the client needs no lock.
class OtlpHttpJsonExporter final : public SpanExporter {
 public:
  OtlpHttpJsonExporter(std::string endpoint, std::string service_name)
      : service_name_(std::move(service_name)),
        client_(TrimSlashes(std::move(endpoint))) {
    client_.set_connection_timeout(2, 0);
    client_.set_read_timeout(5, 0);
    client_.set_write_timeout(5, 0);
    client_.set_keep_alive(true);
    // A batch is written as head and body: without this, Nagle holds the
    // body until the collector's delayed ACK (40 ms a batch on Linux).
    client_.set_tcp_nodelay(true);
  }

  absl::Status Export(const std::vector<SpanData>& spans) override {
    httplib::Result r = client_.Post(
        "/v1/traces", OtlpJson(spans, service_name_), "application/json");
    if (!r) {
      return absl::UnavailableError(absl::StrCat(
          "OTLP collector unreachable: ", httplib::to_string(r.error())));
    }
    if (r->status >= 200 && r->status < 300) return absl::OkStatus();
    if (r->status == 429 || r->status >= 500) {
      return absl::UnavailableError(
          absl::StrCat("OTLP collector answered ", r->status));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("OTLP collector refused the batch: ", r->status));
  }

 private:
  static std::string TrimSlashes(std::string endpoint) {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    return endpoint;
  }

  const std::string service_name_;
  httplib::Client client_;
};

}  // namespace

bool SpanContext::valid() const {
  return !AllZero(trace_id) && !AllZero(span_id);
}
std::string SpanContext::TraceIdHex() const { return Hex(trace_id); }
std::string SpanContext::SpanIdHex() const { return Hex(span_id); }

std::optional<SpanContext> ParseTraceparent(std::string_view header) {
  // version(2) - trace id(32) - parent id(16) - flags(2); a future version
  // may append fields after a further '-'.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' ||
      header[52] != '-') {
    return std::nullopt;
  }
  std::array<uint8_t, 1> version{}, flags{};
  SpanContext c;
  if (!ParseHex(header.substr(0, 2), version) || version[0] == 0xff ||
      !ParseHex(header.substr(3, 32), c.trace_id) ||
      !ParseHex(header.substr(36, 16), c.span_id) ||
      !ParseHex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (version[0] == 0 && header.size() != 55) return std::nullopt;
  if (version[0] != 0 && header.size() > 55 && header[55] != '-') {
    return std::nullopt;
  }
  if (!c.valid()) return std::nullopt;
  c.sampled = (flags[0] & 1) != 0;
  return c;
}

std::string FormatTraceparent(const SpanContext& c) {
  return absl::StrCat("00-", c.TraceIdHex(), "-", c.SpanIdHex(), "-",
                      c.sampled ? "01" : "00");
}

std::string OtlpJson(const std::vector<SpanData>& spans,
                     std::string_view service_name) {
  std::string out;
  out.reserve(256 + 512 * spans.size());  // A span is 300-500 bytes.
  out +=
      "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
      "\"service.name\",\"value\":{\"stringValue\":";
  AppendJsonString(out, service_name);
  out += "}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"lia\"},\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    const SpanData& s = spans[i];
    if (i > 0) out += ',';
    out += "{\"traceId\":\"";
    AppendHex(out, s.context.trace_id);
    out += "\",\"spanId\":\"";
    AppendHex(out, s.context.span_id);
    out += '"';
    if (!AllZero(s.parent_span_id)) {
      out += ",\"parentSpanId\":\"";
      AppendHex(out, s.parent_span_id);
      out += '"';
    }
    out += ",\"name\":";
    AppendJsonString(out, s.name);
    absl::StrAppend(&out, ",\"kind\":", static_cast<int>(s.kind),
                    ",\"startTimeUnixNano\":\"", absl::ToUnixNanos(s.start),
                    "\",\"endTimeUnixNano\":\"", absl::ToUnixNanos(s.end),
                    "\"");
    out += ",\"attributes\":[";
    for (size_t a = 0; a < s.attributes.size(); ++a) {
      if (a > 0) out += ',';
      AppendAttribute(out, s.attributes[a].first, s.attributes[a].second);
    }
    out += "]";
    if (!s.links.empty()) {
      out += ",\"links\":[";
      for (size_t l = 0; l < s.links.size(); ++l) {
        out += l > 0 ? ",{\"traceId\":\"" : "{\"traceId\":\"";
        AppendHex(out, s.links[l].trace_id);
        out += "\",\"spanId\":\"";
        AppendHex(out, s.links[l].span_id);
        out += "\"}";
      }
      out += "]";
    }
    // Status codes: 1 OK, 2 ERROR.
    absl::StrAppend(&out, ",\"status\":{\"code\":", s.error ? 2 : 1);
    if (!s.status_message.empty()) {
      out += ",\"message\":";
      AppendJsonString(out, s.status_message);
    }
    out += "}}";
  }
  out += "]}]}]}";
  return out;
}

std::unique_ptr<SpanExporter> NewOtlpHttpJsonExporter(
    std::string endpoint, std::string service_name) {
  return std::make_unique<OtlpHttpJsonExporter>(std::move(endpoint),
                                                std::move(service_name));
}

// ---- Span ----------------------------------------------------------------

Span::Span(Span&& other) noexcept
    : tracer_(std::exchange(other.tracer_, nullptr)),
      data_(std::move(other.data_)) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    tracer_ = std::exchange(other.tracer_, nullptr);
    data_ = std::move(other.data_);
  }
  return *this;
}

const SpanContext& Span::context() const {
  static const SpanContext kInvalid;
  return data_ != nullptr ? data_->context : kInvalid;
}

void Span::SetAttribute(std::string key, AttributeValue value) {
  if (tracer_ != nullptr && data_->context.sampled) {
    data_->attributes.emplace_back(std::move(key), std::move(value));
  }
}

void Span::SetError(std::string message) {
  if (tracer_ != nullptr && data_->context.sampled) {
    data_->error = true;
    data_->status_message = std::move(message);
  }
}

void Span::AddLink(const SpanContext& context) {
  if (tracer_ != nullptr && data_->context.sampled && context.valid()) {
    data_->links.push_back(context);
  }
}

void Span::End() {
  if (tracer_ == nullptr) return;
  data_->end = absl::Now();
  Tracer* tracer = std::exchange(tracer_, nullptr);
  // The ids stay behind (arrays are copied, not moved): context() holds.
  tracer->Enqueue(std::move(*data_));
}

ScopedSpan::ScopedSpan(const Span& span)
    : previous_context_(current_span), previous_tracer_(current_tracer) {
  if (span.active()) {
    current_span = &span.context();
    current_tracer = span.tracer_;
  }
}

ScopedSpan::~ScopedSpan() {
  current_span = previous_context_;
  current_tracer = previous_tracer_;
}

const SpanContext* ScopedSpan::Current() { return current_span; }

Span StartChildSpan(std::string_view name, SpanKind kind) {
  if (current_tracer == nullptr) return Span();
  return current_tracer->StartSpan(name, kind, current_span);
}

// ---- Tracer --------------------------------------------------------------

Tracer::Tracer(TracerOptions options) : options_(std::move(options)) {
  if (options_.exporter != nullptr) thread_ = std::thread([this] { Loop(); });
}

Tracer::~Tracer() { Shutdown(); }

Span Tracer::StartSpan(std::string_view name, SpanKind kind,
                       const SpanContext* parent) {
  if (!enabled()) return Span();
  if (parent == nullptr || !parent->valid()) parent = ScopedSpan::Current();
  if (parent == nullptr || !parent->valid()) return StartRootSpan(name, kind);
  Span span = NewSpan(name, kind);
  span.data_->context.trace_id = parent->trace_id;
  span.data_->context.sampled = parent->sampled;
  span.data_->parent_span_id = parent->span_id;
  return span;
}

Span Tracer::StartRootSpan(std::string_view name, SpanKind kind,
                           const SpanContext* link) {
  if (!enabled()) return Span();
  Span span = NewSpan(name, kind);
  SpanContext& context = span.data_->context;
  context.trace_id = RandomId<16>();
  if (link != nullptr && link->valid()) {
    context.sampled = link->sampled;
    span.AddLink(*link);
  } else {
    context.sampled = Sampled(context.trace_id);
  }
  return span;
}

Span Tracer::NewSpan(std::string_view name, SpanKind kind) {
  Span span;
  span.tracer_ = this;
  span.data_ = std::make_unique<SpanData>();
  span.data_->attributes.reserve(4);  // Most spans set two to four.
  span.data_->name = std::string(name);
  span.data_->kind = kind;
  span.data_->start = absl::Now();
  span.data_->context.span_id = RandomId<8>();
  return span;
}

bool Tracer::Sampled(const std::array<uint8_t, 16>& trace_id) const {
  if (options_.sample_ratio >= 1.0) return true;
  if (options_.sample_ratio <= 0.0) return false;
  // The id's last eight bytes are random (W3C Trace Context level 2's
  // "random" flag describes the same bits): below ratio * 2^64 is a
  // fair draw, and every process deciding on the same id agrees.
  uint64_t low = 0;
  for (size_t i = 8; i < 16; ++i) low = low << 8 | trace_id[i];
  return static_cast<double>(low) <
         options_.sample_ratio * 18446744073709551616.0;  // 2^64.
}

void Tracer::Enqueue(SpanData span) {
  if (!span.context.sampled) return;
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queue) {
    dropped_.fetch_add(1);
    return;
  }
  queue_.push_back(std::move(span));
}

void Tracer::Loop() {
  while (true) {
    std::vector<SpanData> batch;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &Tracer::BatchReady),
                           options_.flush_interval);
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
    }
    if (!batch.empty()) ExportWithRetry(std::move(batch));
    if (stop) return;
  }
}

void Tracer::ExportWithRetry(std::vector<SpanData> batch) {
  absl::Duration backoff = options_.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    const absl::Status status = options_.exporter->Export(batch);
    if (status.ok()) {
      exported_.fetch_add(static_cast<int64_t>(batch.size()));
      return;
    }
    bool stopping = false;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
    }
    if (!absl::IsUnavailable(status) || attempt >= options_.max_attempts ||
        stopping) {
      dropped_.fetch_add(static_cast<int64_t>(batch.size()));
      return;
    }
    absl::SleepFor(backoff);
    backoff *= 2;
  }
}

void Tracer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace lia::obs
