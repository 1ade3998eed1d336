#include "app/analyze_command.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/pipeline.h"
#include "app/config.h"
#include "core/json.h"
#include "core/profile.h"

namespace lia::app {
namespace {

// Input beyond this is refused rather than read: a message is text a person
// wrote, and --jsonl streams line by line anyway.
constexpr size_t kMaxInputBytes = 64u << 20;

absl::StatusOr<core::Profile> ResolveProfile(const std::string& flag) {
  if (!flag.empty()) return core::LoadProfileFile(flag);
  if (const char* env = std::getenv("LIA_PROFILE"); env && *env) {
    return core::LoadProfileFile(env);
  }
  absl::StatusOr<core::Profile> local = core::LoadProfileFile("profile.yaml");
  if (absl::IsNotFound(local.status())) return core::DefaultProfile();
  return local;
}

std::string Dump(const nlohmann::json& json, bool pretty) {
  return json.dump(pretty ? 2 : -1, ' ', false,
                   nlohmann::json::error_handler_t::replace);
}

nlohmann::json ErrorJson(const nlohmann::json& id, const absl::Status& status) {
  nlohmann::json out;
  out["id"] = id;
  out["error"] = std::string(status.message());
  return out;
}

// A message given as JSON ({"text": ...} or the corpus's {"message": ...})
// or as plain text.
absl::StatusOr<core::Message> MessageFromInput(const std::string& input) {
  size_t first = input.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && input[first] == '{') {
    absl::StatusOr<nlohmann::json> json = core::ParseJson(input);
    if (json.ok()) return core::MessageFromJson(*json);
  }
  core::Message message;
  message.text = input;
  return message;
}

}  // namespace

int RunAnalyze(const AnalyzeOptions& options, std::istream& in,
               std::ostream& out, std::ostream& err) {
  absl::StatusOr<core::Profile> profile = ResolveProfile(options.profile_path);
  if (!profile.ok()) {
    err << "lia analyze: " << profile.status().message() << "\n";
    return kAnalyzeBadInput;
  }

  absl::StatusOr<Config> config = ResolveConfig(options.config_path);
  if (!config.ok()) {
    err << "lia analyze: " << config.status().message() << "\n";
    return kAnalyzeBadInput;
  }

  std::ifstream file;
  std::istream* input = &in;
  if (!options.input_path.empty() && options.input_path != "-") {
    file.open(options.input_path, std::ios::binary);
    if (!file) {
      err << "lia analyze: cannot open " << options.input_path << "\n";
      return kAnalyzeBadInput;
    }
    input = &file;
  }

  const std::unique_ptr<analysis::Pipeline> pipeline =
      analysis::NewRulesPipeline(std::move(config->pipeline));

  if (options.jsonl) {
    int failed = 0;
    std::string line;
    size_t line_number = 0;
    while (std::getline(*input, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json id = nullptr;
      absl::StatusOr<nlohmann::json> json = core::ParseJson(line);
      absl::StatusOr<core::Message> message =
          json.ok() ? core::MessageFromJson(*json) : json.status();
      if (json.ok() && json->is_object() && json->contains("id")) {
        id = (*json)["id"];
      }
      absl::StatusOr<core::Analysis> analysis =
          message.ok() ? pipeline->Analyze(*message, *profile)
                       : message.status();
      if (!analysis.ok()) {
        ++failed;
        err << "lia analyze: line " << line_number << ": "
            << analysis.status().message() << "\n";
        out << Dump(ErrorJson(id, analysis.status()), false) << "\n";
        continue;
      }
      nlohmann::json result = core::ToJson(*analysis);
      if (!id.is_null()) result["id"] = id;  // Echo numbers as numbers.
      out << Dump(result, false) << "\n";
    }
    out.flush();
    return failed == 0 ? kAnalyzeOk : kAnalyzeSomeFailed;
  }

  std::string text;
  text.reserve(4096);
  char buffer[65536];
  while (input->read(buffer, sizeof buffer) || input->gcount() > 0) {
    text.append(buffer, static_cast<size_t>(input->gcount()));
    if (text.size() > kMaxInputBytes) {
      err << "lia analyze: input larger than " << (kMaxInputBytes >> 20)
          << " MiB\n";
      return kAnalyzeBadInput;
    }
  }
  absl::StatusOr<core::Message> message = MessageFromInput(text);
  if (!message.ok()) {
    err << "lia analyze: " << message.status().message() << "\n";
    return kAnalyzeBadInput;
  }
  absl::StatusOr<core::Analysis> analysis =
      pipeline->Analyze(*message, *profile);
  if (!analysis.ok()) {
    err << "lia analyze: " << analysis.status().message() << "\n";
    return kAnalyzeBadInput;
  }
  out << Dump(core::ToJson(*analysis), options.pretty) << "\n";
  return kAnalyzeOk;
}

}  // namespace lia::app
