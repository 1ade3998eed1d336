#include "cache/redis/connection_pool.h"

#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lia::cache::internal {
namespace {

// Debian's absl::string_view is its own type, not std::string_view.
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

timeval ToTimeval(std::chrono::milliseconds d) {
  // Zero would mean "no timeout" to the socket options hiredis sets.
  const int64_t ms = std::max<int64_t>(d.count(), 1);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

}  // namespace

ReplyPtr Run(redisContext* c, std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    // An empty view may have a null data(); hiredis copies from it.
    argv.push_back(a.empty() ? "" : a.data());
    lengths.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(redisCommandArgv(
      c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

bool ClosedByServer(const redisContext& c, int saved_errno) {
  return c.err == REDIS_ERR_EOF ||
         (c.err == REDIS_ERR_IO &&
          (saved_errno == ECONNRESET || saved_errno == EPIPE));
}

std::string DescribeFailure(const redisContext& c, int saved_errno,
                            std::chrono::milliseconds command_timeout) {
  // A socket timeout (SO_RCVTIMEO) surfaces as EAGAIN.
  if (c.err == REDIS_ERR_IO &&
      (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
    return absl::StrCat("no reply within ", command_timeout.count(), " ms");
  }
  return std::string(c.errstr);
}

ConnectionPool::Lease::Lease(ConnectionPool* pool, ContextPtr context,
                             uint64_t epoch, bool reused)
    : pool_(pool),
      context_(std::move(context)),
      epoch_(epoch),
      reused_(reused) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      context_(std::move(other.context_)),
      epoch_(other.epoch_),
      reused_(other.reused_) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(context_), epoch_);
}

ConnectionPool::ConnectionPool(const RedisCacheOptions& options)
    : options_(options),
      endpoint_(absl::StrCat(options.host, ":", options.port, "/", options.db)),
      free_slots_(std::max(options.pool_size, 1)) {}

ConnectionPool::~ConnectionPool() = default;

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(
    std::chrono::milliseconds wait) {
  Idle idle{nullptr, 0};
  uint64_t epoch = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(
            absl::Condition(this, &ConnectionPool::HasFreeSlot),
            absl::FromChrono(wait))) {
      return absl::DeadlineExceededError(
          absl::StrCat("no free connection within ", wait.count(), " ms (",
                       options_.pool_size, " in use)"));
    }
    --free_slots_;
    epoch = epoch_;
    if (!idle_.empty()) {
      idle = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (idle.context != nullptr) {
    return Lease(this, std::move(idle.context), idle.epoch, /*reused=*/true);
  }
  // Connect without the lock: it may take connect_timeout.
  absl::StatusOr<ContextPtr> context = Connect();
  if (!context.ok()) {
    Release(nullptr, epoch);
    return context.status();
  }
  return Lease(this, *std::move(context), epoch, /*reused=*/false);
}

void ConnectionPool::Flush() {
  std::vector<Idle> closing;
  {
    absl::MutexLock lock(&mu_);
    ++epoch_;
    closing.swap(idle_);
  }
  // `closing` frees the connections here, outside the lock.
}

void ConnectionPool::Release(ContextPtr context, uint64_t epoch) {
  ContextPtr closing;
  absl::MutexLock lock(&mu_);
  ++free_slots_;
  if (context == nullptr) return;
  if (context->err != 0 || epoch != epoch_) {
    closing = std::move(context);  // Freed after the lock is released.
    return;
  }
  idle_.push_back({std::move(context), epoch});
}

absl::StatusOr<ContextPtr> ConnectionPool::Connect() const {
  // Resolving a host name (getaddrinfo) is not bounded by connect_timeout;
  // production configurations name an address or a local resolver's name.
  ContextPtr c(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                       ToTimeval(options_.connect_timeout)));
  if (c == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("connect to ", endpoint_, ": out of memory"));
  }
  if (c->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to ", endpoint_, ": ", c->errstr));
  }
  if (redisSetTimeout(c.get(), ToTimeval(options_.command_timeout)) !=
      REDIS_OK) {
    return absl::UnavailableError(
        absl::StrCat("set timeout on ", endpoint_, ": ", c->errstr));
  }
  // Each command that prepares the connection must answer +OK.
  auto prepare =
      [&](std::string_view what,
          std::initializer_list<std::string_view> args) -> absl::Status {
    ReplyPtr reply = Run(c.get(), args);
    const int saved_errno = errno;
    if (reply == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          Absl(what), " on ", endpoint_, ": ",
          DescribeFailure(*c, saved_errno, options_.command_timeout)));
    }
    if (reply->type != REDIS_REPLY_STATUS) {
      return absl::UnavailableError(absl::StrCat(
          Absl(what), " on ", endpoint_, ": ", Absl(ReplyText(*reply))));
    }
    return absl::OkStatus();
  };
  if (!options_.password.empty()) {
    absl::Status auth =
        options_.username.empty()
            ? prepare("AUTH", {"AUTH", options_.password})
            : prepare("AUTH", {"AUTH", options_.username, options_.password});
    if (!auth.ok()) return auth;
  }
  if (options_.db != 0) {
    const std::string db = std::to_string(options_.db);
    if (absl::Status select = prepare("SELECT", {"SELECT", db}); !select.ok()) {
      return select;
    }
  }
  return c;
}

}  // namespace lia::cache::internal
