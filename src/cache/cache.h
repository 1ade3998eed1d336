#pragma once

// The cache (DESIGN §2): an interface with an in-process sharded LRU (here)
// and, later, Redis. Used cache-aside for opportunity reads, lists and stats,
// and for pipeline results.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lia::cache {

struct CacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t sets = 0;
  int64_t evictions = 0;  // Removed to make room, or expired on access.
  int64_t entries = 0;
  int64_t size_bytes = 0;  // Keys + values held.
};

// Thread-safe. A cache never fails a caller: an implementation that cannot
// reach its backend answers as a miss (Get) or does nothing (Set, Delete).
class Cache {
 public:
  virtual ~Cache() = default;

  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // ttl zero means the default TTL of the implementation.
  virtual void Set(std::string_view key, std::string_view value,
                   std::chrono::milliseconds ttl) = 0;
  virtual void Delete(std::string_view key) = 0;
  // Atomically adds one to the integer at `key` (absent counts as 0) and
  // returns the new value. Versioned keys use it: bump the version on every
  // write and old entries are never read again ("opp:v17:list:...").
  // A counter it creates has no TTL (as Redis INCR); an existing one keeps its.
  virtual int64_t Increment(std::string_view key) = 0;

  virtual CacheStats stats() const = 0;
};

// Time source, injectable for TTL tests.
using NowFunction = std::function<std::chrono::steady_clock::time_point()>;

struct MemoryCacheOptions {
  int64_t max_bytes = 64 << 20;  // Default 64 MiB over all shards.
  int shards = 16;               // Default 16. Lock striping.
  std::chrono::milliseconds default_ttl{300000};  // Default 5 min.
  NowFunction now = nullptr;  // Default (empty) std::chrono::steady_clock::now.
};

std::unique_ptr<Cache> NewMemoryCache(const MemoryCacheOptions& options);

}  // namespace lia::cache
