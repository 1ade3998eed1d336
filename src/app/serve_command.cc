#include "app/serve_command.h"

#include <signal.h>
#include <sodium.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "analysis/pipeline.h"
#include "app/backends.h"
#include "app/config.h"
#include "app/engine.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "http/api_v1.h"
#include "http/events_api.h"
#include "http/metrics_api.h"
#include "http/openapi.h"
#include "http/server.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/job_metrics.h"
#include "jobs/job_queue.h"
#include "jobs/scheduler.h"
#include "jobs/task_registry.h"
#include "jobs/worker_pool.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "obs/trace.h"
#include "service/event_bus.h"
#include "service/instrumented_cache.h"
#include "service/instrumented_pipeline.h"
#include "service/instrumented_store.h"
#include "service/instrumented_tasks.h"
#include "service/maintenance.h"
#include "service/opportunity_service.h"
#include "service/service_metrics.h"
#include "service/tasks.h"
#include "store/event_log.h"
#include "store/store.h"

namespace lia::app {
namespace {

std::string Env(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" ||
         host.rfind("127.", 0) == 0;
}

std::string HashToken(std::string_view token) {
  unsigned char hash[crypto_generichash_BYTES];
  crypto_generichash(hash, sizeof hash,
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

DatabaseSettings DatabaseSettingsFrom(const ServeSettings& settings,
                                      const Config& config) {
  DatabaseSettings database;
  database.url = settings.database_url;
  database.pool_size = config.database.pool_size;
  database.acquire_timeout_ms = config.database.acquire_timeout_ms;
  database.statement_timeout_ms = config.database.statement_timeout_ms;
  return database;
}

// The cache of LIA_CACHE_URL. A remote cache's trouble is logged at most
// once per interval (and once when it recovers); it never fails a request.
absl::StatusOr<std::unique_ptr<cache::Cache>> OpenCache(
    const std::string& url) {
  cache::CacheUrlDefaults defaults;
  defaults.redis.on_error = [](std::string_view what) {
    obs::DefaultLogger().Warn("cache", {{"detail", std::string(what)}});
  };
  absl::StatusOr<std::unique_ptr<cache::Cache>> cache =
      cache::OpenCacheFromUrl(url, defaults);
  if (!cache.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("LIA_CACHE_URL: ", cache.status().message()));
  }
  return cache;
}

absl::StatusOr<core::Profile> LoadProfile(const std::string& path) {
  absl::StatusOr<core::Profile> profile = core::LoadProfileFile(path);
  if (absl::IsNotFound(profile.status())) return core::DefaultProfile();
  return profile;
}

// Traces go to an OTLP/HTTP collector when LIA_OTLP_ENDPOINT names one
// ("http://collector:4318"); without it tracing costs a branch.
// LIA_TRACE_SAMPLE_RATIO (0 to 1, default 1) records that share of new
// traces. The tracer flushes what is queued when destroyed.
struct Tracing {
  // InvalidArgument for a ratio that is not a number from 0 to 1.
  static absl::StatusOr<Tracing> FromEnvironment() {
    Tracing tracing;
    obs::TracerOptions options;
    if (const std::string ratio = Env("LIA_TRACE_SAMPLE_RATIO", "");
        !ratio.empty()) {
      char* end = nullptr;
      options.sample_ratio = std::strtod(ratio.c_str(), &end);
      if (end == ratio.c_str() || *end != '\0' ||
          !(options.sample_ratio >= 0.0 && options.sample_ratio <= 1.0)) {
        return absl::InvalidArgumentError(
            "LIA_TRACE_SAMPLE_RATIO: expected a number from 0 to 1, got '" +
            ratio + "'");
      }
    }
    if (const std::string otlp = Env("LIA_OTLP_ENDPOINT", ""); !otlp.empty()) {
      tracing.exporter = obs::NewOtlpHttpJsonExporter(otlp, "lia");
      options.exporter = tracing.exporter.get();
    }
    tracing.tracer = std::make_unique<obs::Tracer>(options);
    return tracing;
  }

  std::unique_ptr<obs::SpanExporter> exporter;
  std::unique_ptr<obs::Tracer> tracer;  // After the exporter it uses.
};

// trace_spans_exported_total and trace_spans_dropped_total, read from the
// tracer at scrape time (0 with tracing off, so dashboards and rules see the
// families either way); the callbacks go before the tracer does.
class TracerMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<TracerMetrics>> Create(
      obs::Registry& registry, const obs::Tracer& tracer) {
    auto metrics = std::unique_ptr<TracerMetrics>(new TracerMetrics());
    const obs::Tracer* t = &tracer;
    absl::StatusOr<obs::CallbackFamily*> exported = registry.AddCallbackCounter(
        "trace_spans_exported_total",
        "Spans the OTLP collector accepted since start.", {},
        [t](obs::SampleWriter& out) {
          out.Add({}, static_cast<double>(t->exported()));
        });
    if (!exported.ok()) return exported.status();
    metrics->families_.push_back(*exported);
    absl::StatusOr<obs::CallbackFamily*> dropped = registry.AddCallbackCounter(
        "trace_spans_dropped_total",
        "Spans lost since start: the export queue was full, or the "
        "collector refused or never took them.",
        {}, [t](obs::SampleWriter& out) {
          out.Add({}, static_cast<double>(t->dropped()));
        });
    if (!dropped.ok()) return dropped.status();
    metrics->families_.push_back(*dropped);
    return metrics;
  }
  ~TracerMetrics() {
    for (obs::CallbackFamily* family : families_) family->SetCallback(nullptr);
  }

 private:
  TracerMetrics() = default;
  std::vector<obs::CallbackFamily*> families_;
};

// "on"/"off" (also true/false, 1/0) from $LIA_METRICS, else [obs] metrics.
absl::StatusOr<bool> MetricsEnabled(const Config& config) {
  const std::string value = Env("LIA_METRICS", "");
  if (value.empty()) return config.obs.metrics;
  if (value == "on" || value == "true" || value == "1") return true;
  if (value == "off" || value == "false" || value == "0") return false;
  return absl::InvalidArgumentError("LIA_METRICS: expected on or off, got '" +
                                    value + "'");
}

// The spans' db.system of a database URL.
std::string DbSystem(const std::string& database_url) {
  return database_url.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite";
}

// Everything the commands share, built in dependency order (and destroyed
// in reverse: the service before the store it uses).
struct App {
  // First: whatever ends a span (workers, requests, the service) goes
  // before the tracer, which flushes what is queued when it goes. Set
  // first thing in BuildApp.
  Tracing tracing;
  Config config;
  // obs::DefaultRegistry(), or null when metrics are off (LIA_METRICS).
  obs::Registry* metrics = nullptr;
  std::unique_ptr<TracerMetrics> tracer_metrics;  // Null with metrics off.
  // PostgreSQL only: the connections everything below shares.
  std::shared_ptr<store::postgres::Pool> pool;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<jobs::JobQueue> queue;
  std::unique_ptr<jobs::ScheduleStore> schedules;
  std::unique_ptr<store::EventLog> event_log;
  std::unique_ptr<llm::AnswerStore> answers;  // The LLM answer table.
  std::unique_ptr<service::EventBus> events;
  std::unique_ptr<cache::Cache> cache;
  // `store` and `cache` as everything but the scrape-time metrics uses
  // them: a span per call, db_query_duration_seconds (service/instrumented_*).
  std::unique_ptr<store::Store> instrumented_store;
  std::unique_ptr<cache::Cache> instrumented_cache;
  // Stage spans and pipeline_execution_time_seconds; null when both
  // tracing and metrics are off. Before the engine, whose pipeline uses it.
  std::unique_ptr<analysis::PipelineObserver> pipeline_observer;
  std::unique_ptr<Engine> engine;  // The pipeline and its LLM providers.
  std::unique_ptr<service::ProfileHolder> profiles;
  // On obs::DefaultRegistry(); reads `store` and `cache` at every scrape.
  // Declared before `service`, which counts into it.
  std::unique_ptr<service::ServiceMetrics> service_metrics;
  std::unique_ptr<service::OpportunityService> service;
  std::unique_ptr<service::Maintenance> maintenance;
  std::unique_ptr<jobs::TaskRegistry> tasks;
  // On obs::DefaultRegistry(); reads `queue` at every scrape.
  std::unique_ptr<jobs::JobMetrics> job_metrics;
};

absl::StatusOr<std::unique_ptr<App>> BuildApp(const ServeSettings& settings) {
  auto app = std::make_unique<App>();
  absl::StatusOr<Tracing> tracing = Tracing::FromEnvironment();
  if (!tracing.ok()) return tracing.status();
  app->tracing = *std::move(tracing);
  absl::StatusOr<Config> config = ResolveConfig(settings.config_path);
  if (!config.ok()) return config.status();
  app->config = *std::move(config);
  absl::StatusOr<bool> metrics_on = MetricsEnabled(app->config);
  if (!metrics_on.ok()) return metrics_on.status();
  app->metrics = *metrics_on ? &obs::DefaultRegistry() : nullptr;
  obs::Tracer& tracer = *app->tracing.tracer;
  if (app->metrics != nullptr) {  // Tracing off: they stay at 0.
    absl::StatusOr<std::unique_ptr<TracerMetrics>> tracer_metrics =
        TracerMetrics::Create(*app->metrics, tracer);
    if (!tracer_metrics.ok()) return tracer_metrics.status();
    app->tracer_metrics = *std::move(tracer_metrics);
  }
  absl::StatusOr<core::Profile> profile = LoadProfile(settings.profile_path);
  if (!profile.ok()) return profile.status();
  // One database, one set of connections per concern on SQLite, one pool
  // for all of them on PostgreSQL (app/backends.h).
  absl::StatusOr<Backends> backends =
      OpenBackends(DatabaseSettingsFrom(settings, app->config));
  if (!backends.ok()) return backends.status();
  app->pool = std::move(backends->pool);
  app->store = std::move(backends->store);
  app->queue = std::move(backends->queue);
  app->schedules = std::move(backends->schedules);
  app->event_log = std::move(backends->event_log);
  app->answers = std::move(backends->answers);
  app->events = std::make_unique<service::EventBus>(*app->event_log);

  {
    absl::StatusOr<std::unique_ptr<cache::Cache>> opened =
        OpenCache(settings.cache_url);
    if (!opened.ok()) return opened.status();
    app->cache = *std::move(opened);
  }
  {
    service::InstrumentedStoreOptions instrumented_options;
    instrumented_options.db_system = DbSystem(settings.database_url);
    instrumented_options.metrics = app->metrics;
    absl::StatusOr<std::unique_ptr<store::Store>> instrumented =
        service::NewInstrumentedStore(*app->store, instrumented_options);
    if (!instrumented.ok()) return instrumented.status();
    app->instrumented_store = *std::move(instrumented);
    service::InstrumentedCacheOptions cache_options;
    cache_options.backend =
        settings.cache_url.rfind("redis", 0) == 0 ? "redis" : "memory";
    app->instrumented_cache =
        service::NewInstrumentedCache(*app->cache, cache_options);
  }
  if (app->metrics != nullptr || tracer.enabled()) {
    service::PipelineObserverOptions observer_options;
    observer_options.metrics = app->metrics;
    absl::StatusOr<std::unique_ptr<analysis::PipelineObserver>> observer =
        service::NewPipelineObserver(observer_options);
    if (!observer.ok()) return observer.status();
    app->pipeline_observer = *std::move(observer);
    app->config.pipeline.observer = app->pipeline_observer.get();
  }
  EngineOptions engine_options;
  engine_options.answer_store = app->answers.get();
  engine_options.cache = app->instrumented_cache.get();
  engine_options.metrics = app->metrics;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      BuildEngine(app->config, engine_options);
  if (!engine.ok()) return engine.status();
  app->engine = *std::move(engine);
  app->profiles =
      service::NewProfileHolder(*std::move(profile), settings.profile_path);
  if (app->metrics != nullptr) {
    // The scrape-time reads go to the store and cache themselves: a
    // scrape is no query worth timing or tracing.
    service::ServiceMetricsOptions metrics_options;
    metrics_options.store = app->store.get();
    metrics_options.cache = app->cache.get();
    metrics_options.engines = {app->engine->name()};
    absl::StatusOr<std::unique_ptr<service::ServiceMetrics>> metrics =
        service::ServiceMetrics::Create(*app->metrics, metrics_options);
    if (!metrics.ok()) return metrics.status();
    app->service_metrics = *std::move(metrics);
  }
  service::ServiceOptions service_options;
  service_options.metrics = app->service_metrics.get();
  service_options.queue = app->queue.get();
  service_options.events = app->events.get();
  service_options.engine = app->engine->name();
  app->service = std::make_unique<service::OpportunityService>(
      *app->instrumented_store, *app->instrumented_cache,
      app->engine->pipeline(), *app->profiles, service_options);
  app->maintenance = std::make_unique<service::Maintenance>(
      *app->instrumented_store, app->event_log.get(), app->config.retention);
  Engine* engine_ptr = app->engine.get();
  app->maintenance->set_answer_purger([engine_ptr](absl::Time cutoff) {
    return engine_ptr->DeleteAnswersBefore(cutoff);
  });
  app->tasks = std::make_unique<jobs::TaskRegistry>();
  if (absl::Status s = service::RegisterTasks(
          *app->tasks, *app->service, *app->maintenance, jobs::SystemClock());
      !s.ok()) {
    return s;
  }
  if (app->metrics != nullptr) {
    jobs::JobMetricsOptions metrics_options;
    metrics_options.types = app->tasks->Types();
    absl::StatusOr<std::unique_ptr<jobs::JobMetrics>> job_metrics =
        jobs::JobMetrics::Create(*app->metrics, *app->queue, metrics_options);
    if (!job_metrics.ok()) return job_metrics.status();
    app->job_metrics = *std::move(job_metrics);
  }
  return app;
}

// The configured schedules: the defaults with the configuration's crons; an
// empty cron leaves one out (Sync deletes it).
std::vector<jobs::ScheduleSpec> ScheduleSpecs(const Config& config) {
  std::vector<jobs::ScheduleSpec> specs;
  for (jobs::ScheduleSpec spec : jobs::DefaultSchedules()) {
    const auto it = config.schedules.find(spec.name);
    if (it != config.schedules.end()) spec.cron = it->second;
    if (!spec.cron.empty()) specs.push_back(std::move(spec));
  }
  return specs;
}

// Workers and the scheduler of one process. Stop() stops leasing and lets
// the jobs in flight finish (their leases extended meanwhile).
class Background {
 public:
  explicit Background(App& app) : app_(app) {}
  ~Background() { Stop(); }

  absl::Status Start(int workers) {
    jobs::Clock& clock = jobs::SystemClock();
    if (absl::Status s =
            app_.schedules->Sync(ScheduleSpecs(app_.config), clock.Now());
        !s.ok()) {
      return s;
    }
    // Every process runs a scheduler: a tick is claimed once however many
    // do, and one process down leaves the others to fire it.
    scheduler_ = std::make_unique<jobs::Scheduler>(*app_.schedules, clock);
    if (absl::Status s = scheduler_->Start(); !s.ok()) return s;
    if (workers <= 0) return absl::OkStatus();
    jobs::WorkerPoolOptions options;
    options.workers = workers;
    options.poll_interval = absl::Milliseconds(app_.config.jobs.poll_ms);
    options.lease_duration = absl::Seconds(app_.config.jobs.lease_seconds);
    options.batch_size = app_.config.jobs.batch_size;
    service::EventBus* events = app_.events.get();
    jobs::JobMetrics* metrics = app_.job_metrics.get();
    options.on_attempt = [events, metrics](
                             const jobs::Job& job, const absl::Status& outcome,
                             absl::Duration took, const jobs::Job* now) {
      if (metrics != nullptr) metrics->Observe(job, outcome, took, now);
      if (outcome.ok()) return;
      // The status message names the failure, never a message's text.
      obs::DefaultLogger().Log(
          now != nullptr && now->state == jobs::JobState::kQueued
              ? obs::LogLevel::kWarn
              : obs::LogLevel::kError,
          "job attempt failed",
          {{"job_id", job.id},
           {"type", job.type},
           {"attempt", job.attempts},
           {"state", now != nullptr ? jobs::ToString(now->state)
                                    : std::string_view("unrecorded")},
           {"error", outcome.ToString()}});
      if (now == nullptr || events == nullptr) return;
      const bool dead = now->state == jobs::JobState::kDead;
      nlohmann::json data = {
          {"job_id", job.id},
          {"type", job.type},
          {"attempts", now->attempts},
          {"state", jobs::ToString(now->state)},
          {"error", std::string(outcome.message())},
          {"will_retry", now->state == jobs::JobState::kQueued}};
      (void)events->Publish(dead ? "job.dead" : "job.failed", data);
    };
    // Traced: each attempt a live span, current while its task runs
    // (service/instrumented_tasks.h).
    const jobs::TaskRegistry* tasks = app_.tasks.get();
    if (app_.tracing.tracer->enabled()) {
      absl::StatusOr<std::unique_ptr<jobs::TaskRegistry>> traced =
          service::NewTracedTaskRegistry(*app_.tasks, *app_.tracing.tracer);
      if (!traced.ok()) return traced.status();
      traced_tasks_ = *std::move(traced);
      tasks = traced_tasks_.get();
    }
    pool_ =
        std::make_unique<jobs::WorkerPool>(*app_.queue, *tasks, clock, options);
    return pool_->Start();
  }

  void Stop() {
    if (scheduler_) scheduler_->Stop();
    if (pool_) pool_->Stop();
  }

 private:
  App& app_;
  std::unique_ptr<jobs::TaskRegistry> traced_tasks_;  // Before the pool.
  std::unique_ptr<jobs::Scheduler> scheduler_;
  std::unique_ptr<jobs::WorkerPool> pool_;
};

// Keeps this process's cache true to writes of other processes on the same
// database (`lia worker`): they announce them as opportunity.* events,
// which this thread follows through the event bus. Stale reads last at most
// one poll of the bus (250 ms).
class CacheInvalidator {
 public:
  CacheInvalidator(service::EventBus& bus, service::OpportunityService& service)
      : bus_(bus), service_(service) {
    absl::StatusOr<int64_t> last = bus_.LastId();
    last_ = last.ok() ? *last : 0;
    thread_ = std::thread([this] { Loop(); });
  }
  // The bus must be shut down first: that ends the loop.
  ~CacheInvalidator() { thread_.join(); }

 private:
  void Loop() {
    while (true) {
      absl::StatusOr<std::vector<store::Event>> events =
          bus_.Wait(last_, absl::Seconds(5), 1000);
      if (absl::IsCancelled(events.status())) return;
      if (!events.ok()) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      bool stale = false;
      for (const store::Event& e : *events) {
        last_ = e.id;
        stale = stale || e.type.rfind("opportunit", 0) == 0;
      }
      if (stale) service_.InvalidateCache();
    }
  }

  service::EventBus& bus_;
  service::OpportunityService& service_;
  int64_t last_ = 0;
  std::thread thread_;
};

int WorkersFrom(const ServeSettings& settings, const Config& config) {
  return settings.workers >= 0 ? settings.workers : config.jobs.workers;
}

// http_requests_total{method,route,status} and
// http_request_duration_seconds{route}, fed by ServerOptions::on_response.
// The route is the matched template ("/api/v1/opportunities/{id}"),
// "unmatched" when no route matched; methods outside the standard ones are
// "other": a client never chooses a label value, so series stay bounded.
struct HttpMetrics {
  obs::CounterFamily* requests = nullptr;
  obs::HistogramFamily* duration = nullptr;

  static absl::StatusOr<HttpMetrics> Create(obs::Registry& registry) {
    HttpMetrics m;
    absl::StatusOr<obs::CounterFamily*> requests = registry.AddCounter(
        "http_requests_total", "HTTP responses, by method, route and status.",
        {"method", "route", "status"});
    if (!requests.ok()) return requests.status();
    m.requests = *requests;
    absl::StatusOr<obs::HistogramFamily*> duration = registry.AddHistogram(
        "http_request_duration_seconds",
        "Time from a request's first byte to its response, by route.",
        {"route"});
    if (!duration.ok()) return duration.status();
    m.duration = *duration;
    return m;
  }

  void Observe(const http::Request* request, int status,
               absl::Duration took) const {
    std::string_view method = "other";
    if (request != nullptr) {
      for (std::string_view known :
           {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (request->method == known) method = known;
      }
    }
    const std::string_view route = request != nullptr && !request->route.empty()
                                       ? std::string_view(request->route)
                                       : std::string_view("unmatched");
    const std::string code = std::to_string(status);
    requests->WithLabels({method, route, code}).Increment();
    duration->WithLabels({route}).Observe(absl::ToDoubleSeconds(took));
  }
};

// GET /metrics and /api/v1/metrics, and lia_build_info{version} on the
// registry they serve.
absl::Status RegisterMetricsWithBuildInfo(http::Router& router,
                                          obs::Registry& registry,
                                          const std::string& version) {
  absl::StatusOr<obs::GaugeFamily*> build_info = registry.AddGauge(
      "lia_build_info", "The version of lia serving; always 1.", {"version"});
  if (!build_info.ok()) return build_info.status();
  (*build_info)->WithLabels({version}).Set(1);
  http::RegisterMetricsRoutes(router, registry);
  return absl::OkStatus();
}

// `lia worker`'s optional listener ([obs] metrics_listen,
// $LIA_METRICS_LISTEN): /metrics (when metrics are on: this process's job,
// pipeline, LLM and database families), /health and /ready, served on a
// few threads of its own. Untraced and uncounted: scrapes are not work.
class WorkerListener {
 public:
  // `listen` is "HOST:PORT" (port 0: any free one). Unavailable when the
  // address is taken. `app` must outlive the listener.
  static absl::StatusOr<std::unique_ptr<WorkerListener>> Start(
      App& app, const std::string& listen) {
    const size_t colon = listen.rfind(':');
    const std::string port =
        colon == std::string::npos ? std::string() : listen.substr(colon + 1);
    if (colon == std::string::npos || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos ||
        std::atoi(port.c_str()) > 65535) {
      return absl::InvalidArgumentError(
          "LIA_METRICS_LISTEN: expected HOST:PORT, got '" + listen + "'");
    }
    auto listener = std::unique_ptr<WorkerListener>(new WorkerListener());
    // The version the API reports, from its one definition.
    const std::string version =
        http::ApiContext{*app.service, *app.instrumented_store,
                         *app.instrumented_cache, *app.queue, *app.schedules}
            .version;
    if (app.metrics != nullptr) {
      if (absl::Status s = RegisterMetricsWithBuildInfo(listener->router_,
                                                        *app.metrics, version);
          !s.ok()) {
        return s;
      }
    }
    listener->router_.Handle("GET", "/health", [version](const http::Request&) {
      return http::Response::Json(200,
                                  {{"status", "ok"}, {"version", version}});
    });
    store::Store* store = app.store.get();
    listener->router_.Handle("GET", "/ready", [store](const http::Request&) {
      const absl::Status ping = store->Ping();
      return http::Response::Json(
          ping.ok() ? 200 : 503,
          {{"status", ping.ok() ? "ready" : "unavailable"},
           {"checks",
            {{"store", ping.ok() ? "ok" : std::string(ping.message())}}}});
    });
    http::ServerOptions options;
    options.host = listen.substr(0, colon);
    options.port = std::atoi(port.c_str());
    options.threads = 4;
    listener->server_ =
        std::make_unique<http::Server>(listener->router_, options);
    if (absl::Status bound = listener->server_->Bind(); !bound.ok()) {
      return bound;
    }
    listener->address_ =
        options.host + ":" + std::to_string(listener->server_->port());
    http::Server* server = listener->server_.get();
    listener->thread_ = std::thread([server] { (void)server->Serve(); });
    return listener;
  }

  // Stops serving; requests in flight finish first.
  ~WorkerListener() {
    if (server_ != nullptr) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  // "HOST:PORT" as bound.
  const std::string& address() const { return address_; }

 private:
  WorkerListener() = default;
  http::Router router_;  // Before the server that routes with it.
  std::unique_ptr<http::Server> server_;
  std::string address_;
  std::thread thread_;
};

// Blocks SIGTERM and SIGINT in this thread and every thread started after,
// so a watcher can take them with sigwait.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

ServeSettings SettingsFromEnvironment() {
  ServeSettings s;
  s.database_url = Env("LIA_DATABASE_URL", "sqlite://./data/lia.db");
  s.cache_url = Env("LIA_CACHE_URL", "memory://");
  s.listen = Env("LIA_LISTEN", "127.0.0.1:8080");
  s.profile_path = Env("LIA_PROFILE", "./profile.yaml");
  s.config_path = Env("LIA_CONFIG", "");
  s.api_token = Env("LIA_API_TOKEN", "");
  s.cors_origins = Env("LIA_CORS_ORIGINS", "");
  s.threads = std::atoi(Env("LIA_HTTP_THREADS", "0").c_str());
  const std::string workers = Env("LIA_WORKERS", "");
  if (!workers.empty()) s.workers = std::atoi(workers.c_str());
  return s;
}

int RunServe(const ServeSettings& settings, std::ostream& out,
             std::ostream& err) {
  if (sodium_init() < 0) {
    err << "lia serve: libsodium failed to initialise\n";
    return 1;
  }
  // SIGTERM and SIGINT are taken by a watcher thread (sigwait), so block
  // them before any thread starts.
  const sigset_t signals = BlockStopSignals();

  absl::StatusOr<std::unique_ptr<App>> app = BuildApp(settings);
  if (!app.ok()) {
    err << "lia serve: " << app.status().message() << "\n";
    return 2;
  }

  http::ServerOptions options;
  const size_t colon = settings.listen.rfind(':');
  options.host = colon == std::string::npos ? settings.listen
                                            : settings.listen.substr(0, colon);
  options.port = colon == std::string::npos
                     ? 8080
                     : std::atoi(settings.listen.substr(colon + 1).c_str());
  // cpp-httplib serves a keep-alive connection on one thread; 64 threads
  // keep 64 client connections busy without queueing (make bench).
  options.threads = settings.threads > 0 ? settings.threads : 64;
  std::stringstream origins(settings.cors_origins);
  for (std::string origin; std::getline(origins, origin, ',');) {
    if (!origin.empty()) options.cors_allowed_origins.push_back(origin);
  }
  options.require_auth = !IsLoopback(options.host);
  if (*options.require_auth && settings.api_token.empty()) {
    err << "lia serve: listening on " << options.host
        << " needs API tokens; set LIA_API_TOKEN or create one with "
           "'lia token create NAME'\n";
  }
  store::Store* store_ptr = (*app)->instrumented_store.get();
  const std::string env_token_hash =
      settings.api_token.empty() ? "" : HashToken(settings.api_token);
  options.tracer = (*app)->tracing.tracer.get();
  std::optional<HttpMetrics> http_metrics;
  if (obs::Registry* registry = (*app)->metrics; registry != nullptr) {
    absl::StatusOr<HttpMetrics> created = HttpMetrics::Create(*registry);
    if (!created.ok()) {
      err << "lia serve: " << created.status().message() << "\n";
      return 2;
    }
    http_metrics = *created;
  }
  // HTTP metrics (when on), and the access log: one line per response (no
  // query strings, no bodies).
  options.on_response = [http = http_metrics](const http::Request* request,
                                              int status, absl::Duration took) {
    if (http) http->Observe(request, status, took);
    obs::Logger& log = obs::DefaultLogger();
    if (!log.Enabled(obs::LogLevel::kInfo)) return;
    obs::LogContext context(request != nullptr ? request->request_id : "",
                            request != nullptr ? request->trace_id : "",
                            request != nullptr ? request->span_id : "");
    log.Log(status >= 500 ? obs::LogLevel::kError : obs::LogLevel::kInfo,
            "request",
            {{"method", request != nullptr ? request->method : "-"},
             {"route", request != nullptr && !request->route.empty()
                           ? request->route
                           : std::string("-")},
             {"path", request != nullptr ? request->path : std::string("-")},
             {"status", status},
             {"duration_ms", absl::ToDoubleMilliseconds(took)}});
  };
  options.token_valid = [store_ptr, env_token_hash](std::string_view token) {
    const std::string hash = HashToken(token);
    if (!env_token_hash.empty() &&
        sodium_memcmp(hash.data(), env_token_hash.data(), hash.size()) == 0) {
      return true;
    }
    absl::StatusOr<bool> known = store_ptr->ApiTokenExists(hash);
    return known.ok() && *known;
  };

  App& a = **app;
  http::Router router;
  http::ApiContext context{*a.service, *a.instrumented_store,
                           *a.instrumented_cache, *a.queue, *a.schedules};
  http::RegisterApiV1(router, context);
  http::RegisterEventRoutes(router, *a.events, http::EventStreamOptions{});
  http::RegisterDocs(router, http::DocsOptions{context.version});
  if (a.metrics != nullptr) {
    if (absl::Status s =
            RegisterMetricsWithBuildInfo(router, *a.metrics, context.version);
        !s.ok()) {
      err << "lia serve: " << s.message() << "\n";
      return 2;
    }
  }
  http::Server server(router, options);
  if (absl::Status bound = server.Bind(); !bound.ok()) {
    err << "lia serve: " << bound.message() << "\n";
    return 2;
  }
  const int workers = WorkersFrom(settings, a.config);
  Background background(a);
  if (absl::Status started = background.Start(workers); !started.ok()) {
    err << "lia serve: " << started.message() << "\n";
    return 2;
  }
  out << "lia serve: listening on http://" << options.host << ":"
      << server.port() << " (database " << RedactUrl(settings.database_url)
      << ", " << workers << " workers)" << std::endl;
  obs::DefaultLogger().Info(
      "serve started",
      {{"listen", options.host + ":" + std::to_string(server.port())},
       {"workers", workers},
       {"version", context.version}});

  CacheInvalidator invalidator(*a.events, *a.service);
  std::thread watcher([&server, &a, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    a.events->Shutdown();  // Ends the event streams, which never finish.
    a.engine->Shutdown();  // LLM calls in flight end; rules answer instead.
    server.Stop();
  });
  const absl::Status served = server.Serve();
  // Serve() returned: either a signal stopped it, or it failed; wake the
  // watcher either way so it can be joined.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  a.events->Shutdown();  // Also when Serve() failed: ends the invalidator.
  // Requests are done; now stop leasing and let the jobs in flight finish.
  background.Stop();
  if (!served.ok()) {
    err << "lia serve: " << served.message() << "\n";
    return 1;
  }
  obs::DefaultLogger().Info("serve stopped");
  out << "lia serve: stopped" << std::endl;
  return 0;
}

int RunMigrate(const ServeSettings& settings, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<Config> config = ResolveConfig(settings.config_path);
  if (!config.ok()) {
    err << "lia migrate: " << config.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<int> version =
      MigrateDatabase(DatabaseSettingsFrom(settings, *config));
  if (!version.ok()) {
    err << "lia migrate: " << version.status().message() << "\n";
    return 2;
  }
  out << "lia migrate: " << RedactUrl(settings.database_url)
      << " is at schema version " << *version << "\n";
  return 0;
}

int RunImport(const ServeSettings& settings, const std::string& file,
              std::ostream& out, std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "lia import: cannot open " << file << "\n";
    return 2;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  absl::StatusOr<std::unique_ptr<App>> app = BuildApp(settings);
  if (!app.ok()) {
    err << "lia import: " << app.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<service::ImportSummary> s =
      (*app)->service->ImportLinkedInExport(bytes);
  if (!s.ok()) {
    err << "lia import: " << s.status().message() << "\n";
    return 2;
  }
  for (const std::string& e : s->errors) err << "lia import: " << e << "\n";
  nlohmann::json summary = {{"rows", s->rows},
                            {"conversations", s->conversations},
                            {"analysed", s->analysed},
                            {"duplicates", s->duplicates},
                            {"skipped_drafts", s->skipped_drafts},
                            {"skipped_sponsored", s->skipped_sponsored},
                            {"without_inbound", s->without_inbound},
                            {"errors", s->errors.size()}};
  out << summary.dump(2) << "\n";
  return 0;
}

int RunWorker(const ServeSettings& settings, std::ostream& out,
              std::ostream& err) {
  const sigset_t signals = BlockStopSignals();
  absl::StatusOr<std::unique_ptr<App>> app = BuildApp(settings);
  if (!app.ok()) {
    err << "lia worker: " << app.status().message() << "\n";
    return 2;
  }
  App& a = **app;
  int workers = WorkersFrom(settings, a.config);
  if (workers <= 0) workers = 2;
  std::unique_ptr<WorkerListener> listener;
  if (const std::string listen =
          Env("LIA_METRICS_LISTEN", a.config.obs.metrics_listen);
      !listen.empty()) {
    absl::StatusOr<std::unique_ptr<WorkerListener>> started =
        WorkerListener::Start(a, listen);
    if (!started.ok()) {
      err << "lia worker: " << started.status().message() << "\n";
      return 2;
    }
    listener = *std::move(started);
  }
  Background background(a);
  if (absl::Status started = background.Start(workers); !started.ok()) {
    err << "lia worker: " << started.message() << "\n";
    return 2;
  }
  out << "lia worker: " << workers << " workers on "
      << RedactUrl(settings.database_url);
  if (listener != nullptr) {
    out << " (metrics on http://" << listener->address() << ")";
  }
  out << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  out << "lia worker: stopping; finishing the jobs in flight" << std::endl;
  a.engine->Shutdown();  // LLM calls in flight end; rules answer instead.
  background.Stop();
  listener.reset();  // Scraped to the end: the last counts are served.
  out << "lia worker: stopped" << std::endl;
  return 0;
}

int RunTokenCreate(const ServeSettings& settings, const std::string& name,
                   std::ostream& out, std::ostream& err) {
  if (sodium_init() < 0) {
    err << "lia token: libsodium failed to initialise\n";
    return 1;
  }
  absl::StatusOr<Config> config = ResolveConfig(settings.config_path);
  if (!config.ok()) {
    err << "lia token: " << config.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      OpenStoreOnly(DatabaseSettingsFrom(settings, *config));
  if (!store.ok()) {
    err << "lia token: " << store.status().message() << "\n";
    return 2;
  }
  unsigned char secret[32];
  randombytes_buf(secret, sizeof secret);
  char hex[sizeof secret * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
  const std::string token = std::string("lia_") + hex;
  if (absl::Status s = (*store)->CreateApiToken(name, HashToken(token));
      !s.ok()) {
    err << "lia token: " << s.message() << "\n";
    return 2;
  }
  // Shown once; only its hash is stored.
  out << token << "\n";
  return 0;
}

}  // namespace lia::app
