#include "obs/trace.h"

#include <httplib.h>

#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lia::obs {
namespace {

thread_local const SpanContext* current_span = nullptr;

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
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

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string Nanos(absl::Time t) { return std::to_string(absl::ToUnixNanos(t)); }

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

class OtlpHttpJsonExporter final : public SpanExporter {
 public:
  OtlpHttpJsonExporter(std::string endpoint, std::string service_name)
      : endpoint_(std::move(endpoint)), service_name_(std::move(service_name)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }

  absl::Status Export(const std::vector<SpanData>& spans) override {
    httplib::Client client(endpoint_);
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(5, 0);
    client.set_write_timeout(5, 0);
    httplib::Result r = client.Post(
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
  std::string endpoint_;
  const std::string service_name_;
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
  std::string out =
      "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":"
      "\"service.name\",\"value\":{\"stringValue\":";
  AppendJsonString(out, service_name);
  out += "}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"lia\"},\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    const SpanData& s = spans[i];
    if (i > 0) out += ',';
    absl::StrAppend(&out, "{\"traceId\":\"", s.context.TraceIdHex(),
                    "\",\"spanId\":\"", s.context.SpanIdHex(), "\"");
    if (!AllZero(s.parent_span_id)) {
      absl::StrAppend(&out, ",\"parentSpanId\":\"", Hex(s.parent_span_id),
                      "\"");
    }
    out += ",\"name\":";
    AppendJsonString(out, s.name);
    absl::StrAppend(&out, ",\"kind\":", static_cast<int>(s.kind),
                    ",\"startTimeUnixNano\":\"", Nanos(s.start),
                    "\",\"endTimeUnixNano\":\"", Nanos(s.end), "\"");
    out += ",\"attributes\":[";
    for (size_t a = 0; a < s.attributes.size(); ++a) {
      if (a > 0) out += ',';
      AppendAttribute(out, s.attributes[a].first, s.attributes[a].second);
    }
    out += "]";
    if (!s.links.empty()) {
      out += ",\"links\":[";
      for (size_t l = 0; l < s.links.size(); ++l) {
        absl::StrAppend(&out, l > 0 ? "," : "", "{\"traceId\":\"",
                        s.links[l].TraceIdHex(), "\",\"spanId\":\"",
                        s.links[l].SpanIdHex(), "\"}");
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

void Span::SetAttribute(std::string key, AttributeValue value) {
  if (tracer_ != nullptr) {
    data_.attributes.emplace_back(std::move(key), std::move(value));
  }
}

void Span::SetError(std::string message) {
  if (tracer_ != nullptr) {
    data_.error = true;
    data_.status_message = std::move(message);
  }
}

void Span::AddLink(const SpanContext& context) {
  if (tracer_ != nullptr && context.valid()) data_.links.push_back(context);
}

void Span::End() {
  if (tracer_ == nullptr) return;
  data_.end = absl::Now();
  Tracer* tracer = std::exchange(tracer_, nullptr);
  tracer->Enqueue(std::move(data_));
}

ScopedSpan::ScopedSpan(const Span& span) : previous_(current_span) {
  if (span.active()) current_span = &span.context();
}

ScopedSpan::~ScopedSpan() { current_span = previous_; }

const SpanContext* ScopedSpan::Current() { return current_span; }

// ---- Tracer --------------------------------------------------------------

Tracer::Tracer(TracerOptions options) : options_(std::move(options)) {
  if (options_.exporter != nullptr) thread_ = std::thread([this] { Loop(); });
}

Tracer::~Tracer() { Shutdown(); }

Span Tracer::StartSpan(std::string_view name, SpanKind kind,
                       const SpanContext* parent) {
  Span span;
  if (!enabled()) return span;
  if (parent == nullptr || !parent->valid()) parent = ScopedSpan::Current();
  span.tracer_ = this;
  span.data_.name = std::string(name);
  span.data_.kind = kind;
  span.data_.start = absl::Now();
  if (parent != nullptr && parent->valid()) {
    span.data_.context.trace_id = parent->trace_id;
    span.data_.context.sampled = parent->sampled;
    span.data_.parent_span_id = parent->span_id;
  } else {
    span.data_.context.trace_id = RandomId<16>();
  }
  span.data_.context.span_id = RandomId<8>();
  return span;
}

void Tracer::RecordSpan(
    std::string_view name, SpanKind kind, absl::Time start, absl::Time end,
    const SpanContext* link,
    std::vector<std::pair<std::string, AttributeValue>> attributes,
    std::string error) {
  if (!enabled()) return;
  SpanData span;
  span.name = std::string(name);
  span.kind = kind;
  span.context.trace_id = RandomId<16>();
  span.context.span_id = RandomId<8>();
  span.start = start;
  span.end = end;
  span.attributes = std::move(attributes);
  if (link != nullptr && link->valid()) span.links.push_back(*link);
  span.error = !error.empty();
  span.status_message = std::move(error);
  Enqueue(std::move(span));
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
