#pragma once

// The HTTP client of the providers (private to llm/), over cpp-httplib,
// which stays in the .cc. Deadlines are exact and Shutdown is prompt: a
// watchdog thread stops (closes the socket of) every request whose
// deadline passes or that Shutdown ends.

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lia::llm::internal {

// "https://api.openai.com/v1" -> {"https://api.openai.com:443", "/v1"}.
struct BaseUrl {
  std::string scheme_host_port;  // "http://127.0.0.1:8080".
  std::string path_prefix;       // "" or "/v1": no trailing '/'.
};
// InvalidArgument unless http:// or https:// with a host (and a valid port);
// a query or fragment is refused too.
absl::StatusOr<BaseUrl> ParseBaseUrl(std::string_view url);

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;
  std::string body;
  std::string retry_after;     // The Retry-After header, or "".
  std::string retry_after_ms;  // The retry-after-ms header, or "".
};

struct HttpTransportOptions {
  std::string base_url;  // As ParseBaseUrl takes it.
  // Default 5 s. Per connection attempt (TCP and TLS), within the deadline.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Default 4. Kept-alive connections kept for reuse.
  int max_idle_connections = 4;
};

// Thread-safe.
class HttpTransport {
 public:
  // InvalidArgument for a bad base URL. For https, sets SIGPIPE to be
  // ignored if its disposition is still the default (OpenSSL's writes to a
  // reset connection would otherwise kill the process).
  static absl::StatusOr<std::unique_ptr<HttpTransport>> Create(
      HttpTransportOptions options);
  // Precondition: no PostJson in flight.
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // POSTs `body` (JSON) to path_prefix + `path`. Any HTTP status is a
  // reply. Errors: DeadlineExceeded (no whole reply by `deadline`),
  // Cancelled (Shutdown), Unavailable (connection refused or reset, TLS
  // failure). A connection being made ends within connect_timeout even on
  // Shutdown (the library cannot interrupt it sooner).
  absl::StatusOr<HttpReply> PostJson(std::string_view path,
                                     const HttpHeaders& headers,
                                     std::string body, absl::Time deadline);

  // Ends requests in flight (Cancelled) and refuses new ones. Idempotent;
  // does not wait for the requests to return.
  void Shutdown();

  const std::string& endpoint() const { return base_.scheme_host_port; }

 private:
  struct Call;
  class Connection;

  HttpTransport(HttpTransportOptions options, BaseUrl base);
  void WatchdogLoop();
  std::shared_ptr<Connection> TakeConnection() ABSL_LOCKS_EXCLUDED(mu_);
  void ReturnConnection(std::shared_ptr<Connection> connection)
      ABSL_LOCKS_EXCLUDED(mu_);

  const HttpTransportOptions options_;
  const BaseUrl base_;

  absl::Mutex mu_;
  absl::CondVar watchdog_wake_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  bool destroying_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Call*> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  std::thread watchdog_;  // Last: started once the rest is built.
};

}  // namespace lia::llm::internal
