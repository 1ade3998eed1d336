#pragma once

// Opportunity, pipeline and cache metrics (DESIGN §8), registered on an
// obs::Registry:
//
//   opportunities_created_total{tier,status}   counter: opportunities saved
//                                              for the first time.
//   opportunities_by_tier{tier}                gauge: opportunities in the
//                                              store, read at scrape time.
//   opportunity_score_distribution             histogram: total score of
//                                              new opportunities (0..100).
//   opportunity_processing_time_seconds        histogram: analysis time of
//                                              new opportunities (pipeline
//                                              or its result cache).
//   tier_assignments_total{tier}               counter: every tier a saved
//                                              analysis gave (new, re-run,
//                                              reprocessed, rescored).
//   pipeline_executions_total{engine,status}   counter: pipeline runs
//                                              (result-cache hits excluded);
//                                              status "ok" or "error".
//   cache_operations_total{operation,result}   counter, from Cache::stats():
//                                              get/hit, get/miss, set/ok,
//                                              evict/ok.
//   cache_hit_rate                             gauge: hits / (hits + misses)
//                                              since start, 0 before any get.
//   cache_size_bytes                           gauge: keys + values held.
//
// The tier label takes the wire names ("HIGH_PRIORITY"...). Stage times
// (pipeline_execution_time_seconds{stage}) come from the pipeline's observer
// (service/instrumented_pipeline.h), database times from the store's
// decorator (service/instrumented_store.h). The counters count this
// process's work since it started; the gauges read the shared store and this
// process's cache.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/types.h"

namespace lia::obs {
class Registry;
}  // namespace lia::obs
namespace lia::store {
class Store;
}  // namespace lia::store
namespace lia::cache {
class Cache;
}  // namespace lia::cache

namespace lia::service {

struct ServiceMetricsOptions {
  // Default none. Not owned; must outlive the metrics. Source of
  // opportunities_by_tier; without it the family is not registered.
  store::Store* store = nullptr;
  // Default none. Not owned; must outlive the metrics. Source of the cache
  // families; without it they are not registered.
  cache::Cache* cache = nullptr;
  // Default none. Engine names whose pipeline_executions_total series start
  // at 0 (ServiceOptions::engine), so rate() sees the first run.
  std::vector<std::string> engines;
  // Default 1 s. One Store::Stats() read serves every scrape within this
  // long of it.
  absl::Duration stats_max_age = absl::Seconds(1);
  // Default absl::Now. The time that dates the Stats() reads.
  absl::Time (*now)() = nullptr;
};

// Thread-safe; Observe* calls are a few relaxed atomics. At most one per
// registry at a time: destroying it clears the scrape-time callbacks.
class ServiceMetrics {
 public:
  // Registers the families (or takes the registry's existing ones of the
  // same shape). AlreadyExists when a name is registered with another type,
  // help or labels. The registry must outlive the metrics.
  static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Create(
      obs::Registry& registry, ServiceMetricsOptions options = {});
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // An opportunity saved for the first time: counts it (and its tier
  // assignment), its score and how long its analysis took.
  void ObserveCreated(core::Tier tier, std::string_view status, int score,
                      absl::Duration analysis_time);
  // A saved analysis that refreshed an existing opportunity.
  void ObserveTierAssigned(core::Tier tier);
  // One run of the pipeline (not a result-cache hit).
  void ObservePipeline(std::string_view engine, bool ok);

 private:
  struct State;
  explicit ServiceMetrics(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace lia::service
