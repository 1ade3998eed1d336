#include "bench_corpus.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/json.h"
#include "nlohmann/json.hpp"

#ifndef LIA_SHARED_DIR
#define LIA_SHARED_DIR "../shared"
#endif

namespace lia::bench {

std::string CorpusPath() {
  if (const char* env = std::getenv("LIA_CORPUS"); env != nullptr && *env) {
    return env;
  }
  return std::string(LIA_SHARED_DIR) + "/corpus/dev.jsonl";
}

absl::StatusOr<std::vector<core::Message>> LoadCorpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<core::Message> messages;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<nlohmann::json> json = core::ParseJson(line);
    if (!json.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", json.status().message()));
    }
    absl::StatusOr<core::Message> message = core::MessageFromJson(*json);
    if (!message.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", message.status().message()));
    }
    messages.push_back(*std::move(message));
  }
  if (messages.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no cases"));
  }
  return messages;
}

}  // namespace lia::bench
