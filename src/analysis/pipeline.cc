#include "analysis/pipeline.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

constexpr char kLeftToRulesPayload[] = "lia.analysis/left-to-rules";
constexpr size_t kMaxReasonBytes = 200;

// Cuts text to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view Truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

// The engine recorded for a stage that `status` sent to `fallback`: one
// line, bounded, whatever the failing stage wrote.
std::string FallbackEngine(std::string_view fallback,
                           const absl::Status& status) {
  const std::string_view message(status.message().data(),
                                 status.message().size());
  std::string reason(Truncate(message, kMaxReasonBytes));
  for (char& c : reason) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (reason.size() < message.size()) reason += "...";
  if (reason.empty()) reason = absl::StatusCodeToString(status.code());
  if (IsLeftToRules(status)) {
    return absl::StrCat(std::string(fallback), " (", reason, ")");
  }
  return absl::StrCat(std::string(fallback), " (fallback: ", reason, ")");
}

// A stage or analysis as the observer sees it: started on construction,
// ended by End. Costs a branch without an observer.
class Observed {
 public:
  explicit Observed(std::unique_ptr<PipelineObserver::Scope> scope)
      : scope_(std::move(scope)) {}
  void End(const absl::Status& status, std::string_view engine) {
    if (scope_ == nullptr) return;
    scope_->End(status, engine);
    scope_.reset();
  }

 private:
  std::unique_ptr<PipelineObserver::Scope> scope_;
};

}  // namespace

absl::Status LeaveToRules(std::string_view reason) {
  absl::Status status =
      absl::CancelledError(absl::string_view(reason.data(), reason.size()));
  status.SetPayload(kLeftToRulesPayload, absl::Cord("1"));
  return status;
}

bool IsLeftToRules(const absl::Status& status) {
  return !status.ok() && status.GetPayload(kLeftToRulesPayload).has_value();
}

std::unique_ptr<Drafter> NewRulesDrafter() {
  return std::make_unique<RulesDrafter>();
}

Pipeline::Pipeline(Stages stages, PipelineOptions options)
    : Pipeline(
          [&] {
            std::vector<Stages> chain;
            chain.push_back(std::move(stages));
            return chain;
          }(),
          std::move(options)) {}

Pipeline::Pipeline(std::vector<Stages> chain, PipelineOptions options)
    : chain_(std::move(chain)), options_(std::move(options)) {
  fallback_.classifier = NewRulesClassifier();
  fallback_.follow_up = NewRulesFollowUpAnalyzer();
  fallback_.extractor = NewRulesExtractor();
  fallback_.drafter = NewRulesDrafter();
}

Pipeline::~Pipeline() = default;

absl::StatusOr<core::Analysis> Pipeline::Analyze(
    const core::Message& original, const core::Profile& profile) const {
  PipelineObserver* const observer = options_.observer;
  if (observer == nullptr) return Run(original, profile);
  Observed observed(observer->StartAnalysis(original));
  absl::StatusOr<core::Analysis> analysis = Run(original, profile);
  observed.End(analysis.status(), "");
  return analysis;
}

absl::StatusOr<core::Analysis> Pipeline::Run(
    const core::Message& original, const core::Profile& profile) const {
  PipelineObserver* const observer = options_.observer;
  auto start = [observer](std::string_view stage) {
    return Observed(observer != nullptr ? observer->StartStage(stage)
                                        : nullptr);
  };
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

  // Each stage: the engines of the chain in turn, else the rules engine.
  auto answer = [&](auto member, std::string_view stage,
                    auto&& call) -> decltype(call(*(fallback_.*member))) {
    std::optional<absl::Status> first_failure;
    for (const Stages& engine : chain_) {
      const auto& candidate = engine.*member;
      if (!candidate) continue;
      auto result = call(*candidate);
      if (result.ok()) {
        analysis.engines[std::string(stage)] =
            first_failure ? FallbackEngine(candidate->engine(), *first_failure)
                          : std::string(candidate->engine());
        return result;
      }
      if (!first_failure) first_failure = result.status();
      if (IsLeftToRules(result.status())) break;
    }
    const auto& rules = fallback_.*member;
    analysis.engines[std::string(stage)] =
        first_failure ? FallbackEngine(rules->engine(), *first_failure)
                      : std::string(rules->engine());
    return call(*rules);
  };
  // The same, seen by the observer.
  auto run = [&](auto member, std::string_view stage,
                 auto&& call) -> decltype(call(*(fallback_.*member))) {
    Observed observed = start(stage);
    auto result = answer(member, stage, call);
    observed.End(result.status(), analysis.engines[std::string(stage)]);
    return result;
  };

  auto classification =
      run(&Stages::classifier, "classify",
          [&](const Classifier& c) { return c.Classify(input); });
  if (!classification.ok()) return classification.status();
  analysis.classification = *classification;
  const core::ConversationState state = analysis.classification.state;

  if (state == core::ConversationState::kFollowUp) {
    auto follow_up = run(
        &Stages::follow_up, "follow_up",
        [&](const FollowUpAnalyzer& f) { return f.Analyze(input, profile); });
    if (!follow_up.ok()) return follow_up.status();
    analysis.follow_up = *follow_up;
  }

  auto extraction = run(&Stages::extractor, "extract", [&](const Extractor& e) {
    return e.Extract(input, state);
  });
  if (!extraction.ok()) return extraction.status();
  analysis.extraction = *std::move(extraction);
  if (analysis.extraction.salary) {
    ToYearlyUsd(*analysis.extraction.salary, options_.exchange_rates,
                options_.annualization);
  }

  // Filters and scores are arithmetic, always deterministic (DESIGN §1.4).
  analysis.engines["filter"] = "rules";
  analysis.engines["score"] = "rules";
  if (state == core::ConversationState::kNewOpportunity) {
    Observed filtering = start("filter");
    analysis.filters =
        ApplyFilters(analysis.extraction, profile, options_.scoring);
    filtering.End(absl::OkStatus(), "rules");
    Observed scoring = start("score");
    analysis.scores = Score(analysis.extraction, profile, analysis.filters);
    analysis.tier = TierFor(analysis.scores.total, options_.scoring.tiers);
    scoring.End(absl::OkStatus(), "rules");
  } else {
    analysis.tier = core::Tier::kNotInterested;
  }

  auto reply = run(&Stages::drafter, "draft", [&](const Drafter& d) {
    return d.Draft(analysis, *message, profile);
  });
  if (!reply.ok()) return reply.status();
  analysis.reply = *std::move(reply);
  return analysis;
}

std::unique_ptr<Pipeline> NewRulesPipeline(PipelineOptions options) {
  return std::make_unique<Pipeline>(Pipeline::Stages{}, std::move(options));
}

}  // namespace lia::analysis
