#pragma once

// The analysis engine the configuration asks for (DESIGN §4): the rules
// engine alone, or LLM stages — LIA_ENGINE, then LIA_ENGINE_FALLBACK's
// engines, then rules — with per-stage overrides (LIA_ENGINE_CLASSIFY,
// _FOLLOW_UP, _EXTRACT, _DRAFT), their providers, and the answer cache
// (the cache backend and a persistent table). Settings come from the
// environment first, then the configuration file's [llm] (config.h).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/config.h"

namespace lia::analysis {
class Pipeline;
}
namespace lia::cache {
class Cache;
}
namespace lia::obs {
class CallbackFamily;
class Registry;
}  // namespace lia::obs
namespace lia::llm {
class AnswerCache;
class AnswerStore;
class LlmStageCounters;
class Provider;
}  // namespace lia::llm

namespace lia::app {

struct EngineOptions {
  // --engine: replaces LIA_ENGINE and LIA_ENGINE_FALLBACK ("rules",
  // "openai:gpt-4o-mini", "ollama:llama3.1,rules"). Empty: theirs.
  std::string engine;
  // The persistent answer table (app/backends.h opens it on the database);
  // null: answers are kept in `cache` only. Not owned; outlives the engine.
  llm::AnswerStore* answer_store = nullptr;
  cache::Cache* cache = nullptr;     // Not owned; may be null.
  obs::Registry* metrics = nullptr;  // Not owned; may be null.
};

// Owns what the pipeline's LLM stages use; destroyed after the pipeline.
// Thread-safe to analyse with; Shutdown from any thread.
class Engine {
 public:
  ~Engine();

  analysis::Pipeline& pipeline() { return *pipeline_; }
  // "rules", or the chain: "openai:gpt-4o-mini>ollama:llama3.1>rules";
  // stage overrides in brackets: "...>rules[draft=anthropic:claude-x]".
  const std::string& name() const { return name_; }
  bool uses_llm() const { return !providers_.empty(); }
  // Ends provider calls in flight (they fall back to rules) and refuses
  // new ones. Idempotent.
  void Shutdown();

  // What the stages did and what the answer cache saved, for `lia analyze`
  // to report and tests to assert.
  int64_t llm_calls() const;
  int64_t cached_answers() const;
  // Deletes persistent answers stored before `cutoff` (retention); 0
  // without a persistent table.
  absl::StatusOr<int64_t> DeleteAnswersBefore(absl::Time cutoff);

 private:
  friend absl::StatusOr<std::unique_ptr<Engine>> BuildEngine(
      const Config&, const EngineOptions&);
  Engine();

  std::string name_;
  std::vector<std::unique_ptr<llm::Provider>> providers_;
  llm::AnswerStore* answer_store_ = nullptr;  // Not owned; may be null.
  std::unique_ptr<llm::AnswerCache> answers_;
  std::unique_ptr<llm::LlmStageCounters> counters_;
  // llm_answer_cache_total and llm_stage_events_total read the counters
  // above at scrape time; their callbacks are removed before they go.
  std::vector<obs::CallbackFamily*> metric_families_;
  std::unique_ptr<analysis::Pipeline> pipeline_;  // Last: destroyed first.
};

// InvalidArgument naming the variable (or --engine) for a bad setting;
// FailedPrecondition when a provider needs a key that is not set.
absl::StatusOr<std::unique_ptr<Engine>> BuildEngine(
    const Config& config, const EngineOptions& options);

}  // namespace lia::app
