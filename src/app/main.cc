// lia: one binary, several commands (DESIGN §2).

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/analyze_command.h"
#include "app/config.h"
#include "nlohmann/json.hpp"

int main(int argc, char** argv) {
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
  analyze_cmd->add_option("--config", analyze.config_path,
                          "Configuration TOML (default: $LIA_CONFIG, "
                          "./lia.toml, then built-in defaults).");

  std::string config_path;
  CLI::App* config_cmd = app.add_subcommand(
      "config", "Print the effective configuration as JSON.");
  config_cmd->add_option("--config", config_path, "Configuration TOML.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : lia::app::kAnalyzeUsage;
  }

  if (analyze_cmd->parsed()) {
    std::ios::sync_with_stdio(false);
    return lia::app::RunAnalyze(analyze, std::cin, std::cout, std::cerr);
  }
  if (config_cmd->parsed()) {
    absl::StatusOr<lia::analysis::PipelineOptions> options =
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
