#include "service/instrumented_cache.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cache/cache.h"
#include "obs/trace.h"

namespace lia::service {
namespace {

class InstrumentedCache final : public cache::Cache {
 public:
  InstrumentedCache(cache::Cache& cache, std::string backend)
      : cache_(cache), backend_(std::move(backend)) {}

  // cache::Cache:
  std::optional<std::string> Get(std::string_view key) override {
    obs::Span span = Start("cache.get", key);
    std::optional<std::string> value = cache_.Get(key);
    span.SetAttribute("lia.cache.hit", value.has_value());
    return value;
  }
  void Set(std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl) override {
    obs::Span span = Start("cache.set", key);
    cache_.Set(key, value, ttl);
  }
  void Delete(std::string_view key) override {
    obs::Span span = Start("cache.delete", key);
    cache_.Delete(key);
  }
  int64_t Increment(std::string_view key) override {
    obs::Span span = Start("cache.increment", key);
    return cache_.Increment(key);
  }
  cache::CacheStats stats() const override { return cache_.stats(); }

 private:
  obs::Span Start(std::string_view name, std::string_view key) const {
    obs::Span span = obs::StartChildSpan(name, obs::SpanKind::kClient);
    if (span.active()) {
      span.SetAttribute("lia.cache.backend", backend_);
      span.SetAttribute("lia.cache.key_prefix",
                        std::string(key.substr(0, key.find(':'))));
    }
    return span;
  }

  cache::Cache& cache_;
  const std::string backend_;
};

}  // namespace

std::unique_ptr<cache::Cache> NewInstrumentedCache(
    cache::Cache& cache, InstrumentedCacheOptions options) {
  return std::make_unique<InstrumentedCache>(cache, std::move(options.backend));
}

}  // namespace lia::service
