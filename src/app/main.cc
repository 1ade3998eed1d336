// lia: one binary, several commands (DESIGN §2).

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/synchronization/mutex.h"

#include "app/analyze_command.h"
#include "app/config.h"
#include "app/serve_command.h"
#include "nlohmann/json.hpp"

int main(int argc, char** argv) {
#ifdef NDEBUG
  // Debian's Abseil is built with deadlock detection, which takes one
  // process-wide lock on every absl::Mutex::Lock; tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  CLI::App app{
      "lia - reads recruiter messages, scores each opportunity against your "
      "profile and drafts a reply."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lia 0.1.0");

  lia::app::AnalyzeOptions analyze;
  CLI::App* analyze_cmd = app.add_subcommand(
      "analyze",
      "Analyse a message (plain text or JSON) from FILE or standard input and "
      "print the analysis as JSON.");
  analyze_cmd->add_option("file", analyze.input_path,
                          "Input file; '-' or none reads standard input.");
  analyze_cmd->add_option("--profile", analyze.profile_path,
                          "Candidate profile YAML (default: $LIA_PROFILE, "
                          "./profile.yaml, then built-in defaults).");
  analyze_cmd->add_flag(
      "--jsonl", analyze.jsonl,
      "Read one JSON object per line ({\"id\",\"sender\",\"thread\","
      "\"message\"}) and write one analysis per line with the same id.");
  analyze_cmd->add_flag("--pretty", analyze.pretty, "Indent the JSON output.");
  analyze_cmd->add_option(
      "--engine", analyze.engine,
      "Engine: rules, openai:MODEL, anthropic:MODEL, ollama:MODEL, or a "
      "chain tried in order (\"ollama:llama3.1,rules\"); default "
      "$LIA_ENGINE, else rules. See docs/llm.md.");
  analyze_cmd->add_option("--config", analyze.config_path,
                          "Configuration TOML (default: $LIA_CONFIG, "
                          "./lia.toml, then built-in defaults).");

  std::string config_path;
  CLI::App* config_cmd = app.add_subcommand(
      "config", "Print the effective configuration as JSON.");
  config_cmd->add_option("--config", config_path, "Configuration TOML.");

  lia::app::ServeSettings settings = lia::app::SettingsFromEnvironment();
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API (environment: LIA_DATABASE_URL, LIA_LISTEN, "
      "LIA_PROFILE, LIA_CONFIG, LIA_API_TOKEN, LIA_CORS_ORIGINS).");
  serve_cmd->add_option("--listen", settings.listen, "HOST:PORT to listen on.");
  serve_cmd->add_option(
      "--database", settings.database_url,
      "sqlite://PATH or postgresql://USER@HOST/DB of the database.");
  serve_cmd->add_option("--profile", settings.profile_path,
                        "Candidate profile YAML.");
  serve_cmd->add_option("--config", settings.config_path,
                        "Configuration TOML.");

  serve_cmd->add_option("--workers", settings.workers,
                        "In-process workers (default: $LIA_WORKERS, else the "
                        "configuration's [jobs] workers; 0 for none).");

  CLI::App* worker_cmd = app.add_subcommand(
      "worker",
      "Run background workers and the scheduler only, until SIGTERM "
      "(environment as serve).");
  worker_cmd->add_option("--workers", settings.workers,
                         "Worker threads (default: $LIA_WORKERS, else the "
                         "configuration's [jobs] workers).");
  worker_cmd->add_option(
      "--database", settings.database_url,
      "sqlite://PATH or postgresql://USER@HOST/DB of the database.");
  worker_cmd->add_option("--profile", settings.profile_path,
                         "Candidate profile YAML.");
  worker_cmd->add_option("--config", settings.config_path,
                         "Configuration TOML.");

  CLI::App* migrate_cmd = app.add_subcommand(
      "migrate", "Apply pending database migrations and print the version.");
  migrate_cmd->add_option(
      "--database", settings.database_url,
      "sqlite://PATH or postgresql://USER@HOST/DB of the database.");

  std::string import_file;
  CLI::App* import_cmd =
      app.add_subcommand("import", "Import messages into the database.");
  import_cmd->require_subcommand(1);
  CLI::App* import_linkedin = import_cmd->add_subcommand(
      "linkedin-export",
      "Import LinkedIn's data export (the zip or its messages.csv).");
  import_linkedin->add_option("file", import_file, "Archive or CSV file.")
      ->required();
  import_linkedin->add_option(
      "--database", settings.database_url,
      "sqlite://PATH or postgresql://USER@HOST/DB of the database.");

  std::string token_name;
  CLI::App* token_cmd = app.add_subcommand("token", "Manage API tokens.");
  token_cmd->require_subcommand(1);
  CLI::App* token_create = token_cmd->add_subcommand(
      "create", "Create an API token; prints it once (only a hash is kept).");
  token_create->add_option("name", token_name, "What the token is for.")
      ->required();
  token_create->add_option(
      "--database", settings.database_url,
      "sqlite://PATH or postgresql://USER@HOST/DB of the database.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : lia::app::kAnalyzeUsage;
  }

  if (analyze_cmd->parsed()) {
    std::ios::sync_with_stdio(false);
    return lia::app::RunAnalyze(analyze, std::cin, std::cout, std::cerr);
  }
  if (serve_cmd->parsed()) {
    return lia::app::RunServe(settings, std::cout, std::cerr);
  }
  if (worker_cmd->parsed()) {
    return lia::app::RunWorker(settings, std::cout, std::cerr);
  }
  if (migrate_cmd->parsed()) {
    return lia::app::RunMigrate(settings, std::cout, std::cerr);
  }
  if (import_linkedin->parsed()) {
    return lia::app::RunImport(settings, import_file, std::cout, std::cerr);
  }
  if (token_create->parsed()) {
    return lia::app::RunTokenCreate(settings, token_name, std::cout, std::cerr);
  }
  if (config_cmd->parsed()) {
    absl::StatusOr<lia::app::Config> options =
        lia::app::ResolveConfig(config_path);
    if (!options.ok()) {
      std::cerr << "lia config: " << options.status().message() << "\n";
      return lia::app::kAnalyzeBadInput;
    }
    std::cout << lia::app::ConfigToJson(*options).dump(2) << "\n";
    return 0;
  }
  return lia::app::kAnalyzeUsage;
}
