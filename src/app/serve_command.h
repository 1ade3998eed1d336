#pragma once

// `lia serve`, `lia migrate`, `lia import linkedin-export`, `lia token
// create`: the commands that open the database.

#include <iosfwd>
#include <string>

namespace lia::app {

// Settings from the environment (DESIGN §4), overridable by flags.
struct ServeSettings {
  // $LIA_DATABASE_URL, default sqlite://./data/lia.db; or
  // postgresql://user:password@host:port/db[?schema=name]
  std::string database_url;
  // $LIA_CACHE_URL, default memory:// (redis://host:port/db to share one)
  std::string cache_url;
  std::string listen;        // $LIA_LISTEN, default 127.0.0.1:8080
  std::string profile_path;  // $LIA_PROFILE, default ./profile.yaml
  std::string config_path;   // $LIA_CONFIG (TOML), default ./lia.toml
  std::string api_token;     // $LIA_API_TOKEN
  std::string cors_origins;  // $LIA_CORS_ORIGINS, comma-separated
  int threads = 0;           // $LIA_HTTP_THREADS, default 64
  // $LIA_WORKERS: in-process workers (serve) or workers (worker); -1: the
  // configuration's [jobs] workers.
  int workers = -1;
};

ServeSettings SettingsFromEnvironment();

// Each returns a process exit code and reports errors on `err`.
int RunServe(const ServeSettings& settings, std::ostream& out,
             std::ostream& err);
// `lia worker`: runs workers and the scheduler, no HTTP, until SIGTERM or
// SIGINT; then stops leasing and finishes the jobs in flight.
int RunWorker(const ServeSettings& settings, std::ostream& out,
              std::ostream& err);
int RunMigrate(const ServeSettings& settings, std::ostream& out,
               std::ostream& err);
int RunImport(const ServeSettings& settings, const std::string& file,
              std::ostream& out, std::ostream& err);
int RunTokenCreate(const ServeSettings& settings, const std::string& name,
                   std::ostream& out, std::ostream& err);

}  // namespace lia::app
