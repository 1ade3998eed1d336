#pragma once

// A cache::Cache that traces every operation of another (DESIGN §8): a
// client span "cache.get", "cache.set", "cache.delete" or "cache.increment"
// per call, a child of the thread's current span (none without one), with
// lia.cache.backend, lia.cache.key_prefix (the key up to its first ':':
// "opp", "pipe"...; never the whole key) and, for gets, lia.cache.hit.
//
// Counts stay where they were: cache_operations_total, cache_hit_rate and
// cache_size_bytes read the backend's stats() at scrape time
// (service/service_metrics.h), so this adds no metric. With tracing off an
// operation costs a thread-local read and a branch over the backend's.

#include <memory>
#include <string>

namespace lia::cache {
class Cache;
}  // namespace lia::cache

namespace lia::service {

struct InstrumentedCacheOptions {
  // Default "memory". The spans' lia.cache.backend: "memory", "redis".
  std::string backend = "memory";
};

// `cache` is not owned and must outlive the result. Thread-safe as `cache`
// is; never fails a caller, as no cache does.
std::unique_ptr<cache::Cache> NewInstrumentedCache(
    cache::Cache& cache, InstrumentedCacheOptions options = {});

}  // namespace lia::service
