// ServiceMetrics as a scrape shows it, fed by a real OpportunityService on
// an in-memory SQLite store with the rules pipeline.

#include "service/service_metrics.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "gtest/gtest.h"
#include "obs/metrics.h"
#include "service/opportunity_service.h"
#include "store/store.h"

namespace lia::service {
namespace {

bool HasLine(const std::string& text, std::string_view line) {
  return ("\n" + text).find("\n" + std::string(line) + "\n") !=
         std::string::npos;
}

core::Message Msg(std::string text) {
  core::Message m;
  m.text = std::move(text);
  m.sender = "Rita Recruiter";
  return m;
}

absl::Time fake_now = absl::UnixEpoch();
absl::Time FakeNow() { return fake_now; }

class ServiceMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions store_options;
    store_options.path = ":memory:";
    store_ = *store::OpenSqliteStore(store_options);
    cache_ = cache::NewMemoryCache(cache::MemoryCacheOptions{});
    pipeline_ = analysis::NewRulesPipeline();
    core::Profile profile = core::DefaultProfile();
    profile.name = "Ana Lima";
    profiles_ = NewProfileHolder(profile, "");
    ServiceMetricsOptions metrics_options;
    metrics_options.store = store_.get();
    metrics_options.cache = cache_.get();
    metrics_options.engines = {"rules"};
    metrics_options.now = &FakeNow;
    absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
        ServiceMetrics::Create(registry_, metrics_options);
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_ = *std::move(metrics);
    ServiceOptions options;
    options.metrics = metrics_.get();
    service_ = std::make_unique<OpportunityService>(
        *store_, *cache_, *pipeline_, *profiles_, options);
  }

  obs::Registry registry_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<analysis::Pipeline> pipeline_;
  std::unique_ptr<ProfileHolder> profiles_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<OpportunityService> service_;
};

TEST_F(ServiceMetricsTest, StartsAtZeroForEveryTierAndEngine) {
  const std::string body = registry_.Expose();
  for (const char* tier :
       {"HIGH_PRIORITY", "INTERESTING", "LOW", "NOT_INTERESTED"}) {
    const std::string t(tier);
    EXPECT_TRUE(HasLine(body, "opportunities_created_total{tier=\"" + t +
                                  "\",status=\"new\"} 0"))
        << body;
    EXPECT_TRUE(HasLine(body, "tier_assignments_total{tier=\"" + t + "\"} 0"))
        << body;
    EXPECT_TRUE(HasLine(body, "opportunities_by_tier{tier=\"" + t + "\"} 0"))
        << body;
  }
  EXPECT_TRUE(HasLine(
      body, "pipeline_executions_total{engine=\"rules\",status=\"ok\"} 0"))
      << body;
  EXPECT_TRUE(HasLine(
      body, "pipeline_executions_total{engine=\"rules\",status=\"error\"} 0"))
      << body;
  EXPECT_TRUE(HasLine(body, "opportunity_score_distribution_count 0")) << body;
  EXPECT_TRUE(HasLine(body, "opportunity_processing_time_seconds_count 0"))
      << body;
  EXPECT_TRUE(HasLine(body, "cache_hit_rate 0")) << body;
  EXPECT_TRUE(HasLine(body, "# TYPE cache_operations_total counter")) << body;
  EXPECT_TRUE(HasLine(body, "# TYPE cache_size_bytes gauge")) << body;
}

TEST_F(ServiceMetricsTest, CountsIngestedOpportunitiesByTier) {
  const std::vector<core::Message> messages = {
      Msg("Hi Ana, Company1 is hiring a Senior Go Engineer (Go, Kubernetes). "
          "Fully remote, $180k-$200k. Interested?"),
      Msg("Hi Ana, Company2 is hiring a Senior Go Engineer (Go, Kubernetes). "
          "Fully remote, $180k-$200k. Interested?"),
      Msg("Hello Ana, Quarry Bank is looking for a Junior Java Developer, "
          "on-site in Chicago, $70,000 per year.")};
  absl::StatusOr<std::vector<IngestedMessage>> done =
      service_->Ingest(messages);
  ASSERT_TRUE(done.ok()) << done.status();
  std::map<std::string, int> by_tier;
  for (const IngestedMessage& m : *done) {
    ASSERT_TRUE(m.opportunity.has_value());
    ++by_tier[std::string(core::ToString(m.opportunity->tier()))];
  }
  const std::string body = registry_.Expose();
  for (const auto& [tier, count] : by_tier) {
    EXPECT_TRUE(HasLine(body, "opportunities_created_total{tier=\"" + tier +
                                  "\",status=\"new\"} " +
                                  std::to_string(count)))
        << body;
    EXPECT_TRUE(HasLine(body, "tier_assignments_total{tier=\"" + tier + "\"} " +
                                  std::to_string(count)))
        << body;
    EXPECT_TRUE(HasLine(body, "opportunities_by_tier{tier=\"" + tier + "\"} " +
                                  std::to_string(count)))
        << body;
  }
  EXPECT_TRUE(HasLine(
      body, "pipeline_executions_total{engine=\"rules\",status=\"ok\"} 3"))
      << body;
  EXPECT_TRUE(HasLine(body, "opportunity_score_distribution_count 3")) << body;
  EXPECT_TRUE(HasLine(body, "opportunity_processing_time_seconds_count 3"))
      << body;

  // Reprocessing assigns a tier again (a result-cache hit: no pipeline run)
  // but creates nothing.
  const IngestedMessage& first = (*done)[0];
  const std::string tier(core::ToString(first.opportunity->tier()));
  ASSERT_TRUE(service_->Reprocess(*first.opportunity_id).ok());
  const std::string after = registry_.Expose();
  EXPECT_TRUE(HasLine(after, "tier_assignments_total{tier=\"" + tier + "\"} " +
                                 std::to_string(by_tier[tier] + 1)))
      << after;
  EXPECT_TRUE(HasLine(after, "opportunities_created_total{tier=\"" + tier +
                                 "\",status=\"new\"} " +
                                 std::to_string(by_tier[tier])))
      << after;
  EXPECT_TRUE(HasLine(
      after, "pipeline_executions_total{engine=\"rules\",status=\"ok\"} 3"))
      << after;
}

TEST_F(ServiceMetricsTest, ByTierReadsTheStoreAtMostOncePerSecond) {
  fake_now = absl::FromUnixSeconds(1000);
  ASSERT_TRUE(
      HasLine(registry_.Expose(), "opportunities_by_tier{tier=\"LOW\"} 0"));
  absl::StatusOr<std::vector<IngestedMessage>> done = service_->Ingest(
      {Msg("Hello Ana, Quarry Bank is looking for a Junior Java Developer, "
           "on-site in Chicago, $70,000 per year.")});
  ASSERT_TRUE(done.ok()) << done.status();
  const std::string tier(core::ToString((*done)[0].opportunity->tier()));
  const std::string line = "opportunities_by_tier{tier=\"" + tier + "\"} ";
  EXPECT_TRUE(HasLine(registry_.Expose(), line + "0"));  // The cached read.
  fake_now += absl::Milliseconds(999);
  EXPECT_TRUE(HasLine(registry_.Expose(), line + "0"));
  fake_now += absl::Milliseconds(1);
  EXPECT_TRUE(HasLine(registry_.Expose(), line + "1"));
}

TEST_F(ServiceMetricsTest, CacheFamiliesReadTheCacheStats) {
  cache_->Set("a", "12345", std::chrono::milliseconds(0));
  ASSERT_TRUE(cache_->Get("a").has_value());
  ASSERT_TRUE(cache_->Get("a").has_value());
  ASSERT_TRUE(cache_->Get("a").has_value());
  ASSERT_FALSE(cache_->Get("b").has_value());
  const cache::CacheStats stats = cache_->stats();
  const std::string body = registry_.Expose();
  EXPECT_TRUE(HasLine(body,
                      "cache_operations_total{operation=\"get\","
                      "result=\"hit\"} 3"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "cache_operations_total{operation=\"get\","
                      "result=\"miss\"} 1"))
      << body;
  EXPECT_TRUE(HasLine(body,
                      "cache_operations_total{operation=\"set\","
                      "result=\"ok\"} 1"))
      << body;
  EXPECT_TRUE(HasLine(body, "cache_hit_rate 0.75")) << body;
  EXPECT_TRUE(
      HasLine(body, "cache_size_bytes " + std::to_string(stats.size_bytes)))
      << body;
}

TEST_F(ServiceMetricsTest, DestroyingTheMetricsRemovesTheCallbacks) {
  service_.reset();
  metrics_.reset();
  const std::string body = registry_.Expose();
  EXPECT_EQ(body.find("opportunities_by_tier{"), std::string::npos) << body;
  EXPECT_EQ(body.find("cache_size_bytes "), std::string::npos) << body;
  EXPECT_NE(body.find("opportunities_created_total{"), std::string::npos);
}

}  // namespace
}  // namespace lia::service
