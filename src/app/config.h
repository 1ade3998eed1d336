#pragma once

// lia's configuration file (TOML): the analysis options a user may tune —
// tier thresholds, the filter penalty, exchange rates, annualisation. See
// config/lia.example.toml and docs/configuration.md.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"
#include "nlohmann/json_fwd.hpp"
#include "service/maintenance.h"

namespace lia::app {

// The database's connections ([database]); docs/operations.md sizes them.
// PostgreSQL only: SQLite keeps a writer and four readers per file.
struct DatabaseConfig {
  int pool_size = 10;                // Connections this process holds at most.
  int acquire_timeout_ms = 5000;     // A caller waits this long, then 503.
  int statement_timeout_ms = 30000;  // A statement is cancelled after this.
};

// Background work ([jobs]).
struct JobsConfig {
  // In-process workers of `lia serve` (0: none, leave the work to
  // `lia worker`); $LIA_WORKERS overrides. `lia worker` takes --workers.
  int workers = 2;
  int poll_ms = 250;       // An idle worker asks the queue again after this.
  int lease_seconds = 60;  // A dead worker's job is taken again after this.
  // Jobs a worker leases at once; process_message jobs of one lease are
  // saved in one transaction.
  int batch_size = 32;
};

// Metrics and their listener ([obs]); docs/observability.md.
struct ObsConfig {
  // Default true. false: no /metrics route (404) and nothing observed on
  // the request and job paths. $LIA_METRICS ("on", "off") overrides.
  bool metrics = true;
  // Default "" (none). HOST:PORT where `lia worker` serves /metrics,
  // /health and /ready ("127.0.0.1:9464"; port 0 picks a free one).
  // $LIA_METRICS_LISTEN overrides. `lia serve` serves them on its own
  // listener.
  std::string metrics_listen;
};

// jobs::DefaultSchedules() as name -> cron.
std::map<std::string, std::string> DefaultScheduleCrons();

// Everything the configuration file sets, defaults included.
struct Config {
  analysis::PipelineOptions pipeline;
  JobsConfig jobs;
  ObsConfig obs;            // [obs]
  DatabaseConfig database;  // [database]
  // [schedules]: schedule name -> five-field UTC cron; "" disables it.
  // The names are the job types they enqueue. Default:
  // jobs::DefaultSchedules().
  std::map<std::string, std::string> schedules = DefaultScheduleCrons();
  service::RetentionOptions retention;  // [retention]
  // [llm] and [llm.openai|anthropic|ollama], as the environment variables
  // they stand for (LlmSettingKeys()): the environment wins over them.
  std::map<std::string, std::string> llm;
};

// The [llm] keys: TOML key ("llm.engine", "llm.openai.api_key") -> the
// environment variable it stands for ("LIA_ENGINE", "OPENAI_API_KEY").
const std::map<std::string, std::string>& LlmSettingKeys();

// Parses a configuration on top of the defaults. InvalidArgument naming the
// key and line for a syntax error, an unknown key, a wrong type or a value out
// of range ("config line 4: tiers.low: expected an integer from 0 to 100").
absl::StatusOr<Config> ParseConfigToml(std::string_view toml);

// Reads a file; NotFound when it does not exist.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The flag, else $LIA_CONFIG, else ./lia.toml when it exists, else defaults.
absl::StatusOr<Config> ResolveConfig(const std::string& flag);

// The effective options as JSON, for `lia config`.
nlohmann::json ConfigToJson(const Config& config);

}  // namespace lia::app
