#include "llm/prompts/prompts.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace lia::llm {
namespace {

struct ParsedName {
  std::string_view base;  // "extract"
  int version = 0;
  std::string_view suffix;  // ".txt" or ".schema.json"
};

// "extract.v12.schema.json" -> {"extract", 12, ".schema.json"}.
std::optional<ParsedName> ParseName(std::string_view name) {
  const size_t dot = name.find(".v");
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  size_t end = dot + 2;
  while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
  int version = 0;
  if (!absl::SimpleAtoi(absl::string_view(name.data() + dot + 2, end - dot - 2),
                        &version) ||
      version < 1) {
    return std::nullopt;
  }
  return ParsedName{name.substr(0, dot), version, name.substr(end)};
}

// The file `base`.v`version``suffix`, the newest such when version is 0.
const PromptFile* Find(std::string_view base, int version,
                       std::string_view suffix) {
  const PromptFile* best = nullptr;
  int best_version = 0;
  for (const PromptFile& file : EmbeddedPromptFiles()) {
    const std::optional<ParsedName> parsed = ParseName(file.name);
    if (!parsed || parsed->base != base || parsed->suffix != suffix) continue;
    if (version != 0 ? parsed->version == version
                     : parsed->version > best_version) {
      best = &file;
      best_version = parsed->version;
    }
  }
  return best;
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::span<const PromptFile> EmbeddedPromptFiles() {
  return prompts_internal::EmbeddedPromptFiles();
}

absl::StatusOr<StagePrompt> FindStagePrompt(std::string_view stage_view,
                                            int version) {
  const std::string stage(stage_view);
  const PromptFile* text = Find(stage, version, ".txt");
  if (text == nullptr) {
    return absl::NotFoundError(
        version == 0 ? absl::StrCat("no prompt for stage \"", stage, "\"")
                     : absl::StrCat("no prompt ", stage, ".v", version));
  }
  const int found = ParseName(text->name)->version;
  const PromptFile* schema = Find(stage, found, ".schema.json");
  if (schema == nullptr) {
    return absl::NotFoundError(absl::StrCat("prompt ", std::string(text->name),
                                            " has no ", stage, ".v", found,
                                            ".schema.json"));
  }
  StagePrompt prompt;
  prompt.stage = stage;
  prompt.version = found;
  prompt.id = absl::StrCat(stage, ".v", found);
  prompt.instructions = text->text;
  prompt.schema = schema->text;
  uint64_t h = 14695981039346656037ull;
  h = Fnv1a(h, text->text);
  h = Fnv1a(h, std::string_view("\0", 1));
  h = Fnv1a(h, schema->text);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  prompt.fingerprint = hex;
  return prompt;
}

absl::StatusOr<std::string_view> FindPromptText(std::string_view name_view,
                                                int version) {
  const std::string name(name_view);
  const PromptFile* text = Find(name, version, ".txt");
  if (text == nullptr) {
    return absl::NotFoundError(
        version == 0 ? absl::StrCat("no prompt \"", name, "\"")
                     : absl::StrCat("no prompt ", name, ".v", version));
  }
  return text->text;
}

}  // namespace lia::llm
