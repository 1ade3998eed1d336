// The decorators and the observer of service/instrumented_*.h on real
// collaborators (an in-memory SQLite store, the memory cache, the rules
// pipeline, a task registry), with the spans caught by an in-memory
// exporter and the metrics read from a registry's exposition.

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "gtest/gtest.h"
#include "jobs/job.h"
#include "jobs/task_registry.h"
#include "obs/metrics.h"
#include "obs/trace.h"
#include "service/instrumented_cache.h"
#include "service/instrumented_pipeline.h"
#include "service/instrumented_store.h"
#include "service/instrumented_tasks.h"
#include "store/store.h"

namespace lia::service {
namespace {

using SpanId = std::array<uint8_t, 8>;

bool HasLine(const std::string& text, std::string_view line) {
  return ("\n" + text).find("\n" + std::string(line) + "\n") !=
         std::string::npos;
}

// Keeps the spans it is sent, in memory.
class RecordingExporter final : public obs::SpanExporter {
 public:
  absl::Status Export(const std::vector<obs::SpanData>& spans) override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.insert(spans_.end(), spans.begin(), spans.end());
    return absl::OkStatus();
  }
  std::vector<obs::SpanData> spans() {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }

 private:
  std::mutex mu_;
  std::vector<obs::SpanData> spans_;
};

// A tracer exporting into a RecordingExporter; Spans() flushes it first.
class Tracing {
 public:
  Tracing() {
    obs::TracerOptions options;
    options.exporter = &exporter_;
    tracer_ = std::make_unique<obs::Tracer>(options);
  }
  obs::Tracer& tracer() { return *tracer_; }
  std::vector<obs::SpanData> Spans() {
    tracer_->Shutdown();
    return exporter_.spans();
  }

 private:
  RecordingExporter exporter_;
  std::unique_ptr<obs::Tracer> tracer_;  // After the exporter it uses.
};

std::vector<const obs::SpanData*> Named(const std::vector<obs::SpanData>& spans,
                                        std::string_view name) {
  std::vector<const obs::SpanData*> out;
  for (const obs::SpanData& s : spans) {
    if (s.name == name) out.push_back(&s);
  }
  return out;
}

const obs::AttributeValue* Attribute(const obs::SpanData& span,
                                     std::string_view key) {
  for (const auto& [k, v] : span.attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string StringAttribute(const obs::SpanData& span, std::string_view key) {
  const obs::AttributeValue* v = Attribute(span, key);
  return v != nullptr && std::holds_alternative<std::string>(*v)
             ? std::get<std::string>(*v)
             : "";
}

core::Message Msg(std::string text) {
  core::Message m;
  m.id = "7";
  m.sender = "Rita Recruiter";
  m.text = std::move(text);
  return m;
}

constexpr char kNewOpportunity[] =
    "Hi Ana, Nimbus Labs is hiring a Senior Go Engineer (Go, Kubernetes, "
    "AWS). Fully remote, $180k-$200k. Interested?";

// ---- Store -----------------------------------------------------------------

class InstrumentedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions options;
    options.path = ":memory:";
    sqlite_ = *store::OpenSqliteStore(options);
  }
  std::unique_ptr<store::Store> sqlite_;
  obs::Registry registry_;
  Tracing tracing_;
};

TEST_F(InstrumentedStoreTest, TimesEveryCallAndTracesItUnderTheCurrentSpan) {
  InstrumentedStoreOptions options;
  options.metrics = &registry_;
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      NewInstrumentedStore(*sqlite_, options);
  ASSERT_TRUE(store.ok()) << store.status();

  // Outside a traced request: timed, not traced.
  EXPECT_TRUE(absl::IsNotFound((*store)->GetOpportunity(99).status()));
  obs::SpanContext request_context;
  {
    obs::Span request = tracing_.tracer().StartSpan("POST /api/v1/messages",
                                                    obs::SpanKind::kServer);
    request_context = request.context();
    obs::ScopedSpan active(request);
    ASSERT_TRUE(
        (*store)->InsertMessages({Msg(kNewOpportunity), Msg("Hello")}).ok());
    EXPECT_TRUE(absl::IsNotFound((*store)->GetOpportunity(404).status()));
  }
  const std::string text = registry_.Expose();
  EXPECT_TRUE(HasLine(
      text, "db_query_duration_seconds_count{operation=\"get_opportunity\"} 2"))
      << text;
  EXPECT_TRUE(HasLine(
      text, "db_query_duration_seconds_count{operation=\"insert_messages\"} 1"))
      << text;
  // Operations never called expose nothing.
  EXPECT_EQ(text.find("operation=\"ping\""), std::string::npos) << text;
  // The pool, as SQLite reports it: a writer and four readers, all idle.
  EXPECT_TRUE(HasLine(text, "db_pool_connections{state=\"in_use\"} 0")) << text;
  EXPECT_TRUE(HasLine(text, "db_pool_connections{state=\"waiting\"} 0"))
      << text;
  const store::ConnectionPoolStats pool = sqlite_->PoolStats();
  EXPECT_TRUE(HasLine(
      text, "db_pool_connections{state=\"idle\"} " + std::to_string(pool.idle)))
      << text;
  EXPECT_TRUE(
      HasLine(text, "db_pool_max_connections " + std::to_string(pool.max)))
      << text;

  const std::vector<obs::SpanData> spans = tracing_.Spans();
  ASSERT_EQ(spans.size(), 3u);  // The request and its two calls.
  const std::vector<const obs::SpanData*> inserts =
      Named(spans, "store.insert_messages");
  const std::vector<const obs::SpanData*> gets =
      Named(spans, "store.get_opportunity");
  ASSERT_EQ(inserts.size(), 1u);
  ASSERT_EQ(gets.size(), 1u);
  const obs::SpanData& insert = *inserts[0];
  EXPECT_EQ(insert.kind, obs::SpanKind::kClient);
  EXPECT_EQ(insert.context.trace_id, request_context.trace_id);
  EXPECT_EQ(insert.parent_span_id, request_context.span_id);
  EXPECT_EQ(StringAttribute(insert, "db.system"), "sqlite");
  EXPECT_EQ(StringAttribute(insert, "db.operation.name"), "insert_messages");
  const obs::AttributeValue* batch = Attribute(insert, "lia.db.batch_size");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(std::get<int64_t>(*batch), 2);
  EXPECT_FALSE(insert.error);
  // NotFound is an answer, not a database failure.
  EXPECT_EQ(StringAttribute(*gets[0], "lia.status_code"), "NOT_FOUND");
  EXPECT_FALSE(gets[0]->error);
}

TEST_F(InstrumentedStoreTest, WithMetricsOffRegistersNothing) {
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      NewInstrumentedStore(*sqlite_, InstrumentedStoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Ping().ok());
  EXPECT_EQ(registry_.Expose(), "");
}

TEST_F(InstrumentedStoreTest, DestroyingItClearsThePoolGauges) {
  InstrumentedStoreOptions options;
  options.metrics = &registry_;
  {
    absl::StatusOr<std::unique_ptr<store::Store>> store =
        NewInstrumentedStore(*sqlite_, options);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_NE(registry_.Expose().find("db_pool_connections"),
              std::string::npos);
  }
  EXPECT_EQ(registry_.Expose().find("db_pool_connections"), std::string::npos);
}

// ---- Cache -----------------------------------------------------------------

TEST(InstrumentedCacheTest, TracesOperationsWithHitAndKeyPrefixOnly) {
  Tracing tracing;
  std::unique_ptr<cache::Cache> memory =
      cache::NewMemoryCache(cache::MemoryCacheOptions{});
  InstrumentedCacheOptions options;
  options.backend = "memory";
  std::unique_ptr<cache::Cache> cache = NewInstrumentedCache(*memory, options);
  cache->Set("untraced:1", "x", std::chrono::milliseconds(0));
  {
    obs::Span request = tracing.tracer().StartSpan("GET /api/v1/opportunities",
                                                   obs::SpanKind::kServer);
    obs::ScopedSpan active(request);
    EXPECT_FALSE(cache->Get("opp:v1:list:abc").has_value());
    cache->Set("opp:v1:list:abc", "[]", std::chrono::milliseconds(0));
    EXPECT_EQ(cache->Get("opp:v1:list:abc"), "[]");
    EXPECT_EQ(cache->Increment("opp:version"), 1);
    cache->Delete("opp:version");
  }
  // Everything reached the backend, traced or not; stats are the backend's.
  EXPECT_EQ(memory->Get("untraced:1"), "x");
  EXPECT_EQ(cache->stats().hits, memory->stats().hits);
  EXPECT_EQ(cache->stats().hits, 2);

  const std::vector<obs::SpanData> spans = tracing.Spans();
  const std::vector<const obs::SpanData*> gets = Named(spans, "cache.get");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_FALSE(std::get<bool>(*Attribute(*gets[0], "lia.cache.hit")));
  EXPECT_TRUE(std::get<bool>(*Attribute(*gets[1], "lia.cache.hit")));
  EXPECT_EQ(StringAttribute(*gets[0], "lia.cache.key_prefix"), "opp");
  EXPECT_EQ(StringAttribute(*gets[0], "lia.cache.backend"), "memory");
  EXPECT_EQ(gets[0]->kind, obs::SpanKind::kClient);
  EXPECT_EQ(Named(spans, "cache.set").size(), 1u);  // The traced one only.
  EXPECT_EQ(Named(spans, "cache.increment").size(), 1u);
  EXPECT_EQ(Named(spans, "cache.delete").size(), 1u);
  const obs::SpanData* request = Named(spans, "GET /api/v1/opportunities")[0];
  for (const obs::SpanData& s : spans) {
    if (&s == request) continue;
    EXPECT_EQ(s.parent_span_id, request->context.span_id) << s.name;
  }
}

// ---- Pipeline --------------------------------------------------------------

// A classifier that calls a (pretend) provider inside its stage, then fails:
// the rules classifier answers instead.
class FailingClassifier final : public analysis::Classifier {
 public:
  std::string_view engine() const override { return "fake:model"; }
  absl::StatusOr<core::Classification> Classify(
      const analysis::StageInput&) const override {
    obs::StartChildSpan("llm.chat", obs::SpanKind::kClient).End();
    return absl::UnavailableError("fake provider down");
  }
};

class PipelineObserverTest : public ::testing::Test {
 protected:
  std::unique_ptr<analysis::Pipeline> NewPipeline(
      analysis::Pipeline::Stages stages) {
    PipelineObserverOptions options;
    options.metrics = &registry_;
    absl::StatusOr<std::unique_ptr<analysis::PipelineObserver>> observer =
        NewPipelineObserver(options);
    EXPECT_TRUE(observer.ok()) << observer.status();
    observer_ = *std::move(observer);
    analysis::PipelineOptions pipeline_options;
    pipeline_options.observer = observer_.get();
    return std::make_unique<analysis::Pipeline>(std::move(stages),
                                                pipeline_options);
  }

  obs::Registry registry_;
  Tracing tracing_;
  std::unique_ptr<analysis::PipelineObserver> observer_;
};

TEST_F(PipelineObserverTest, StagesAreTimedAndTracedUnderTheAnalysis) {
  analysis::Pipeline::Stages stages;
  stages.classifier = std::make_unique<FailingClassifier>();
  std::unique_ptr<analysis::Pipeline> pipeline = NewPipeline(std::move(stages));
  const core::Profile profile = core::DefaultProfile();

  // Untraced: timed only.
  ASSERT_TRUE(pipeline->Analyze(Msg(kNewOpportunity), profile).ok());
  obs::SpanContext request_context;
  {
    obs::Span request = tracing_.tracer().StartSpan("POST /api/v1/messages",
                                                    obs::SpanKind::kServer);
    request_context = request.context();
    obs::ScopedSpan active(request);
    absl::StatusOr<core::Analysis> analysis =
        pipeline->Analyze(Msg(kNewOpportunity), profile);
    ASSERT_TRUE(analysis.ok()) << analysis.status();
    EXPECT_EQ(analysis->engines.at("classify"),
              "rules (fallback: fake provider down)");
  }
  const std::string text = registry_.Expose();
  for (const char* stage :
       {"classify", "extract", "filter", "score", "draft"}) {
    EXPECT_TRUE(HasLine(text, "pipeline_execution_time_seconds_count{stage=\"" +
                                  std::string(stage) + "\"} 2"))
        << stage << "\n"
        << text;
  }
  // Not a follow-up: that stage never ran, and its series reads 0.
  EXPECT_TRUE(HasLine(
      text, "pipeline_execution_time_seconds_count{stage=\"follow_up\"} 0"))
      << text;

  const std::vector<obs::SpanData> spans = tracing_.Spans();
  const std::vector<const obs::SpanData*> analyses =
      Named(spans, "pipeline.analyze");
  ASSERT_EQ(analyses.size(), 1u);
  const obs::SpanData& analyze = *analyses[0];
  EXPECT_EQ(analyze.context.trace_id, request_context.trace_id);
  EXPECT_EQ(analyze.parent_span_id, request_context.span_id);
  EXPECT_EQ(StringAttribute(analyze, "lia.message.id"), "7");
  for (const char* stage :
       {"pipeline.classify", "pipeline.extract", "pipeline.filter",
        "pipeline.score", "pipeline.draft"}) {
    const std::vector<const obs::SpanData*> found = Named(spans, stage);
    ASSERT_EQ(found.size(), 1u) << stage;
    EXPECT_EQ(found[0]->parent_span_id, analyze.context.span_id) << stage;
    EXPECT_GE(found[0]->start, analyze.start) << stage;
    EXPECT_LE(found[0]->end, analyze.end) << stage;
  }
  EXPECT_TRUE(Named(spans, "pipeline.follow_up").empty());
  const obs::SpanData& classify = *Named(spans, "pipeline.classify")[0];
  EXPECT_EQ(StringAttribute(classify, "lia.pipeline.engine"),
            "rules (fallback: fake provider down)");
  EXPECT_TRUE(std::get<bool>(*Attribute(classify, "lia.pipeline.fallback")));
  EXPECT_EQ(StringAttribute(*Named(spans, "pipeline.extract")[0],
                            "lia.pipeline.engine"),
            "rules");
  // The provider call made inside the stage is the stage's child.
  const std::vector<const obs::SpanData*> calls = Named(spans, "llm.chat");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]->parent_span_id, classify.context.span_id);
  EXPECT_EQ(spans.size(), 8u);  // request, analyze, 5 stages, llm.chat.
}

// ---- Tasks -----------------------------------------------------------------

jobs::Job JobQueuedBy(int64_t id, const obs::SpanContext& request) {
  jobs::Job job;
  job.id = id;
  job.type = "process_message";
  job.attempts = 2;
  job.payload = "{\"message_id\": " + std::to_string(id) +
                ", \"traceparent\": \"" + obs::FormatTraceparent(request) +
                "\"}";
  return job;
}

obs::SpanContext RequestContext(std::string_view span_id_hex) {
  return *obs::ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-" +
                                std::string(span_id_hex) + "-01");
}

TEST(TracedTaskRegistryTest, AJobRunsInsideALiveSpanLinkedToItsRequest) {
  Tracing tracing;
  jobs::TaskRegistry tasks;
  jobs::RetryPolicy retry;
  retry.base_delay = absl::Seconds(7);
  ASSERT_TRUE(tasks
                  .Register(
                      "process_message",
                      [](const jobs::Job& job) -> absl::Status {
                        obs::StartChildSpan("store.get_message",
                                            obs::SpanKind::kClient)
                            .End();
                        return job.id == 2 ? absl::UnavailableError("busy")
                                           : absl::OkStatus();
                      },
                      retry)
                  .ok());
  absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> traced =
      NewTracedTaskRegistry(tasks, tracing.tracer());
  ASSERT_TRUE(traced.ok()) << traced.status();
  const jobs::TaskRegistry::Entry* entry = (*traced)->Find("process_message");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->retry.base_delay, absl::Seconds(7));
  const obs::SpanContext request = RequestContext("b7ad6b7169203331");
  EXPECT_TRUE(entry->task(JobQueuedBy(1, request)).ok());
  EXPECT_TRUE(absl::IsUnavailable(entry->task(JobQueuedBy(2, request))));
  EXPECT_EQ(obs::ScopedSpan::Current(), nullptr);

  const std::vector<obs::SpanData> spans = tracing.Spans();
  const std::vector<const obs::SpanData*> jobs =
      Named(spans, "job process_message");
  const std::vector<const obs::SpanData*> work =
      Named(spans, "store.get_message");
  ASSERT_EQ(jobs.size(), 2u);
  ASSERT_EQ(work.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const obs::SpanData& job = *jobs[i];
    EXPECT_EQ(job.kind, obs::SpanKind::kConsumer);
    EXPECT_EQ(job.parent_span_id, SpanId{});  // A trace of its own.
    EXPECT_NE(job.context.trace_id, request.trace_id);
    ASSERT_EQ(job.links.size(), 1u);
    EXPECT_EQ(job.links[0].trace_id, request.trace_id);
    EXPECT_EQ(job.links[0].span_id, request.span_id);
    EXPECT_EQ(std::get<int64_t>(*Attribute(job, "lia.job.attempt")), 2);
    EXPECT_EQ(StringAttribute(job, "lia.job.type"), "process_message");
    // The task's own spans are the job's children.
    EXPECT_EQ(work[i]->context.trace_id, job.context.trace_id);
    EXPECT_EQ(work[i]->parent_span_id, job.context.span_id);
  }
  EXPECT_FALSE(jobs[0]->error);
  EXPECT_TRUE(jobs[1]->error);
  EXPECT_EQ(jobs[1]->status_message, "UNAVAILABLE: busy");
}

TEST(TracedTaskRegistryTest, ABatchsSharedWorkIsTheLeadJobsChild) {
  Tracing tracing;
  jobs::TaskRegistry tasks;
  ASSERT_TRUE(tasks
                  .RegisterBatch("process_message",
                                 [](const std::vector<jobs::Job>& jobs) {
                                   obs::StartChildSpan("store.save_analyses",
                                                       obs::SpanKind::kClient)
                                       .End();
                                   return std::vector<absl::Status>(
                                       jobs.size(), absl::OkStatus());
                                 })
                  .ok());
  absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> traced =
      NewTracedTaskRegistry(tasks, tracing.tracer());
  ASSERT_TRUE(traced.ok()) << traced.status();
  const jobs::TaskRegistry::Entry* entry = (*traced)->Find("process_message");
  ASSERT_NE(entry, nullptr);
  ASSERT_TRUE(entry->batch);
  const std::vector<obs::SpanContext> requests = {
      RequestContext("1111111111111111"), RequestContext("2222222222222222"),
      RequestContext("3333333333333333")};
  std::vector<jobs::Job> batch;
  for (size_t i = 0; i < requests.size(); ++i) {
    batch.push_back(JobQueuedBy(static_cast<int64_t>(i + 1), requests[i]));
  }
  EXPECT_EQ(entry->batch(batch).size(), 3u);

  const std::vector<obs::SpanData> spans = tracing.Spans();
  const std::vector<const obs::SpanData*> jobs =
      Named(spans, "job process_message");
  const std::vector<const obs::SpanData*> work =
      Named(spans, "store.save_analyses");
  ASSERT_EQ(jobs.size(), 3u);
  ASSERT_EQ(work.size(), 1u);  // Once, under the lead.
  const obs::SpanData* lead = nullptr;
  for (const obs::SpanData* job : jobs) {
    if (job->context.span_id == work[0]->parent_span_id) lead = job;
  }
  ASSERT_NE(lead, nullptr);
  ASSERT_EQ(lead->links.size(), 1u);
  EXPECT_EQ(lead->links[0].span_id, requests[0].span_id);
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(std::get<int64_t>(*Attribute(*jobs[i], "lia.job.batch_size")), 3);
    if (jobs[i] == lead) continue;
    // Its own request, then the lead that did the work.
    ASSERT_EQ(jobs[i]->links.size(), 2u);
    EXPECT_EQ(jobs[i]->links[1].span_id, lead->context.span_id);
    EXPECT_NE(jobs[i]->context.trace_id, lead->context.trace_id);
  }
}

TEST(TracedTaskRegistryTest, WithTracingOffTasksRunAsTheyAre) {
  obs::Tracer off(obs::TracerOptions{});
  jobs::TaskRegistry tasks;
  bool ran = false;
  ASSERT_TRUE(tasks
                  .Register("cleanup",
                            [&ran](const jobs::Job&) {
                              ran = obs::ScopedSpan::Current() == nullptr;
                              return absl::OkStatus();
                            })
                  .ok());
  absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> traced =
      NewTracedTaskRegistry(tasks, off);
  ASSERT_TRUE(traced.ok()) << traced.status();
  jobs::Job job;
  job.type = "cleanup";
  EXPECT_TRUE((*traced)->Find("cleanup")->task(job).ok());
  EXPECT_TRUE(ran);
  EXPECT_EQ((*traced)->Types(), tasks.Types());
}

}  // namespace
}  // namespace lia::service
