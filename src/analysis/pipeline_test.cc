// The pipeline as a whole: stage order, fallback to rules, bounds, and
// thread-safety.

#include "analysis/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "core/profile.h"

namespace lia::analysis {
namespace {

core::Message Opportunity() {
  core::Message m;
  m.id = "m-1";
  m.sender = "Laura Fitzgerald";
  m.text =
      "Hi Omar, I'm partnering with Brightwave Energy on their Lead DevOps "
      "Engineer hire. Terraform, k8s, GCP. Hybrid, 2 days a week in Denver, "
      "CO. 165-185K USD/year. Full-time.";
  return m;
}

// A stage of an engine that is down: every call fails.
class FailingExtractor final : public Extractor {
 public:
  std::string_view engine() const override { return "llm:test"; }
  absl::StatusOr<core::Extraction> Extract(
      const StageInput&, core::ConversationState) const override {
    return absl::UnavailableError("provider down");
  }
};

TEST(PipelineTest, RunsEveryStageAndNamesTheEngines) {
  const auto pipeline = NewRulesPipeline();
  absl::StatusOr<core::Analysis> a =
      pipeline->Analyze(Opportunity(), core::DefaultProfile());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id, "m-1");
  EXPECT_EQ(a->classification.state, core::ConversationState::kNewOpportunity);
  EXPECT_EQ(a->extraction.company, "Brightwave Energy");
  ASSERT_TRUE(a->extraction.salary.has_value());
  EXPECT_EQ(a->extraction.salary->yearly_usd_max, 185000);
  EXPECT_FALSE(a->filters.empty() && a->scores.total == 0);
  EXPECT_EQ(a->scores.total,
            std::clamp(a->scores.tech + a->scores.salary + a->scores.seniority +
                           a->scores.company - a->scores.penalty,
                       0, 100));
  EXPECT_EQ(a->engines.at("classify"), "rules");
  EXPECT_EQ(a->engines.at("extract"), "rules");
  EXPECT_EQ(a->engines.at("draft"), "rules");
  EXPECT_NE(a->reply.kind, core::ReplyKind::kNone);
  EXPECT_NE(a->reply.text.find("Laura"), std::string::npos);
}

TEST(PipelineTest, FailingStageFallsBackToRulesAndSaysSo) {
  Pipeline::Stages stages;
  stages.extractor = std::make_unique<FailingExtractor>();
  Pipeline pipeline(std::move(stages), PipelineOptions{});
  absl::StatusOr<core::Analysis> a =
      pipeline.Analyze(Opportunity(), core::DefaultProfile());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->engines.at("extract"), "rules (fallback: provider down)");
  EXPECT_EQ(a->extraction.company, "Brightwave Energy");
}

// A second engine's extractor that answers with a fixed company.
class FixedExtractor final : public Extractor {
 public:
  std::string_view engine() const override { return "llm:second"; }
  absl::StatusOr<core::Extraction> Extract(
      const StageInput&, core::ConversationState) const override {
    core::Extraction x;
    x.company = "Second Engine Inc";
    return x;
  }
};

TEST(PipelineTest, AChainTriesEachEngineInTurnThenRules) {
  std::vector<Pipeline::Stages> chain(3);
  chain[0].extractor = std::make_unique<FailingExtractor>();
  // chain[1] has no extractor: that engine is skipped for this stage.
  chain[2].extractor = std::make_unique<FixedExtractor>();
  Pipeline pipeline(std::move(chain), PipelineOptions{});
  absl::StatusOr<core::Analysis> a =
      pipeline.Analyze(Opportunity(), core::DefaultProfile());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->engines.at("extract"), "llm:second (fallback: provider down)");
  EXPECT_EQ(a->extraction.company, "Second Engine Inc");
  EXPECT_EQ(a->engines.at("classify"), "rules");  // No engine had one.

  std::vector<Pipeline::Stages> down(2);
  down[0].extractor = std::make_unique<FailingExtractor>();
  down[1].extractor = std::make_unique<FailingExtractor>();
  Pipeline all_down(std::move(down), PipelineOptions{});
  a = all_down.Analyze(Opportunity(), core::DefaultProfile());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->engines.at("extract"), "rules (fallback: provider down)");
  EXPECT_EQ(a->extraction.company, "Brightwave Energy");
}

// A stage that declines a message on purpose (no failure).
class DecliningExtractor final : public Extractor {
 public:
  std::string_view engine() const override { return "llm:test"; }
  absl::StatusOr<core::Extraction> Extract(
      const StageInput&, core::ConversationState) const override {
    return LeaveToRules("nothing to ask");
  }
};

TEST(PipelineTest, AStageLeftToRulesSaysWhyWithoutCallingItAFallback) {
  Pipeline::Stages stages;
  stages.extractor = std::make_unique<DecliningExtractor>();
  Pipeline pipeline(std::move(stages), PipelineOptions{});
  absl::StatusOr<core::Analysis> a =
      pipeline.Analyze(Opportunity(), core::DefaultProfile());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->engines.at("extract"), "rules (nothing to ask)");
  EXPECT_EQ(a->extraction.company, "Brightwave Energy");
  EXPECT_TRUE(IsLeftToRules(LeaveToRules("x")));
  EXPECT_FALSE(IsLeftToRules(absl::CancelledError("x")));
  EXPECT_FALSE(IsLeftToRules(absl::OkStatus()));
}

TEST(PipelineTest, FallbackReasonsAreOneBoundedLine) {
  class Chatty final : public Extractor {
   public:
    std::string_view engine() const override { return "llm:test"; }
    absl::StatusOr<core::Extraction> Extract(
        const StageInput&, core::ConversationState) const override {
      return absl::UnavailableError("line one\nline two " +
                                    std::string(500, 'x'));
    }
  };
  Pipeline::Stages stages;
  stages.extractor = std::make_unique<Chatty>();
  Pipeline pipeline(std::move(stages), PipelineOptions{});
  const std::string engine =
      pipeline.Analyze(Opportunity(), core::DefaultProfile())
          ->engines.at("extract");
  EXPECT_EQ(engine.rfind("rules (fallback: line one line two xxx", 0), 0u)
      << engine;
  EXPECT_EQ(engine.find('\n'), std::string::npos);
  EXPECT_LT(engine.size(), 240u);
  EXPECT_EQ(engine.substr(engine.size() - 4), "...)");
}

TEST(PipelineTest, FailedFilterTurnsTheReplyIntoADecline) {
  core::Profile profile = core::DefaultProfile();
  profile.job_search_status.reject_if = {"agency"};
  const auto pipeline = NewRulesPipeline();
  absl::StatusOr<core::Analysis> a = pipeline->Analyze(Opportunity(), profile);
  ASSERT_TRUE(a.ok());
  bool agency_failed = false;
  for (const core::FilterResult& f : a->filters) {
    if (!f.passed) {
      agency_failed = true;
      EXPECT_FALSE(f.reason.empty());
      EXPECT_GT(f.penalty, 0);
    }
  }
  EXPECT_TRUE(agency_failed);
  EXPECT_EQ(a->reply.kind, core::ReplyKind::kDecline);
  EXPECT_EQ(a->reply.text.find("agency"), std::string::npos);
}

TEST(PipelineTest, CourtesyCloseHasNoScoreAndNoReply) {
  core::Message m;
  m.text = "No worries, best of luck!";
  m.thread.push_back({core::Speaker::kCandidate, "I took another offer.", ""});
  absl::StatusOr<core::Analysis> a =
      NewRulesPipeline()->Analyze(m, core::DefaultProfile());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->classification.state, core::ConversationState::kCourtesyClose);
  EXPECT_EQ(a->reply.kind, core::ReplyKind::kNone);
  EXPECT_TRUE(a->reply.text.empty());
  EXPECT_TRUE(a->filters.empty());
}

TEST(PipelineTest, IsDeterministic) {
  const auto pipeline = NewRulesPipeline();
  const core::Profile profile = core::DefaultProfile();
  EXPECT_EQ(*pipeline->Analyze(Opportunity(), profile),
            *pipeline->Analyze(Opportunity(), profile));
}

TEST(PipelineTest, HostileInputIsAnalysedWithinBounds) {
  PipelineOptions options;
  options.max_message_bytes = 4096;
  const auto pipeline = NewRulesPipeline(options);
  const std::vector<std::string> inputs = {
      std::string(1 << 20, ','),
      std::string(1 << 20, '9'),
      std::string("\0\0\xFF\xFE\xC0\xAF", 6),
      std::string(100000, '$') + "k",
      "Hiring " + std::string(5000, 'A') + " Engineer",
      "",
      std::string(4095, 'a') + "\xC3\xB1" + "tail",  // Cut inside a letter.
  };
  for (const std::string& text : inputs) {
    core::Message m;
    m.text = text;
    absl::StatusOr<core::Analysis> a =
        pipeline->Analyze(m, core::DefaultProfile());
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_GE(a->scores.total, 0);
    EXPECT_LE(a->scores.total, 100);
  }
}

TEST(PipelineTest, IsSafeToShareAcrossThreads) {
  const auto pipeline = NewRulesPipeline();
  const core::Profile profile = core::DefaultProfile();
  const core::Analysis expected = *pipeline->Analyze(Opportunity(), profile);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (*pipeline->Analyze(Opportunity(), profile) != expected) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace lia::analysis
