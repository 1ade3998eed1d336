#include "obs/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace lia::obs {
namespace detail {

// What a registry shares with its families.
struct RegistryState {
  explicit RegistryState(RegistryOptions o) : options(o) {}

  const RegistryOptions options;
  std::atomic<std::uint64_t> rejected{0};

  absl::Mutex mu;
  // Sorted by name: the exposition order.
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families
      ABSL_GUARDED_BY(mu);
  // Every sample name a family exposes (a histogram's _bucket, _sum, _count
  // and its own name), to refuse a second family that would collide.
  absl::flat_hash_map<std::string, const MetricFamily*> claimed
      ABSL_GUARDED_BY(mu);
};

namespace {

// Heterogeneous hashing: stored keys are vectors of strings, lookups spans of
// string views, and equal label values hash equally in both.
struct LabelsHash {
  using is_transparent = void;
  std::size_t operator()(LabelValues values) const {
    std::size_t h = values.size();
    for (std::string_view v : values) h = absl::HashOf(h, v);
    return h;
  }
  std::size_t operator()(const std::vector<std::string>& values) const {
    std::size_t h = values.size();
    for (const std::string& v : values) {
      h = absl::HashOf(h, std::string_view(v));
    }
    return h;
  }
};

template <typename A, typename B>
bool SameValues(const A& a, const B& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](std::string_view x, std::string_view y) { return x == y; });
}

struct LabelsEq {
  using is_transparent = void;
  bool operator()(const std::vector<std::string>& a,
                  const std::vector<std::string>& b) const {
    return a == b;
  }
  bool operator()(const std::vector<std::string>& a, LabelValues b) const {
    return SameValues(a, b);
  }
  bool operator()(LabelValues a, const std::vector<std::string>& b) const {
    return SameValues(a, b);
  }
};

}  // namespace

// The series of one family, keyed by label values. Thread-safe.
template <typename Series>
class SeriesMap {
 public:
  using Make = std::function<std::unique_ptr<Series>()>;

  SeriesMap(std::size_t arity, RegistryState& state, Make make)
      : arity_(arity), state_(state), make_(std::move(make)), sink_(make_()) {}

  absl::StatusOr<Series*> Find(LabelValues values) {
    if (values.size() != arity_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "got ", values.size(), " label values for ", arity_, " label names"));
    }
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = map_.find(values);
      if (it != map_.end()) return it->second.get();
    }
    absl::MutexLock lock(&mu_);
    auto it = map_.find(values);
    if (it != map_.end()) return it->second.get();
    if (map_.size() >= state_.options.max_series_per_family) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the family already has ", map_.size(), " series, its limit"));
    }
    std::vector<std::string> key(values.begin(), values.end());
    return map_.try_emplace(std::move(key), make_()).first->second.get();
  }

  Series& Get(LabelValues values) {
    absl::StatusOr<Series*> series = Find(values);
    if (series.ok()) return **series;
    state_.rejected.fetch_add(1, std::memory_order_relaxed);
    return *sink_;
  }

  // Calls fn(label values, series) in label-value order, under the reader
  // lock (new series wait until it returns).
  template <typename Fn>
  void ForEachSorted(Fn fn) const {
    absl::ReaderMutexLock lock(&mu_);
    std::vector<std::pair<const std::vector<std::string>*, const Series*>>
        sorted;
    sorted.reserve(map_.size());
    for (const auto& [key, series] : map_) {
      sorted.emplace_back(&key, series.get());
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (const auto& [key, series] : sorted) fn(*key, *series);
  }

 private:
  const std::size_t arity_;
  RegistryState& state_;
  const Make make_;
  // Where rejected calls to Get land; never exposed.
  const std::unique_ptr<Series> sink_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::vector<std::string>, std::unique_ptr<Series>,
                      LabelsHash, LabelsEq>
      map_ ABSL_GUARDED_BY(mu_);
};

}  // namespace detail

namespace {

using detail::RegistryState;
using detail::SeriesMap;

// Debian's Abseil has its own string_view (src/jobs/cron.cc does the same).
absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// ---- text format ----

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  const unsigned char b0 = byte(i);
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // Range of the second byte.
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // Overlong.
    if (b0 == 0xED) hi = 0x9F;  // Surrogates.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // Overlong.
    if (b0 == 0xF4) hi = 0x8F;  // Past U+10FFFF.
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

// Appends `text` escaped for a HELP line (`\\`, `\n`) or, with
// `quoted`, a label value (also `\"`). Invalid UTF-8 becomes U+FFFD, which
// Prometheus would otherwise reject.
void AppendEscaped(std::string& out, std::string_view text, bool quoted) {
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quoted) {
      out += "\\\"";
    } else if (static_cast<unsigned char>(c) < 0x80) {
      out += c;
    } else {
      const std::size_t len = Utf8SequenceLength(text, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(text, i, len);
        i += len;
      }
      continue;
    }
    ++i;
  }
}

// A float as Prometheus (Go's ParseFloat) reads it: NaN, +Inf, -Inf, whole
// numbers as integers, others in the shortest form that round-trips.
void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 0x1p63) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);
  }
  out.append(buf, r.ptr);
}

void AppendNumber(std::string& out, std::uint64_t v) {
  char buf[24];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendHeader(std::string& out, const MetricFamily& family,
                  std::string_view type) {
  out += "# HELP ";
  out += family.name();
  out += ' ';
  AppendEscaped(out, family.help(), /*quoted=*/false);
  out += "\n# TYPE ";
  out += family.name();
  out += ' ';
  out += type;
  out += '\n';
}

// `name{l1="v1",...,le="0.5"} ` without the value; `le` empty for none.
void AppendSeriesName(std::string& out, std::string_view name,
                      std::string_view suffix,
                      const std::vector<std::string>& label_names,
                      const std::vector<std::string>& values,
                      std::string_view le = {}) {
  out += name;
  out += suffix;
  if (!label_names.empty() || !le.empty()) {
    out += '{';
    for (std::size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out += ',';
      out += label_names[i];
      out += "=\"";
      AppendEscaped(out, values[i], /*quoted=*/true);
      out += '"';
    }
    if (!le.empty()) {
      if (!label_names.empty()) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// ---- names ----

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status ValidateMetricName(std::string_view name) {
  bool ok = !name.empty();
  for (std::size_t i = 0; ok && i < name.size(); ++i) {
    const char c = name[i];
    ok = IsAlpha(c) || c == '_' || c == ':' || (i > 0 && IsDigit(c));
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric name \"", Absl(name),
                     "\" does not match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  if (name.substr(0, 2) == "__") {
    return absl::InvalidArgumentError(absl::StrCat(
        "metric name \"", Absl(name), "\": the prefix __ is reserved"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelNames(std::string_view metric,
                                const std::vector<std::string>& names,
                                MetricType type) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    bool ok = !name.empty();
    for (std::size_t k = 0; ok && k < name.size(); ++k) {
      const char c = name[k];
      ok = IsAlpha(c) || c == '_' || (k > 0 && IsDigit(c));
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(metric), ": label name \"", Absl(name),
                       "\" does not match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if (name.substr(0, 2) == "__") {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(metric), ": label name \"", Absl(name),
                       "\": the prefix __ is reserved"));
    }
    if (type == MetricType::kHistogram && name == "le") {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(metric), ": a histogram may not have the label \"le\""));
    }
    if (std::find(names.begin(), names.begin() + i, name) !=
        names.begin() + i) {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(metric), ": label name \"", Absl(name), "\" repeated"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> SampleNames(std::string_view name, MetricType type) {
  std::vector<std::string> names = {std::string(name)};
  if (type == MetricType::kHistogram) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      names.push_back(absl::StrCat(Absl(name), Absl(suffix)));
    }
  }
  return names;
}

absl::Status ValidateBuckets(std::string_view metric,
                             std::vector<double>& bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(Absl(metric), ": bucket bound ", i, " is not finite"));
    }
    if (i > 0 && !(bounds[i] > bounds[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          Absl(metric), ": bucket bounds must be strictly increasing (bound ",
          i, ")"));
    }
  }
  return absl::OkStatus();
}

std::string FormatBound(double bound) {
  std::string s;
  AppendNumber(s, bound);
  return s;
}

}  // namespace

// ---- Histogram ----

Histogram::Histogram(absl::Span<const double> upper_bounds)
    : upper_bounds_(upper_bounds),
      buckets_(new std::atomic<std::uint64_t>[upper_bounds.size() + 1]) {
  for (std::size_t i = 0; i <= upper_bounds.size(); ++i) {
    buckets_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  const std::size_t bucket = static_cast<std::size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
      upper_bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Collect() const {
  Snapshot s;
  s.upper_bounds.assign(upper_bounds_.begin(), upper_bounds_.end());
  s.cumulative.reserve(upper_bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.count = total;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- families ----

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names,
                             RegistryState& state)
    : MetricFamily(std::move(name), std::move(help), MetricType::kCounter,
                   std::move(label_names)),
      series_(std::make_unique<SeriesMap<Counter>>(
          this->label_names().size(), state,
          [] { return std::make_unique<Counter>(); })) {
  // An unlabelled metric exists, at 0, from its registration.
  if (this->label_names().empty()) series_->Get({});
}
CounterFamily::~CounterFamily() = default;

Counter& CounterFamily::WithLabels(LabelValues values) {
  return series_->Get(values);
}
absl::StatusOr<Counter*> CounterFamily::TryWithLabels(LabelValues values) {
  return series_->Find(values);
}

void CounterFamily::Render(std::string& out) const {
  bool first = true;
  series_->ForEachSorted(
      [&](const std::vector<std::string>& values, const Counter& counter) {
        if (first) AppendHeader(out, *this, "counter");
        first = false;
        AppendSeriesName(out, name(), "", label_names(), values);
        AppendNumber(out, counter.Value());
        out += '\n';
      });
}

GaugeFamily::GaugeFamily(std::string name, std::string help,
                         std::vector<std::string> label_names,
                         RegistryState& state)
    : MetricFamily(std::move(name), std::move(help), MetricType::kGauge,
                   std::move(label_names)),
      series_(std::make_unique<SeriesMap<Gauge>>(
          this->label_names().size(), state,
          [] { return std::make_unique<Gauge>(); })) {
  if (this->label_names().empty()) series_->Get({});
}
GaugeFamily::~GaugeFamily() = default;

Gauge& GaugeFamily::WithLabels(LabelValues values) {
  return series_->Get(values);
}
absl::StatusOr<Gauge*> GaugeFamily::TryWithLabels(LabelValues values) {
  return series_->Find(values);
}

void GaugeFamily::Render(std::string& out) const {
  bool first = true;
  series_->ForEachSorted(
      [&](const std::vector<std::string>& values, const Gauge& gauge) {
        if (first) AppendHeader(out, *this, "gauge");
        first = false;
        AppendSeriesName(out, name(), "", label_names(), values);
        AppendNumber(out, gauge.Value());
        out += '\n';
      });
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> upper_bounds,
                                 RegistryState& state)
    : MetricFamily(std::move(name), std::move(help), MetricType::kHistogram,
                   std::move(label_names)),
      upper_bounds_(std::move(upper_bounds)),
      series_(std::make_unique<SeriesMap<Histogram>>(
          this->label_names().size(), state, [this] {
            return std::unique_ptr<Histogram>(new Histogram(upper_bounds_));
          })) {
  if (this->label_names().empty()) series_->Get({});
}
HistogramFamily::~HistogramFamily() = default;

Histogram& HistogramFamily::WithLabels(LabelValues values) {
  return series_->Get(values);
}
absl::StatusOr<Histogram*> HistogramFamily::TryWithLabels(LabelValues values) {
  return series_->Find(values);
}

void HistogramFamily::Render(std::string& out) const {
  std::vector<std::string> les;
  les.reserve(upper_bounds_.size() + 1);
  for (double bound : upper_bounds_) les.push_back(FormatBound(bound));
  les.push_back("+Inf");

  bool first = true;
  series_->ForEachSorted([&](const std::vector<std::string>& values,
                             const Histogram& histogram) {
    if (first) AppendHeader(out, *this, "histogram");
    first = false;
    const Histogram::Snapshot s = histogram.Collect();
    for (std::size_t i = 0; i < les.size(); ++i) {
      AppendSeriesName(out, name(), "_bucket", label_names(), values, les[i]);
      AppendNumber(out, s.cumulative[i]);
      out += '\n';
    }
    AppendSeriesName(out, name(), "_sum", label_names(), values);
    AppendNumber(out, s.sum);
    out += '\n';
    AppendSeriesName(out, name(), "_count", label_names(), values);
    AppendNumber(out, s.count);
    out += '\n';
  });
}

struct CallbackFamily::Impl {
  explicit Impl(RegistryState& s) : state(s) {}
  RegistryState& state;
  // Held while the callback runs, so SetCallback waits for it.
  absl::Mutex mu;
  SampleCallback callback ABSL_GUARDED_BY(mu);
};

CallbackFamily::CallbackFamily(std::string name, std::string help,
                               MetricType type,
                               std::vector<std::string> label_names,
                               RegistryState& state)
    : MetricFamily(std::move(name), std::move(help), type,
                   std::move(label_names)),
      impl_(std::make_unique<Impl>(state)) {}
CallbackFamily::~CallbackFamily() = default;

void CallbackFamily::SetCallback(SampleCallback callback) {
  absl::MutexLock lock(&impl_->mu);
  impl_->callback = std::move(callback);
}

namespace {

class CollectingWriter final : public SampleWriter {
 public:
  explicit CollectingWriter(std::size_t arity) : arity_(arity) {}

  // SampleWriter:
  void Add(LabelValues values, double value) override {
    if (values.size() != arity_) {
      ++rejected_;
      return;
    }
    samples_.emplace_back(
        std::vector<std::string>(values.begin(), values.end()), value);
  }

  // Sorted by label values; of samples with equal values the first written.
  std::vector<std::pair<std::vector<std::string>, double>> TakeSorted() {
    std::stable_sort(
        samples_.begin(), samples_.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    auto last = std::unique(
        samples_.begin(), samples_.end(),
        [](const auto& a, const auto& b) { return a.first == b.first; });
    rejected_ += static_cast<std::uint64_t>(samples_.end() - last);
    samples_.erase(last, samples_.end());
    return std::move(samples_);
  }
  std::uint64_t rejected() const { return rejected_; }

 private:
  const std::size_t arity_;
  std::vector<std::pair<std::vector<std::string>, double>> samples_;
  std::uint64_t rejected_ = 0;
};

}  // namespace

void CallbackFamily::Render(std::string& out) const {
  CollectingWriter writer(label_names().size());
  {
    absl::MutexLock lock(&impl_->mu);
    if (!impl_->callback) return;
    impl_->callback(writer);
  }
  std::vector<std::pair<std::vector<std::string>, double>> samples =
      writer.TakeSorted();
  impl_->state.rejected.fetch_add(writer.rejected(), std::memory_order_relaxed);
  if (samples.empty()) return;
  AppendHeader(out, *this, TypeName(type()));
  for (const auto& [values, value] : samples) {
    AppendSeriesName(out, name(), "", label_names(), values);
    AppendNumber(out, value);
    out += '\n';
  }
}

// ---- buckets ----

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> WideLatencyBuckets() {
  return {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
          0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25,
          0.5,     1,        2.5,     5,      10,      30,     60};
}

absl::StatusOr<std::vector<double>> ExponentialBuckets(double start,
                                                       double factor,
                                                       int count) {
  if (!(start > 0) || !(factor > 1) || count < 1 || !std::isfinite(start) ||
      !std::isfinite(factor)) {
    return absl::InvalidArgumentError(
        "exponential buckets need start > 0, factor > 1 and count >= 1");
  }
  std::vector<double> bounds;
  bounds.reserve(static_cast<std::size_t>(count));
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

absl::StatusOr<std::vector<double>> LinearBuckets(double start, double width,
                                                  int count) {
  if (!(width > 0) || count < 1 || !std::isfinite(start) ||
      !std::isfinite(width)) {
    return absl::InvalidArgumentError(
        "linear buckets need width > 0 and count >= 1");
  }
  std::vector<double> bounds;
  bounds.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) bounds.push_back(start + width * i);
  return bounds;
}

// ---- Registry ----

Registry::Registry(RegistryOptions options)
    : state_(std::make_unique<RegistryState>(options)) {}
Registry::~Registry() = default;

template <typename Family, typename Matches, typename Make>
absl::StatusOr<Family*> Registry::Register(
    std::string_view name, std::string_view help, MetricType type,
    const std::vector<std::string>& label_names, Matches matches, Make make) {
  if (absl::Status s = ValidateMetricName(name); !s.ok()) return s;
  if (absl::Status s = ValidateLabelNames(name, label_names, type); !s.ok()) {
    return s;
  }
  if (type == MetricType::kCounter &&
      (name.size() < 6 || name.substr(name.size() - 6) != "_total")) {
    return absl::InvalidArgumentError(
        absl::StrCat("counter name \"", Absl(name), "\" must end in _total"));
  }

  RegistryState& state = *state_;
  absl::MutexLock lock(&state.mu);
  if (auto it = state.families.find(name); it != state.families.end()) {
    const MetricFamily& existing = *it->second;
    auto* same = dynamic_cast<Family*>(it->second.get());
    if (same == nullptr || existing.type() != type || existing.help() != help ||
        existing.label_names() != label_names || !matches(*same)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "metric \"", Absl(name),
          "\" is already registered with another type, help, labels or "
          "buckets"));
    }
    return same;
  }
  const std::vector<std::string> samples = SampleNames(name, type);
  for (const std::string& sample : samples) {
    if (auto it = state.claimed.find(sample); it != state.claimed.end()) {
      return absl::AlreadyExistsError(
          absl::StrCat("metric \"", Absl(name), "\" would expose \"", sample,
                       "\", which \"", it->second->name(), "\" exposes"));
    }
  }
  std::unique_ptr<Family> family = make();
  Family* raw = family.get();
  for (const std::string& sample : samples) state.claimed.emplace(sample, raw);
  state.families.emplace(std::string(name), std::move(family));
  return raw;
}

absl::StatusOr<CounterFamily*> Registry::AddCounter(
    std::string_view name, std::string_view help,
    std::vector<std::string> label_names) {
  return Register<CounterFamily>(
      name, help, MetricType::kCounter, label_names,
      [](const CounterFamily&) { return true; },
      [&] {
        return std::unique_ptr<CounterFamily>(
            new CounterFamily(std::string(name), std::string(help),
                              std::move(label_names), *state_));
      });
}

absl::StatusOr<GaugeFamily*> Registry::AddGauge(
    std::string_view name, std::string_view help,
    std::vector<std::string> label_names) {
  return Register<GaugeFamily>(
      name, help, MetricType::kGauge, label_names,
      [](const GaugeFamily&) { return true; },
      [&] {
        return std::unique_ptr<GaugeFamily>(
            new GaugeFamily(std::string(name), std::string(help),
                            std::move(label_names), *state_));
      });
}

absl::StatusOr<HistogramFamily*> Registry::AddHistogram(
    std::string_view name, std::string_view help,
    std::vector<std::string> label_names, std::vector<double> upper_bounds) {
  if (absl::Status s = ValidateBuckets(name, upper_bounds); !s.ok()) return s;
  return Register<HistogramFamily>(
      name, help, MetricType::kHistogram, label_names,
      [&](const HistogramFamily& f) {
        return f.upper_bounds() == upper_bounds;
      },
      [&] {
        return std::unique_ptr<HistogramFamily>(new HistogramFamily(
            std::string(name), std::string(help), std::move(label_names),
            std::move(upper_bounds), *state_));
      });
}

absl::StatusOr<CallbackFamily*> Registry::AddCallbackGauge(
    std::string_view name, std::string_view help,
    std::vector<std::string> label_names, SampleCallback callback) {
  absl::StatusOr<CallbackFamily*> family = Register<CallbackFamily>(
      name, help, MetricType::kGauge, label_names,
      [](const CallbackFamily&) { return true; },
      [&] {
        return std::unique_ptr<CallbackFamily>(new CallbackFamily(
            std::string(name), std::string(help), MetricType::kGauge,
            std::move(label_names), *state_));
      });
  if (family.ok()) (*family)->SetCallback(std::move(callback));
  return family;
}

absl::StatusOr<CallbackFamily*> Registry::AddCallbackCounter(
    std::string_view name, std::string_view help,
    std::vector<std::string> label_names, SampleCallback callback) {
  absl::StatusOr<CallbackFamily*> family = Register<CallbackFamily>(
      name, help, MetricType::kCounter, label_names,
      [](const CallbackFamily&) { return true; },
      [&] {
        return std::unique_ptr<CallbackFamily>(new CallbackFamily(
            std::string(name), std::string(help), MetricType::kCounter,
            std::move(label_names), *state_));
      });
  if (family.ok()) (*family)->SetCallback(std::move(callback));
  return family;
}

std::string Registry::Expose() const {
  std::vector<const MetricFamily*> families;
  {
    absl::ReaderMutexLock lock(&state_->mu);
    families.reserve(state_->families.size());
    for (const auto& [name, family] : state_->families) {
      families.push_back(family.get());
    }
  }
  std::string out;
  for (const MetricFamily* family : families) family->Render(out);
  return out;
}

std::uint64_t Registry::rejected_series() const {
  return state_->rejected.load(std::memory_order_relaxed);
}

Registry& DefaultRegistry() {
  static Registry* const registry = new Registry();
  return *registry;
}

}  // namespace lia::obs
