#include "http/server.h"

#include "obs/log.h"
#include "obs/trace.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

// How this maps onto cpp-httplib 0.11.4 (Debian's compiled libcpp-httplib):
//
// * We override httplib::Server::process_and_close_socket, so each
//   connection is served by our loop over one ConnectionStream. That is where
//   the limits the library lacks live: a total deadline and byte cap on the
//   request head, idle keep-alive connections that wake on Stop() and give
//   their worker up when other connections are queued, and a lingering close
//   when a request body is left unread (so the client reads our 413/401
//   instead of a reset).
// * Every request is handed to one catch-all handler (we set req.path to "/"
//   once the head is parsed) and our Router does the routing; cpp-httplib's
//   std::regex routing never sees the client's path.
// * cpp-httplib reads a body only when we ask (ContentReader), so limits are
//   enforced on decoded bytes, chunked bodies included, before buffering.
// * A Response::stream runs inside cpp-httplib's chunked content provider,
//   the whole stream in its one call. Its StreamWriter watches the stop flag
//   and the client's end of the socket, so Stop() and a client going away
//   end a stream that is idling between writes.

namespace lia::http {
namespace {

using SteadyClock = std::chrono::steady_clock;

// nginx's default; the Keep-Alive header advertises it.
constexpr size_t kMaxRequestsPerConnection = 1000;
// A rejected request's body up to this size is read and dropped so the
// connection can be reused; a larger one closes the connection.
constexpr size_t kDrainBytes = 64 << 10;
// After a response that left request bytes unread, how long and how much we
// keep reading (and dropping) before closing, so the close is not a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 8 << 20;
// Idle keep-alive connections re-check for queued connections this often.
constexpr int kIdleSliceMs = 100;
constexpr size_t kReadBufferBytes = 16 << 10;
constexpr size_t kMaxRequestIdLength = 128;
constexpr int kPreflightMaxAgeSeconds = 600;
constexpr std::string_view kAllowedRequestHeaders =
    "Authorization, Content-Type, X-Request-Id";
constexpr std::string_view kExposedHeaders =
    "Location, Retry-After, X-Request-Id";
constexpr std::string_view kProblemJson = "application/problem+json";
constexpr std::string_view kInternalErrorDetail = "An internal error occurred.";

// Debian's Abseil has its own string_view type, so the few string helpers
// this file needs are written against std::string_view here.
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - SteadyClock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrCat(
      absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16),
      absl::Hex(absl::Uniform<uint64_t>(gen), absl::kZeroPad16));
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool IsLoopbackHost(std::string_view host) {
  return host.starts_with("127.") || host == "::1" || host == "[::1]" ||
         host == "localhost";
}

bool HasPathPrefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty() || !path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || prefix.back() == '/' ||
         path[prefix.size()] == '/';
}

// The pseudo-headers cpp-httplib adds to every request.
bool IsLibraryHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "REMOTE_ADDR") ||
         EqualsIgnoreCase(name, "REMOTE_PORT") ||
         EqualsIgnoreCase(name, "LOCAL_ADDR") ||
         EqualsIgnoreCase(name, "LOCAL_PORT");
}

std::string StatusLine(int status) {
  std::string_view phrase = "Bad Request";
  if (status == 408) phrase = "Request Timeout";
  if (status == 414) phrase = "URI Too Long";
  if (status == 431) phrase = "Request Header Fields Too Large";
  return absl::StrCat("HTTP/1.1 ", status, " ", std::string(phrase), "\r\n");
}

std::string_view HeadErrorDetail(int status) {
  switch (status) {
    case 408:
      return "The request was not received in time.";
    case 414:
      return "The request target is too long.";
    case 431:
      return "The request header fields are too large.";
    default:
      return "The request could not be parsed.";
  }
}

// One connection's socket, read through a buffer that survives from one
// request to the next (pipelined requests are kept). While reading a request
// head it enforces a total deadline and a byte cap; while reading a body,
// every wait is bounded by the read timeout.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, const ServerOptions& options)
      : fd_(fd),
        read_timeout_ms_(std::max(1, options.read_timeout_seconds) * 1000),
        max_head_bytes_(options.max_header_bytes) {}

  void BeginRequest() {
    in_head_ = true;
    head_deadline_ =
        SteadyClock::now() + std::chrono::milliseconds(read_timeout_ms_);
    head_bytes_ = 0;
    head_overflow_ = false;
    line_complete_ = false;
    timed_out_ = false;
  }
  void EndHead() { in_head_ = false; }

  bool has_buffered() const { return begin_ < end_; }
  size_t head_bytes() const { return head_bytes_; }
  bool head_overflow() const { return head_overflow_; }
  bool line_complete() const { return line_complete_; }
  bool timed_out() const { return timed_out_; }

  // httplib::Stream
  bool is_readable() const override {
    if (begin_ < end_) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      ssize_t filled = Fill();
      if (filled <= 0) return filled;
    }
    size_t n = std::min(size, end_ - begin_);
    if (in_head_) {
      if (head_bytes_ >= max_head_bytes_) {
        head_overflow_ = true;
        return -1;
      }
      n = std::min(n, max_head_bytes_ - head_bytes_);
      if (!line_complete_ && std::memchr(&buffer_[begin_], '\n', n)) {
        line_complete_ = true;
      }
      head_bytes_ += n;
    }
    std::memcpy(ptr, &buffer_[begin_], n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }
  // The socket has SO_SNDTIMEO = write timeout: a send that makes no progress
  // for that long fails the response.
  ssize_t write(const char* ptr, size_t size) override {
    size_t sent = 0;
    while (sent < size) {
      ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(::getsockname, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  ssize_t Fill() {
    while (true) {
      int timeout_ms =
          in_head_ ? RemainingMs(head_deadline_) : read_timeout_ms_;
      pollfd p{fd_, POLLIN, 0};
      int ready = timeout_ms > 0 ? ::poll(&p, 1, timeout_ms) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) timed_out_ = true;
      if (ready <= 0) return -1;
      ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? -1 : 0;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
      return n;
    }
  }

  template <typename F>
  void Address(F get_name, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    ip.clear();
    port = -1;
    if (get_name(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      port = ntohs(in6->sin6_port);
    }
    ip = text;
  }

  int fd_;
  int read_timeout_ms_;
  size_t max_head_bytes_;
  std::array<char, kReadBufferBytes> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
  bool in_head_ = false;
  SteadyClock::time_point head_deadline_;
  size_t head_bytes_ = 0;
  bool head_overflow_ = false;
  bool line_complete_ = false;
  bool timed_out_ = false;
};

// One request and its response, on the worker thread that serves it.
struct Exchange {
  ConnectionStream* stream = nullptr;
  bool head_done = false;  // The head parsed; `request` is filled.
  bool responded = false;  // Our code wrote the httplib::Response.
  bool close = false;      // Close the connection after the response.
  std::string raw_path;    // As sent (percent-encoded), for the Router.
  Request request;
  absl::Time started = absl::Now();  // When the request began to arrive.
};
thread_local Exchange* current_exchange = nullptr;

// How many accepted connections wait for a worker, and how many workers are
// serving one; idle keep-alive connections give way when all are busy.
struct PoolLoad {
  std::atomic<int> waiting{0};
  std::atomic<int> busy{0};
  int threads = 1;

  bool Saturated() const {
    return waiting.load() > 0 && busy.load() >= threads;
  }
};

// cpp-httplib's thread pool, keeping PoolLoad up to date.
class CountingQueue final : public httplib::TaskQueue {
 public:
  explicit CountingQueue(PoolLoad& load)
      : pool_(static_cast<size_t>(load.threads)), load_(load) {}

  void enqueue(std::function<void()> fn) override {
    load_.waiting.fetch_add(1);
    pool_.enqueue([this, fn = std::move(fn)] {
      load_.busy.fetch_add(1);
      load_.waiting.fetch_sub(1);
      fn();
      load_.busy.fetch_sub(1);
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  PoolLoad& load_;
};

struct BodyFraming {
  bool declared = false;  // Content-Length > 0 or Transfer-Encoding.
  bool chunked = false;
  std::optional<uint64_t> content_length;
  int error_status = 0;  // Non-zero: the framing itself is unacceptable.
};

BodyFraming ReadFraming(const httplib::Request& req) {
  BodyFraming framing;
  size_t lengths = req.get_header_value_count("Content-Length");
  for (size_t i = 0; i < lengths; ++i) {
    std::string value = req.get_header_value("Content-Length", i);
    uint64_t n = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() ||
        (framing.content_length && *framing.content_length != n)) {
      framing.error_status = 400;
      return framing;
    }
    framing.content_length = n;
  }
  if (req.has_header("Transfer-Encoding")) {
    if (!EqualsIgnoreCase(req.get_header_value("Transfer-Encoding"),
                          "chunked") ||
        req.get_header_value_count("Transfer-Encoding") != 1) {
      framing.error_status = 501;
      return framing;
    }
    if (framing.content_length) {  // Smuggling shape (RFC 9112 §6.3).
      framing.error_status = 400;
      return framing;
    }
    framing.chunked = true;
  }
  framing.declared = framing.chunked ||
                     (framing.content_length && *framing.content_length > 0);
  return framing;
}

// A streaming response's StreamWriter over cpp-httplib's chunked DataSink.
// `fd` is the connection's socket (-1 when unknown), watched for the client
// going away and for room to write.
class ChunkWriter final : public StreamWriter {
 public:
  ChunkWriter(httplib::DataSink& sink, int fd,
              const std::atomic<bool>& stopping, int write_timeout_ms)
      : sink_(sink),
        fd_(fd),
        stopping_(stopping),
        write_timeout_ms_(write_timeout_ms) {}

  // StreamWriter:
  bool Write(std::string_view data) override {
    if (!Open()) return false;
    if (data.empty()) return true;
    // cpp-httplib gives up on a chunk when the socket is not writable at
    // that instant; wait for room first, as a blocking write would.
    if (!WaitWritable() || !sink_.write(data.data(), data.size())) {
      broken_ = true;
      return false;
    }
    return true;
  }
  bool Open() const override {
    if (broken_ || stopping_.load()) return false;
    if (fd_ < 0) return true;
    pollfd p{fd_, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 &&
        (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
      broken_ = true;  // The client closed its end (or reset).
    }
    return !broken_;
  }

  // Ends the response with the last chunk. False when the connection cannot
  // carry it: the client went away, or is not reading and the server is
  // stopping (Stop() must not wait on it).
  bool Finish() {
    if (broken_ || !WaitWritable()) return false;
    sink_.done();
    return true;
  }

 private:
  bool WaitWritable() {
    if (fd_ < 0) return true;
    auto deadline =
        SteadyClock::now() + std::chrono::milliseconds(write_timeout_ms_);
    while (true) {
      pollfd p{fd_, POLLOUT, 0};
      int ready = ::poll(&p, 1, std::min(RemainingMs(deadline), kIdleSliceMs));
      if (ready < 0 && errno != EINTR) return false;
      if (ready > 0) return (p.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
      if (stopping_.load() || RemainingMs(deadline) == 0) return false;
    }
  }

  httplib::DataSink& sink_;
  const int fd_;
  const std::atomic<bool>& stopping_;
  const int write_timeout_ms_;
  mutable bool broken_ = false;
};

class Transport final : public httplib::Server {
 public:
  Transport(const Router& router, ServerOptions options)
      : router_(router),
        options_(std::move(options)),
        auth_required_(
            options_.require_auth.value_or(!IsLoopbackHost(options_.host))),
        stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    load_.threads = std::max(1, options_.threads);
    new_task_queue = [this] { return new CountingQueue(load_); };
    set_socket_options([](socket_t sock) {
      // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT,
      // which lets a second server bind the same port silently.
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    set_keep_alive_max_count(kMaxRequestsPerConnection);
    set_keep_alive_timeout(std::max(1, options_.keep_alive_seconds));
    set_read_timeout(std::max(1, options_.read_timeout_seconds));
    set_write_timeout(std::max(1, options_.write_timeout_seconds));

    Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res, nullptr);
    });
    Options("/", [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res, nullptr);
    });
    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
      Dispatch(req, res, &reader);
    };
    Post("/", with_body);
    Put("/", with_body);
    Patch("/", with_body);
    Delete("/", with_body);

    set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          return ExpectContinue(req, res);
        });
    set_error_handler(HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          return LibraryError(req, res);
        }));
    set_exception_handler([this](const httplib::Request&,
                                 httplib::Response& res, std::exception_ptr) {
      Exchange* ex = current_exchange;
      Response problem = Problem(500, "", kInternalErrorDetail);
      res.headers.clear();
      if (ex != nullptr) ex->close = true;
      WriteOut(ex != nullptr && ex->head_done ? &ex->request : nullptr, problem,
               res, ex);
    });
    set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { Tidy(res); });
  }

  ~Transport() override {
    CloseListener();
    if (stop_fd_ >= 0) ::close(stop_fd_);
  }

  absl::Status Bind() {
    if (port_.load() > 0) return absl::OkStatus();
    int port = -1;
    if (options_.port == 0) {
      port = bind_to_any_port(options_.host);
    } else if (bind_to_port(options_.host, options_.port)) {
      port = options_.port;
    }
    int error = errno;
    if (port <= 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", options_.host, ":", options_.port,
                       ": ", std::strerror(error)));
    }
    // cpp-httplib was compiled with a backlog of 5; bursts of connects would
    // wait out SYN retries. listen() again just resizes the queue.
    ::listen(svr_sock_, SOMAXCONN);
    port_.store(port);
    return absl::OkStatus();
  }

  absl::Status Serve() {
    if (port_.load() <= 0) {
      if (stopping_.load()) return absl::OkStatus();
      absl::Status bound = Bind();
      if (!bound.ok()) return bound;
    }
    if (stopping_.load()) {
      CloseListener();
      return absl::OkStatus();
    }
    bool clean = listen_after_bind();
    if (!clean && !stopping_.load()) {
      return absl::InternalError("the listening socket failed");
    }
    return absl::OkStatus();
  }

  void Stop() {
    stopping_.store(true);
    uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof(one)) < 0) {
      // Already signalled (counter full) or no eventfd: idle connections
      // still close at their keep-alive deadline.
    }
    CloseListener();
  }

  int port() const { return port_.load(); }

 private:
  // httplib::Server: serves one accepted connection until it closes.
  bool process_and_close_socket(socket_t sock) override {
    int yes = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    ConnectionStream stream(sock, options_);
    size_t served = 0;
    bool linger = false;
    try {
      ServeConnection(stream, served, linger);
    } catch (...) {
      // Out of memory or a bug of ours: this connection ends, the server
      // (and its worker thread) carry on.
      current_exchange = nullptr;
    }
    Close(sock, linger);
    return true;
  }

  void ServeConnection(ConnectionStream& stream, size_t& served, bool& linger) {
    int sock = stream.socket();
    while (stream.has_buffered() || WaitForRequest(sock, served)) {
      bool close_connection =
          stopping_.load() || served + 1 >= kMaxRequestsPerConnection;
      bool connection_closed = false;
      Exchange exchange;
      exchange.stream = &stream;
      current_exchange = &exchange;
      stream.BeginRequest();
      bool ok = process_request(
          stream, close_connection, connection_closed,
          [this, &exchange](httplib::Request& req) { Setup(req, exchange); });
      current_exchange = nullptr;
      ++served;
      if (!ok) {
        // The head could not be read: answer what we can, then close. (No
        // bytes at all means the client simply closed the connection.)
        if (!exchange.head_done && stream.head_bytes() > 0) {
          WriteHeadError(stream);
          linger = true;
        }
        break;
      }
      if (exchange.close) {
        linger = true;
        break;
      }
      if (connection_closed || close_connection) break;
    }
  }

  // Waits for the next request's first byte. False when the connection
  // should close instead: idle past its deadline, the server stopping, or
  // (after its first request) another connection waiting for a worker that
  // is not coming.
  bool WaitForRequest(int sock, size_t served) {
    int seconds = served == 0 ? options_.read_timeout_seconds
                              : options_.keep_alive_seconds;
    auto deadline =
        SteadyClock::now() + std::chrono::seconds(std::max(1, seconds));
    while (true) {
      std::array<pollfd, 2> fds = {pollfd{sock, POLLIN, 0},
                                   pollfd{stop_fd_, POLLIN, 0}};
      int slice = std::min(RemainingMs(deadline), kIdleSliceMs);
      int ready = ::poll(fds.data(), stop_fd_ >= 0 ? 2 : 1, slice);
      if (ready < 0 && errno != EINTR) return false;
      if (ready > 0 && fds[0].revents != 0) return true;
      if (stopping_.load()) return false;
      if (served > 0 && load_.Saturated()) return false;
      if (RemainingMs(deadline) == 0) return false;
    }
  }

  // Closes the connection; after a response that left request bytes unread,
  // first half-closes and drains for a while so the peer sees our response
  // rather than a reset.
  static void Close(int sock, bool linger) {
    if (linger) {
      ::shutdown(sock, SHUT_WR);
      auto deadline = SteadyClock::now() + kLingerTime;
      std::array<char, 16 << 10> sink;
      size_t drained = 0;
      while (drained < kLingerBytes) {
        pollfd p{sock, POLLIN, 0};
        int ready = ::poll(&p, 1, RemainingMs(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        ssize_t n = ::recv(sock, sink.data(), sink.size(), 0);
        if (n <= 0) break;
        drained += static_cast<size_t>(n);
      }
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }

  void WriteHeadError(ConnectionStream& stream) {
    int status = 400;
    if (stream.head_overflow()) {
      status = stream.line_complete() ? 431 : 414;
    } else if (stream.timed_out()) {
      status = 408;
    }
    Response problem = Problem(status, "", HeadErrorDetail(status));
    std::string out = absl::StrCat(
        StatusLine(status), "Content-Type: ", std::string(kProblemJson),
        "\r\nContent-Length: ", problem.body.size(),
        "\r\nConnection: close\r\nX-Request-Id: ", NewRequestId(), "\r\n\r\n",
        problem.body);
    stream.write(out.data(), out.size());
  }

  void CloseListener() {
    socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) {
      ::shutdown(sock, SHUT_RDWR);
      ::close(sock);
    }
  }

  // Runs once the head is parsed, before the body and before routing.
  void Setup(httplib::Request& req, Exchange& ex) {
    ex.stream->EndHead();
    ex.head_done = true;
    req.ranges.clear();  // Our responses are never partial.

    Request& r = ex.request;
    r.method = req.method;
    r.path = req.path;  // Decoded by cpp-httplib.
    std::string_view target = req.target;
    size_t question = target.find('?');
    ex.raw_path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
      std::string_view rest = target.substr(question + 1);
      while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view()
                                             : rest.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        std::string key(pair.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view()
                                                       : pair.substr(eq + 1));
        r.query.emplace_back(httplib::detail::decode_url(key, true),
                             httplib::detail::decode_url(value, true));
      }
    }
    for (const auto& [name, value] : req.headers) {
      if (IsLibraryHeader(name)) continue;
      std::string lower = ToLower(name);
      auto [it, inserted] = r.headers.emplace(lower, value);
      if (!inserted) it->second += ", " + value;
    }
    r.remote_addr = req.remote_addr;
    std::string incoming = r.Header("x-request-id");
    r.request_id = IsSaneRequestId(incoming) ? incoming : NewRequestId();

    // cpp-httplib would parse multipart bodies itself (and needs receivers we
    // do not give it); handlers get the raw bytes and the original header.
    if (req.is_multipart_form_data()) {
      req.headers.erase("Content-Type");
    }
    // cpp-httplib compresses responses for clients that accept it, brotli
    // first, at quality 11: ~600 ms of CPU for a 0.5 MB JSON list. gzip
    // (level 6) does that in ~5 ms, so brotli is not offered.
    std::string accept = req.get_header_value("Accept-Encoding");
    if (accept.find("br") != std::string::npos) {
      req.headers.erase("Accept-Encoding");
      if (accept.find("gzip") != std::string::npos) {
        req.set_header("Accept-Encoding", "gzip");
      }
    }
    // Route every request to the one catch-all handler; Router decides.
    // (Not `= "/"`: GCC 12 at -O3 takes that for an overlapping memcpy,
    // a -Wrestrict false positive, GCC bug 105329.)
    req.path.assign(1, '/');
  }

  int ExpectContinue(const httplib::Request& req, httplib::Response& res) {
    Exchange* ex = current_exchange;
    if (ex == nullptr || !ex->head_done) return 100;
    BodyFraming framing = ReadFraming(req);
    size_t limit = BodyLimit(ex->request.path);
    if (framing.content_length && *framing.content_length > limit) {
      ex->close = true;
      WriteOut(&ex->request, TooLarge(limit), res, ex);
      // cpp-httplib writes this response without computing the length.
      res.set_header("Content-Length", std::to_string(res.body.size()));
      return 413;
    }
    return 100;
  }

  // cpp-httplib calls this for every response >= 400 before writing it. Ours
  // pass through; its own (a malformed head, a target over 8 KiB, a method it
  // does not route) become problems too.
  HandlerResponse LibraryError(const httplib::Request& req,
                               httplib::Response& res) {
    Exchange* ex = current_exchange;
    if (ex != nullptr && ex->responded) return HandlerResponse::Unhandled;
    if (ex != nullptr && ex->head_done && res.status == 400) {
      // A method cpp-httplib does not dispatch (TRACE, CONNECT...).
      Dispatch(req, res, nullptr);
      return HandlerResponse::Handled;
    }
    int status = res.status;
    if (ex != nullptr && !ex->head_done) {
      if (ex->stream->head_overflow()) status = 431;
      if (!ex->stream->head_overflow() && ex->stream->timed_out()) status = 408;
    }
    if (ex != nullptr) ex->close = true;
    res.headers.clear();
    std::string_view detail;
    if (status == 400 || status == 408 || status == 414 || status == 431) {
      detail = HeadErrorDetail(status);
    }
    WriteOut(ex != nullptr && ex->head_done ? &ex->request : nullptr,
             Problem(status, "", detail), res, ex);
    return HandlerResponse::Handled;
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader) {
    Exchange* ex = current_exchange;
    Exchange fallback;  // Only if cpp-httplib ever calls us off our loop.
    if (ex == nullptr) {
      fallback.close = true;
      fallback.request.method = req.method;
      fallback.request.request_id = NewRequestId();
      ex = &fallback;
    }
    Response response = Handle(req, reader, *ex);
    WriteOut(&ex->request, response, res, ex);
  }

  Response Handle(const httplib::Request& req,
                  const httplib::ContentReader* reader, Exchange& ex) {
    Request& r = ex.request;
    BodyFraming framing = ReadFraming(req);
    // A request that will not be served: drop a small body so the
    // connection stays usable, else close it after the response.
    auto reject = [&](Response response) {
      if (!framing.declared) return response;
      bool drained = reader != nullptr && framing.content_length &&
                     *framing.content_length <= kDrainBytes &&
                     (*reader)([](const char*, size_t) { return true; });
      if (!drained) ex.close = true;
      return response;
    };

    if (framing.error_status != 0) {
      ex.close = true;  // The body's extent is unknown.
      return Problem(framing.error_status, "",
                     framing.error_status == 501
                         ? "Only the chunked transfer coding is supported."
                         : "The request body framing is invalid.");
    }

    std::string origin = r.Header("origin");
    std::string preflight_method = r.Header("access-control-request-method");
    if (r.method == "OPTIONS" && !origin.empty() && !preflight_method.empty()) {
      return reject(Preflight(origin, preflight_method, ex.raw_path));
    }

    if (auth_required_ && HasPathPrefix(r.path, "/api")) {
      std::optional<Response> denied = CheckAuth(r);
      if (denied) return reject(std::move(*denied));
    }

    Router::Match match = router_.Find(r.method, ex.raw_path);
    if (match.handler == nullptr) {
      if (match.allowed_methods.empty()) {
        return reject(Problem(404, "", "No resource at this path."));
      }
      std::string allow = absl::StrJoin(match.allowed_methods, ", ");
      if (r.method == "OPTIONS") {
        Response options;
        options.status = 204;
        options.headers.emplace_back("Allow", absl::StrCat(allow, ", OPTIONS"));
        return reject(std::move(options));
      }
      Response wrong =
          Problem(405, "", absl::StrCat("This path accepts ", allow, "."));
      wrong.headers.emplace_back("Allow", allow);
      return reject(std::move(wrong));
    }

    size_t limit = BodyLimit(r.path);
    if (framing.content_length && *framing.content_length > limit) {
      return reject(TooLarge(limit));
    }
    if (framing.declared) {
      // cpp-httplib skips chunked DELETE bodies and never reads bodies of
      // other methods than POST, PUT, PATCH and DELETE.
      bool readable = reader != nullptr &&
                      !(r.method == "DELETE" && !framing.content_length);
      if (!readable) {
        ex.close = true;
      } else {
        bool over = false;
        std::string& body = r.body;
        if (framing.content_length) {
          body.reserve(std::min<uint64_t>(*framing.content_length, 1 << 20));
        }
        bool ok = (*reader)([&](const char* data, size_t size) {
          if (size > limit - body.size()) {
            over = true;
            return false;
          }
          body.append(data, size);
          return true;
        });
        if (over) {
          ex.close = true;
          return TooLarge(limit);
        }
        if (!ok) {
          ex.close = true;
          bool late = ex.stream != nullptr && ex.stream->timed_out();
          return Problem(late ? 408 : 400, "",
                         late ? "The request body was not received in time."
                              : "The request body could not be read.");
        }
      }
    }

    r.path_params = std::move(match.params);
    r.route = std::move(match.pattern);
    // A server span per request, continuing the caller's trace
    // (traceparent); what the handler logs carries the request and span.
    obs::Span span;
    if (options_.tracer != nullptr && options_.tracer->enabled()) {
      const std::optional<obs::SpanContext> caller =
          obs::ParseTraceparent(r.Header("traceparent"));
      span = options_.tracer->StartSpan(r.method + " " + r.route,
                                        obs::SpanKind::kServer,
                                        caller ? &*caller : nullptr);
      span.SetAttribute("http.request.method", r.method);
      span.SetAttribute("http.route", r.route);
      span.SetAttribute("lia.request_id", r.request_id);
      r.trace_id = span.context().TraceIdHex();
      r.span_id = span.context().SpanIdHex();
    }
    obs::ScopedSpan active(span);
    obs::LogContext context(r.request_id, r.trace_id, r.span_id);
    Response response = CallHandler(*match.handler, r);
    span.SetAttribute("http.response.status_code",
                      static_cast<int64_t>(response.status));
    if (response.status >= 500)
      span.SetError("status " + std::to_string(response.status));
    return response;
  }

  static Response CallHandler(const http::Handler& handler, const Request& r) {
    try {
      return handler(r);
    } catch (const std::exception& e) {
      // Whatever it says may name hosts, files or queries: the client gets
      // nothing of it, the operator's log gets it.
      obs::DefaultLogger().Error(
          "handler threw",
          {{"method", r.method}, {"route", r.route}, {"exception", e.what()}});
      return Problem(500, "", kInternalErrorDetail);
    } catch (...) {
      obs::DefaultLogger().Error("handler threw",
                                 {{"method", r.method}, {"route", r.route}});
      return Problem(500, "", kInternalErrorDetail);
    }
  }

  Response Preflight(const std::string& origin, const std::string& method,
                     const std::string& raw_path) const {
    if (!OriginAllowed(origin)) {
      return Problem(403, "", "This origin may not call the API.");
    }
    Router::Match match = router_.Find(method, raw_path);
    if (match.allowed_methods.empty()) {
      return Problem(404, "", "No resource at this path.");
    }
    Response response;
    response.status = 204;
    response.headers = {
        {"Access-Control-Allow-Methods",
         absl::StrJoin(match.allowed_methods, ", ")},
        {"Access-Control-Allow-Headers", std::string(kAllowedRequestHeaders)},
        {"Access-Control-Max-Age", std::to_string(kPreflightMaxAgeSeconds)},
    };
    return response;
  }

  std::optional<Response> CheckAuth(const Request& r) const {
    std::string authorization = r.Header("authorization");
    std::string_view header = Trim(authorization);
    std::string_view token;
    size_t space = header.find(' ');
    if (space != std::string_view::npos &&
        EqualsIgnoreCase(header.substr(0, space), "Bearer")) {
      token = Trim(header.substr(space + 1));
    }
    if (!token.empty() && options_.token_valid && options_.token_valid(token)) {
      return std::nullopt;
    }
    Response denied = token.empty()
                          ? Problem(401, "", "A bearer token is required.")
                          : Problem(401, "", "The bearer token is not valid.");
    denied.headers.emplace_back(
        "WWW-Authenticate",
        token.empty() ? "Bearer realm=\"lia\""
                      : "Bearer realm=\"lia\", error=\"invalid_token\"");
    return denied;
  }

  // Copies our Response into cpp-httplib's, adding what every response
  // carries: X-Request-Id, CORS, the problem's instance, Connection: close.
  void WriteOut(const Request* request, Response response,
                httplib::Response& res, Exchange* ex) {
    res.status = response.status;
    for (auto& [name, value] : response.headers) {
      if (EqualsIgnoreCase(name, "X-Request-Id") ||
          EqualsIgnoreCase(name, "Content-Length") ||
          EqualsIgnoreCase(name, "Content-Type") ||
          EqualsIgnoreCase(name, "Transfer-Encoding") ||
          EqualsIgnoreCase(name, "Connection")) {
        continue;
      }
      res.set_header(name, value);  // Drops values with CR or LF.
    }
    if (request != nullptr &&
        std::string_view(response.content_type).starts_with(kProblemJson)) {
      nlohmann::json body =
          nlohmann::json::parse(response.body, nullptr, false);
      if (body.is_object() && !body.contains("instance")) {
        body["instance"] = request->path;
        response.body =
            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    if (response.status == 204 || response.status == 304) {
      response.body.clear();  // These never carry content.
    }
    const std::string content_type = response.content_type.empty()
                                         ? "application/octet-stream"
                                         : response.content_type;
    if (response.stream && response.status != 204 && response.status != 304) {
      res.body.clear();
      int fd =
          ex != nullptr && ex->stream != nullptr ? ex->stream->socket() : -1;
      res.set_chunked_content_provider(
          content_type, [this, fd, stream = std::move(response.stream)](
                            size_t, httplib::DataSink& sink) {
            return RunStream(stream, sink, fd);
          });
    } else if (!response.body.empty()) {
      res.set_content(response.body, content_type);
    } else {
      res.body.clear();
    }
    res.set_header("X-Request-Id",
                   request != nullptr ? request->request_id : NewRequestId());
    if (!options_.cors_allowed_origins.empty()) {
      res.set_header("Vary", "Origin");
      std::string origin = request != nullptr ? request->Header("origin") : "";
      if (OriginAllowed(origin)) {
        res.set_header("Access-Control-Allow-Origin", origin);
        res.set_header("Access-Control-Expose-Headers",
                       std::string(kExposedHeaders));
      }
    }
    if ((ex != nullptr && ex->close) || stopping_.load()) {
      res.set_header("Connection", "close");
    }
    if (ex != nullptr) ex->responded = true;
    if (options_.on_response) {
      options_.on_response(
          request, response.status,
          ex != nullptr ? absl::Now() - ex->started : absl::ZeroDuration());
    }
  }

  // cpp-httplib's chunked content provider, called once: the whole stream
  // runs in this call. False (the connection closes without the last chunk,
  // so the client sees the response cut short) when the client went away or
  // the stream threw; the server stopping ends the response properly.
  bool RunStream(const std::function<void(StreamWriter&)>& stream,
                 httplib::DataSink& sink, int fd) {
    ChunkWriter writer(sink, fd, stopping_,
                       std::max(1, options_.write_timeout_seconds) * 1000);
    try {
      stream(writer);
    } catch (...) {
      return false;
    }
    return writer.Finish();
  }

  // The last look before the head is written: one Connection header, no
  // Keep-Alive promise on a closing connection, no length on a 204, and
  // Vary: Accept-Encoding on a compressed body.
  static void Tidy(httplib::Response& res) {
    bool close = false;
    auto [begin, end] = res.headers.equal_range("Connection");
    for (auto it = begin; it != end; ++it) {
      close = close || EqualsIgnoreCase(it->second, "close");
    }
    if (close) {
      res.headers.erase("Connection");
      res.headers.erase("Keep-Alive");
      res.headers.emplace("Connection", "close");
    }
    if (res.status == 204 || res.status == 304) {
      res.headers.erase("Content-Length");
    }
    if (res.has_header("Content-Encoding")) {  // cpp-httplib compressed it.
      std::string vary = res.get_header_value("Vary");
      res.headers.erase("Vary");
      res.headers.emplace("Vary", vary.empty() ? "Accept-Encoding"
                                               : vary + ", Accept-Encoding");
    }
  }

  bool OriginAllowed(std::string_view origin) const {
    if (origin.empty()) return false;
    return std::any_of(options_.cors_allowed_origins.begin(),
                       options_.cors_allowed_origins.end(),
                       [&](const std::string& allowed) {
                         return allowed == "*" || allowed == origin;
                       });
  }

  size_t BodyLimit(std::string_view path) const {
    return HasPathPrefix(path, options_.large_body_prefix)
               ? options_.max_large_body_bytes
               : options_.max_body_bytes;
  }

  static Response TooLarge(size_t limit) {
    return Problem(413, "",
                   absl::StrCat("The request body exceeds the ", limit,
                                "-byte limit for this path."));
  }

  const Router& router_;
  const ServerOptions options_;
  const bool auth_required_;
  const int stop_fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> port_{0};
  PoolLoad load_;
};

}  // namespace

struct Server::Impl {
  Impl(const Router& router, ServerOptions options)
      : transport(router, std::move(options)) {}
  Transport transport;
};

Server::Server(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() = default;

absl::Status Server::Bind() { return impl_->transport.Bind(); }

absl::Status Server::Serve() { return impl_->transport.Serve(); }

void Server::Stop() { impl_->transport.Stop(); }

int Server::port() const { return impl_->transport.port(); }

}  // namespace lia::http
