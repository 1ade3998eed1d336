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
#include "jobs/sqlite/sqlite_job_queue.h"
#include "jobs/sqlite/sqlite_schedule_store.h"
#include "jobs/task_registry.h"
#include "jobs/worker_pool.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "obs/trace.h"
#include "service/event_bus.h"
#include "service/maintenance.h"
#include "service/opportunity_service.h"
#include "service/service_metrics.h"
#include "service/tasks.h"
#include "store/event_log.h"
#include "store/sqlite/sqlite_event_log.h"
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

absl::StatusOr<std::string> DatabasePath(const ServeSettings& settings) {
  std::string error;
  const std::string path = SqlitePathFromUrl(settings.database_url, &error);
  if (!error.empty()) return absl::InvalidArgumentError(error);
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty() && path != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::UnavailableError("cannot create " + parent.string() + ": " +
                                    ec.message());
    }
  }
  return path;
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(
    const ServeSettings& settings) {
  absl::StatusOr<std::string> path = DatabasePath(settings);
  if (!path.ok()) return path.status();
  store::SqliteStoreOptions options;
  options.path = *path;
  return store::OpenSqliteStore(options);
}

absl::StatusOr<core::Profile> LoadProfile(const std::string& path) {
  absl::StatusOr<core::Profile> profile = core::LoadProfileFile(path);
  if (absl::IsNotFound(profile.status())) return core::DefaultProfile();
  return profile;
}

// Everything the commands share, built in dependency order (and destroyed
// in reverse: the service before the store it uses).
struct App {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<jobs::JobQueue> queue;
  std::unique_ptr<jobs::ScheduleStore> schedules;
  std::unique_ptr<store::EventLog> event_log;
  std::unique_ptr<service::EventBus> events;
  std::unique_ptr<cache::Cache> cache;
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
  absl::StatusOr<Config> config = ResolveConfig(settings.config_path);
  if (!config.ok()) return config.status();
  app->config = *std::move(config);
  absl::StatusOr<core::Profile> profile = LoadProfile(settings.profile_path);
  if (!profile.ok()) return profile.status();
  absl::StatusOr<std::string> path = DatabasePath(settings);
  if (!path.ok()) return path.status();
  if (*path == ":memory:") {
    return absl::InvalidArgumentError(
        "LIA_DATABASE_URL: sqlite://:memory: cannot be shared by the store, "
        "the job queue and the event log; give a file path");
  }

  // One database file, one connection set per concern: the store (a writer
  // and readers), the queue, the schedules and the event log.
  store::SqliteStoreOptions store_options;
  store_options.path = *path;
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      store::OpenSqliteStore(store_options);
  if (!store.ok()) return store.status();
  app->store = *std::move(store);
  {
    store::SqliteJobQueueOptions queue_options;
    queue_options.path = *path;
    absl::StatusOr<std::unique_ptr<jobs::JobQueue>> queue =
        store::OpenSqliteJobQueue(queue_options);
    if (!queue.ok()) return queue.status();
    app->queue = *std::move(queue);
    store::SqliteScheduleStoreOptions schedule_options;
    schedule_options.path = *path;
    absl::StatusOr<std::unique_ptr<jobs::ScheduleStore>> schedules =
        store::OpenSqliteScheduleStore(schedule_options);
    if (!schedules.ok()) return schedules.status();
    app->schedules = *std::move(schedules);
    store::SqliteEventLogOptions log_options;
    log_options.path = *path;
    absl::StatusOr<std::unique_ptr<store::EventLog>> log =
        store::OpenSqliteEventLog(log_options);
    if (!log.ok()) return log.status();
    app->event_log = *std::move(log);
    app->events = std::make_unique<service::EventBus>(*app->event_log);
  }

  app->cache = cache::NewMemoryCache(cache::MemoryCacheOptions{});
  EngineOptions engine_options;
  engine_options.answers_path = *path;
  engine_options.cache = app->cache.get();
  engine_options.metrics = &obs::DefaultRegistry();
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      BuildEngine(app->config, engine_options);
  if (!engine.ok()) return engine.status();
  app->engine = *std::move(engine);
  app->profiles =
      service::NewProfileHolder(*std::move(profile), settings.profile_path);
  {
    service::ServiceMetricsOptions metrics_options;
    metrics_options.store = app->store.get();
    metrics_options.cache = app->cache.get();
    metrics_options.engines = {app->engine->name()};
    absl::StatusOr<std::unique_ptr<service::ServiceMetrics>> metrics =
        service::ServiceMetrics::Create(obs::DefaultRegistry(),
                                        metrics_options);
    if (!metrics.ok()) return metrics.status();
    app->service_metrics = *std::move(metrics);
  }
  service::ServiceOptions service_options;
  service_options.metrics = app->service_metrics.get();
  service_options.queue = app->queue.get();
  service_options.events = app->events.get();
  service_options.engine = app->engine->name();
  app->service = std::make_unique<service::OpportunityService>(
      *app->store, *app->cache, app->engine->pipeline(), *app->profiles,
      service_options);
  app->maintenance = std::make_unique<service::Maintenance>(
      *app->store, app->event_log.get(), app->config.retention);
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
  jobs::JobMetricsOptions metrics_options;
  metrics_options.types = app->tasks->Types();
  absl::StatusOr<std::unique_ptr<jobs::JobMetrics>> job_metrics =
      jobs::JobMetrics::Create(obs::DefaultRegistry(), *app->queue,
                               metrics_options);
  if (!job_metrics.ok()) return job_metrics.status();
  app->job_metrics = *std::move(job_metrics);
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
  // `tracer` not owned; must outlive the background work.
  Background(App& app, obs::Tracer& tracer) : app_(app), tracer_(tracer) {}
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
    obs::Tracer* tracer = &tracer_;
    options.on_attempt = [events, metrics, tracer](
                             const jobs::Job& job, const absl::Status& outcome,
                             absl::Duration took, const jobs::Job* now) {
      if (metrics != nullptr) metrics->Observe(job, outcome, took, now);
      if (tracer->enabled()) {
        // A span per attempt, linked to the request that queued the job.
        std::optional<obs::SpanContext> queued_by;
        const nlohmann::json payload =
            nlohmann::json::parse(job.payload, nullptr, false);
        if (payload.is_object() && payload.contains("traceparent") &&
            payload["traceparent"].is_string()) {
          queued_by =
              obs::ParseTraceparent(payload["traceparent"].get<std::string>());
        }
        const absl::Time end = absl::Now();
        tracer->RecordSpan(
            "job " + job.type, obs::SpanKind::kConsumer, end - took, end,
            queued_by ? &*queued_by : nullptr,
            {{"lia.job.id", job.id},
             {"lia.job.type", job.type},
             {"lia.job.attempt", static_cast<int64_t>(job.attempts)}},
            outcome.ok() ? "" : outcome.ToString());
      }
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
    pool_ = std::make_unique<jobs::WorkerPool>(*app_.queue, *app_.tasks, clock,
                                               options);
    return pool_->Start();
  }

  void Stop() {
    if (scheduler_) scheduler_->Stop();
    if (pool_) pool_->Stop();
  }

 private:
  App& app_;
  obs::Tracer& tracer_;
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

// Traces go to an OTLP/HTTP collector when LIA_OTLP_ENDPOINT names one
// ("http://collector:4318"); without it tracing costs a branch. The
// tracer flushes what is queued when destroyed.
struct Tracing {
  Tracing() {
    obs::TracerOptions options;
    if (const std::string otlp = Env("LIA_OTLP_ENDPOINT", ""); !otlp.empty()) {
      exporter = obs::NewOtlpHttpJsonExporter(otlp, "lia");
      options.exporter = exporter.get();
    }
    tracer = std::make_unique<obs::Tracer>(options);
  }
  std::unique_ptr<obs::SpanExporter> exporter;
  std::unique_ptr<obs::Tracer> tracer;  // After the exporter it uses.
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

std::string SqlitePathFromUrl(const std::string& url, std::string* error) {
  constexpr std::string_view kScheme = "sqlite://";
  if (url.rfind(kScheme, 0) != 0 || url.size() == kScheme.size()) {
    *error =
        "LIA_DATABASE_URL: expected sqlite://PATH (PostgreSQL arrives "
        "with the scale-out work), got '" +
        url + "'";
    return "";
  }
  return url.substr(kScheme.size());
}

ServeSettings SettingsFromEnvironment() {
  ServeSettings s;
  s.database_url = Env("LIA_DATABASE_URL", "sqlite://./data/lia.db");
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
  store::Store* store_ptr = (*app)->store.get();
  const std::string env_token_hash =
      settings.api_token.empty() ? "" : HashToken(settings.api_token);
  Tracing tracing;
  obs::Tracer& tracer = *tracing.tracer;
  options.tracer = &tracer;
  absl::StatusOr<HttpMetrics> http_metrics =
      HttpMetrics::Create(obs::DefaultRegistry());
  if (!http_metrics.ok()) {
    err << "lia serve: " << http_metrics.status().message() << "\n";
    return 2;
  }
  // HTTP metrics, and the access log: one line per response (no query
  // strings, no bodies).
  options.on_response = [http = *http_metrics](const http::Request* request,
                                               int status,
                                               absl::Duration took) {
    http.Observe(request, status, took);
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
  http::ApiContext context{*a.service, *a.store, *a.cache, *a.queue,
                           *a.schedules};
  http::RegisterApiV1(router, context);
  http::RegisterEventRoutes(router, *a.events, http::EventStreamOptions{});
  http::RegisterDocs(router, http::DocsOptions{context.version});
  obs::Registry& metrics = obs::DefaultRegistry();
  absl::StatusOr<obs::GaugeFamily*> build_info = metrics.AddGauge(
      "lia_build_info", "The version of lia serving; always 1.", {"version"});
  if (!build_info.ok()) {
    err << "lia serve: " << build_info.status().message() << "\n";
    return 2;
  }
  (*build_info)->WithLabels({context.version}).Set(1);
  http::RegisterMetricsRoutes(router, metrics);
  http::Server server(router, options);
  if (absl::Status bound = server.Bind(); !bound.ok()) {
    err << "lia serve: " << bound.message() << "\n";
    return 2;
  }
  const int workers = WorkersFrom(settings, a.config);
  Background background(a, tracer);
  if (absl::Status started = background.Start(workers); !started.ok()) {
    err << "lia serve: " << started.message() << "\n";
    return 2;
  }
  out << "lia serve: listening on http://" << options.host << ":"
      << server.port() << " (database " << settings.database_url << ", "
      << workers << " workers)" << std::endl;
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
  std::string error;
  const std::string path = SqlitePathFromUrl(settings.database_url, &error);
  if (!error.empty()) {
    err << "lia migrate: " << error << "\n";
    return 2;
  }
  absl::StatusOr<int> version = store::MigrateSqlite(path);
  if (!version.ok()) {
    err << "lia migrate: " << version.status().message() << "\n";
    return 2;
  }
  out << "lia migrate: " << path << " is at schema version " << *version
      << "\n";
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
  Tracing tracing;
  Background background(a, *tracing.tracer);
  if (absl::Status started = background.Start(workers); !started.ok()) {
    err << "lia worker: " << started.message() << "\n";
    return 2;
  }
  out << "lia worker: " << workers << " workers on " << settings.database_url
      << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  out << "lia worker: stopping; finishing the jobs in flight" << std::endl;
  a.engine->Shutdown();  // LLM calls in flight end; rules answer instead.
  background.Stop();
  out << "lia worker: stopped" << std::endl;
  return 0;
}

int RunTokenCreate(const ServeSettings& settings, const std::string& name,
                   std::ostream& out, std::ostream& err) {
  if (sodium_init() < 0) {
    err << "lia token: libsodium failed to initialise\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> store = OpenStore(settings);
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
