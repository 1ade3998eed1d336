#include "obs/metrics.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace lia::obs {
namespace {

::testing::AssertionResult HasText(const std::string& text,
                                   std::string_view part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << part << "\" not in:\n"
                                       << text;
}

template <typename T>
T* Must(absl::StatusOr<T*> family) {
  EXPECT_TRUE(family.ok()) << family.status();
  return family.ok() ? *family : nullptr;
}

TEST(RegistryTest, ExposesSmallRegistryExactly) {
  Registry registry;
  CounterFamily* requests = Must(registry.AddCounter(
      "http_requests_total", "HTTP requests served.", {"method", "status"}));
  GaugeFamily* workers =
      Must(registry.AddGauge("workers_busy", "Workers running a job."));
  HistogramFamily* latency =
      Must(registry.AddHistogram("http_request_duration_seconds",
                                 "Request latency.", {"route"}, {0.1, 0.5, 1}));

  requests->WithLabels({"POST", "201"}).Increment();
  requests->WithLabels({"GET", "200"}).Increment(41);
  requests->WithLabels({"GET", "200"}).Increment();
  workers->WithLabels().Set(3);
  Histogram& jobs = latency->WithLabels({"/api/v1/jobs"});
  jobs.Observe(0.05);
  jobs.Observe(0.5);
  jobs.Observe(2);

  EXPECT_EQ(registry.Expose(),
            "# HELP http_request_duration_seconds Request latency.\n"
            "# TYPE http_request_duration_seconds histogram\n"
            "http_request_duration_seconds_bucket{route=\"/api/v1/jobs\","
            "le=\"0.1\"} 1\n"
            "http_request_duration_seconds_bucket{route=\"/api/v1/jobs\","
            "le=\"0.5\"} 2\n"
            "http_request_duration_seconds_bucket{route=\"/api/v1/jobs\","
            "le=\"1\"} 2\n"
            "http_request_duration_seconds_bucket{route=\"/api/v1/jobs\","
            "le=\"+Inf\"} 3\n"
            "http_request_duration_seconds_sum{route=\"/api/v1/jobs\"} 2.55\n"
            "http_request_duration_seconds_count{route=\"/api/v1/jobs\"} 3\n"
            "# HELP http_requests_total HTTP requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{method=\"GET\",status=\"200\"} 42\n"
            "http_requests_total{method=\"POST\",status=\"201\"} 1\n"
            "# HELP workers_busy Workers running a job.\n"
            "# TYPE workers_busy gauge\n"
            "workers_busy 3\n");
}

TEST(RegistryTest, ContentTypeIsTextFormat004) {
  EXPECT_EQ(kExpositionContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(RegistryTest, OmitsLabelledFamiliesWithoutSeriesButNotUnlabelledOnes) {
  Registry registry;
  Must(registry.AddCounter("jobs_dead_total", "Dead jobs.", {"type"}));
  Must(registry.AddCounter("restarts_total", "Restarts."));
  Must(registry.AddHistogram("scrape_seconds", "Scrape time.", {}, {1}));
  EXPECT_EQ(registry.Expose(),
            "# HELP restarts_total Restarts.\n"
            "# TYPE restarts_total counter\n"
            "restarts_total 0\n"
            "# HELP scrape_seconds Scrape time.\n"
            "# TYPE scrape_seconds histogram\n"
            "scrape_seconds_bucket{le=\"1\"} 0\n"
            "scrape_seconds_bucket{le=\"+Inf\"} 0\n"
            "scrape_seconds_sum 0\n"
            "scrape_seconds_count 0\n");
}

TEST(RegistryTest, EscapesHelpAndLabelValues) {
  Registry registry;
  GaugeFamily* g = Must(registry.AddGauge(
      "escape_test", "Back\\slash, \"quotes\" and\nnewline.", {"v"}));
  g->WithLabels({"a\\b\"c\nd"}).Set(1);
  g->WithLabels({"caf\xC3\xA9 \xFF\xC3"}).Set(2);  // Valid é, then two bad.
  EXPECT_EQ(registry.Expose(),
            "# HELP escape_test Back\\\\slash, \"quotes\" and\\nnewline.\n"
            "# TYPE escape_test gauge\n"
            "escape_test{v=\"a\\\\b\\\"c\\nd\"} 1\n"
            "escape_test{v=\"caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD\"} 2\n");
}

TEST(RegistryTest, FormatsFloatsSoPrometheusParsesThem) {
  struct Case {
    double value;
    std::string_view text;
  };
  const Case cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-7, "-7"},
      {1e6, "1000000"},
      {123456789012, "123456789012"},
      {0.1, "0.1"},
      {2.5, "2.5"},
      {1e-7, "1e-07"},
      {1e300, "1e+300"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const Case& c : cases) {
    Registry registry;
    Must(registry.AddGauge("g", "h"))->WithLabels().Set(c.value);
    EXPECT_EQ(registry.Expose(),
              "# HELP g h\n# TYPE g gauge\ng " + std::string(c.text) + "\n")
        << c.text;
  }
}

TEST(HistogramTest, CountsCumulativelyWithSum) {
  Registry registry;
  HistogramFamily* family =
      Must(registry.AddHistogram("h_seconds", "h", {}, {1, 2, 4}));
  Histogram& h = family->WithLabels();
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, -1.0}) h.Observe(v);
  h.Observe(std::numeric_limits<double>::quiet_NaN());  // Ignored.

  const Histogram::Snapshot s = h.Collect();
  EXPECT_EQ(s.upper_bounds, (std::vector<double>{1, 2, 4}));
  // le=1: 0.5 1 -1; le=2: +1.5 2; le=4: +3 4; +Inf: +5. Bounds are inclusive.
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{3, 5, 7, 8}));
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.sum, 16.0);
  EXPECT_TRUE(HasText(registry.Expose(),
                      "h_seconds_bucket{le=\"2\"} 5\n"
                      "h_seconds_bucket{le=\"4\"} 7\n"
                      "h_seconds_bucket{le=\"+Inf\"} 8\n"
                      "h_seconds_sum 16\n"
                      "h_seconds_count 8\n"));
}

TEST(HistogramTest, BucketsAreValidatedAndTrailingInfIsImplied) {
  Registry registry;
  const double inf = std::numeric_limits<double>::infinity();
  HistogramFamily* f =
      Must(registry.AddHistogram("with_inf", "h", {}, {1, 2, inf}));
  EXPECT_EQ(f->upper_bounds(), (std::vector<double>{1, 2}));
  EXPECT_EQ(DefaultLatencyBuckets().front(), 0.005);
  EXPECT_EQ(DefaultLatencyBuckets().back(), 10);

  const std::vector<std::vector<double>> bad = {
      {2, 1}, {1, 1}, {std::nan(""), 1}, {-inf, 1}, {1, inf, 2}};
  for (const std::vector<double>& bounds : bad) {
    EXPECT_EQ(registry.AddHistogram("bad", "h", {}, bounds).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(registry.AddHistogram("no_buckets", "h", {}, {}).ok());
}

TEST(HistogramTest, BucketHelpers) {
  EXPECT_EQ(*ExponentialBuckets(0.001, 10, 4),
            (std::vector<double>{0.001, 0.01, 0.1, 1}));
  EXPECT_EQ(*LinearBuckets(10, 10, 3), (std::vector<double>{10, 20, 30}));
  EXPECT_FALSE(ExponentialBuckets(0, 2, 3).ok());
  EXPECT_FALSE(ExponentialBuckets(1, 1, 3).ok());
  EXPECT_FALSE(LinearBuckets(0, 0, 3).ok());
  EXPECT_FALSE(LinearBuckets(0, 1, 0).ok());
}

TEST(CounterTest, IgnoresNegativeAndNaNAndAddsFractions) {
  Counter c;
  c.Increment();
  c.Increment(0.25);
  c.Increment(-5);
  c.Increment(std::numeric_limits<double>::quiet_NaN());
  c.Increment(2);
  EXPECT_DOUBLE_EQ(c.Value(), 3.25);
}

TEST(GaugeTest, SetsIncrementsAndDecrements) {
  Gauge g;
  g.Set(10);
  g.Increment();
  g.Decrement(0.5);
  g.Increment(-2);
  EXPECT_DOUBLE_EQ(g.Value(), 8.5);
}

TEST(RegistryTest, ConcurrentIncrementsGiveTheExactTotal) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100'000;
  Registry registry;
  Counter& cached =
      Must(registry.AddCounter("cached_total", "c"))->WithLabels();
  CounterFamily* looked_up =
      Must(registry.AddCounter("looked_up_total", "c", {"thread_parity"}));
  Gauge& gauge = Must(registry.AddGauge("g", "g"))->WithLabels();
  Histogram& histogram =
      Must(registry.AddHistogram("h", "h", {}, {0.5}))->WithLabels();

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string parity = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < kPerThread; ++i) {
        cached.Increment();
        looked_up->WithLabels({parity}).Increment();
        gauge.Increment(0.5);
        histogram.Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  // A scrape racing the writers must not disturb them.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(registry.Expose().empty());
  for (std::thread& t : threads) t.join();

  constexpr double kTotal = double{kThreads} * kPerThread;
  EXPECT_EQ(cached.Value(), kTotal);
  EXPECT_EQ(looked_up->WithLabels({"even"}).Value(), kTotal / 2);
  EXPECT_EQ(looked_up->WithLabels({"odd"}).Value(), kTotal / 2);
  EXPECT_EQ(gauge.Value(), kTotal / 2);
  const Histogram::Snapshot s = histogram.Collect();
  EXPECT_EQ(s.count, kThreads * kPerThread);
  EXPECT_EQ(s.cumulative[0], kThreads * kPerThread / 2);
  EXPECT_DOUBLE_EQ(s.sum, kTotal / 2 * 1.25);
  EXPECT_TRUE(HasText(registry.Expose(), "cached_total 800000\n"));
}

TEST(RegistryTest, WithLabelsReturnsStableReferences) {
  Registry registry;
  CounterFamily* f = Must(registry.AddCounter("stable_total", "c", {"id"}));
  Counter* first = &f->WithLabels({"0"});
  for (int i = 1; i < 5000; ++i) f->WithLabels({std::to_string(i)});
  EXPECT_EQ(&f->WithLabels({"0"}), first);
  absl::StatusOr<Counter*> again = f->TryWithLabels({"0"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, first);
}

TEST(RegistryTest, WrongLabelCountIsRejectedNotExposed) {
  Registry registry;
  CounterFamily* f = Must(
      registry.AddCounter("http_requests_total", "c", {"method", "route"}));
  EXPECT_EQ(f->TryWithLabels({"GET"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f->TryWithLabels({"GET", "/", "200"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // WithLabels never fails: the increments land in a series nobody sees.
  f->WithLabels({"GET"}).Increment();
  f->WithLabels({}).Increment();
  EXPECT_EQ(registry.rejected_series(), 2u);
  EXPECT_EQ(registry.Expose(), "");
}

TEST(RegistryTest, SeriesLimitBoundsCardinality) {
  Registry registry(RegistryOptions{.max_series_per_family = 2});
  GaugeFamily* f = Must(registry.AddGauge("paths", "g", {"path"}));
  f->WithLabels({"/a"}).Set(1);
  f->WithLabels({"/b"}).Set(2);
  EXPECT_EQ(f->TryWithLabels({"/c"}).status().code(),
            absl::StatusCode::kResourceExhausted);
  f->WithLabels({"/c"}).Set(3);
  EXPECT_TRUE(f->TryWithLabels({"/a"}).ok());  // Existing series still work.
  EXPECT_EQ(registry.rejected_series(), 1u);
  EXPECT_EQ(registry.Expose(),
            "# HELP paths g\n# TYPE paths gauge\n"
            "paths{path=\"/a\"} 1\npaths{path=\"/b\"} 2\n");
}

TEST(RegistryTest, ValidatesNames) {
  struct Case {
    std::string_view name;
    std::vector<std::string> labels;
    bool histogram;
    bool ok;
  };
  const Case cases[] = {
      {"requests_total", {}, false, true},
      {"ns:requests_total", {"a_1", "_b"}, false, true},
      {"_x_total", {"B"}, false, true},
      {"", {}, false, false},
      {"1requests_total", {}, false, false},
      {"requests-total", {}, false, false},
      {"reqüests_total", {}, false, false},
      {"__requests_total", {}, false, false},
      {"requests", {}, false, false},  // Counters end in _total.
      {"requests_total", {"1a"}, false, false},
      {"requests_total", {"a:b"}, false, false},
      {"requests_total", {""}, false, false},
      {"requests_total", {"__name__"}, false, false},
      {"requests_total", {"a", "b", "a"}, false, false},
      {"requests_total", {"le"}, false, true},  // Only histograms reserve le.
      {"latency_seconds", {"le"}, true, false},
      {"latency_seconds", {"route", "le"}, true, false},
      {"latency:seconds", {"route"}, true, true},
  };
  for (const Case& c : cases) {
    Registry registry;
    const absl::Status status =
        c.histogram ? registry.AddHistogram(c.name, "h", c.labels).status()
                    : registry.AddCounter(c.name, "h", c.labels).status();
    EXPECT_EQ(status.ok(), c.ok) << c.name << ": " << status;
    if (!c.ok) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    }
  }
}

TEST(RegistryTest, ReregisteringReturnsTheSameFamilyOrAlreadyExists) {
  Registry registry;
  CounterFamily* f =
      Must(registry.AddCounter("jobs_retries_total", "Retries.", {"type"}));
  EXPECT_EQ(
      Must(registry.AddCounter("jobs_retries_total", "Retries.", {"type"})), f);
  const auto code = [](const absl::Status& s) { return s.code(); };
  constexpr auto kExists = absl::StatusCode::kAlreadyExists;
  EXPECT_EQ(code(registry.AddCounter("jobs_retries_total", "Retries.", {"q"})
                     .status()),
            kExists);
  EXPECT_EQ(
      code(registry.AddCounter("jobs_retries_total", "Retries.", {}).status()),
      kExists);
  EXPECT_EQ(code(registry.AddCounter("jobs_retries_total", "Other.", {"type"})
                     .status()),
            kExists);
  EXPECT_EQ(code(registry.AddGauge("jobs_retries_total", "Retries.", {"type"})
                     .status()),
            kExists);
  EXPECT_EQ(code(registry
                     .AddCallbackCounter("jobs_retries_total", "Retries.",
                                         {"type"}, nullptr)
                     .status()),
            kExists);

  HistogramFamily* h =
      Must(registry.AddHistogram("job_duration_seconds", "d", {"type"}));
  EXPECT_EQ(Must(registry.AddHistogram("job_duration_seconds", "d", {"type"})),
            h);
  EXPECT_EQ(
      code(registry.AddHistogram("job_duration_seconds", "d", {"type"}, {1, 2})
               .status()),
      kExists);
  // A histogram's sample names are taken, both ways round.
  EXPECT_EQ(code(registry.AddGauge("job_duration_seconds_count", "g").status()),
            kExists);
  EXPECT_EQ(
      code(registry.AddGauge("job_duration_seconds_bucket", "g").status()),
      kExists);
  Must(registry.AddGauge("queue_sum", "g"));
  EXPECT_EQ(code(registry.AddHistogram("queue", "h", {}).status()), kExists);
}

TEST(CallbackTest, SamplesAreComputedAtScrapeTimeAndSorted) {
  Registry registry;
  int scrapes = 0;
  Must(registry.AddCallbackGauge(
      "jobs_queue_depth", "Jobs per queue and state.", {"queue", "state"},
      [&](SampleWriter& out) {
        ++scrapes;
        out.Add({"default", "running"}, 2);
        out.Add({"default", "pending"}, 5 + scrapes);
        out.Add({"default", "pending"}, 99);  // Duplicate: dropped.
        out.Add({"default"}, 1);              // Wrong arity: dropped.
      }));
  Must(registry.AddCallbackCounter("jobs_dead_total", "Dead jobs.", {},
                                   [](SampleWriter& out) { out.Add({}, 4); }));
  EXPECT_EQ(scrapes, 0);
  const std::string expected_first =
      "# HELP jobs_dead_total Dead jobs.\n"
      "# TYPE jobs_dead_total counter\n"
      "jobs_dead_total 4\n"
      "# HELP jobs_queue_depth Jobs per queue and state.\n"
      "# TYPE jobs_queue_depth gauge\n"
      "jobs_queue_depth{queue=\"default\",state=\"pending\"} 6\n"
      "jobs_queue_depth{queue=\"default\",state=\"running\"} 2\n";
  EXPECT_EQ(registry.Expose(), expected_first);
  EXPECT_EQ(registry.rejected_series(), 2u);
  EXPECT_TRUE(
      HasText(registry.Expose(), "{queue=\"default\",state=\"pending\"} 7\n"));
  EXPECT_EQ(scrapes, 2);
}

TEST(CallbackTest, SetCallbackReplacesOrRemovesIt) {
  Registry registry;
  CallbackFamily* f = Must(registry.AddCallbackGauge(
      "lia_build_info", "Build.", {"version"},
      [](SampleWriter& out) { out.Add({"0.1.0"}, 1); }));
  EXPECT_TRUE(
      HasText(registry.Expose(), "lia_build_info{version=\"0.1.0\"} 1"));
  // Registering again with the same shape replaces the callback.
  EXPECT_EQ(Must(registry.AddCallbackGauge(
                "lia_build_info", "Build.", {"version"},
                [](SampleWriter& out) { out.Add({"0.2.0"}, 1); })),
            f);
  EXPECT_TRUE(
      HasText(registry.Expose(), "lia_build_info{version=\"0.2.0\"} 1"));
  f->SetCallback(nullptr);
  EXPECT_EQ(registry.Expose(), "");
}

TEST(CallbackTest, CallbackMayRegisterMetricsDuringAScrape) {
  Registry registry;
  Must(registry.AddCallbackGauge("a_gauge", "a", {}, [&](SampleWriter& out) {
    Must(registry.AddCounter("late_total", "registered mid-scrape"));
    out.Add({}, 1);
  }));
  EXPECT_EQ(registry.Expose(),
            "# HELP a_gauge a\n# TYPE a_gauge gauge\na_gauge 1\n");
  EXPECT_TRUE(HasText(registry.Expose(), "late_total 0\n"));
}

TEST(RegistryTest, DefaultRegistryIsOneInstance) {
  EXPECT_EQ(&DefaultRegistry(), &DefaultRegistry());
}

// ---- promtool ----

std::string FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    std::string candidate(dir.empty() ? "." : dir);
    candidate += '/';
    candidate += program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The families later code registers, with awkward values, checked by the
// real parser and linter.
TEST(PromtoolTest, CheckMetricsAcceptsTheExposition) {
  const std::string promtool = FindOnPath("promtool");
  if (promtool.empty()) {
    const char* require = std::getenv("LIA_REQUIRE_PROMTOOL");
    if (require != nullptr && std::string_view(require) == "1") {
      FAIL() << "promtool not on PATH and LIA_REQUIRE_PROMTOOL=1 "
                "(Debian package prometheus)";
    }
    GTEST_SKIP() << "promtool not on PATH";
  }

  Registry registry;
  CounterFamily* requests =
      Must(registry.AddCounter("http_requests_total", "HTTP requests served.",
                               {"method", "route", "status"}));
  requests->WithLabels({"GET", "/api/v1/jobs", "200"}).Increment(3);
  requests->WithLabels({"POST", "/api/v1/opportunities/{id}/approve", "404"})
      .Increment();
  requests->WithLabels({"GET", "/weird\\\"\nroute\xFF", "500"}).Increment();
  HistogramFamily* latency = Must(
      registry.AddHistogram("http_request_duration_seconds",
                            "Latency of requests.\nIn seconds.", {"route"}));
  latency->WithLabels({"/api/v1/jobs"}).Observe(0.042);
  latency->WithLabels({"/api/v1/jobs"}).Observe(7);
  Must(registry.AddCallbackGauge("jobs_queue_depth", "Jobs by queue and state.",
                                 {"queue", "state"}, [](SampleWriter& out) {
                                   out.Add({"default", "pending"}, 12);
                                   out.Add({"default", "dead"}, 0);
                                 }));
  Must(registry.AddHistogram("job_duration_seconds", "Job run time.", {"type"},
                             *ExponentialBuckets(0.001, 4, 8)))
      ->WithLabels({"process_message"})
      .Observe(0.3);
  Must(registry.AddCounter("jobs_retries_total", "Retries.", {"type"}))
      ->WithLabels({"process_message"})
      .Increment(2);
  GaugeFamily* odd = Must(registry.AddGauge("odd_values", "Floats.", {"k"}));
  odd->WithLabels({"nan"}).Set(std::numeric_limits<double>::quiet_NaN());
  odd->WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  odd->WithLabels({"ninf"}).Set(-std::numeric_limits<double>::infinity());
  odd->WithLabels({"tiny"}).Set(1e-300);
  odd->WithLabels({"huge"}).Set(1e300);
  Must(registry.AddCallbackGauge(
      "lia_build_info", "Build information.", {"version"},
      [](SampleWriter& out) { out.Add({"0.1.0"}, 1); }));

  const std::string file = ::testing::TempDir() + "obs_metrics_promtool.txt";
  {
    std::ofstream out(file, std::ios::binary);
    out << registry.Expose();
    ASSERT_TRUE(out.good());
  }
  const std::string command =
      "'" + promtool + "' check metrics < '" + file + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << command << "\n"
                       << output << "\n"
                       << registry.Expose();
  std::remove(file.c_str());
}

}  // namespace
}  // namespace lia::obs
