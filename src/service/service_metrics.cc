#include "service/service_metrics.h"

#include <array>
#include <mutex>
#include <optional>
#include <utility>

#include "cache/cache.h"
#include "core/status_macros.h"
#include "obs/metrics.h"
#include "store/store.h"

namespace lia::service {
namespace {

constexpr std::array<core::Tier, 4> kTiers = {
    core::Tier::kHighPriority, core::Tier::kInteresting, core::Tier::kLow,
    core::Tier::kNotInterested};

size_t TierIndex(core::Tier tier) { return static_cast<size_t>(tier); }

}  // namespace

struct ServiceMetrics::State {
  ServiceMetricsOptions options;
  obs::CounterFamily* created = nullptr;
  obs::CounterFamily* assigned = nullptr;
  obs::CounterFamily* pipeline = nullptr;
  obs::Histogram* score = nullptr;
  obs::Histogram* processing = nullptr;
  // Series of the hot paths, by TierIndex.
  std::array<obs::Counter*, kTiers.size()> created_new{};
  std::array<obs::Counter*, kTiers.size()> assigned_by_tier{};
  // Scrape-time families; their callbacks are cleared on destruction.
  std::vector<obs::CallbackFamily*> callbacks;

  std::mutex mu;
  std::optional<store::OpportunityStats> stats;     // Guarded by mu.
  absl::Time stats_read_at = absl::InfinitePast();  // Guarded by mu.

  absl::Time Now() const {
    return options.now != nullptr ? options.now() : absl::Now();
  }

  // The last Stats() read if recent enough, else a fresh one; nullopt when
  // the read fails (the scrape then shows no series of the family).
  std::optional<store::OpportunityStats> Stats() {
    std::lock_guard<std::mutex> lock(mu);
    const absl::Time now = Now();
    if (stats && now - stats_read_at < options.stats_max_age) return stats;
    absl::StatusOr<store::OpportunityStats> fresh = options.store->Stats();
    if (!fresh.ok()) return std::nullopt;
    stats = *std::move(fresh);
    stats_read_at = now;
    return stats;
  }
};

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Create(
    obs::Registry& registry, ServiceMetricsOptions options) {
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  State* s = state.get();
  LIA_ASSIGN_OR_RETURN(
      s->created, registry.AddCounter("opportunities_created_total",
                                      "Opportunities saved for the first time.",
                                      {"tier", "status"}));
  LIA_ASSIGN_OR_RETURN(
      s->assigned,
      registry.AddCounter("tier_assignments_total",
                          "Tiers given by saved analyses, new or re-run.",
                          {"tier"}));
  LIA_ASSIGN_OR_RETURN(
      s->pipeline,
      registry.AddCounter("pipeline_executions_total",
                          "Analysis pipeline runs (result-cache hits "
                          "excluded), by engine and outcome.",
                          {"engine", "status"}));
  LIA_ASSIGN_OR_RETURN(std::vector<double> score_buckets,
                       obs::LinearBuckets(10, 10, 10));
  LIA_ASSIGN_OR_RETURN(
      obs::HistogramFamily * score,
      registry.AddHistogram("opportunity_score_distribution",
                            "Total score (0-100) of new opportunities.", {},
                            std::move(score_buckets)));
  s->score = &score->WithLabels();
  LIA_ASSIGN_OR_RETURN(
      obs::HistogramFamily * processing,
      registry.AddHistogram("opportunity_processing_time_seconds",
                            "Analysis time of new opportunities.", {}));
  s->processing = &processing->WithLabels();
  for (core::Tier tier : kTiers) {
    const std::string_view name = core::ToString(tier);
    s->created_new[TierIndex(tier)] = &s->created->WithLabels(
        {name, store::ToString(store::OpportunityStatus::kNew)});
    s->assigned_by_tier[TierIndex(tier)] = &s->assigned->WithLabels({name});
  }
  for (const std::string& engine : s->options.engines) {
    s->pipeline->WithLabels({engine, "ok"});
    s->pipeline->WithLabels({engine, "error"});
  }

  if (s->options.store != nullptr) {
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * by_tier,
        registry.AddCallbackGauge(
            "opportunities_by_tier", "Opportunities in the store, by tier.",
            {"tier"}, [s](obs::SampleWriter& out) {
              const std::optional<store::OpportunityStats> stats = s->Stats();
              if (!stats) return;
              for (core::Tier tier : kTiers) {
                const std::string_view name = core::ToString(tier);
                const auto it = stats->by_tier.find(std::string(name));
                out.Add({name}, it == stats->by_tier.end()
                                    ? 0.0
                                    : static_cast<double>(it->second));
              }
            }));
    s->callbacks.push_back(by_tier);
  }
  if (s->options.cache != nullptr) {
    cache::Cache* cache = s->options.cache;
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * operations,
        registry.AddCallbackCounter(
            "cache_operations_total",
            "Cache operations since start: get (hit or miss), set, evict.",
            {"operation", "result"}, [cache](obs::SampleWriter& out) {
              const cache::CacheStats st = cache->stats();
              out.Add({"get", "hit"}, static_cast<double>(st.hits));
              out.Add({"get", "miss"}, static_cast<double>(st.misses));
              out.Add({"set", "ok"}, static_cast<double>(st.sets));
              out.Add({"evict", "ok"}, static_cast<double>(st.evictions));
            }));
    s->callbacks.push_back(operations);
    // A remote cache's trouble (Redis): calls that failed, and calls that
    // skipped it while it was marked down. Both answer uncached.
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * errors,
        registry.AddCallbackCounter(
            "cache_errors_total",
            "Cache backend failures (timeouts, refused connections, protocol "
            "errors); the request was served uncached.",
            {}, [cache](obs::SampleWriter& out) {
              out.Add({}, static_cast<double>(cache->stats().errors));
            }));
    s->callbacks.push_back(errors);
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * bypassed,
        registry.AddCallbackCounter(
            "cache_bypassed_total",
            "Cache calls answered without the backend while it was marked "
            "down (or its connections were all busy).",
            {}, [cache](obs::SampleWriter& out) {
              out.Add({}, static_cast<double>(cache->stats().bypassed));
            }));
    s->callbacks.push_back(bypassed);
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * hit_rate,
        registry.AddCallbackGauge(
            "cache_hit_rate",
            "Cache gets that hit since start, as a fraction; 0 before any.", {},
            [cache](obs::SampleWriter& out) {
              const cache::CacheStats st = cache->stats();
              const int64_t gets = st.hits + st.misses;
              out.Add({}, gets == 0 ? 0.0
                                    : static_cast<double>(st.hits) /
                                          static_cast<double>(gets));
            }));
    s->callbacks.push_back(hit_rate);
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * size,
        registry.AddCallbackGauge(
            "cache_size_bytes", "Bytes the cache holds (keys and values).", {},
            [cache](obs::SampleWriter& out) {
              out.Add({}, static_cast<double>(cache->stats().size_bytes));
            }));
    s->callbacks.push_back(size);
  }
  return std::unique_ptr<ServiceMetrics>(new ServiceMetrics(std::move(state)));
}

ServiceMetrics::ServiceMetrics(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

ServiceMetrics::~ServiceMetrics() {
  for (obs::CallbackFamily* family : state_->callbacks) {
    family->SetCallback(nullptr);
  }
}

void ServiceMetrics::ObserveCreated(core::Tier tier, std::string_view status,
                                    int score, absl::Duration analysis_time) {
  if (status == store::ToString(store::OpportunityStatus::kNew)) {
    state_->created_new[TierIndex(tier)]->Increment();
  } else {
    state_->created->WithLabels({core::ToString(tier), status}).Increment();
  }
  state_->assigned_by_tier[TierIndex(tier)]->Increment();
  state_->score->Observe(score);
  state_->processing->Observe(absl::ToDoubleSeconds(analysis_time));
}

void ServiceMetrics::ObserveTierAssigned(core::Tier tier) {
  state_->assigned_by_tier[TierIndex(tier)]->Increment();
}

void ServiceMetrics::ObservePipeline(std::string_view engine, bool ok) {
  state_->pipeline->WithLabels({engine, ok ? "ok" : "error"}).Increment();
}

}  // namespace lia::service
