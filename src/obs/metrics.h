#pragma once

// The metrics registry (DESIGN §8): counters, gauges and histograms with
// labels, exposed in the Prometheus text format 0.0.4.
//
//   Registry registry;  // or DefaultRegistry()
//   LIA_ASSIGN_OR_RETURN(CounterFamily* requests,
//       registry.AddCounter("http_requests_total", "HTTP requests served.",
//                           {"method", "route", "status"}));
//   Counter& ok = requests->WithLabels({"GET", "/api/v1/jobs", "200"});
//   ok.Increment();                       // lock-free; cache `ok` freely
//   std::string body = registry.Expose(); // serve with kExpositionContentType
//
// Hot path: Counter/Gauge/Histogram updates are relaxed atomics on the
// series' own cache line, no lock. WithLabels takes the family's reader lock
// (writer lock only to create a series); callers on hot paths cache the
// returned reference, which stays valid as long as the Registry.
//
// Errors are values: registration returns absl::Status. WithLabels never
// fails: a wrong number of label values, or a new series beyond the family's
// series limit, returns a detached series that is never exposed and is
// counted in Registry::rejected_series(); TryWithLabels reports the error.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace lia::obs {

// The Content-Type of Registry::Expose()'s output.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Series are aligned to a cache line so two hot series never share one.
inline constexpr std::size_t kSeriesAlignment = 64;

// A monotonically increasing value. Thread-safe, lock-free.
class alignas(kSeriesAlignment) Counter final {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds `amount`. Integral amounts below 2^53 are an integer fetch_add;
  // others a compare-and-swap on a double. Negative and NaN amounts are
  // ignored (a counter never goes down).
  void Increment(double amount = 1.0) {
    if (amount >= 0.0 && amount < 0x1p53 &&
        amount == static_cast<double>(static_cast<std::uint64_t>(amount))) {
      whole_.fetch_add(static_cast<std::uint64_t>(amount),
                       std::memory_order_relaxed);
    } else if (amount > 0.0) {
      fraction_.fetch_add(amount, std::memory_order_relaxed);
    }
  }

  double Value() const {
    return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
           fraction_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> whole_{0};
  std::atomic<double> fraction_{0.0};
};

// A value that goes up and down. Thread-safe, lock-free.
class alignas(kSeriesAlignment) Gauge final {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Increment(double amount = 1.0) {
    value_.fetch_add(amount, std::memory_order_relaxed);
  }
  void Decrement(double amount = 1.0) {
    value_.fetch_sub(amount, std::memory_order_relaxed);
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Counts observations into fixed buckets. Thread-safe, lock-free: one atomic
// counter per bucket and a double sum. A scrape concurrent with Observe may
// see the sum lag the counts by the observations in flight; the counts are
// always consistent with each other (_count is the +Inf bucket).
class alignas(kSeriesAlignment) Histogram final {
 public:
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose upper bound is >= value (the
  // +Inf bucket past the last bound). NaN is ignored.
  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;       // Without +Inf.
    std::vector<std::uint64_t> cumulative;  // One more than upper_bounds.
    std::uint64_t count = 0;                // == cumulative.back().
    double sum = 0.0;
  };
  Snapshot Collect() const;

 private:
  friend class HistogramFamily;
  // `upper_bounds` is sorted, finite, and outlives the histogram.
  explicit Histogram(absl::Span<const double> upper_bounds);

  absl::Span<const double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // Not cumulative.
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// What every family shares: a name, help text, type and fixed label names.
// Families are created by a Registry and live as long as it.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}

 private:
  friend class Registry;
  // Appends this family in the text format; nothing if it has no samples.
  virtual void Render(std::string& out) const = 0;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
};

namespace detail {
struct RegistryState;
template <typename Series>
class SeriesMap;
}  // namespace detail

// The label values of WithLabels, in the order of the family's label names.
using LabelValues = absl::Span<const std::string_view>;

// Thread-safe. Series are created on first use and never removed.
class CounterFamily final : public MetricFamily {
 public:
  ~CounterFamily() override;
  // The series with these label values, created at 0 if new. Never fails;
  // see the file comment for what a bad call returns.
  Counter& WithLabels(LabelValues values = {});
  // InvalidArgument for the wrong number of values, ResourceExhausted past
  // the family's series limit.
  absl::StatusOr<Counter*> TryWithLabels(LabelValues values);

 private:
  friend class Registry;
  CounterFamily(std::string name, std::string help,
                std::vector<std::string> label_names,
                detail::RegistryState& state);
  void Render(std::string& out) const override;
  std::unique_ptr<detail::SeriesMap<Counter>> series_;
};

// Thread-safe. Series are created on first use and never removed.
class GaugeFamily final : public MetricFamily {
 public:
  ~GaugeFamily() override;
  Gauge& WithLabels(LabelValues values = {});
  absl::StatusOr<Gauge*> TryWithLabels(LabelValues values);

 private:
  friend class Registry;
  GaugeFamily(std::string name, std::string help,
              std::vector<std::string> label_names,
              detail::RegistryState& state);
  void Render(std::string& out) const override;
  std::unique_ptr<detail::SeriesMap<Gauge>> series_;
};

// Thread-safe. Series are created on first use and never removed.
class HistogramFamily final : public MetricFamily {
 public:
  ~HistogramFamily() override;
  Histogram& WithLabels(LabelValues values = {});
  absl::StatusOr<Histogram*> TryWithLabels(LabelValues values);

  // Sorted, finite, without +Inf.
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  friend class Registry;
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> upper_bounds,
                  detail::RegistryState& state);
  void Render(std::string& out) const override;
  const std::vector<double> upper_bounds_;
  std::unique_ptr<detail::SeriesMap<Histogram>> series_;
};

// Where a scrape-time callback writes its samples.
class SampleWriter {
 public:
  virtual ~SampleWriter() = default;
  // One sample; label values in the order of the family's label names.
  // A sample with the wrong number of values, or repeating the values of an
  // earlier one, is dropped and counted in Registry::rejected_series().
  virtual void Add(LabelValues values, double value) = 0;
};

// Called at every scrape, on the scraping thread, to produce the current
// samples (e.g. queue depth per state, read from the database). It must not
// call SetCallback on its own family.
using SampleCallback = std::function<void(SampleWriter&)>;

// A gauge or counter family whose samples a callback computes at scrape time.
// Thread-safe.
class CallbackFamily final : public MetricFamily {
 public:
  ~CallbackFamily() override;
  // Replaces the callback; an empty one exposes nothing. Waits for a scrape
  // running the old callback to finish, so after SetCallback(nullptr)
  // whatever the old callback captured may be destroyed.
  void SetCallback(SampleCallback callback);

 private:
  friend class Registry;
  struct Impl;
  // Starts without a callback: the registry sets it after registering,
  // outside its own lock (a callback may register metrics).
  CallbackFamily(std::string name, std::string help, MetricType type,
                 std::vector<std::string> label_names,
                 detail::RegistryState& state);
  void Render(std::string& out) const override;
  std::unique_ptr<Impl> impl_;
};

struct RegistryOptions {
  // Default 10 000. Series one family may hold; guards against a label fed
  // with unbounded values (a raw path instead of a route template).
  std::size_t max_series_per_family = 10'000;
};

// The Prometheus client defaults, in seconds: 5 ms to 10 s.
std::vector<double> DefaultLatencyBuckets();
// 10 µs to 60 s, in seconds: for work that takes microseconds on the fast
// path and seconds on the slow one (a rules stage or an LLM stage, an
// SQLite read or a write waiting for the lock), where the defaults would
// put every fast observation in the first bucket.
std::vector<double> WideLatencyBuckets();
// `count` bounds start, start*factor, start*factor^2... InvalidArgument
// unless start > 0, factor > 1 and count >= 1.
absl::StatusOr<std::vector<double>> ExponentialBuckets(double start,
                                                       double factor,
                                                       int count);
// `count` bounds start, start+width... InvalidArgument unless width > 0 and
// count >= 1.
absl::StatusOr<std::vector<double>> LinearBuckets(double start, double width,
                                                  int count);

// Owns metric families and renders them. Thread-safe.
//
// Names follow Prometheus: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label
// [a-zA-Z_][a-zA-Z0-9_]*, neither starting with "__"; label names are
// distinct; counters end in "_total"; histograms may not use the label "le".
// Registering a name again with the same type, help, label names (and
// buckets) returns the existing family; anything else that reuses the name,
// or one of the sample names it exposes (a histogram "x" owns x_bucket,
// x_sum and x_count), is AlreadyExists. Bad names are InvalidArgument.
class Registry final {
 public:
  explicit Registry(RegistryOptions options = {});
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  absl::StatusOr<CounterFamily*> AddCounter(
      std::string_view name, std::string_view help,
      std::vector<std::string> label_names = {});
  absl::StatusOr<GaugeFamily*> AddGauge(
      std::string_view name, std::string_view help,
      std::vector<std::string> label_names = {});
  // `upper_bounds` must be strictly increasing and not NaN; a trailing +Inf
  // is implied and may be omitted.
  absl::StatusOr<HistogramFamily*> AddHistogram(
      std::string_view name, std::string_view help,
      std::vector<std::string> label_names,
      std::vector<double> upper_bounds = DefaultLatencyBuckets());
  // Families whose samples `callback` writes at each scrape. Registering
  // again with the same name, help and labels replaces the callback.
  absl::StatusOr<CallbackFamily*> AddCallbackGauge(
      std::string_view name, std::string_view help,
      std::vector<std::string> label_names, SampleCallback callback);
  absl::StatusOr<CallbackFamily*> AddCallbackCounter(
      std::string_view name, std::string_view help,
      std::vector<std::string> label_names, SampleCallback callback);

  // Every family with at least one sample, sorted by name, series sorted by
  // label values, in the text format 0.0.4. Runs the callbacks without
  // holding the registry's lock, so they may register metrics.
  std::string Expose() const;

  // Series and samples refused since construction (wrong label count, the
  // series limit, duplicate callback samples).
  std::uint64_t rejected_series() const;

 private:
  // Validates, then returns the matching family or one made by `make`.
  template <typename Family, typename Matches, typename Make>
  absl::StatusOr<Family*> Register(std::string_view name, std::string_view help,
                                   MetricType type,
                                   const std::vector<std::string>& label_names,
                                   Matches matches, Make make);

  std::unique_ptr<detail::RegistryState> state_;
};

// The process-wide registry, for code without an injected one. Never
// destroyed.
Registry& DefaultRegistry();

}  // namespace lia::obs
