#pragma once

// Private to cache/redis: hiredis connections, pooled. Nothing outside
// src/cache/redis/ includes this (hiredis stays out of public headers).

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache.h"

namespace lia::cache::internal {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

// Sends one command, binary-safe (argv with lengths, never a format string)
// and waits for its reply within the connection's timeout. nullptr means the
// connection failed (c->err, errno say how) and must not be used again;
// an error reply is a reply.
ReplyPtr Run(redisContext* c, std::span<const std::string_view> args);
inline ReplyPtr Run(redisContext* c,
                    std::initializer_list<std::string_view> args) {
  return Run(c, std::span<const std::string_view>(args.begin(), args.size()));
}

// The text of a string, status or error reply.
inline std::string_view ReplyText(const redisReply& r) {
  return r.str == nullptr ? std::string_view() : std::string_view(r.str, r.len);
}

// True when a failed Run on `c` met a connection the server had already
// closed (it restarted, or dropped an idle client): the command never ran,
// and a fresh connection may succeed. `saved_errno` is errno right after Run.
bool ClosedByServer(const redisContext& c, int saved_errno);

// One line for logs: why Run failed on `c`, a timeout named as such.
std::string DescribeFailure(const redisContext& c, int saved_errno,
                            std::chrono::milliseconds command_timeout);

// At most options.pool_size connections to one server, opened on demand.
// Thread-safe; each connection is used by one Lease at a time.
class ConnectionPool {
 public:
  // A connection held by one caller; returned to the pool when destroyed,
  // unless it failed or the pool was flushed meanwhile (then it is closed).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    redisContext* get() const { return context_.get(); }
    // True if the connection served an earlier lease (it may be stale).
    bool reused() const { return reused_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, ContextPtr context, uint64_t epoch,
          bool reused);

    ConnectionPool* pool_;  // Null once moved from.
    ContextPtr context_;
    uint64_t epoch_;
    bool reused_;
  };

  // Keeps a reference to `options`, which must outlive the pool.
  explicit ConnectionPool(const RedisCacheOptions& options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  // Precondition: no Lease is outstanding.
  ~ConnectionPool();

  // Waits at most `wait` for a free slot (DeadlineExceeded if none), then
  // reuses an idle connection or opens one: connect within connect_timeout,
  // AUTH and SELECT within command_timeout (Unavailable on failure).
  absl::StatusOr<Lease> Acquire(std::chrono::milliseconds wait);

  // Closes idle connections now and leased ones when they come back: after
  // one connection fails the others likely share its fate (a restarted
  // server closed them all), and a probe must not meet a stale one.
  void Flush();

  // "host:port/db", for messages. Never the password.
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Idle {
    ContextPtr context;
    uint64_t epoch;
  };

  absl::StatusOr<ContextPtr> Connect() const;
  void Release(ContextPtr context, uint64_t epoch);
  bool HasFreeSlot() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return free_slots_ > 0;
  }

  const RedisCacheOptions& options_;
  const std::string endpoint_;
  absl::Mutex mu_;
  std::vector<Idle> idle_ ABSL_GUARDED_BY(mu_);
  int free_slots_ ABSL_GUARDED_BY(mu_);      // Leases that may still be taken.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;  // Bumped by Flush.
};

}  // namespace lia::cache::internal
