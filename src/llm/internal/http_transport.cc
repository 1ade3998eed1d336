#include "llm/internal/http_transport.h"

#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lia::llm::internal {
namespace {

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

// How often the watchdog stops a request again until its thread has
// returned (a stop that lands before the socket exists does nothing).
constexpr absl::Duration kRestopInterval = absl::Milliseconds(5);
// The library's own read/write timeouts, past the deadline: a backstop only,
// the watchdog ends requests at their deadline.
constexpr absl::Duration kLibraryTimeoutSlack = absl::Seconds(1);

template <typename Setter>
void SetTimeout(absl::Duration d, Setter setter) {
  d = std::max(d, absl::Milliseconds(1));
  const int64_t us = absl::ToInt64Microseconds(d);
  setter(static_cast<time_t>(us / 1'000'000),
         static_cast<time_t>(us % 1'000'000));
}

// OpenSSL writes to its socket with write(), so a peer that resets the
// connection mid-request raises SIGPIPE, whose default action kills the
// process. Ignore it, unless the program already chose a disposition.
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
  (void)done;
}

}  // namespace

absl::StatusOr<BaseUrl> ParseBaseUrl(std::string_view url) {
  const absl::string_view text = absl::StripAsciiWhitespace(Absl(url));
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("base URL \"", text, "\": ", why));
  };
  std::string scheme;
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(text, "http://")) {
    scheme = "http";
    rest = text.substr(7);
  } else if (absl::StartsWithIgnoreCase(text, "https://")) {
    scheme = "https";
    rest = text.substr(8);
  } else {
    return bad("expected http:// or https://");
  }
  if (rest.find_first_of("?#") != absl::string_view::npos) {
    return bad("a query or fragment is not allowed");
  }
  const std::size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  std::string path(slash == absl::string_view::npos ? absl::string_view()
                                                    : rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (authority.find('@') != absl::string_view::npos) {
    return bad("credentials in the URL are not supported");
  }
  absl::string_view host = authority;
  int port = scheme == "https" ? 443 : 80;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos &&
      (bracket == absl::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return bad("bad port");
    }
  }
  if (host.empty()) return bad("no host");
  BaseUrl base;
  base.scheme_host_port = absl::StrCat(scheme, "://", host, ":", port);
  base.path_prefix = std::move(path);
  return base;
}

// One kept-alive client connection. Not thread-safe, except Stop().
class HttpTransport::Connection {
 public:
  Connection(const BaseUrl& base, bool keep_alive)
      : client_(base.scheme_host_port) {
    client_.set_keep_alive(keep_alive);
    client_.set_tcp_nodelay(true);
    client_.set_follow_location(false);
  }
  httplib::Client& client() { return client_; }
  // Thread-safe: closes the socket of the request in flight, if any.
  void Stop() { client_.stop(); }

 private:
  httplib::Client client_;
};

// A request registered with the watchdog. The flags are written under the
// transport's mu_; `stopped` is also read lock-free by the progress
// callback.
struct HttpTransport::Call {
  std::shared_ptr<Connection> connection;
  absl::Time deadline;
  bool deadline_passed = false;
  bool cancelled = false;
  std::atomic<bool> stopped{false};
};

absl::StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(
    HttpTransportOptions options) {
  absl::StatusOr<BaseUrl> base = ParseBaseUrl(options.base_url);
  if (!base.ok()) return base.status();
  return std::unique_ptr<HttpTransport>(
      new HttpTransport(std::move(options), *std::move(base)));
}

HttpTransport::HttpTransport(HttpTransportOptions options, BaseUrl base)
    : options_(std::move(options)), base_(std::move(base)) {
  if (absl::StartsWith(base_.scheme_host_port, "https://")) {
    IgnoreSigpipeOnce();
  }
  watchdog_ = std::thread([this] { WatchdogLoop(); });
}

HttpTransport::~HttpTransport() {
  {
    absl::MutexLock lock(&mu_);
    destroying_ = true;
    watchdog_wake_.SignalAll();
  }
  watchdog_.join();
}

void HttpTransport::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  idle_.clear();
  watchdog_wake_.SignalAll();
}

void HttpTransport::WatchdogLoop() {
  mu_.Lock();
  while (!destroying_) {
    const absl::Time now = absl::Now();
    absl::Time wake = absl::InfiniteFuture();
    std::vector<std::shared_ptr<Connection>> to_stop;
    for (Call* call : calls_) {
      if (shutdown_) {
        call->cancelled = true;
      } else if (now >= call->deadline) {
        call->deadline_passed = true;
      }
      if (call->cancelled || call->deadline_passed) {
        call->stopped.store(true, std::memory_order_relaxed);
        to_stop.push_back(call->connection);
        wake = std::min(wake, now + kRestopInterval);
      } else {
        wake = std::min(wake, call->deadline);
      }
    }
    if (!to_stop.empty()) {
      // Stop() may wait for a connection being made: never under mu_. The
      // shared_ptr keeps each connection alive meanwhile, and its call's
      // thread will not reuse a stopped one.
      mu_.Unlock();
      for (const auto& connection : to_stop) connection->Stop();
      to_stop.clear();
      mu_.Lock();
      if (destroying_) break;
    }
    watchdog_wake_.WaitWithDeadline(&mu_, wake);
  }
  mu_.Unlock();
}

std::shared_ptr<HttpTransport::Connection> HttpTransport::TakeConnection() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::shared_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return std::make_shared<Connection>(base_, options_.max_idle_connections > 0);
}

void HttpTransport::ReturnConnection(std::shared_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  if (shutdown_ ||
      static_cast<int>(idle_.size()) >= options_.max_idle_connections) {
    return;
  }
  idle_.push_back(std::move(connection));
}

absl::StatusOr<HttpReply> HttpTransport::PostJson(std::string_view path,
                                                  const HttpHeaders& headers,
                                                  std::string body,
                                                  absl::Time deadline) {
  const std::string target = absl::StrCat(base_.path_prefix, Absl(path));
  const std::string where =
      absl::StrCat("POST ", base_.scheme_host_port, target);
  Call call;
  call.connection = TakeConnection();
  call.deadline = deadline;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return absl::CancelledError(where + ": shutting down");
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(where + ": no time left");
    }
    calls_.push_back(&call);
    watchdog_wake_.Signal();
  }

  httplib::Client& client = call.connection->client();
  const absl::Duration remaining = deadline - absl::Now();
  SetTimeout(
      std::min(options_.connect_timeout, remaining),
      [&](time_t s, time_t us) { client.set_connection_timeout(s, us); });
  SetTimeout(remaining + kLibraryTimeoutSlack,
             [&](time_t s, time_t us) { client.set_read_timeout(s, us); });
  SetTimeout(remaining + kLibraryTimeoutSlack,
             [&](time_t s, time_t us) { client.set_write_timeout(s, us); });

  httplib::Request request;
  request.method = "POST";
  request.path = target;
  for (const auto& [name, value] : headers) request.set_header(name, value);
  if (!request.has_header("Content-Type")) {
    request.set_header("Content-Type", "application/json");
  }
  if (!request.has_header("Accept")) {
    request.set_header("Accept", "application/json");
  }
  request.body = std::move(body);
  // Called as the body arrives: a trickling server cannot outrun the
  // deadline between two of the watchdog's checks.
  request.progress = [&call](uint64_t, uint64_t) {
    return !call.stopped.load(std::memory_order_relaxed);
  };

  httplib::Result result = client.send(request);

  bool cancelled = false;
  bool deadline_passed = false;
  bool stopped = false;
  {
    absl::MutexLock lock(&mu_);
    calls_.erase(std::find(calls_.begin(), calls_.end(), &call));
    cancelled = call.cancelled;
    deadline_passed = call.deadline_passed;
    stopped = call.stopped.load(std::memory_order_relaxed);
  }

  if (result) {
    HttpReply reply;
    reply.status = result->status;
    reply.body = std::move(result->body);
    reply.retry_after = result->get_header_value("Retry-After");
    reply.retry_after_ms = result->get_header_value("retry-after-ms");
    if (!stopped) ReturnConnection(std::move(call.connection));
    return reply;
  }
  const httplib::Error error = result.error();
  if (cancelled) return absl::CancelledError(where + ": shutting down");
  if (deadline_passed || absl::Now() >= deadline) {
    return absl::DeadlineExceededError(where + ": no reply in time");
  }
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
      return absl::UnavailableError(absl::StrCat(
          where, ": could not connect (", httplib::to_string(error), ")"));
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return absl::UnavailableError(absl::StrCat(
          where, ": TLS failed (", httplib::to_string(error), ")"));
    default:
      return absl::UnavailableError(
          absl::StrCat(where, ": connection lost before a whole reply (",
                       httplib::to_string(error), ")"));
  }
}

}  // namespace lia::llm::internal
