#pragma once

// lia's HTTP layer: our own Request/Response/Router, served by cpp-httplib
// behind them (DESIGN §3) so handlers never see the library. The server adds
// what every route needs: request ids, body/header/time limits, CORS from an
// allow-list, bearer-token auth beyond loopback, RFC 9457 problem+json for
// every error it produces, and graceful shutdown.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"

namespace lia::obs {
class Tracer;
}

namespace lia::http {

struct Request {
  std::string method;  // "GET", "POST"...
  std::string path;    // Decoded path, no query string.
  std::vector<std::pair<std::string, std::string>> query;  // Decoded, in order.
  // Names lower-cased; a repeated header's values joined with ", ".
  std::map<std::string, std::string> headers;
  // Content-Encoding (gzip, deflate, br) already undone; multipart raw.
  std::string body;
  std::map<std::string, std::string> path_params;  // {id} -> "42".
  std::string route;  // The matched pattern: "/api/v1/opportunities/{id}".
  std::string remote_addr;
  std::string request_id;  // X-Request-Id in, or generated.
  // The request's server span when tracing is on (32 and 16 hex digits);
  // empty otherwise.
  std::string trace_id;
  std::string span_id;

  // Empty when absent.
  std::string Header(std::string_view lower_name) const;
  std::optional<std::string> Query(std::string_view name) const;
  std::vector<std::string> QueryAll(std::string_view name) const;
};

// Where a streaming response (Response::stream) writes. Valid only during
// that call, on its thread.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Sends `data` to the client now, as one chunk; empty data sends nothing.
  // Blocks while the client is not reading, up to the write timeout. False
  // once the client has gone away, a write timed out or the server is
  // stopping: the stream should return.
  virtual bool Write(std::string_view data) = 0;
  // False once the client has closed the connection or the server is
  // stopping. Does not block: a stream that idles between writes checks it
  // at least every few hundred milliseconds, so Server::Stop() is prompt.
  virtual bool Open() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is streamed instead of `body`, chunked: called once,
  // after the head is sent, on the worker thread serving the request, which
  // it holds until it returns; the response ends when it returns. Not called
  // for HEAD, 204 or 304, nor when the server stops first. Compressed (and
  // so buffered) like any body when the client accepts gzip and the type is
  // compressible; text/event-stream never is.
  std::function<void(StreamWriter& writer)> stream;

  static Response Json(int status, const nlohmann::json& body);
};

using Handler = std::function<Response(const Request&)>;

// Routes by method and path pattern; "{name}" matches one non-empty segment.
// Build before serving; then const and thread-safe.
//
// Resolution is by path first: of the patterns matching the path, the one
// whose segments are literal furthest to the left wins (so
// "/api/v1/opportunities/stats" beats "/api/v1/opportunities/{id}" in either
// registration order), then the method selects among that pattern's routes;
// HEAD falls back to GET. One trailing slash is ignored ("/a/" routes as
// "/a"); empty segments ("/a//b") match nothing. Registering the same method
// and pattern shape again replaces the earlier handler.
class Router {
 public:
  void Handle(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // Null: no route.
    std::string pattern;
    std::map<std::string, std::string> params;  // Percent-decoded.
    // Every method the path accepts (GET implies HEAD), in the order GET,
    // HEAD, POST, PUT, PATCH, DELETE; empty when no pattern matches the
    // path. With a null handler: 405 with this as Allow.
    std::vector<std::string> allowed_methods;
  };
  // `path` as sent, percent-encoded, without the query: it is split on '/'
  // first and each segment decoded after, so "a%2Fb" stays one segment.
  Match Find(std::string_view method, std::string_view path) const;

  // Every (method, pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// RFC 9457 problem details: {"type", "title", "status", "detail",
// "instance", "errors": [{"field", "message"}]}, content type
// application/problem+json. type is "about:blank"; an empty title becomes
// the status's reason phrase; an empty detail is left out; the server sets
// instance to the request path when the handler has not.
Response Problem(int status, std::string_view title, std::string_view detail,
                 const nlohmann::json* errors = nullptr);

// The one mapping from absl::StatusCode to HTTP (STYLE habit 3):
// InvalidArgument 422 (400 for OutOfRange), NotFound 404, AlreadyExists and
// FailedPrecondition 409, ResourceExhausted 429, Unavailable 503,
// DeadlineExceeded 504, Unauthenticated 401, PermissionDenied 403, others 500.
// A 4xx carries the status message as detail; a 5xx carries a fixed detail
// that reveals nothing internal (the message is for the operator's logs).
Response ProblemFromStatus(const absl::Status& status);

struct ServerOptions {
  std::string host = "127.0.0.1";   // Default loopback.
  int port = 8080;                  // 0: any free port (see Server::port()).
  size_t max_body_bytes = 1 << 20;  // Default 1 MiB; larger is 413.
  // Paths with this prefix may carry larger bodies (imports). Matched at a
  // segment boundary: "/api/v1/imports/x", not "/api/v1/importsx".
  std::string large_body_prefix = "/api/v1/imports";
  size_t max_large_body_bytes = 256u << 20;  // Default 256 MiB.
  // Request line plus headers. Default 16 KiB; larger is 431 (414 when the
  // request line alone overflows it). cpp-httplib also answers 400 to any
  // single header line over 8 KiB and 414 to a request line over 8 KiB.
  size_t max_header_bytes = 16 << 10;
  // Default 15 s: the whole request head must arrive within it (408 after),
  // and while reading a body no read may wait longer.
  int read_timeout_seconds = 15;
  int write_timeout_seconds = 30;  // Default 30 s; longest a write may stall.
  // Default 30 s idle between requests on a connection. An idle connection
  // closes sooner when Stop() is called or connections wait for a worker.
  int keep_alive_seconds = 30;
  // Default 16 worker threads. A connection holds one while it is open, so
  // this bounds concurrent connections; queued ones wait for a worker.
  int threads = 16;
  // Exact origins; "*" all. Preflights allow the headers Authorization,
  // Content-Type and X-Request-Id, cached 10 minutes.
  std::vector<std::string> cors_allowed_origins;
  // Auth for paths under /api: when required, a request needs
  // "Authorization: Bearer <token>" with token_valid(token) true, else 401.
  // Required by default when host is not a loopback address. Paths outside
  // /api (health, /openapi.json, /docs) are never checked; neither are CORS
  // preflights. Required with no token_valid: every /api request is 401.
  std::optional<bool> require_auth;
  // Called from worker threads; compare in constant time.
  std::function<bool(std::string_view token)> token_valid;
  // Optional. Called on the worker thread once per response, as it is
  // handed to the connection (a stream's when it starts): the request (null
  // when its head could not be read), the status, and the time since the
  // request began to arrive. For access logs and metrics: quick, no throw.
  std::function<void(const Request* request, int status, absl::Duration took)>
      on_response;
  // Optional; not owned. A server span per routed request, named "METHOD
  // route", a child of the caller's W3C traceparent when one came.
  obs::Tracer* tracer = nullptr;
};

// Serves a Router. Thread-safe Stop(); the Router must outlive the Server,
// and Serve() must have returned before the Server is destroyed.
class Server {
 public:
  Server(const Router& router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket; port() is valid after. Unavailable when the address is
  // taken.
  absl::Status Bind();
  // Serves until Stop(); returns once in-flight requests have finished. Binds
  // first if Bind() was not called.
  absl::Status Serve();
  // Stops accepting; in-flight requests finish, and streams see their
  // StreamWriter close (Open() false). Safe from a signal-watching thread.
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lia::http
