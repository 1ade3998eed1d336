#pragma once

// `lia analyze`: the pipeline on a file or standard input.

#include <iosfwd>
#include <string>

namespace lia::app {

struct AnalyzeOptions {
  std::string input_path;    // Empty or "-": standard input.
  std::string profile_path;  // Empty: $LIA_PROFILE, ./profile.yaml, defaults.
  std::string config_path;   // Empty: $LIA_CONFIG, ./lia.toml, defaults.
  bool jsonl = false;        // One JSON object per line in and out.
  bool pretty = false;       // Indented JSON (ignored with jsonl).
  // --engine: "rules" (the default unless $LIA_ENGINE says otherwise),
  // "openai:gpt-4o-mini", a chain "ollama:llama3.1,rules"... LLM answers are
  // kept in the database of $LIA_DATABASE_URL (default ./data/lia.db), so a
  // second run over the same messages makes no call.
  std::string engine;
};

// Exit codes, stable for scripts.
enum AnalyzeExit : int {
  kAnalyzeOk = 0,
  kAnalyzeUsage = 1,       // Bad arguments (CLI11 reports these).
  kAnalyzeBadInput = 2,    // Unreadable input, or a bad profile.
  kAnalyzeSomeFailed = 3,  // --jsonl: some lines were not analysed.
};

// Runs the command; writes results to `out` and diagnostics to `err`.
int RunAnalyze(const AnalyzeOptions& options, std::istream& in,
               std::ostream& out, std::ostream& err);

}  // namespace lia::app
