// NewRedisCache: the Cache on a Redis server that every replica shares
// (DESIGN §2, docs/cache.md). Commands go through a bounded pool of blocking
// hiredis connections (connection_pool.h) with connect and command timeouts.
//
// Redis down or slow never fails a caller. A failed call marks the server
// down: for retry_after every call is answered without it (Get misses, Set
// and Delete do nothing), then one call probes. So an outage costs each
// request at most one timeout, and only the calls in flight when it began.
//
// Invalidations are never lost to an outage while this process lives. An
// Increment or Delete that did not run is remembered (by key, bounded), and
// the probe replays them all before the server is marked up again, so no
// Get is served from Redis before every bump made during the outage is in
// place. Otherwise: the service bumps "opp:version" on a write while Redis
// is unreachable, the bump is lost, Redis comes back holding the old
// version V, and the entries cached under V, now stale, are served again.
//
// Counters (CacheStats): hits and misses by Get (a bypassed or failed Get is
// a miss: the caller saw one); sets by Set and Increment that stored;
// errors by failures; bypassed by calls that skipped the server. entries
// and size_bytes are sampled by stats() at most every kStatsSampleInterval.

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache.h"
#include "cache/redis/connection_pool.h"

namespace lia::cache {
namespace {

using internal::ConnectionPool;
using internal::ReplyPtr;
using internal::ReplyText;
using internal::Run;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// stats() asks the server for its size at most this often: it runs at every
// metrics scrape, and a round trip per scrape would be waste.
constexpr std::chrono::seconds kStatsSampleInterval{5};
// A TTL beyond this is stored without one: Redis rejects a PX that
// overflows its clock, and the memory cache saturates such TTLs to never.
constexpr int64_t kMaxTtlMillis = int64_t{1} << 53;
constexpr std::string_view kScanBatch = "1000";

// Debian's absl::string_view is its own type, not std::string_view.
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }
std::string_view Std(absl::string_view s) { return {s.data(), s.size()}; }

// hiredis writes with write(), so a server that closed the connection
// raises SIGPIPE, whose default action kills the process. Ignore it, unless
// the program already chose a disposition.
void IgnoreSigpipeOnce() {
  static const bool done = [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 &&
        current.sa_handler == SIG_DFL) {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      sigaction(SIGPIPE, &ignore, nullptr);
    }
    return true;
  }();
  static_cast<void>(done);
}

// Error replies about the data, not the server: the key holds another type,
// or a value INCR cannot advance. The call completes; Redis is not down.
bool IsDataError(const redisReply& reply) {
  const absl::string_view text = Absl(ReplyText(reply));
  return absl::StartsWith(text, "WRONGTYPE") ||
         (absl::StartsWith(text, "ERR") &&
          (absl::StrContains(text, "not an integer") ||
           absl::StrContains(text, "overflow")));
}

// SCAN's MATCH is a glob: the prefix's own *?[]\ must match literally.
std::string GlobEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

// "used_memory:123\r\n" in an INFO reply, or -1.
int64_t UsedMemory(std::string_view info) {
  constexpr std::string_view kField = "\nused_memory:";
  const size_t at = info.find(kField);
  if (at == std::string_view::npos) return -1;
  std::string_view rest = info.substr(at + kField.size());
  rest = rest.substr(0, rest.find_first_of("\r\n"));
  int64_t n = 0;
  return absl::SimpleAtoi(Absl(rest), &n) ? n : -1;
}

class RedisCache final : public Cache {
 public:
  explicit RedisCache(const RedisCacheOptions& options)
      : options_(options), pool_(options_), rng_(std::random_device()()) {}

  // Cache:
  std::optional<std::string> Get(std::string_view key) override {
    const std::string full = PrefixedKey(key);
    ReplyPtr reply = Call({"GET", full}, nullptr);
    if (reply != nullptr && reply->type == REDIS_REPLY_STRING) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return std::string(ReplyText(*reply));
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }

  void Set(std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl) override {
    if (ttl <= std::chrono::milliseconds::zero()) ttl = options_.default_ttl;
    const std::string full = PrefixedKey(key);
    ReplyPtr reply;
    if (ttl <= std::chrono::milliseconds::zero() ||
        ttl.count() > kMaxTtlMillis) {
      reply = Call({"SET", full, value}, nullptr);
    } else {
      const std::string px = std::to_string(ttl.count());
      reply = Call({"SET", full, value, "PX", px}, nullptr);
    }
    if (reply != nullptr && reply->type == REDIS_REPLY_STATUS) {
      sets_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void Delete(std::string_view key) override {
    const std::string full = PrefixedKey(key);
    const Invalidation invalidation{full, /*increment=*/false};
    Call({"DEL", full}, &invalidation);
  }

  int64_t Increment(std::string_view key) override {
    const std::string full = PrefixedKey(key);
    const Invalidation invalidation{full, /*increment=*/true};
    ReplyPtr reply = Call({"INCR", full}, &invalidation);
    if (reply == nullptr) return OutageValue();
    if (reply->type == REDIS_REPLY_INTEGER) {
      sets_.fetch_add(1, std::memory_order_relaxed);
      return reply->integer;
    }
    // Not an integer, or at INT64_MAX: start again from 0 as the memory
    // cache does, keeping the entry's TTL.
    reply = Call({"SET", full, "1", "KEEPTTL"}, &invalidation);
    if (reply == nullptr || reply->type != REDIS_REPLY_STATUS) {
      return OutageValue();
    }
    sets_.fetch_add(1, std::memory_order_relaxed);
    return 1;
  }

  CacheStats stats() const override {
    // Sampling leases a connection and may mark the server down: state this
    // object owns and guards, whatever the interface's const says. It was
    // created non-const (NewRedisCache), so casting const away is defined.
    const_cast<RedisCache*>(this)->MaybeSampleSize();
    CacheStats s;
    s.hits = hits_.load(std::memory_order_relaxed);
    s.misses = misses_.load(std::memory_order_relaxed);
    s.sets = sets_.load(std::memory_order_relaxed);
    // Redis evicts and expires on its own, uncounted here; INFO's counters
    // cover the whole server, not this prefix.
    s.evictions = 0;
    s.entries = sampled_entries_.load(std::memory_order_relaxed);
    s.size_bytes = sampled_bytes_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.bypassed = bypassed_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // What a call may do, decided when it starts.
  enum class Admission {
    kUse,     // The server is up.
    kProbe,   // Down, and this call is the one that tries it again.
    kBypass,  // Down: answer without it.
  };

  // A Delete or Increment a call carries, remembered if it cannot run now.
  struct Invalidation {
    std::string_view key;  // Prefixed.
    bool increment;
  };

  struct Pending {
    bool increment;  // INCR on replay, else DEL.
    uint64_t seq;    // Which record; a newer one survives an older replay.
  };

  std::string PrefixedKey(std::string_view key) const {
    std::string out;
    out.reserve(options_.key_prefix.size() + key.size());
    out.append(options_.key_prefix).append(key);
    return out;
  }

  // A bypassed invalidation is recorded under the lock that saw the server
  // down, so the probe cannot mark it up in between and leave it unplayed.
  Admission Admit(const Invalidation* invalidation) ABSL_LOCKS_EXCLUDED(mu_) {
    if (!down_.load(std::memory_order_acquire)) return Admission::kUse;
    absl::MutexLock lock(&mu_);
    if (!down_.load(std::memory_order_relaxed)) return Admission::kUse;
    if (probing_ || Clock::now() < retry_at_) {
      bypassed_.fetch_add(1, std::memory_order_relaxed);
      if (invalidation != nullptr) RecordPendingLocked(*invalidation);
      return Admission::kBypass;
    }
    probing_ = true;
    return Admission::kProbe;
  }

  // Runs one command; the probe first replays what the outage left pending.
  // Returns the reply (a value, nil, or a data error), or nullptr when the
  // call was bypassed or failed, already counted and reported, and with its
  // invalidation remembered for replay.
  ReplyPtr Call(std::initializer_list<std::string_view> args,
                const Invalidation* invalidation) {
    Admission admission = Admit(invalidation);
    if (admission == Admission::kBypass) return nullptr;
    // A second attempt only after meeting a connection the server closed
    // while it sat idle (a restart): the command never ran.
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<ConnectionPool::Lease> lease =
          pool_.Acquire(options_.command_timeout);
      if (!lease.ok()) {
        if (absl::IsDeadlineExceeded(lease.status())) {
          // Every connection busy: skip Redis rather than queue. A read or
          // fill just misses; an invalidation must not be dropped, so it
          // waits for replay behind a down mark.
          bypassed_.fetch_add(1, std::memory_order_relaxed);
          if (invalidation == nullptr && admission == Admission::kUse) {
            return nullptr;
          }
          Fail(Std(lease.status().message()), admission, invalidation,
               /*count_error=*/false);
          return nullptr;
        }
        Fail(Std(lease.status().message()), admission, invalidation,
             /*count_error=*/true);
        return nullptr;
      }
      redisContext* c = lease->get();
      if (admission == Admission::kProbe) {
        if (absl::Status replayed = Recover(c); !replayed.ok()) {
          Fail(Std(replayed.message()), admission, invalidation,
               /*count_error=*/true);
          return nullptr;
        }
        admission = Admission::kUse;
      }
      ReplyPtr reply = Run(c, args);
      const int saved_errno = errno;
      if (reply == nullptr) {
        if (attempt == 0 && lease->reused() &&
            internal::ClosedByServer(*c, saved_errno)) {
          pool_.Flush();  // Its idle siblings are as stale.
          continue;
        }
        Fail(internal::DescribeFailure(*c, saved_errno,
                                       options_.command_timeout),
             admission, invalidation, /*count_error=*/true);
        return nullptr;
      }
      if (reply->type == REDIS_REPLY_ERROR && !IsDataError(*reply)) {
        // LOADING, NOAUTH, OOM, READONLY...: the server cannot serve.
        Fail(ReplyText(*reply), admission, invalidation, /*count_error=*/true);
        return nullptr;
      }
      return reply;
    }
  }

  // Checks that the server answers, replays every pending invalidation on
  // `c`, then marks the server up. Called by the probe only, so never twice
  // at once. Invalidations that arrive meanwhile are replayed too: the
  // server is marked up only when none is left, under the same lock that
  // records them.
  absl::Status Recover(redisContext* c) ABSL_LOCKS_EXCLUDED(mu_) {
    // Connecting proves little (the kernel accepts for a stalled server);
    // with nothing to replay, this is what shows the server answers.
    ReplyPtr pong = Run(c, {"PING"});
    const int ping_errno = errno;
    if (pong == nullptr) {
      return absl::UnavailableError(
          internal::DescribeFailure(*c, ping_errno, options_.command_timeout));
    }
    if (pong->type == REDIS_REPLY_ERROR) {
      return absl::UnavailableError(Absl(ReplyText(*pong)));
    }
    for (;;) {
      std::string key;
      Pending op{};
      bool wipe = false;
      {
        absl::MutexLock lock(&mu_);
        if (overflow_) {
          // Records made from here on are replayed after the wipe.
          overflow_ = false;
          pending_.clear();
          wipe = true;
        } else if (pending_.empty()) {
          MarkUpLocked();
          return absl::OkStatus();
        } else {
          const auto it = pending_.begin();
          key = it->first;
          op = it->second;
        }
      }
      if (wipe) {
        if (absl::Status wiped = WipeNamespace(c); !wiped.ok()) {
          absl::MutexLock lock(&mu_);
          overflow_ = true;
          return wiped;
        }
        continue;
      }
      // A bump replayed after an INCR that did reach the server (its reply
      // timed out) bumps twice: harmless, versions only need to move.
      ReplyPtr reply = Run(c, {op.increment ? "INCR" : "DEL", key});
      const int saved_errno = errno;
      if (reply == nullptr) {
        return absl::UnavailableError(
            absl::StrCat("replaying invalidations: ",
                         internal::DescribeFailure(*c, saved_errno,
                                                   options_.command_timeout)));
      }
      if (reply->type == REDIS_REPLY_ERROR && !IsDataError(*reply)) {
        return absl::UnavailableError(
            absl::StrCat("replaying invalidations: ", Absl(ReplyText(*reply))));
      }
      absl::MutexLock lock(&mu_);
      const auto it = pending_.find(key);
      if (it != pending_.end() && it->second.seq == op.seq) pending_.erase(it);
    }
  }

  // Past max_pending_invalidations distinct keys, which keys were
  // invalidated is forgotten: deleting every key under the prefix leaves
  // nothing stale to serve. With an empty prefix that is the database. The
  // probe pays for it, one round trip per 1000 keys scanned.
  absl::Status WipeNamespace(redisContext* c) {
    const std::string pattern = GlobEscape(options_.key_prefix) + "*";
    std::string cursor = "0";
    do {
      ReplyPtr reply =
          Run(c, {"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch});
      const int saved_errno = errno;
      if (reply == nullptr) {
        return absl::UnavailableError(
            absl::StrCat("clearing ", options_.key_prefix, "*: ",
                         internal::DescribeFailure(*c, saved_errno,
                                                   options_.command_timeout)));
      }
      if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
          reply->element[0]->type != REDIS_REPLY_STRING ||
          reply->element[1]->type != REDIS_REPLY_ARRAY) {
        return absl::UnavailableError(
            absl::StrCat("clearing ", options_.key_prefix,
                         "*: unexpected SCAN reply ", Absl(ReplyText(*reply))));
      }
      cursor = std::string(ReplyText(*reply->element[0]));
      const redisReply& keys = *reply->element[1];
      if (keys.elements == 0) continue;
      std::vector<std::string_view> unlink;
      unlink.reserve(keys.elements + 1);
      unlink.emplace_back("UNLINK");
      for (size_t i = 0; i < keys.elements; ++i) {
        unlink.push_back(ReplyText(*keys.element[i]));
      }
      ReplyPtr unlinked = Run(c, unlink);
      const int unlink_errno = errno;
      if (unlinked == nullptr) {
        return absl::UnavailableError(
            absl::StrCat("clearing ", options_.key_prefix, "*: ",
                         internal::DescribeFailure(*c, unlink_errno,
                                                   options_.command_timeout)));
      }
      if (unlinked->type == REDIS_REPLY_ERROR) {
        return absl::UnavailableError(
            absl::StrCat("clearing ", options_.key_prefix,
                         "*: ", Absl(ReplyText(*unlinked))));
      }
    } while (cursor != "0");
    return absl::OkStatus();
  }

  // Marks the server down after a failure (or an invalidation that could
  // not get a connection), remembers the invalidation, reports.
  void Fail(std::string_view what, Admission admission,
            const Invalidation* invalidation, bool count_error)
      ABSL_LOCKS_EXCLUDED(mu_) {
    if (count_error) errors_.fetch_add(1, std::memory_order_relaxed);
    pool_.Flush();
    absl::MutexLock lock(&mu_);
    if (invalidation != nullptr) RecordPendingLocked(*invalidation);
    const TimePoint now = Clock::now();
    if (!down_.load(std::memory_order_relaxed)) down_since_ = now;
    down_.store(true, std::memory_order_release);
    // Only the probe clears probing_: another call failing meanwhile must
    // not let a second probe start beside it.
    if (admission == Admission::kProbe) probing_ = false;
    retry_at_ = now + options_.retry_after;
    if (!options_.on_error || now < next_report_at_) return;
    next_report_at_ = now + options_.error_log_interval;
    reported_down_ = true;
    options_.on_error(absl::StrCat("redis ", pool_.endpoint(), ": ", Absl(what),
                                   "; serving uncached (",
                                   CountsSinceReportLocked(), ")"));
  }

  // Precondition: down_, and nothing is pending.
  void MarkUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    down_.store(false, std::memory_order_release);
    probing_ = false;
    if (!reported_down_ || !options_.on_error) return;
    reported_down_ = false;
    const auto down_for = std::chrono::duration_cast<std::chrono::milliseconds>(
        Clock::now() - down_since_);
    options_.on_error(absl::StrCat("recovered: redis ", pool_.endpoint(),
                                   " answers again after ", down_for.count(),
                                   " ms (", CountsSinceReportLocked(), ")"));
  }

  std::string CountsSinceReportLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int64_t errors = errors_.load(std::memory_order_relaxed);
    const int64_t bypassed = bypassed_.load(std::memory_order_relaxed);
    std::string out = absl::StrCat(errors - errors_at_report_, " errors, ",
                                   bypassed - bypassed_at_report_,
                                   " calls bypassed since the last report");
    errors_at_report_ = errors;
    bypassed_at_report_ = bypassed;
    return out;
  }

  void RecordPendingLocked(const Invalidation& invalidation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (overflow_) return;  // The wipe covers it.
    const Pending pending{invalidation.increment, ++pending_seq_};
    if (auto it = pending_.find(Absl(invalidation.key)); it != pending_.end()) {
      // The last of a key's invalidations is the one to replay.
      it->second = pending;
      return;
    }
    if (pending_.size() >=
        static_cast<size_t>(std::max(options_.max_pending_invalidations, 0))) {
      overflow_ = true;
      pending_.clear();
      return;
    }
    pending_.emplace(std::string(invalidation.key), pending);
  }

  // What Increment returns when the bump did not reach Redis: a random
  // number in [-2^62, -1]. Counters count up from absent (1, 2, ...) or from
  // a non-negative seed, so no version anyone cached under is negative; and
  // being random, two outages (or two replicas) do not hand out the same
  // one. A caller that keeps it as a version therefore reads and writes
  // keys no one else does, until it reads the real counter again.
  int64_t OutageValue() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return -static_cast<int64_t>(rng_() >> 2) - 1;
  }

  void MaybeSampleSize() {
    if (down_.load(std::memory_order_acquire)) return;  // Keep the last.
    {
      absl::MutexLock lock(&sample_mu_);
      const TimePoint now = Clock::now();
      if (now < next_sample_at_) return;
      next_sample_at_ = now + kStatsSampleInterval;
    }
    // No waiting behind requests for a connection: the next scrape retries.
    absl::StatusOr<ConnectionPool::Lease> lease =
        pool_.Acquire(std::chrono::milliseconds::zero());
    if (!lease.ok()) {
      if (!absl::IsDeadlineExceeded(lease.status())) {
        Fail(Std(lease.status().message()), Admission::kUse, nullptr,
             /*count_error=*/true);
      }
      return;
    }
    redisContext* c = lease->get();
    for (const bool dbsize : {true, false}) {
      ReplyPtr reply = dbsize ? Run(c, {"DBSIZE"}) : Run(c, {"INFO", "memory"});
      const int saved_errno = errno;
      if (reply == nullptr) {
        Fail(internal::DescribeFailure(*c, saved_errno,
                                       options_.command_timeout),
             Admission::kUse, nullptr, /*count_error=*/true);
        return;
      }
      if (dbsize && reply->type == REDIS_REPLY_INTEGER) {
        sampled_entries_.store(reply->integer, std::memory_order_relaxed);
      } else if (!dbsize && reply->type == REDIS_REPLY_STRING) {
        const int64_t used = UsedMemory(ReplyText(*reply));
        if (used >= 0) sampled_bytes_.store(used, std::memory_order_relaxed);
      }
    }
  }

  const RedisCacheOptions options_;
  ConnectionPool pool_;  // Refers to options_.

  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
  std::atomic<int64_t> sets_{0};
  std::atomic<int64_t> errors_{0};
  std::atomic<int64_t> bypassed_{0};

  absl::Mutex sample_mu_;
  TimePoint next_sample_at_ ABSL_GUARDED_BY(sample_mu_);
  // The database's key count (DBSIZE, every prefix) and the server's
  // used_memory (INFO memory): what Redis can say cheaply. Both cover other
  // tenants of the same server.
  std::atomic<int64_t> sampled_entries_{0};
  std::atomic<int64_t> sampled_bytes_{0};

  // Set and cleared under mu_; read without it on the fast path. While
  // true, pending_ may hold invalidations; while false, it holds none.
  std::atomic<bool> down_{false};
  absl::Mutex mu_;
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
  TimePoint retry_at_ ABSL_GUARDED_BY(mu_);
  TimePoint down_since_ ABSL_GUARDED_BY(mu_);
  TimePoint next_report_at_ ABSL_GUARDED_BY(mu_);
  bool reported_down_ ABSL_GUARDED_BY(mu_) = false;
  int64_t errors_at_report_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bypassed_at_report_ ABSL_GUARDED_BY(mu_) = 0;
  // Invalidations to replay, by prefixed key. overflow_: more keys than
  // max_pending_invalidations were lost track of; recovery wipes the prefix.
  absl::flat_hash_map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool overflow_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t pending_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Cache> NewRedisCache(const RedisCacheOptions& options) {
  IgnoreSigpipeOnce();
  return std::make_unique<RedisCache>(options);
}

}  // namespace lia::cache
