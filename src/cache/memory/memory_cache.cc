// NewMemoryCache: a sharded LRU with TTL (leveldb's ShardedLRUCache, plus
// expiry). Keys hash to one of N shards; each shard has its own mutex, an
// intrusive recency list and a flat hash index, and a byte budget of
// max_bytes / N. Expiry is lazy: an entry past its deadline is found and
// dropped by the next Get or Increment, or leaves by LRU order like any other.
//
// Counters (CacheStats), per shard under its lock and summed by stats():
//   hits, misses  Get only.
//   sets          Set and Increment calls that stored a value.
//   evictions     entries pushed out by the byte budget, or found expired by
//                 Get or Increment. Delete, and overwrites, are not evictions.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache.h"

namespace lia::cache {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

constexpr TimePoint kNever = TimePoint::max();
// Room for the longest int64 in decimal, "-9223372036854775808", so a counter
// is rewritten in place by every Increment.
constexpr size_t kCounterCapacity = 20;
// An overwrite reuses the entry's allocation if it leaves at most this many
// bytes unused (budgets count key and value sizes, not allocations).
constexpr size_t kReuseSlack = 32;

struct ListLink {
  ListLink* prev = this;
  ListLink* next = this;
};

// One allocation per entry: this header, then the key, then value_capacity
// bytes of which the first value_size hold the value.
struct Entry : ListLink {
  TimePoint expiry;
  size_t key_size = 0;
  size_t value_size = 0;
  size_t value_capacity = 0;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  std::string_view key() { return {data(), key_size}; }
  std::string_view value() { return {data() + key_size, value_size}; }
  int64_t charge() const { return static_cast<int64_t>(key_size + value_size); }

  // Precondition: value.size() <= value_capacity.
  void SetValue(std::string_view value) {
    if (!value.empty()) {
      std::memcpy(data() + key_size, value.data(), value.size());
    }
    value_size = value.size();
  }

  static Entry* Create(std::string_view key, std::string_view value,
                       size_t value_capacity, TimePoint expiry) {
    void* memory = ::operator new(sizeof(Entry) + key.size() + value_capacity);
    auto* entry = new (memory) Entry;
    entry->expiry = expiry;
    entry->key_size = key.size();
    entry->value_capacity = value_capacity;
    if (!key.empty()) std::memcpy(entry->data(), key.data(), key.size());
    entry->SetValue(value);
    return entry;
  }

  static void Destroy(Entry* entry) {
    entry->~Entry();
    ::operator delete(entry);
  }
};

// The integer Increment advances from: the stored decimal, or 0 when there is
// none it can advance (not a decimal integer, or already INT64_MAX).
int64_t CounterBase(std::string_view value) {
  int64_t n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (ec != std::errc() || ptr != end ||
      n == std::numeric_limits<int64_t>::max()) {
    return 0;
  }
  return n;
}

// One stripe of the cache. Thread-safe. Holds at most capacity bytes of keys
// and values.
class alignas(64) LruShard {
 public:
  LruShard() = default;
  LruShard(const LruShard&) = delete;
  LruShard& operator=(const LruShard&) = delete;
  ~LruShard() {
    for (auto& [key, entry] : index_) Entry::Destroy(entry);
  }

  // Called once, before the shard is shared.
  void set_capacity(int64_t capacity) { capacity_ = capacity; }

  std::optional<std::string> Get(std::string_view key, TimePoint now) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return std::nullopt;
    }
    Entry* entry = it->second;
    if (now >= entry->expiry) {
      Erase(it);
      ++evictions_;
      ++misses_;
      return std::nullopt;
    }
    MoveToFront(entry);
    ++hits_;
    return std::string(entry->value());
  }

  void Set(std::string_view key, std::string_view value, TimePoint expiry) {
    const int64_t charge = static_cast<int64_t>(key.size() + value.size());
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (charge > capacity_) {
      // Too big to store. The value it replaces goes too: after a Set the
      // caller must never read what was there before.
      if (it != index_.end()) Erase(it);
      return;
    }
    ++sets_;
    if (it != index_.end()) {
      Entry* entry = it->second;
      if (value.size() <= entry->value_capacity &&
          entry->value_capacity - value.size() <= kReuseSlack) {
        usage_ += charge - entry->charge();
        entry->SetValue(value);
        entry->expiry = expiry;
        MoveToFront(entry);
        EvictToFit(entry);
        return;
      }
      Erase(it);
    }
    Insert(Entry::Create(key, value, value.size(), expiry));
  }

  void Delete(std::string_view key) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) Erase(it);
  }

  int64_t Increment(std::string_view key, TimePoint now) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    Entry* entry = nullptr;
    if (it != index_.end()) {
      entry = it->second;
      if (now >= entry->expiry) {
        Erase(it);
        ++evictions_;
        entry = nullptr;
      }
    }
    const int64_t next = (entry ? CounterBase(entry->value()) : 0) + 1;
    char buffer[kCounterCapacity];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, next);
    static_cast<void>(ec);  // Cannot fail: the buffer fits any int64.
    const std::string_view digits(buffer, static_cast<size_t>(end - buffer));

    if (entry != nullptr && digits.size() <= entry->value_capacity) {
      usage_ += static_cast<int64_t>(digits.size()) -
                static_cast<int64_t>(entry->value_size);
      entry->SetValue(digits);
      MoveToFront(entry);
      ++sets_;
      EvictToFit(entry);
      return next;
    }
    // A new counter never expires (as Redis INCR); a rewritten one keeps its
    // deadline.
    const TimePoint expiry = entry ? entry->expiry : kNever;
    if (entry != nullptr) Erase(it);
    if (static_cast<int64_t>(key.size() + digits.size()) > capacity_) {
      return next;
    }
    ++sets_;
    Insert(Entry::Create(key, digits, kCounterCapacity, expiry));
    return next;
  }

  void AddTo(CacheStats& stats) const {
    absl::MutexLock lock(&mu_);
    stats.hits += hits_;
    stats.misses += misses_;
    stats.sets += sets_;
    stats.evictions += evictions_;
    stats.entries += static_cast<int64_t>(index_.size());
    stats.size_bytes += usage_;
  }

 private:
  using Index = absl::flat_hash_map<std::string_view, Entry*>;

  static void Unlink(Entry* entry) {
    entry->prev->next = entry->next;
    entry->next->prev = entry->prev;
  }

  void LinkFront(Entry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    entry->next = lru_.next;
    entry->prev = &lru_;
    lru_.next->prev = entry;
    lru_.next = entry;
  }

  void MoveToFront(Entry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Unlink(entry);
    LinkFront(entry);
  }

  // Takes ownership. Precondition: the key is absent and entry->charge() <=
  // capacity_.
  void Insert(Entry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    LinkFront(entry);
    index_.emplace(entry->key(), entry);
    usage_ += entry->charge();
    EvictToFit(entry);
  }

  // Drops least recently used entries, never `keep`, until usage fits.
  void EvictToFit(Entry* keep) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (usage_ > capacity_ && lru_.prev != keep) {
      auto* victim = static_cast<Entry*>(lru_.prev);
      Erase(index_.find(victim->key()));
      ++evictions_;
    }
  }

  void Erase(Index::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Entry* entry = it->second;
    index_.erase(it);  // Before Destroy: the index key points into the entry.
    Unlink(entry);
    usage_ -= entry->charge();
    Entry::Destroy(entry);
  }

  mutable absl::Mutex mu_;
  int64_t capacity_ = 0;
  // lru_.next is the most recently used entry, lru_.prev the least.
  ListLink lru_ ABSL_GUARDED_BY(mu_);
  Index index_ ABSL_GUARDED_BY(mu_);
  int64_t usage_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t sets_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

class ShardedLruCache final : public Cache {
 public:
  explicit ShardedLruCache(const MemoryCacheOptions& options)
      : shard_count_(static_cast<uint64_t>(std::max(options.shards, 1))),
        shards_(std::make_unique<LruShard[]>(shard_count_)),
        default_ttl_(options.default_ttl),
        now_(options.now ? options.now : [] { return Clock::now(); }) {
    const int64_t per_shard = std::max<int64_t>(options.max_bytes, 0) /
                              static_cast<int64_t>(shard_count_);
    for (uint64_t i = 0; i < shard_count_; ++i) {
      shards_[i].set_capacity(per_shard);
    }
  }

  // Cache:
  std::optional<std::string> Get(std::string_view key) override {
    return ShardFor(key).Get(key, now_());
  }

  void Set(std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl) override {
    ShardFor(key).Set(key, value, ExpiryAfter(ttl, now_()));
  }

  void Delete(std::string_view key) override { ShardFor(key).Delete(key); }

  int64_t Increment(std::string_view key) override {
    return ShardFor(key).Increment(key, now_());
  }

  CacheStats stats() const override {
    CacheStats stats;
    for (uint64_t i = 0; i < shard_count_; ++i) shards_[i].AddTo(stats);
    return stats;
  }

 private:
  LruShard& ShardFor(std::string_view key) {
    // The high half of the hash, scaled to [0, shard_count_). The index
    // probes with the low bits, so the two stay independent.
    const uint64_t hash = absl::HashOf(key);
    return shards_[((hash >> 32) * shard_count_) >> 32];
  }

  // A ttl of zero or less means the default; a default of zero or less means
  // never. Deadlines past the clock's range saturate to never.
  TimePoint ExpiryAfter(std::chrono::milliseconds ttl, TimePoint now) const {
    if (ttl <= std::chrono::milliseconds::zero()) ttl = default_ttl_;
    if (ttl <= std::chrono::milliseconds::zero()) return kNever;
    if (ttl >=
        std::chrono::duration_cast<std::chrono::milliseconds>(kNever - now)) {
      return kNever;
    }
    return now + ttl;
  }

  const uint64_t shard_count_;
  const std::unique_ptr<LruShard[]> shards_;
  const std::chrono::milliseconds default_ttl_;
  const NowFunction now_;
};

}  // namespace

std::unique_ptr<Cache> NewMemoryCache(const MemoryCacheOptions& options) {
  return std::make_unique<ShardedLruCache>(options);
}

}  // namespace lia::cache
