#pragma once

// The analysis pipeline (DESIGN §1.3): classify -> follow-up -> extract ->
// filter -> score -> draft, a pure function of message + thread + profile +
// engine. Every stage is an interface so an LLM engine can replace it; the
// rules engine implements them all.

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "analysis/salary.h"
#include "analysis/scoring.h"
#include "core/types.h"

namespace lia::analysis {

// What a stage sees: the message and facts derived from it once.
struct StageInput {
  const core::Message& message;
  core::Language language;
};

class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual std::string_view engine() const = 0;
  virtual absl::StatusOr<core::Classification> Classify(
      const StageInput& input) const = 0;
};

class FollowUpAnalyzer {
 public:
  virtual ~FollowUpAnalyzer() = default;
  virtual std::string_view engine() const = 0;
  virtual absl::StatusOr<core::FollowUp> Analyze(
      const StageInput& input, const core::Profile& profile) const = 0;
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual std::string_view engine() const = 0;
  // Extracts what the message states. For follow-ups and courtesy closes only
  // the facts in the newest message count, never the thread's.
  virtual absl::StatusOr<core::Extraction> Extract(
      const StageInput& input, core::ConversationState state) const = 0;
};

class Drafter {
 public:
  virtual ~Drafter() = default;
  virtual std::string_view engine() const = 0;
  virtual absl::StatusOr<core::Reply> Draft(
      const core::Analysis& analysis, const core::Message& message,
      const core::Profile& profile) const = 0;
};

// The rules engine's stages. Stateless and thread-safe.
std::unique_ptr<Classifier> NewRulesClassifier();
std::unique_ptr<FollowUpAnalyzer> NewRulesFollowUpAnalyzer();
std::unique_ptr<Extractor> NewRulesExtractor();
std::unique_ptr<Drafter> NewRulesDrafter();

// Guesses the language of a message (English, Spanish or Portuguese) from its
// function words; English when unsure. Linear.
core::Language DetectLanguage(std::string_view text);

// Sees the stages of every analysis, for the metrics and traces kept
// outside this module (analysis depends on core only; service/ turns these
// calls into spans and pipeline_execution_time_seconds). Called on the
// analysing thread, concurrently from many: implementations are
// thread-safe, quick, and do not throw.
class PipelineObserver {
 public:
  // One analysis or stage in progress; the observer's own state (a start
  // time, a span). Ended, then destroyed, on the thread that started it,
  // before the scope that encloses it (the analysis encloses its stages).
  class Scope {
   public:
    virtual ~Scope() = default;
    // `status`: OK, or the error no engine could absorb. `engine`: what the
    // analysis records for the stage ("rules", "openai:gpt-4o-mini",
    // "rules (fallback: ...)"); empty for the analysis as a whole.
    virtual void End(const absl::Status& status, std::string_view engine) = 0;
  };

  virtual ~PipelineObserver() = default;
  // Before the first stage of `message`'s analysis. Null: nothing to end.
  virtual std::unique_ptr<Scope> StartAnalysis(
      const core::Message& message) = 0;
  // Before a stage runs: "classify", "follow_up" (follow-ups only),
  // "extract", "filter" and "score" (new opportunities only), "draft" — the
  // keys of core::Analysis::engines. Null: nothing to end.
  virtual std::unique_ptr<Scope> StartStage(std::string_view stage) = 0;
};

struct PipelineOptions {
  ScoringOptions scoring;
  ExchangeRates exchange_rates = ExchangeRates::Default();
  AnnualizationOptions annualization;
  size_t max_message_bytes = 1 << 20;  // Default 1 MiB; longer is truncated
                                       // for analysis (never rejected).
  // Default none. Not owned; must outlive every analysis of the pipeline.
  // Told about each analysis and stage; without one the pipeline costs
  // nothing extra.
  PipelineObserver* observer = nullptr;
};

// A stage that leaves a message to the rules engine on purpose, which is
// no failure (an LLM stage for a message the rules classifier is certain
// is a courtesy close), returns LeaveToRules(reason): the pipeline runs the
// rules stage and records "rules (<reason>)".
absl::Status LeaveToRules(std::string_view reason);
bool IsLeftToRules(const absl::Status& status);

// Runs the stages in order. Each stage is asked of the engines of the chain
// in turn (LIA_ENGINE, then LIA_ENGINE_FALLBACK's), the first answer wins,
// and the rules stage answers when every engine failed. The result says
// which engine produced each stage: engines["extract"] is the answering
// stage's engine() ("openai:gpt-4o-mini"); after failures it is followed by
// the first failure ("ollama:llama3.1 (fallback: <message>)",
// "rules (fallback: <message>)"), and "rules (<reason>)" after
// LeaveToRules, which skips the rest of the chain. Thread-safe when its
// stages are.
class Pipeline {
 public:
  struct Stages {
    std::unique_ptr<Classifier> classifier;
    std::unique_ptr<FollowUpAnalyzer> follow_up;
    std::unique_ptr<Extractor> extractor;
    std::unique_ptr<Drafter> drafter;
  };

  Pipeline(Stages stages, PipelineOptions options);
  // A chain of engines, tried in order for each stage; a null stage in an
  // entry leaves that stage to the next entry. The rules engine closes
  // every chain.
  Pipeline(std::vector<Stages> chain, PipelineOptions options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Never fails for any input bytes; a Status only for a stage error that no
  // fallback could absorb.
  absl::StatusOr<core::Analysis> Analyze(const core::Message& message,
                                         const core::Profile& profile) const;

 private:
  // Analyze without the analysis-wide observer scope.
  absl::StatusOr<core::Analysis> Run(const core::Message& message,
                                     const core::Profile& profile) const;

  std::vector<Stages> chain_;
  Stages fallback_;  // The rules engine.
  PipelineOptions options_;
};

std::unique_ptr<Pipeline> NewRulesPipeline(PipelineOptions options = {});

}  // namespace lia::analysis
