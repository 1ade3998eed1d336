#pragma once

// The prompts of the LLM stages: versioned files in src/llm/prompts/
// (extract.v1.txt + extract.v1.schema.json, ...), compiled into the binary
// by embed_prompts.cmake so a deployed lia never reads them from disk and a
// prompt change is a reviewed source change. A new version is a new file
// (extract.v2.txt); the newest one is used unless a version is asked for.

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lia::llm {

// One embedded file.
struct PromptFile {
  std::string_view name;  // "extract.v1.txt"
  std::string_view text;
};

// Every embedded file, sorted by name.
std::span<const PromptFile> EmbeddedPromptFiles();

// A stage's prompt at one version: its instructions and the JSON Schema of
// its answer.
struct StagePrompt {
  std::string stage;              // "extract"
  int version = 0;                // 1
  std::string id;                 // "extract.v1"
  std::string_view instructions;  // extract.v1.txt; static storage.
  std::string_view schema;        // extract.v1.schema.json; static storage.
  // 16 hex digits hashing both texts. Cache keys carry it beside the id, so
  // a file edited without a version bump is never answered from the cache
  // of its former text.
  std::string fingerprint;
};

// `stage` at `version`, or its newest version when `version` is 0.
// NotFound when there is no such prompt, or it lacks its schema file.
absl::StatusOr<StagePrompt> FindStagePrompt(std::string_view stage,
                                            int version = 0);

// The text of `name`.vN.txt for a prompt without a schema ("repair"), at
// `version` or the newest. NotFound otherwise.
absl::StatusOr<std::string_view> FindPromptText(std::string_view name,
                                                int version = 0);

namespace prompts_internal {
// Defined by the generated file.
std::span<const PromptFile> EmbeddedPromptFiles();
}  // namespace prompts_internal

}  // namespace lia::llm
