#include "obs/trace.h"

#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lia::obs {
namespace {

TEST(TraceparentTest, ParsesAndFormatsW3cTraceContext) {
  const std::string header =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  std::optional<SpanContext> c = ParseTraceparent(header);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(c->sampled);
  EXPECT_EQ(FormatTraceparent(*c), header);
  EXPECT_FALSE(ParseTraceparent(
                   "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                   ->sampled);
  for (const char* bad : {
           "",
           "00",
           "garbage",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
  // A later version may carry more fields.
  EXPECT_TRUE(ParseTraceparent(
                  "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")
                  .has_value());
}

TEST(TracerTest, WithoutAnExporterSpansAreInert) {
  Tracer tracer(TracerOptions{});
  Span span = tracer.StartSpan("nothing");
  EXPECT_FALSE(span.active());
  EXPECT_FALSE(span.context().valid());
  span.SetAttribute("k", int64_t{1});
  span.End();
  EXPECT_EQ(tracer.exported(), 0);
  EXPECT_EQ(tracer.dropped(), 0);
}

// A stand-in OTLP/HTTP collector: records the JSON bodies it is sent.
class Collector {
 public:
  Collector() {
    server_.Post("/v1/traces", [this](const httplib::Request& req,
                                      httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_next_ > 0) {
        --fail_next_;
        res.status = 503;
        return;
      }
      bodies_.push_back(nlohmann::json::parse(req.body));
      content_types_.push_back(req.get_header_value("Content-Type"));
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  // Every span received, across batches.
  std::vector<nlohmann::json> Spans() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<nlohmann::json> spans;
    for (const nlohmann::json& body : bodies_) {
      for (const auto& rs : body["resourceSpans"]) {
        EXPECT_EQ(rs["resource"]["attributes"][0]["value"]["stringValue"],
                  "lia-test");
        for (const auto& ss : rs["scopeSpans"]) {
          for (const auto& s : ss["spans"]) spans.push_back(s);
        }
      }
    }
    return spans;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mu_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int fail_next_ = 0;
  std::vector<nlohmann::json> bodies_;
  std::vector<std::string> content_types_;
};

// Polls `done` for up to 10 s (the machines are shared and slow at times).
template <typename F>
bool Eventually(F done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

const nlohmann::json* Named(const std::vector<nlohmann::json>& spans,
                            const std::string& name) {
  for (const nlohmann::json& s : spans) {
    if (s["name"] == name) return &s;
  }
  return nullptr;
}

TEST(TracerTest, ExportsTheSpanTreeAsOtlpJson) {
  Collector collector;
  auto exporter = NewOtlpHttpJsonExporter(collector.endpoint(), "lia-test");
  TracerOptions options;
  options.exporter = exporter.get();
  options.flush_interval = absl::Milliseconds(50);
  Tracer tracer(options);

  const SpanContext incoming = *ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  SpanContext job_link;
  {
    Span request =
        tracer.StartSpan("GET /api/v1/jobs", SpanKind::kServer, &incoming);
    request.SetAttribute("http.route", std::string("/api/v1/jobs"));
    request.SetAttribute("http.status_code", int64_t{200});
    ScopedSpan active(request);
    {
      Span store = tracer.StartSpan("store.list_jobs", SpanKind::kClient);
      store.SetAttribute("db.system", std::string("sqlite"));
    }
    Span analyse = tracer.StartSpan("pipeline.extract");
    analyse.SetError("provider down");
    job_link = request.context();
  }
  {
    Span job = tracer.StartSpan("job process_message", SpanKind::kConsumer);
    job.AddLink(job_link);
  }
  tracer.Shutdown();

  const std::vector<nlohmann::json> spans = collector.Spans();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(tracer.exported(), 4);
  EXPECT_EQ(tracer.dropped(), 0);
  EXPECT_EQ(collector.content_types().front(), "application/json");
  const nlohmann::json* request = Named(spans, "GET /api/v1/jobs");
  const nlohmann::json* store = Named(spans, "store.list_jobs");
  const nlohmann::json* analyse = Named(spans, "pipeline.extract");
  const nlohmann::json* job = Named(spans, "job process_message");
  ASSERT_TRUE(request && store && analyse && job);
  // The request continues the caller's trace; its children hang below it.
  EXPECT_EQ((*request)["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ((*request)["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ((*request)["kind"], 2);
  EXPECT_EQ((*store)["traceId"], (*request)["traceId"]);
  EXPECT_EQ((*store)["parentSpanId"], (*request)["spanId"]);
  EXPECT_EQ((*store)["kind"], 3);
  EXPECT_EQ((*analyse)["parentSpanId"], (*request)["spanId"]);
  EXPECT_EQ((*analyse)["status"]["code"], 2);
  EXPECT_EQ((*analyse)["status"]["message"], "provider down");
  EXPECT_EQ((*request)["status"]["code"], 1);
  // The job is a trace of its own, linked to the request that queued it.
  EXPECT_NE((*job)["traceId"], (*request)["traceId"]);
  EXPECT_FALSE(job->contains("parentSpanId"));
  ASSERT_EQ((*job)["links"].size(), 1u);
  EXPECT_EQ((*job)["links"][0]["spanId"], (*request)["spanId"]);
  // Attributes in OTLP's typed form; times as nanosecond strings.
  bool route = false, status = false;
  for (const auto& a : (*request)["attributes"]) {
    route |=
        a["key"] == "http.route" && a["value"]["stringValue"] == "/api/v1/jobs";
    status |= a["key"] == "http.status_code" && a["value"]["intValue"] == "200";
  }
  EXPECT_TRUE(route && status) << request->dump();
  EXPECT_LE(std::stoll((*request)["startTimeUnixNano"].get<std::string>()),
            std::stoll((*request)["endTimeUnixNano"].get<std::string>()));
}

TEST(TracerTest, RetriesAnUnavailableCollectorThenDropsAndCounts) {
  Collector collector;
  auto exporter = NewOtlpHttpJsonExporter(collector.endpoint(), "lia-test");
  TracerOptions options;
  options.exporter = exporter.get();
  options.flush_interval = absl::Milliseconds(20);
  options.retry_backoff = absl::Milliseconds(10);
  options.max_attempts = 3;
  {
    Tracer tracer(options);
    collector.FailNext(2);  // Two 503s, then accepted: retried.
    tracer.StartSpan("one").End();
    EXPECT_TRUE(Eventually([&] { return tracer.exported() == 1; }));
    EXPECT_EQ(tracer.dropped(), 0);
    collector.FailNext(3);  // Three 503s: the batch is dropped, counted.
    tracer.StartSpan("two").End();
    EXPECT_TRUE(Eventually([&] { return tracer.dropped() == 1; }));
    EXPECT_EQ(tracer.exported(), 1);
  }
  // A full queue drops at once, off the caller's path.
  TracerOptions tiny = options;
  tiny.max_queue = 2;
  tiny.flush_interval = absl::Seconds(60);
  tiny.max_batch = 100;
  Tracer tracer(tiny);
  for (int i = 0; i < 5; ++i) tracer.StartSpan("s").End();
  EXPECT_EQ(tracer.dropped(), 3);
}

TEST(TracerTest, AnUnreachableCollectorNeverBlocksTheCaller) {
  auto exporter = NewOtlpHttpJsonExporter("http://127.0.0.1:1", "lia-test");
  TracerOptions options;
  options.exporter = exporter.get();
  options.flush_interval = absl::Milliseconds(10);
  options.retry_backoff = absl::Milliseconds(1);
  Tracer tracer(options);
  const absl::Time start = absl::Now();
  for (int i = 0; i < 1000; ++i) tracer.StartSpan("fast").End();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  tracer.Shutdown();
  EXPECT_EQ(tracer.exported(), 0);
  EXPECT_EQ(tracer.dropped(), 1000);
}

// Keeps what it is sent, in memory.
class RecordingExporter final : public SpanExporter {
 public:
  absl::Status Export(const std::vector<SpanData>& spans) override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.insert(spans_.end(), spans.begin(), spans.end());
    return absl::OkStatus();
  }
  std::vector<SpanData> spans() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }

 private:
  std::mutex mu_;
  std::vector<SpanData> spans_;
};

const SpanData* NamedData(const std::vector<SpanData>& spans,
                          const std::string& name) {
  for (const SpanData& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

TEST(StartChildSpanTest, IsInertWithoutACurrentSpan) {
  RecordingExporter exporter;
  TracerOptions options;
  options.exporter = &exporter;
  Tracer tracer(options);
  Span orphan = StartChildSpan("store.get_message", SpanKind::kClient);
  EXPECT_FALSE(orphan.active());
  EXPECT_FALSE(orphan.context().valid());
  // An inert current span makes nothing current either.
  Tracer off(TracerOptions{});
  Span inert = off.StartSpan("GET /");
  ScopedSpan active(inert);
  EXPECT_EQ(ScopedSpan::Current(), nullptr);
  EXPECT_FALSE(StartChildSpan("cache.get").active());
  orphan.End();
  tracer.Shutdown();
  EXPECT_TRUE(exporter.spans().empty());
}

TEST(StartChildSpanTest, ContinuesTheCurrentSpanWithItsTracer) {
  RecordingExporter exporter;
  TracerOptions options;
  options.exporter = &exporter;
  Tracer tracer(options);
  SpanContext request_context;
  {
    Span request = tracer.StartSpan("POST /api/v1/messages", SpanKind::kServer);
    request_context = request.context();
    ScopedSpan active(request);
    Span stage = StartChildSpan("pipeline.extract");
    ASSERT_TRUE(stage.active());
    {
      ScopedSpan nested(stage);
      Span call = StartChildSpan("llm.chat", SpanKind::kClient);
      EXPECT_TRUE(call.active());
    }
    // Back to the request once the stage's scope ended.
    EXPECT_EQ(ScopedSpan::Current(), &request.context());
    StartChildSpan("store.save_analyses", SpanKind::kClient).End();
  }
  EXPECT_EQ(ScopedSpan::Current(), nullptr);
  tracer.Shutdown();
  const std::vector<SpanData> spans = exporter.spans();
  ASSERT_EQ(spans.size(), 4u);
  const SpanData* stage = NamedData(spans, "pipeline.extract");
  const SpanData* call = NamedData(spans, "llm.chat");
  const SpanData* save = NamedData(spans, "store.save_analyses");
  ASSERT_TRUE(stage && call && save);
  EXPECT_EQ(stage->context.trace_id, request_context.trace_id);
  EXPECT_EQ(stage->parent_span_id, request_context.span_id);
  EXPECT_EQ(call->parent_span_id, stage->context.span_id);
  EXPECT_EQ(call->kind, SpanKind::kClient);
  EXPECT_EQ(save->parent_span_id, request_context.span_id);
}

TEST(TracerTest, StartRootSpanBeginsANewTraceUnderACurrentSpan) {
  RecordingExporter exporter;
  TracerOptions options;
  options.exporter = &exporter;
  Tracer tracer(options);
  Span request = tracer.StartSpan("POST /api/v1/messages", SpanKind::kServer);
  ScopedSpan active(request);
  Span job = tracer.StartRootSpan("job process_message", SpanKind::kConsumer,
                                  &request.context());
  EXPECT_NE(job.context().trace_id, request.context().trace_id);
  EXPECT_FALSE(Tracer(TracerOptions{})
                   .StartRootSpan("job x", SpanKind::kConsumer)
                   .active());
  // The context stays put when the span moves, and after it ends.
  const SpanContext* where = &job.context();
  Span moved = std::move(job);
  EXPECT_EQ(&moved.context(), where);
  moved.End();
  EXPECT_FALSE(moved.active());
  EXPECT_TRUE(moved.context().valid());
  request.End();
  tracer.Shutdown();
  const std::vector<SpanData> spans = exporter.spans();
  const SpanData* recorded = NamedData(spans, "job process_message");
  ASSERT_NE(recorded, nullptr);
  EXPECT_EQ(recorded->parent_span_id, (std::array<uint8_t, 8>{}));
  ASSERT_EQ(recorded->links.size(), 1u);
  EXPECT_EQ(recorded->links[0].span_id, request.context().span_id);
}

TEST(TracerTest, SamplesWholeTracesAtTheConfiguredRatio) {
  RecordingExporter exporter;
  TracerOptions options;
  options.exporter = &exporter;
  options.sample_ratio = 0.0;
  Tracer tracer(options);
  SpanContext unrecorded;
  {
    Span request = tracer.StartSpan("GET /", SpanKind::kServer);
    unrecorded = request.context();
    // Unrecorded, yet a context to hand on, flagged so.
    EXPECT_TRUE(request.active());
    EXPECT_TRUE(unrecorded.valid());
    EXPECT_FALSE(unrecorded.sampled);
    EXPECT_TRUE(FormatTraceparent(unrecorded).ends_with("-00"));
    ScopedSpan active(request);
    Span child = StartChildSpan("store.get_message");
    EXPECT_EQ(child.context().trace_id, unrecorded.trace_id);
    EXPECT_FALSE(child.context().sampled);
    child.SetAttribute("db.system", std::string("sqlite"));
  }
  // A caller's sampled traceparent wins over the ratio, and so does the
  // link of a root span (a traced request's job).
  const SpanContext caller = *ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  tracer.StartSpan("GET /traced", SpanKind::kServer, &caller).End();
  tracer.StartRootSpan("job traced", SpanKind::kConsumer, &caller).End();
  tracer.StartRootSpan("job untraced", SpanKind::kConsumer, &unrecorded).End();
  tracer.Shutdown();
  std::vector<std::string> names;
  for (const SpanData& s : exporter.spans()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"GET /traced", "job traced"}));

  // Half of many traces, give or take (ids are random).
  RecordingExporter half_exporter;
  TracerOptions half = options;
  half.exporter = &half_exporter;
  half.sample_ratio = 0.5;
  half.max_queue = 10'000;
  Tracer half_tracer(half);
  for (int i = 0; i < 4000; ++i) half_tracer.StartSpan("t").End();
  half_tracer.Shutdown();
  EXPECT_GT(half_exporter.spans().size(), 1600u);
  EXPECT_LT(half_exporter.spans().size(), 2400u);
}

TEST(OtlpJsonTest, EscapesTextAndWritesIdsAndTimes) {
  SpanData span;
  span.name = "say \"hi\"\\now\n\x01ok";
  span.context = *ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  span.parent_span_id = {1, 2, 3, 4, 5, 6, 7, 0xff};
  span.start = absl::FromUnixNanos(1'700'000'000'123'456'789);
  span.end = span.start + absl::Nanoseconds(5);
  span.attributes.emplace_back("note", std::string("tab\there \"q\""));
  span.links.push_back(span.context);
  const nlohmann::json body =
      nlohmann::json::parse(OtlpJson({span, span}, "lia \"test\""));
  EXPECT_EQ(body["resourceSpans"][0]["resource"]["attributes"][0]["value"]
                ["stringValue"],
            "lia \"test\"");
  const nlohmann::json& spans =
      body["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2u);
  const nlohmann::json& s = spans[1];
  EXPECT_EQ(s["name"], span.name);
  EXPECT_EQ(s["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s["spanId"], "00f067aa0ba902b7");
  EXPECT_EQ(s["parentSpanId"], "01020304050607ff");
  EXPECT_EQ(s["startTimeUnixNano"], "1700000000123456789");
  EXPECT_EQ(s["endTimeUnixNano"], "1700000000123456794");
  EXPECT_EQ(s["attributes"][0]["value"]["stringValue"], "tab\there \"q\"");
  EXPECT_EQ(s["links"][0]["spanId"], "00f067aa0ba902b7");
}

}  // namespace
}  // namespace lia::obs
