#include "app/serve_command.h"

#include <signal.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "analysis/pipeline.h"
#include "app/config.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "http/api_v1.h"
#include "http/openapi.h"
#include "http/server.h"
#include "service/opportunity_service.h"
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

absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(
    const ServeSettings& settings) {
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
  store::SqliteStoreOptions options;
  options.path = path;
  return store::OpenSqliteStore(options);
}

absl::StatusOr<core::Profile> LoadProfile(const std::string& path) {
  absl::StatusOr<core::Profile> profile = core::LoadProfileFile(path);
  if (absl::IsNotFound(profile.status())) return core::DefaultProfile();
  return profile;
}

// Everything `serve` and `import` share, built in dependency order.
struct App {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<cache::Cache> cache;
  std::unique_ptr<analysis::Pipeline> pipeline;
  std::unique_ptr<service::ProfileHolder> profiles;
  std::unique_ptr<service::OpportunityService> service;
};

absl::StatusOr<App> BuildApp(const ServeSettings& settings) {
  App app;
  absl::StatusOr<analysis::PipelineOptions> options =
      ResolveConfig(settings.config_path);
  if (!options.ok()) return options.status();
  absl::StatusOr<core::Profile> profile = LoadProfile(settings.profile_path);
  if (!profile.ok()) return profile.status();
  absl::StatusOr<std::unique_ptr<store::Store>> store = OpenStore(settings);
  if (!store.ok()) return store.status();
  app.store = *std::move(store);
  app.cache = cache::NewMemoryCache(cache::MemoryCacheOptions{});
  app.pipeline = analysis::NewRulesPipeline(*std::move(options));
  app.profiles =
      service::NewProfileHolder(*std::move(profile), settings.profile_path);
  app.service = std::make_unique<service::OpportunityService>(
      *app.store, *app.cache, *app.pipeline, *app.profiles);
  return app;
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
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<App> app = BuildApp(settings);
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
  store::Store* store_ptr = app->store.get();
  const std::string env_token_hash =
      settings.api_token.empty() ? "" : HashToken(settings.api_token);
  options.token_valid = [store_ptr, env_token_hash](std::string_view token) {
    const std::string hash = HashToken(token);
    if (!env_token_hash.empty() &&
        sodium_memcmp(hash.data(), env_token_hash.data(), hash.size()) == 0) {
      return true;
    }
    absl::StatusOr<bool> known = store_ptr->ApiTokenExists(hash);
    return known.ok() && *known;
  };

  http::Router router;
  http::ApiContext context{*app->service, *app->store, *app->cache};
  http::RegisterApiV1(router, context);
  http::RegisterDocs(router, http::DocsOptions{context.version});
  http::Server server(router, options);
  if (absl::Status bound = server.Bind(); !bound.ok()) {
    err << "lia serve: " << bound.message() << "\n";
    return 2;
  }
  out << "lia serve: listening on http://" << options.host << ":"
      << server.port() << " (database " << settings.database_url << ")"
      << std::endl;

  std::thread watcher([&server, signals] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.Stop();
  });
  const absl::Status served = server.Serve();
  // Serve() returned: either a signal stopped it, or it failed; wake the
  // watcher either way so it can be joined.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  if (!served.ok()) {
    err << "lia serve: " << served.message() << "\n";
    return 1;
  }
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
  absl::StatusOr<App> app = BuildApp(settings);
  if (!app.ok()) {
    err << "lia import: " << app.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<service::ImportSummary> s =
      app->service->ImportLinkedInExport(bytes);
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
