#pragma once

// The cache (DESIGN §2): an interface with two implementations, an
// in-process sharded LRU (NewMemoryCache) and Redis shared by every replica
// (NewRedisCache), chosen by LIA_CACHE_URL (OpenCacheFromUrl). Used
// cache-aside for opportunity reads, lists and stats, and for pipeline
// results. docs/cache.md tells how Redis outages are handled.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lia::cache {

struct CacheStats {
  int64_t hits = 0;
  int64_t misses = 0;  // Includes Gets answered without the backend.
  int64_t sets = 0;
  int64_t evictions = 0;  // Removed to make room, or expired on access.
  int64_t entries = 0;
  int64_t size_bytes = 0;  // Keys + values held.
  // Backend failures: timeouts, refused connections, protocol and server
  // errors. Always 0 for the memory cache.
  int64_t errors = 0;
  // Calls answered without the backend because it was marked down, or no
  // connection became free in time. Always 0 for the memory cache.
  int64_t bypassed = 0;
};

// Thread-safe. A cache never fails a caller: an implementation that cannot
// reach its backend answers as a miss (Get) or does nothing (Set, Delete),
// and is back in use by itself once the backend answers again.
class Cache {
 public:
  virtual ~Cache() = default;

  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // ttl zero means the default TTL of the implementation. Set is a fill,
  // not an invalidation: when the backend is unreachable the previous value
  // may survive it. Invalidate with Delete or Increment.
  virtual void Set(std::string_view key, std::string_view value,
                   std::chrono::milliseconds ttl) = 0;
  // An invalidation: one that cannot reach the backend is replayed before
  // the backend serves any read again (Redis; docs/cache.md).
  virtual void Delete(std::string_view key) = 0;
  // Atomically adds one to the integer at `key` (absent, or not an integer,
  // counts as 0) and returns the new value. Versioned keys use it: bump the
  // version on every write and old entries are never read again
  // ("opp:v17:list:..."). A counter it creates has no TTL (as Redis INCR);
  // an existing one keeps its. An invalidation like Delete: when the backend
  // is unreachable the bump is replayed later and the call returns a random
  // negative number, which names no version anyone has cached (counters
  // count up from 0 or a non-negative seed).
  virtual int64_t Increment(std::string_view key) = 0;

  // Cheap enough to call at every metrics scrape.
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

struct RedisCacheOptions {
  std::string host = "127.0.0.1";  // Default 127.0.0.1. Name or address.
  int port = 6379;                 // Default 6379.
  int db = 0;                      // Default 0. SELECTed on every connection.
  std::string username;  // Default empty: AUTH with the password alone.
  std::string password;  // Default empty: no AUTH.
  // Default "lia:". Prepended to every key, so several deployments (or
  // tests) share one server without seeing each other's entries.
  std::string key_prefix = "lia:";
  int pool_size = 8;  // Default 8. Connections at most, opened on demand.
  std::chrono::milliseconds connect_timeout{200};  // Default 200 ms.
  // Default 100 ms. Bounds each command's round trip, and how long a call
  // waits for a free connection.
  std::chrono::milliseconds command_timeout{100};
  std::chrono::milliseconds default_ttl{300000};  // Default 5 min.
  // Default 1 s. After a failure, calls skip Redis (a miss or no-op,
  // counted as bypassed) until this passes; then one call probes.
  std::chrono::milliseconds retry_after{1000};
  // Default 30 s. on_error reports an outage at most once per interval.
  std::chrono::milliseconds error_log_interval{30000};
  // Default empty (no reports). Called with a one-line description at most
  // once per error_log_interval while Redis fails, and once with a line
  // starting "recovered" when it answers again after a reported failure.
  // Called from whichever thread saw the failure, with an internal lock
  // held: it must not call into this cache.
  std::function<void(std::string_view what)> on_error;
  // Default 10000. Distinct keys whose Delete or Increment failed that are
  // remembered for replay; beyond it, recovery deletes every key under
  // key_prefix instead (docs/cache.md).
  int max_pending_invalidations = 10000;
};

// Never fails: Redis may come up later, and until it answers the cache
// serves misses. Connects lazily. Ignores SIGPIPE unless the process has
// chosen a disposition (hiredis writes to sockets the server may have
// closed).
std::unique_ptr<Cache> NewRedisCache(const RedisCacheOptions& options);

// What a cache URL does not say.
struct CacheUrlDefaults {
  MemoryCacheOptions memory;
  RedisCacheOptions redis;
};

// Parses redis://[[username]:password@]host[:port][/db][?query] over
// `defaults`: host, port, db, username and password (percent-decoded) come
// from the URL when present. The query may set prefix, pool_size,
// connect_timeout_ms, command_timeout_ms. InvalidArgument names what is
// wrong (another scheme, a bad port or db, an unknown parameter...).
absl::StatusOr<RedisCacheOptions> ParseRedisUrl(
    std::string_view url, const RedisCacheOptions& defaults = {});

// The cache LIA_CACHE_URL names (DESIGN §4): memory:// (query: max_bytes,
// shards) or redis://... (ParseRedisUrl). InvalidArgument for anything
// else. Opening Redis never fails on the server's account.
absl::StatusOr<std::unique_ptr<Cache>> OpenCacheFromUrl(
    std::string_view url, const CacheUrlDefaults& defaults = {});

}  // namespace lia::cache
