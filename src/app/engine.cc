#include "app/engine.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "analysis/pipeline.h"
#include "core/status_macros.h"
#include "llm/answer_cache.h"
#include "llm/provider.h"
#include "llm/provider_config.h"
#include "llm/stages.h"
#include "obs/metrics.h"

namespace lia::app {
namespace {

// The environment first, then the configuration file's [llm].
llm::EnvLookup Settings(const Config& config) {
  llm::EnvLookup process = llm::ProcessEnvironment();
  return [process, values = config.llm](
             std::string_view name) -> std::optional<std::string> {
    if (std::optional<std::string> v = process(name); v && !v->empty()) {
      return v;
    }
    const auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

constexpr std::string_view kStages[] = {"classify", "follow_up", "extract",
                                        "draft"};

std::string StageVariable(std::string_view stage) {
  std::string name = "LIA_ENGINE_";
  name += absl::AsciiStrToUpper(std::string(stage));
  return name;
}

// Moves stage `stage` of `from` into `to`.
void TakeStage(std::string_view stage, analysis::Pipeline::Stages& from,
               analysis::Pipeline::Stages& to) {
  if (stage == "classify") to.classifier = std::move(from.classifier);
  if (stage == "follow_up") to.follow_up = std::move(from.follow_up);
  if (stage == "extract") to.extractor = std::move(from.extractor);
  if (stage == "draft") to.drafter = std::move(from.drafter);
}

}  // namespace

Engine::Engine() = default;

Engine::~Engine() {
  for (obs::CallbackFamily* family : metric_families_) {
    family->SetCallback(nullptr);
  }
  Shutdown();
  pipeline_.reset();  // Before the stages' providers and caches go.
}

absl::StatusOr<int64_t> Engine::DeleteAnswersBefore(absl::Time cutoff) {
  if (answer_store_ == nullptr) return 0;
  return answer_store_->DeleteBefore(cutoff);
}

void Engine::Shutdown() {
  for (const std::unique_ptr<llm::Provider>& p : providers_) p->Shutdown();
}

int64_t Engine::llm_calls() const {
  return counters_ ? counters_->Snapshot().calls : 0;
}

int64_t Engine::cached_answers() const {
  return counters_ ? counters_->Snapshot().cached : 0;
}

absl::StatusOr<std::unique_ptr<Engine>> BuildEngine(
    const Config& config, const EngineOptions& options) {
  const llm::EnvLookup env = Settings(config);
  std::vector<llm::EngineSpec> chain;
  if (!options.engine.empty()) {
    absl::StatusOr<std::vector<llm::EngineSpec>> flag =
        llm::ParseEngineChain(options.engine);
    if (!flag.ok()) {
      return absl::InvalidArgumentError("--engine: " +
                                        std::string(flag.status().message()));
    }
    chain = *std::move(flag);
  } else {
    LIA_ASSIGN_OR_RETURN(chain, llm::EngineChainFromEnvironment(env));
  }
  // Rules close every chain: what follows them would never be asked.
  for (size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].is_rules()) {
      chain.resize(i);
      break;
    }
  }
  // Per-stage overrides replace the chain's first engine for that stage.
  std::map<std::string, llm::EngineSpec> overrides;
  for (std::string_view stage : kStages) {
    const std::string variable = StageVariable(stage);
    std::optional<std::string> value = env(variable);
    if (!value || value->empty()) continue;
    absl::StatusOr<llm::EngineSpec> spec = llm::ParseEngineSpec(*value);
    if (!spec.ok()) {
      return absl::InvalidArgumentError(variable + ": " +
                                        std::string(spec.status().message()));
    }
    overrides[std::string(stage)] = *spec;
  }

  auto engine = std::unique_ptr<Engine>(new Engine());
  engine->name_.clear();
  for (const llm::EngineSpec& spec : chain) {
    engine->name_ += spec.ToString() + ">";
  }
  engine->name_ += "rules";
  if (!overrides.empty()) {
    engine->name_ += "[";
    bool first = true;
    for (const auto& [stage, spec] : overrides) {
      engine->name_ += (first ? "" : ",") + stage + "=" + spec.ToString();
      first = false;
    }
    engine->name_ += "]";
  }

  bool any_llm = !chain.empty();
  for (const auto& [stage, spec] : overrides) any_llm |= !spec.is_rules();
  if (!any_llm) {
    engine->pipeline_ = std::make_unique<analysis::Pipeline>(
        analysis::Pipeline::Stages{}, config.pipeline);
    return engine;
  }

  llm::LlmStagesOptions stage_options;
  if (std::optional<std::string> t = env("LIA_LLM_TEMPERATURE");
      t && !t->empty()) {
    double v = 0;
    if (!absl::SimpleAtod(*t, &v) || v < 0 || v > 2) {
      return absl::InvalidArgumentError(
          "LIA_LLM_TEMPERATURE: expected a number from 0 to 2");
    }
    stage_options.temperature = v;
  }
  if (std::optional<std::string> m = env("LIA_LLM_MAX_TOKENS");
      m && !m->empty()) {
    int v = 0;
    if (!absl::SimpleAtoi(*m, &v) || v < 16 || v > 100'000) {
      return absl::InvalidArgumentError(
          "LIA_LLM_MAX_TOKENS: expected an integer from 16 to 100000");
    }
    stage_options.max_tokens = v;
  }
  engine->counters_ = std::make_unique<llm::LlmStageCounters>();
  stage_options.counters = engine->counters_.get();

  engine->answer_store_ = options.answer_store;
  engine->answers_ =
      std::make_unique<llm::AnswerCache>(options.cache, engine->answer_store_);
  if (options.metrics != nullptr) {
    Engine* e = engine.get();
    absl::StatusOr<obs::CallbackFamily*> cache_family =
        options.metrics->AddCallbackCounter(
            "llm_answer_cache_total",
            "LLM stage answers looked up in the answer cache, by where they "
            "were found (cache, store) or not (miss).",
            {"result"}, nullptr);
    absl::StatusOr<obs::CallbackFamily*> stage_family =
        options.metrics->AddCallbackCounter(
            "llm_stage_events_total",
            "What the LLM stages did: provider calls, repair calls, answers "
            "that failed validation, stages left to the rules on purpose, "
            "stages that fell back to the rules.",
            {"event"}, nullptr);
    if (!cache_family.ok()) return cache_family.status();
    if (!stage_family.ok()) return stage_family.status();
    (*cache_family)->SetCallback([e](obs::SampleWriter& out) {
      const llm::AnswerCacheStats s = e->answers_->stats();
      out.Add({"cache_hit"}, static_cast<double>(s.cache_hits));
      out.Add({"store_hit"}, static_cast<double>(s.store_hits));
      out.Add({"miss"}, static_cast<double>(s.misses));
    });
    (*stage_family)->SetCallback([e](obs::SampleWriter& out) {
      const llm::LlmStageStats s = e->counters_->Snapshot();
      out.Add({"call"}, static_cast<double>(s.calls));
      out.Add({"repair"}, static_cast<double>(s.repairs));
      out.Add({"invalid_answer"}, static_cast<double>(s.invalid_answers));
      out.Add({"left_to_rules"}, static_cast<double>(s.left_to_rules));
      out.Add({"fallback"}, static_cast<double>(s.failures));
    });
    engine->metric_families_ = {*cache_family, *stage_family};
  }

  // One provider per API, shared by its models; one stage set per engine
  // of the chain (and per override).
  std::map<std::string, llm::Provider*> providers;
  auto stages_of = [&](const llm::EngineSpec& spec)
      -> absl::StatusOr<analysis::Pipeline::Stages> {
    llm::Provider*& provider = providers[spec.provider];
    if (provider == nullptr) {
      LIA_ASSIGN_OR_RETURN(llm::ProviderConfig provider_config,
                           llm::ProviderConfigFromEnvironment(spec, env));
      provider_config.metrics = options.metrics;
      LIA_ASSIGN_OR_RETURN(std::unique_ptr<llm::Provider> made,
                           llm::NewProvider(provider_config));
      provider = made.get();
      engine->providers_.push_back(std::move(made));
    }
    llm::LlmStagesOptions one = stage_options;
    one.model = spec.model;
    return llm::NewLlmStages(*provider, *engine->answers_, std::move(one));
  };

  std::vector<analysis::Pipeline::Stages> pipeline_chain;
  for (size_t i = 0; i < chain.size(); ++i) {
    LIA_ASSIGN_OR_RETURN(analysis::Pipeline::Stages stages,
                         stages_of(chain[i]));
    pipeline_chain.push_back(std::move(stages));
  }
  if (pipeline_chain.empty()) pipeline_chain.emplace_back();
  for (const auto& [stage, spec] : overrides) {
    analysis::Pipeline::Stages replaced;
    if (!spec.is_rules()) {
      LIA_ASSIGN_OR_RETURN(analysis::Pipeline::Stages stages, stages_of(spec));
      TakeStage(stage, stages, replaced);
    }
    // The override answers first; rules as an override leaves the stage to
    // the rules engine alone.
    TakeStage(stage, replaced, pipeline_chain.front());
    if (spec.is_rules()) {
      for (analysis::Pipeline::Stages& entry : pipeline_chain) {
        analysis::Pipeline::Stages none;
        TakeStage(stage, none, entry);
      }
    }
  }
  engine->pipeline_ = std::make_unique<analysis::Pipeline>(
      std::move(pipeline_chain), config.pipeline);
  return engine;
}

}  // namespace lia::app
