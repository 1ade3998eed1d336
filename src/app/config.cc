#include "app/config.h"

#include <toml++/toml.h>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "jobs/cron.h"
#include "jobs/scheduler.h"
#include "llm/provider_config.h"

namespace lia::app {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

absl::Status Error(const toml::node& node, std::string_view key,
                   std::string_view problem) {
  std::ostringstream out;
  out << "config line " << node.source().begin.line << ": " << key << ": "
      << problem;
  return absl::InvalidArgumentError(out.str());
}

absl::Status ReadInt(const toml::table& table, std::string_view table_name,
                     std::string_view key, int64_t min, int64_t max, int& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return absl::OkStatus();
  const std::string name = std::string(table_name) + "." + std::string(key);
  const std::optional<int64_t> value = node->value<int64_t>();
  if (!node->is_integer() || !value || *value < min || *value > max) {
    return Error(*node, name,
                 "expected an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
  }
  out = static_cast<int>(*value);
  return absl::OkStatus();
}

// Every key of `table` must be one of `known`: a typo must not silently keep
// a default.
absl::Status OnlyKnownKeys(const toml::table& table, std::string_view prefix,
                           std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : table) {
    bool found = false;
    for (std::string_view k : known) found = found || key.str() == k;
    if (!found) {
      return Error(node,
                   prefix.empty()
                       ? std::string(key.str())
                       : std::string(prefix) + "." + std::string(key.str()),
                   "unknown key");
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyWork(const toml::table& root, Config& config);

absl::Status Apply(const toml::table& root, Config& config) {
  analysis::PipelineOptions& options = config.pipeline;
  absl::Status status = OnlyKnownKeys(
      root, "",
      {"tiers", "scoring", "salary", "exchange_rates", "analysis", "jobs",
       "schedules", "retention", "llm", "obs", "database"});
  if (!status.ok()) return status;
  auto table =
      [&](std::string_view name) -> absl::StatusOr<const toml::table*> {
    const toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) return Error(*node, name, "expected a table");
    return node->as_table();
  };

  absl::StatusOr<const toml::table*> tiers = table("tiers");
  if (!tiers.ok()) return tiers.status();
  if (*tiers) {
    status = OnlyKnownKeys(**tiers, "tiers",
                           {"high_priority", "interesting", "low"});
    analysis::TierThresholds& t = options.scoring.tiers;
    if (status.ok())
      status =
          ReadInt(**tiers, "tiers", "high_priority", 0, 100, t.high_priority);
    if (status.ok())
      status = ReadInt(**tiers, "tiers", "interesting", 0, 100, t.interesting);
    if (status.ok()) status = ReadInt(**tiers, "tiers", "low", 0, 100, t.low);
    if (!status.ok()) return status;
    if (!(t.high_priority >= t.interesting && t.interesting >= t.low)) {
      return Error(**tiers, "tiers",
                   "expected high_priority >= interesting >= low");
    }
  }

  absl::StatusOr<const toml::table*> scoring = table("scoring");
  if (!scoring.ok()) return scoring.status();
  if (*scoring) {
    status = OnlyKnownKeys(**scoring, "scoring", {"filter_penalty"});
    if (status.ok()) {
      status = ReadInt(**scoring, "scoring", "filter_penalty", 0, 100,
                       options.scoring.filter_penalty);
    }
    if (!status.ok()) return status;
  }

  absl::StatusOr<const toml::table*> salary = table("salary");
  if (!salary.ok()) return salary.status();
  if (*salary) {
    status =
        OnlyKnownKeys(**salary, "salary", {"hours_per_year", "days_per_year"});
    if (status.ok()) {
      status = ReadInt(**salary, "salary", "hours_per_year", 1, 8784,
                       options.annualization.hours_per_year);
    }
    if (status.ok()) {
      status = ReadInt(**salary, "salary", "days_per_year", 1, 366,
                       options.annualization.days_per_year);
    }
    if (!status.ok()) return status;
  }

  absl::StatusOr<const toml::table*> rates = table("exchange_rates");
  if (!rates.ok()) return rates.status();
  if (*rates) {
    for (const auto& [key, node] : **rates) {
      const std::string code(key.str());
      const std::string name = "exchange_rates." + code;
      bool iso = code.size() == 3;
      for (char c : code) iso = iso && c >= 'A' && c <= 'Z';
      if (!iso) return Error(node, name, "expected an ISO 4217 code (EUR)");
      const std::optional<double> value = node.value<double>();
      if (!value || !(*value > 0) || *value > 1e6) {
        return Error(node, name,
                     "expected a positive number of US dollars per unit");
      }
      options.exchange_rates.usd_per_unit[code] = *value;
    }
  }

  absl::StatusOr<const toml::table*> limits = table("analysis");
  if (!limits.ok()) return limits.status();
  if (*limits) {
    status = OnlyKnownKeys(**limits, "analysis", {"max_message_bytes"});
    int max_bytes = static_cast<int>(options.max_message_bytes);
    if (status.ok()) {
      status = ReadInt(**limits, "analysis", "max_message_bytes", 1024,
                       64 << 20, max_bytes);
    }
    if (!status.ok()) return status;
    options.max_message_bytes = static_cast<size_t>(max_bytes);
  }
  return ApplyWork(root, config);
}

absl::StatusOr<const toml::table*> TableOf(const toml::table& root,
                                           std::string_view name) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) return Error(*node, name, "expected a table");
  return node->as_table();
}

bool IsSecret(std::string_view key) {
  return key.size() >= 7 && key.substr(key.size() - 7) == "api_key";
}

// [llm]: strings (numbers allowed where the variable takes one) kept under
// their environment variable's name; engine specs checked here, so a typo
// names its line; the rest when the engine is built.
absl::Status ApplyLlm(const toml::table& root, Config& config) {
  absl::StatusOr<const toml::table*> llm = TableOf(root, "llm");
  if (!llm.ok()) return llm.status();
  if (!*llm) return absl::OkStatus();
  std::function<absl::Status(const toml::table&, const std::string&)> walk =
      [&](const toml::table& table, const std::string& prefix) {
        for (const auto& [key, node] : table) {
          const std::string name = prefix + "." + std::string(key.str());
          if (node.is_table()) {
            absl::Status s = walk(*node.as_table(), name);
            if (!s.ok()) return s;
            continue;
          }
          const auto it = LlmSettingKeys().find(name);
          if (it == LlmSettingKeys().end()) {
            return Error(node, name, "unknown key");
          }
          std::string value;
          if (node.is_string()) {
            value = *node.value<std::string>();
          } else if (node.is_integer()) {
            value = std::to_string(*node.value<int64_t>());
          } else if (node.is_floating_point()) {
            value = std::to_string(*node.value<double>());
          } else {
            return Error(node, name, "expected a string or a number");
          }
          if (name == "llm.engine" || name == "llm.fallback" ||
              name.starts_with("llm.stages.")) {
            absl::StatusOr<std::vector<llm::EngineSpec>> chain =
                llm::ParseEngineChain(value);
            if (!chain.ok()) {
              return Error(node, name, std::string(chain.status().message()));
            }
          }
          config.llm[it->second] = value;
        }
        return absl::OkStatus();
      };
  return walk(**llm, "llm");
}

// [obs].
absl::Status ApplyObs(const toml::table& root, Config& config) {
  absl::StatusOr<const toml::table*> obs = TableOf(root, "obs");
  if (!obs.ok() || *obs == nullptr) return obs.status();
  if (absl::Status known =
          OnlyKnownKeys(**obs, "obs", {"metrics", "metrics_listen"});
      !known.ok()) {
    return known;
  }
  if (const toml::node* node = (*obs)->get("metrics")) {
    if (!node->is_boolean()) {
      return Error(*node, "obs.metrics", "expected true or false");
    }
    config.obs.metrics = node->value<bool>().value_or(true);
  }
  if (const toml::node* node = (*obs)->get("metrics_listen")) {
    const std::optional<std::string> listen = node->value<std::string>();
    if (!node->is_string() || !listen ||
        (!listen->empty() && listen->rfind(':') == std::string::npos)) {
      return Error(*node, "obs.metrics_listen",
                   "expected \"HOST:PORT\" or \"\"");
    }
    config.obs.metrics_listen = *listen;
  }
  return absl::OkStatus();
}

// [jobs], [schedules], [retention], [database].
absl::Status ApplyWork(const toml::table& root, Config& config) {
  absl::StatusOr<const toml::table*> database = TableOf(root, "database");
  if (!database.ok()) return database.status();
  if (*database) {
    absl::Status status = OnlyKnownKeys(
        **database, "database",
        {"pool_size", "acquire_timeout_ms", "statement_timeout_ms"});
    if (status.ok()) {
      status = ReadInt(**database, "database", "pool_size", 1, 1000,
                       config.database.pool_size);
    }
    if (status.ok()) {
      status = ReadInt(**database, "database", "acquire_timeout_ms", 10,
                       600'000, config.database.acquire_timeout_ms);
    }
    if (status.ok()) {
      status = ReadInt(**database, "database", "statement_timeout_ms", 100,
                       86'400'000, config.database.statement_timeout_ms);
    }
    if (!status.ok()) return status;
  }

  absl::StatusOr<const toml::table*> jobs = TableOf(root, "jobs");
  if (!jobs.ok()) return jobs.status();
  if (*jobs) {
    absl::Status status = OnlyKnownKeys(
        **jobs, "jobs", {"workers", "poll_ms", "lease_seconds", "batch_size"});
    if (status.ok()) {
      status = ReadInt(**jobs, "jobs", "workers", 0, 256, config.jobs.workers);
    }
    if (status.ok()) {
      status =
          ReadInt(**jobs, "jobs", "poll_ms", 10, 60'000, config.jobs.poll_ms);
    }
    if (status.ok()) {
      status = ReadInt(**jobs, "jobs", "lease_seconds", 5, 86'400,
                       config.jobs.lease_seconds);
    }
    if (status.ok()) {
      status =
          ReadInt(**jobs, "jobs", "batch_size", 1, 256, config.jobs.batch_size);
    }
    if (!status.ok()) return status;
  }

  absl::StatusOr<const toml::table*> schedules = TableOf(root, "schedules");
  if (!schedules.ok()) return schedules.status();
  if (*schedules) {
    absl::Status status =
        OnlyKnownKeys(**schedules, "schedules", {"daily_digest", "cleanup"});
    if (!status.ok()) return status;
    for (const auto& [key, node] : **schedules) {
      const std::string name = "schedules." + std::string(key.str());
      const std::optional<std::string> cron = node.value<std::string>();
      if (!node.is_string() || !cron) {
        return Error(node, name,
                     "expected a cron expression (\"0 9 * * *\") or \"\"");
      }
      if (!cron->empty()) {
        absl::StatusOr<jobs::CronExpression> parsed =
            jobs::CronExpression::Parse(*cron);
        if (!parsed.ok())
          return Error(node, name, std::string(parsed.status().message()));
      }
      config.schedules[std::string(key.str())] = *cron;
    }
  }

  absl::Status llm = ApplyLlm(root, config);
  if (!llm.ok()) return llm;
  if (absl::Status obs = ApplyObs(root, config); !obs.ok()) return obs;

  absl::StatusOr<const toml::table*> retention = TableOf(root, "retention");
  if (!retention.ok()) return retention.status();
  if (*retention) {
    service::RetentionOptions& r = config.retention;
    const std::pair<std::string_view, int*> days[] = {
        {"high_priority_days", &r.high_priority_days},
        {"interesting_days", &r.interesting_days},
        {"low_days", &r.low_days},
        {"not_interested_days", &r.not_interested_days},
        {"finished_jobs_days", &r.finished_jobs_days},
        {"failed_jobs_days", &r.failed_jobs_days},
        {"uploads_days", &r.uploads_days},
        {"events_days", &r.events_days},
        {"llm_answers_days", &r.llm_answers_days}};
    for (const auto& [key, node] : **retention) {
      bool known = false;
      for (const auto& [name, target] : days) {
        if (key.str() != name) continue;
        known = true;
        absl::Status status =
            ReadInt(**retention, "retention", name, 0, 36'500, *target);
        if (!status.ok()) return status;
      }
      if (!known) {
        return Error(node, "retention." + std::string(key.str()),
                     "unknown key");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::map<std::string, std::string>& LlmSettingKeys() {
  static const auto* keys = new std::map<std::string, std::string>{
      {"llm.engine", "LIA_ENGINE"},
      {"llm.fallback", "LIA_ENGINE_FALLBACK"},
      {"llm.stages.classify", "LIA_ENGINE_CLASSIFY"},
      {"llm.stages.follow_up", "LIA_ENGINE_FOLLOW_UP"},
      {"llm.stages.extract", "LIA_ENGINE_EXTRACT"},
      {"llm.stages.draft", "LIA_ENGINE_DRAFT"},
      {"llm.temperature", "LIA_LLM_TEMPERATURE"},
      {"llm.max_tokens", "LIA_LLM_MAX_TOKENS"},
      {"llm.timeout", "LIA_LLM_TIMEOUT"},
      {"llm.attempt_timeout", "LIA_LLM_ATTEMPT_TIMEOUT"},
      {"llm.connect_timeout", "LIA_LLM_CONNECT_TIMEOUT"},
      {"llm.max_attempts", "LIA_LLM_MAX_ATTEMPTS"},
      {"llm.concurrency", "LIA_LLM_CONCURRENCY"},
      {"llm.prices", "LIA_LLM_PRICES"},
      {"llm.openai.api_key", "OPENAI_API_KEY"},
      {"llm.openai.base_url", "OPENAI_BASE_URL"},
      {"llm.openai.response_format", "LIA_OPENAI_RESPONSE_FORMAT"},
      {"llm.anthropic.api_key", "ANTHROPIC_API_KEY"},
      {"llm.anthropic.base_url", "ANTHROPIC_BASE_URL"},
      {"llm.ollama.host", "OLLAMA_HOST"},
  };
  return *keys;
}

std::map<std::string, std::string> DefaultScheduleCrons() {
  std::map<std::string, std::string> crons;
  for (const jobs::ScheduleSpec& spec : jobs::DefaultSchedules()) {
    crons[spec.name] = spec.cron;
  }
  return crons;
}

absl::StatusOr<Config> ParseConfigToml(std::string_view toml_text) {
  Config options;
  try {
    const toml::table root = toml::parse(toml_text);
    absl::Status status = Apply(root, options);
    if (!status.ok()) return status;
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << "config line " << e.source().begin.line << ": " << e.description();
    return absl::InvalidArgumentError(out.str());
  }
  return options;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(path + ": cannot open");
  std::string text;
  char buffer[16384];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return absl::InvalidArgumentError(path + ": larger than 1 MiB");
    }
  }
  absl::StatusOr<Config> options = ParseConfigToml(text);
  if (!options.ok()) {
    return absl::InvalidArgumentError(path + ": " +
                                      std::string(options.status().message()));
  }
  return options;
}

absl::StatusOr<Config> ResolveConfig(const std::string& flag) {
  if (!flag.empty()) return LoadConfigFile(flag);
  if (const char* env = std::getenv("LIA_CONFIG"); env && *env) {
    return LoadConfigFile(env);
  }
  absl::StatusOr<Config> local = LoadConfigFile("lia.toml");
  if (absl::IsNotFound(local.status())) {
    Config defaults;
    return defaults;
  }
  return local;
}

nlohmann::json ConfigToJson(const Config& config) {
  const analysis::PipelineOptions& options = config.pipeline;
  nlohmann::json out;
  out["tiers"] = {{"high_priority", options.scoring.tiers.high_priority},
                  {"interesting", options.scoring.tiers.interesting},
                  {"low", options.scoring.tiers.low}};
  out["scoring"] = {{"filter_penalty", options.scoring.filter_penalty}};
  out["salary"] = {{"hours_per_year", options.annualization.hours_per_year},
                   {"days_per_year", options.annualization.days_per_year}};
  nlohmann::json rates = nlohmann::json::object();
  for (const auto& [code, rate] : options.exchange_rates.usd_per_unit) {
    rates[code] = rate;
  }
  out["exchange_rates"] = rates;
  out["analysis"] = {{"max_message_bytes", options.max_message_bytes}};
  out["database"] = {
      {"pool_size", config.database.pool_size},
      {"acquire_timeout_ms", config.database.acquire_timeout_ms},
      {"statement_timeout_ms", config.database.statement_timeout_ms}};
  out["jobs"] = {{"workers", config.jobs.workers},
                 {"poll_ms", config.jobs.poll_ms},
                 {"lease_seconds", config.jobs.lease_seconds},
                 {"batch_size", config.jobs.batch_size}};
  out["schedules"] = config.schedules;
  out["obs"] = {{"metrics", config.obs.metrics},
                {"metrics_listen", config.obs.metrics_listen}};
  const service::RetentionOptions& r = config.retention;
  nlohmann::json llm = nlohmann::json::object();
  for (const auto& [toml_key, env] : LlmSettingKeys()) {
    const auto it = config.llm.find(env);
    if (it == config.llm.end()) continue;
    // Secrets never leave: `lia config` shows that one is set, not what.
    llm[toml_key.substr(4)] = IsSecret(toml_key) ? "(set)" : it->second;
  }
  out["llm"] = llm;
  out["retention"] = {{"high_priority_days", r.high_priority_days},
                      {"interesting_days", r.interesting_days},
                      {"low_days", r.low_days},
                      {"not_interested_days", r.not_interested_days},
                      {"finished_jobs_days", r.finished_jobs_days},
                      {"failed_jobs_days", r.failed_jobs_days},
                      {"uploads_days", r.uploads_days},
                      {"events_days", r.events_days},
                      {"llm_answers_days", r.llm_answers_days}};
  return out;
}

}  // namespace lia::app
