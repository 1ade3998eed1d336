#include "analysis/pipeline.h"

#include <utility>

#include "analysis/reply.h"
#include "analysis/scoring.h"
#include "analysis/text.h"

namespace lia::analysis {
namespace {

class RulesDrafter final : public Drafter {
 public:
  // Drafter:
  std::string_view engine() const override { return "rules"; }
  absl::StatusOr<core::Reply> Draft(
      const core::Analysis& analysis, const core::Message& message,
      const core::Profile& profile) const override {
    return DraftReply(analysis, message, profile);
  }
};

// Cuts text to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view Truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

}  // namespace

std::unique_ptr<Drafter> NewRulesDrafter() {
  return std::make_unique<RulesDrafter>();
}

Pipeline::Pipeline(Stages stages, PipelineOptions options)
    : stages_(std::move(stages)), options_(std::move(options)) {
  fallback_.classifier = NewRulesClassifier();
  fallback_.follow_up = NewRulesFollowUpAnalyzer();
  fallback_.extractor = NewRulesExtractor();
  fallback_.drafter = NewRulesDrafter();
  if (!stages_.classifier) stages_.classifier = NewRulesClassifier();
  if (!stages_.follow_up) stages_.follow_up = NewRulesFollowUpAnalyzer();
  if (!stages_.extractor) stages_.extractor = NewRulesExtractor();
  if (!stages_.drafter) stages_.drafter = NewRulesDrafter();
}

Pipeline::~Pipeline() = default;

absl::StatusOr<core::Analysis> Pipeline::Analyze(
    const core::Message& original, const core::Profile& profile) const {
  // Very long messages are analysed by their head: no recruiter writes a
  // megabyte, and the cost must stay bounded whatever arrives.
  const core::Message* message = &original;
  core::Message truncated;
  if (original.text.size() > options_.max_message_bytes) {
    truncated = original;
    truncated.text =
        std::string(Truncate(original.text, options_.max_message_bytes));
    message = &truncated;
  }

  core::Analysis analysis;
  analysis.id = message->id;
  analysis.language = DetectLanguage(message->text);
  const StageInput input{*message, analysis.language};

  // Each stage: the configured engine, else the rules engine.
  auto run = [&](auto& primary, auto& fallback, std::string_view stage,
                 auto&& call) -> decltype(call(*primary)) {
    auto result = call(*primary);
    std::string engine(primary->engine());
    if (!result.ok() && primary.get() != fallback.get()) {
      result = call(*fallback);
      engine = std::string(fallback->engine()) + " (fallback)";
    }
    analysis.engines[std::string(stage)] = engine;
    return result;
  };

  auto classification =
      run(stages_.classifier, fallback_.classifier, "classify",
          [&](const Classifier& c) { return c.Classify(input); });
  if (!classification.ok()) return classification.status();
  analysis.classification = *classification;
  const core::ConversationState state = analysis.classification.state;

  if (state == core::ConversationState::kFollowUp) {
    auto follow_up = run(
        stages_.follow_up, fallback_.follow_up, "follow_up",
        [&](const FollowUpAnalyzer& f) { return f.Analyze(input, profile); });
    if (!follow_up.ok()) return follow_up.status();
    analysis.follow_up = *follow_up;
  }

  auto extraction =
      run(stages_.extractor, fallback_.extractor, "extract",
          [&](const Extractor& e) { return e.Extract(input, state); });
  if (!extraction.ok()) return extraction.status();
  analysis.extraction = *std::move(extraction);
  if (analysis.extraction.salary) {
    ToYearlyUsd(*analysis.extraction.salary, options_.exchange_rates,
                options_.annualization);
  }

  // Filters and scores are arithmetic, always deterministic (DESIGN §1.4).
  if (state == core::ConversationState::kNewOpportunity) {
    analysis.filters =
        ApplyFilters(analysis.extraction, profile, options_.scoring);
    analysis.scores = Score(analysis.extraction, profile, analysis.filters);
    analysis.tier = TierFor(analysis.scores.total, options_.scoring.tiers);
  } else {
    analysis.tier = core::Tier::kNotInterested;
  }
  analysis.engines["filter"] = "rules";
  analysis.engines["score"] = "rules";

  auto reply = run(
      stages_.drafter, fallback_.drafter, "draft",
      [&](const Drafter& d) { return d.Draft(analysis, *message, profile); });
  if (!reply.ok()) return reply.status();
  analysis.reply = *std::move(reply);
  return analysis;
}

std::unique_ptr<Pipeline> NewRulesPipeline(PipelineOptions options) {
  return std::make_unique<Pipeline>(Pipeline::Stages{}, std::move(options));
}

}  // namespace lia::analysis
