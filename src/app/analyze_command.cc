#include "app/analyze_command.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "analysis/pipeline.h"
#include "app/backends.h"
#include "app/config.h"
#include "app/engine.h"
#include "app/serve_command.h"
#include "cache/cache.h"
#include "core/json.h"
#include "core/profile.h"
#include "obs/metrics.h"

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

  EngineOptions engine_options;
  engine_options.engine = options.engine;
  // Declared before the engine, which uses it.
  std::unique_ptr<llm::AnswerStore> answers;
  {
    const char* url = std::getenv("LIA_DATABASE_URL");
    DatabaseSettings database;
    database.url = url != nullptr && *url ? url : "sqlite://./data/lia.db";
    absl::StatusOr<std::unique_ptr<llm::AnswerStore>> opened =
        OpenAnswerStoreOnly(database);
    if (!opened.ok()) {
      err << "lia analyze: " << opened.status().message() << "\n";
      return kAnalyzeBadInput;
    }
    answers = *std::move(opened);
    engine_options.answer_store = answers.get();
  }
  const std::unique_ptr<cache::Cache> answer_cache =
      cache::NewMemoryCache(cache::MemoryCacheOptions{});
  engine_options.cache = answer_cache.get();
  engine_options.metrics = &obs::DefaultRegistry();
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      BuildEngine(*config, engine_options);
  if (!engine.ok()) {
    err << "lia analyze: " << engine.status().message() << "\n";
    return kAnalyzeBadInput;
  }
  analysis::Pipeline* pipeline = &(*engine)->pipeline();

  if (options.jsonl) {
    // An LLM engine waits on the network: up to 8 lines at once, answered
    // in input order. The rules engine streams line by line.
    const size_t parallel = (*engine)->uses_llm() ? 8 : 1;
    int failed = 0;
    size_t line_number = 0;
    std::string line;
    struct Item {
      size_t line_number = 0;
      nlohmann::json id;
      absl::StatusOr<core::Message> message;
      absl::StatusOr<core::Analysis> analysis = absl::UnknownError("");
    };
    std::vector<Item> batch;
    auto flush = [&] {
      std::vector<std::thread> threads;
      std::atomic<size_t> next{0};
      auto work = [&] {
        for (size_t i = next++; i < batch.size(); i = next++) {
          Item& item = batch[i];
          item.analysis =
              item.message.ok()
                  ? pipeline->Analyze(*item.message, *profile)
                  : absl::StatusOr<core::Analysis>(item.message.status());
        }
      };
      for (size_t t = 1; t < std::min(parallel, batch.size()); ++t) {
        threads.emplace_back(work);
      }
      work();
      for (std::thread& t : threads) t.join();
      for (Item& item : batch) {
        if (!item.analysis.ok()) {
          ++failed;
          err << "lia analyze: line " << item.line_number << ": "
              << item.analysis.status().message() << "\n";
          out << Dump(ErrorJson(item.id, item.analysis.status()), false)
              << "\n";
          continue;
        }
        nlohmann::json result = core::ToJson(*item.analysis);
        if (!item.id.is_null()) result["id"] = item.id;  // Numbers stay.
        out << Dump(result, false) << "\n";
      }
      batch.clear();
    };
    while (std::getline(*input, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Item item;
      item.line_number = line_number;
      absl::StatusOr<nlohmann::json> json = core::ParseJson(line);
      item.message = json.ok() ? core::MessageFromJson(*json) : json.status();
      if (json.ok() && json->is_object() && json->contains("id")) {
        item.id = (*json)["id"];
      }
      batch.push_back(std::move(item));
      if (batch.size() >= parallel * 4) flush();
    }
    flush();
    out.flush();
    if ((*engine)->uses_llm()) {
      // What the run cost, for a user measuring a model on a corpus.
      err << "lia analyze: engine " << (*engine)->name() << ": "
          << (*engine)->llm_calls() << " model calls, "
          << (*engine)->cached_answers() << " answers from the cache\n";
    }
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
