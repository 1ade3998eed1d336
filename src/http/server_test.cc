#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace lia::http {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A Server on 127.0.0.1 and a free port, serving on its own thread.
class TestServer {
 public:
  explicit TestServer(const Router& router, ServerOptions options = {})
      : server_(router, WithTestDefaults(std::move(options))) {
    absl::Status bound = server_.Bind();
    EXPECT_TRUE(bound.ok()) << bound;
    thread_ = std::thread([this] { serve_status_ = server_.Serve(); });
  }
  ~TestServer() { Stop().IgnoreError(); }

  // Returns Serve()'s status once it has returned.
  absl::Status Stop() {
    if (thread_.joinable()) {
      server_.Stop();
      thread_.join();
    }
    return serve_status_;
  }
  Server& server() { return server_; }
  int port() const { return server_.port(); }

  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port());
    client->set_connection_timeout(5);
    client->set_read_timeout(10);
    client->set_write_timeout(10);
    client->set_tcp_nodelay(true);
    return client;
  }

 private:
  static ServerOptions WithTestDefaults(ServerOptions options) {
    if (options.host == ServerOptions().host) options.host = "127.0.0.1";
    options.port = 0;
    options.threads = std::min(options.threads, 8);
    return options;
  }

  Server server_;
  std::thread thread_;
  absl::Status serve_status_;
};

// One raw TCP exchange: sends `request`, then reads until the server closes
// the connection or `timeout` passes.
std::string RawExchange(int port, const std::string& request,
                        milliseconds timeout = milliseconds(5000)) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                         steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <=
        0)
      break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

int RawStatus(const std::string& response) {
  if (response.size() < 12 || response.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

Response Text(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Echoes what the handler saw, as JSON.
Response Echo(const Request& request) {
  json query = json::array();
  for (const auto& [key, value] : request.query) query.push_back({key, value});
  return Response::Json(200, {{"method", request.method},
                              {"path", request.path},
                              {"route", request.route},
                              {"params", request.path_params},
                              {"query", query},
                              {"body_size", request.body.size()},
                              {"content_type", request.Header("content-type")},
                              {"request_id", request.request_id},
                              {"remote_addr", request.remote_addr}});
}

json BodyJson(const httplib::Result& result) {
  return json::parse(result->body, nullptr, false);
}

void ExpectProblem(const httplib::Result& result, int status,
                   const std::string& instance) {
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, status);
  EXPECT_EQ(result->get_header_value("Content-Type"),
            "application/problem+json");
  EXPECT_FALSE(result->get_header_value("X-Request-Id").empty());
  json body = BodyJson(result);
  ASSERT_TRUE(body.is_object()) << result->body;
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["status"], status);
  EXPECT_TRUE(body["title"].is_string());
  EXPECT_EQ(body["instance"], instance);
}

bool IsHex32(const std::string& s) {
  return s.size() == 32 &&
         s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// ---------------------------------------------------------------- routing

TEST(ServerTest, RoutesPathParamsAndQueryToTheHandler) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities/{id}", Echo);
  TestServer server(router);

  // Raw, because httplib::Client re-encodes '+' in the target.
  std::string response = RawExchange(
      server.port(),
      "GET /api/v1/opportunities/a%2Fb?tag=c%2B%2B&q=rust+jobs&tag=go&empty= "
      "HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(RawStatus(response), 200) << response;
  json body = json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["params"]["id"], "a/b");
  EXPECT_EQ(body["route"], "/api/v1/opportunities/{id}");
  EXPECT_EQ(body["path"], "/api/v1/opportunities/a/b");
  EXPECT_EQ(body["query"], json::parse(R"([["tag","c++"],["q","rust jobs"],
                                           ["tag","go"],["empty",""]])"));
  EXPECT_EQ(body["remote_addr"], "127.0.0.1");
}

TEST(ServerTest, ExactSegmentBeatsParam) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities/{id}", [](const Request& r) {
    return Text("one " + r.path_params.at("id"));
  });
  router.Handle("GET", "/api/v1/opportunities/stats",
                [](const Request&) { return Text("stats"); });
  TestServer server(router);
  auto client = server.Client();

  EXPECT_EQ(client->Get("/api/v1/opportunities/stats")->body, "stats");
  EXPECT_EQ(client->Get("/api/v1/opportunities/17")->body, "one 17");
  EXPECT_EQ(client->Get("/api/v1/opportunities/17/")->body, "one 17");
}

TEST(ServerTest, UnknownPathIs404Problem) {
  Router router;
  router.Handle("GET", "/healthz", [](const Request&) { return Text("ok"); });
  TestServer server(router);

  ExpectProblem(server.Client()->Get("/nope/here"), 404, "/nope/here");
}

TEST(ServerTest, WrongMethodIs405ProblemWithAllow) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities", Echo);
  router.Handle("POST", "/api/v1/opportunities", Echo);
  TestServer server(router);

  auto result = server.Client()->Delete("/api/v1/opportunities");
  ExpectProblem(result, 405, "/api/v1/opportunities");
  EXPECT_EQ(result->get_header_value("Allow"), "GET, HEAD, POST");
}

TEST(ServerTest, MethodCppHttplibDoesNotRouteIs405) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);

  std::string response =
      RawExchange(server.port(),
                  "TRACE /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(RawStatus(response), 405) << response;
  EXPECT_NE(response.find("Allow: GET, HEAD"), std::string::npos) << response;
}

TEST(ServerTest, HeadIsAnsweredByTheGetRouteWithoutBody) {
  Router router;
  router.Handle("GET", "/doc",
                [](const Request&) { return Text("0123456789"); });
  TestServer server(router);

  auto result = server.Client()->Head("/doc");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Length"), "10");
  EXPECT_TRUE(result->body.empty());
}

TEST(ServerTest, OptionsListsTheAllowedMethods) {
  Router router;
  router.Handle("GET", "/x", Echo);
  router.Handle("PUT", "/x", Echo);
  TestServer server(router);

  auto result = server.Client()->Options("/x");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 204);
  EXPECT_EQ(result->get_header_value("Allow"), "GET, HEAD, PUT, OPTIONS");
}

TEST(ServerTest, HandlerHeadersAndStatusAreSent) {
  Router router;
  router.Handle("POST", "/things", [](const Request&) {
    Response response = Response::Json(201, {{"id", 5}});
    response.headers.emplace_back("Location", "/things/5");
    response.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: x=1");
    return response;
  });
  TestServer server(router);

  auto result = server.Client()->Post("/things", "{}", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->get_header_value("Location"), "/things/5");
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(result->has_header("Set-Cookie"));
  EXPECT_EQ(BodyJson(result)["id"], 5);
}

TEST(ServerTest, CompressesWithGzipOnlyAndVaries) {
  Router router;
  router.Handle("GET", "/list", [](const Request&) {
    return Response::Json(200,
                          json(std::vector<std::string>(500, "opportunity")));
  });
  TestServer server(router);
  auto client = server.Client();
  client->set_decompress(false);

  auto gzip = client->Get("/list", {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip->get_header_value("Vary"), "Accept-Encoding");
  auto brotli_only = client->Get("/list", {{"Accept-Encoding", "br"}});
  EXPECT_FALSE(brotli_only->has_header("Content-Encoding"));
}

// ---------------------------------------------------------------- problems

TEST(ServerTest, HandlerProblemGetsTheRequestPathAsInstance) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities/{id}", [](const Request&) {
    return ProblemFromStatus(absl::NotFoundError("no opportunity 9"));
  });
  TestServer server(router);

  auto result = server.Client()->Get("/api/v1/opportunities/9");
  ExpectProblem(result, 404, "/api/v1/opportunities/9");
  EXPECT_EQ(BodyJson(result)["detail"], "no opportunity 9");
}

TEST(ServerTest, HandlerExceptionIs500WithoutItsText) {
  Router router;
  router.Handle("GET", "/boom", [](const Request&) -> Response {
    throw std::runtime_error("password=hunter2 host=db.internal");
  });
  router.Handle("GET", "/boom-int",
                [](const Request&) -> Response { throw 42; });
  TestServer server(router);
  auto client = server.Client();

  for (const char* path : {"/boom", "/boom-int"}) {
    auto result = client->Get(path);
    ExpectProblem(result, 500, path);
    EXPECT_EQ(result->body.find("hunter2"), std::string::npos);
    EXPECT_EQ(result->body.find("db.internal"), std::string::npos);
  }
  EXPECT_EQ(client->Get("/nope")->status, 404);  // Still serving.
}

TEST(ProblemTest, BodyHasRfc9457FieldsAndErrors) {
  json errors = json::array({{{"field", "tier"}, {"message", "unknown tier"}}});
  Response response =
      Problem(422, "Validation failed", "1 field is invalid.", &errors);
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(json::parse(response.body),
            json::parse(R"({"type":"about:blank","title":"Validation failed",
                "status":422,"detail":"1 field is invalid.",
                "errors":[{"field":"tier","message":"unknown tier"}]})"));
  EXPECT_EQ(json::parse(Problem(404, "", "").body),
            json::parse(
                R"({"type":"about:blank","title":"Not Found","status":404})"));
}

TEST(ProblemTest, FromStatusMapsEveryCodeOnce) {
  struct Case {
    absl::Status status;
    int http;
    bool message_shown;
  };
  const std::vector<Case> cases = {
      {absl::InvalidArgumentError("m"), 422, true},
      {absl::OutOfRangeError("m"), 400, true},
      {absl::NotFoundError("m"), 404, true},
      {absl::AlreadyExistsError("m"), 409, true},
      {absl::FailedPreconditionError("m"), 409, true},
      {absl::ResourceExhaustedError("m"), 429, true},
      {absl::UnauthenticatedError("m"), 401, true},
      {absl::PermissionDeniedError("m"), 403, true},
      {absl::UnavailableError("m"), 503, false},
      {absl::DeadlineExceededError("m"), 504, false},
      {absl::InternalError("m"), 500, false},
      {absl::UnknownError("m"), 500, false},
      {absl::DataLossError("m"), 500, false},
      {absl::AbortedError("m"), 500, false},
      {absl::CancelledError("m"), 500, false},
      {absl::UnimplementedError("m"), 500, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    Response response = ProblemFromStatus(c.status);
    json body = json::parse(response.body);
    EXPECT_EQ(response.status, c.http);
    EXPECT_EQ(body["status"], c.http);
    EXPECT_EQ(response.content_type, "application/problem+json");
    EXPECT_EQ(body["detail"] == "m", c.message_shown);
  }
  Response unauthenticated = ProblemFromStatus(absl::UnauthenticatedError("m"));
  ASSERT_EQ(unauthenticated.headers.size(), 1u);
  EXPECT_EQ(unauthenticated.headers[0].first, "WWW-Authenticate");
}

// ---------------------------------------------------------------- limits

TEST(ServerTest, BodyOverLimitIs413AndTheConnectionStaysUsable) {
  Router router;
  router.Handle("POST", "/api/v1/notes", Echo);
  ServerOptions options;
  options.max_body_bytes = 1024;
  TestServer server(router, options);
  auto client = server.Client();
  client->set_keep_alive(true);

  auto ok = client->Post("/api/v1/notes", std::string(1024, 'a'), "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(BodyJson(ok)["body_size"], 1024);

  ExpectProblem(
      client->Post("/api/v1/notes", std::string(2048, 'a'), "text/plain"), 413,
      "/api/v1/notes");
  auto after = client->Post("/api/v1/notes", "x", "text/plain");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST(ServerTest, LargeOverLimitBodyGets413RatherThanAReset) {
  Router router;
  router.Handle("POST", "/api/v1/notes", Echo);
  TestServer server(router);  // 1 MiB default.
  auto client = server.Client();

  // Too large to drain: the server answers at once, then reads and drops
  // the rest while closing, so the client still reads the 413.
  auto result =
      client->Post("/api/v1/notes", std::string(3 << 20, 'a'), "text/plain");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(result->get_header_value("Connection"), "close");
}

TEST(ServerTest, ImportPrefixGetsTheLargerLimit) {
  Router router;
  router.Handle("POST", "/api/v1/imports/linkedin", Echo);
  router.Handle("POST", "/api/v1/importsx", Echo);
  router.Handle("POST", "/api/v1/opportunities", Echo);
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.max_large_body_bytes = 256 << 10;
  TestServer server(router, options);
  auto client = server.Client();
  std::string medium(100 << 10, 'm');

  auto imported =
      client->Post("/api/v1/imports/linkedin", medium, "application/zip");
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->status, 200);
  EXPECT_EQ(BodyJson(imported)["body_size"], medium.size());

  EXPECT_EQ(client->Post("/api/v1/opportunities", medium, "text/plain")->status,
            413);
  EXPECT_EQ(client->Post("/api/v1/importsx", medium, "text/plain")->status,
            413);
  EXPECT_EQ(client
                ->Post("/api/v1/imports/linkedin", std::string(300 << 10, 'b'),
                       "application/zip")
                ->status,
            413);
}

TEST(ServerTest, ChunkedBodyOverLimitIs413) {
  Router router;
  router.Handle("POST", "/upload", Echo);
  ServerOptions options;
  options.max_body_bytes = 4096;
  TestServer server(router, options);
  auto client = server.Client();

  auto send_chunks = [&](int chunks) {
    return client->Post(
        "/upload",
        [chunks, sent = 0](size_t, httplib::DataSink& sink) mutable {
          if (sent++ < chunks) {
            std::string chunk(1000, 'c');
            sink.write(chunk.data(), chunk.size());
          } else {
            sink.done();
          }
          return true;
        },
        "text/plain");
  };
  auto small = send_chunks(3);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  EXPECT_EQ(BodyJson(small)["body_size"], 3000);

  auto large = send_chunks(10);
  ASSERT_TRUE(large) << httplib::to_string(large.error());
  EXPECT_EQ(large->status, 413);
}

TEST(ServerTest, HugeDeclaredBodyIsRefusedWithoutReadingIt) {
  Router router;
  router.Handle("POST", "/upload", Echo);
  TestServer server(router);

  auto start = steady_clock::now();
  std::string response =
      RawExchange(server.port(),
                  "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: "
                  "1000000000000\r\n\r\n"
                  "only a little");
  EXPECT_EQ(RawStatus(response), 413) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(ServerTest, ExpectContinueOverLimitIs413BeforeTheBody) {
  Router router;
  router.Handle("POST", "/upload", Echo);
  ServerOptions options;
  options.max_body_bytes = 10;
  TestServer server(router, options);

  std::string response =
      RawExchange(server.port(),
                  "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n"
                  "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(RawStatus(response), 413) << response;
  EXPECT_EQ(response.find("100 Continue"), std::string::npos);
}

TEST(ServerTest, PostWithoutBodyIsServedAtOnce) {
  Router router;
  router.Handle("POST", "/api/v1/responses/{opportunity_id}/approve", Echo);
  TestServer server(router);

  auto start = steady_clock::now();
  std::string response =
      RawExchange(server.port(),
                  "POST /api/v1/responses/4/approve HTTP/1.1\r\nHost: t\r\n"
                  "Connection: close\r\n\r\n");
  EXPECT_EQ(RawStatus(response), 200) << response;
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ServerTest, OversizedHeadersAre431Problem) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);  // 16 KiB default.
  auto client = server.Client();

  httplib::Headers fits = {{"X-A", std::string(6000, 'a')},
                           {"X-B", std::string(6000, 'b')}};
  EXPECT_EQ(client->Get("/x", fits)->status, 200);

  httplib::Headers too_many = {{"X-A", std::string(6000, 'a')},
                               {"X-B", std::string(6000, 'b')},
                               {"X-C", std::string(6000, 'c')}};
  auto result = client->Get("/x", too_many);
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 431);
  EXPECT_EQ(result->get_header_value("Content-Type"),
            "application/problem+json");
  EXPECT_TRUE(IsHex32(result->get_header_value("X-Request-Id")));
}

TEST(ServerTest, OverlongRequestLineIs414) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);

  for (size_t length : {9000u, 20000u}) {
    std::string response =
        RawExchange(server.port(), "GET /x?" + std::string(length, 'q') +
                                       " HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(RawStatus(response), 414)
        << length << ": " << response.substr(0, 200);
  }
}

TEST(ServerTest, SlowRequestHeadIs408) {
  Router router;
  router.Handle("GET", "/x", Echo);
  ServerOptions options;
  options.read_timeout_seconds = 1;
  TestServer server(router, options);

  auto start = steady_clock::now();
  std::string response = RawExchange(
      server.port(), "GET /x HTTP/1.1\r\nHost: t\r\n", milliseconds(4000));
  EXPECT_EQ(RawStatus(response), 408) << response;
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(ServerTest, MultipartBodyReachesTheHandlerRaw) {
  Router router;
  router.Handle("POST", "/api/v1/imports/form", Echo);
  TestServer server(router);

  httplib::MultipartFormDataItems items = {
      {"file", "hello, world", "notes.txt", "text/plain"}};
  auto result = server.Client()->Post("/api/v1/imports/form", items);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  json body = BodyJson(result);
  EXPECT_GT(body["body_size"].get<size_t>(), 12u);
  EXPECT_EQ(
      body["content_type"].get<std::string>().rfind("multipart/form-data", 0),
      0u);
}

// ---------------------------------------------------------------- request ids

TEST(ServerTest, GeneratesARequestIdAndEchoesIt) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);
  auto client = server.Client();

  auto first = client->Get("/x");
  auto second = client->Get("/x");
  ASSERT_TRUE(first && second);
  std::string id = first->get_header_value("X-Request-Id");
  EXPECT_TRUE(IsHex32(id)) << id;
  EXPECT_EQ(BodyJson(first)["request_id"], id);
  EXPECT_NE(second->get_header_value("X-Request-Id"), id);
}

TEST(ServerTest, KeepsASaneIncomingRequestIdEvenOnErrors) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);
  auto client = server.Client();
  std::string id = "edge-7f3a.b_9";

  auto ok = client->Get("/x", {{"X-Request-Id", id}});
  EXPECT_EQ(ok->get_header_value("X-Request-Id"), id);
  EXPECT_EQ(BodyJson(ok)["request_id"], id);
  EXPECT_EQ(client->Get("/missing", {{"X-Request-Id", id}})
                ->get_header_value("X-Request-Id"),
            id);
  std::string longest(128, 'a');
  EXPECT_EQ(client->Get("/x", {{"X-Request-Id", longest}})
                ->get_header_value("X-Request-Id"),
            longest);
}

TEST(ServerTest, ReplacesAnInvalidIncomingRequestId) {
  Router router;
  router.Handle("GET", "/x", Echo);
  TestServer server(router);
  auto client = server.Client();

  for (const std::string& bad :
       {std::string("has space"), std::string("semi;colon"),
        std::string(129, 'a'), std::string("<script>")}) {
    auto result = client->Get("/x", {{"X-Request-Id", bad}});
    ASSERT_TRUE(result);
    EXPECT_TRUE(IsHex32(result->get_header_value("X-Request-Id"))) << bad;
  }
}

// ---------------------------------------------------------------- CORS

ServerOptions CorsOptions() {
  ServerOptions options;
  options.cors_allowed_origins = {"http://localhost:5173",
                                  "https://lia.example"};
  return options;
}

TEST(CorsTest, PreflightFromAllowedOriginIs204WithAllowHeaders) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities/{id}", Echo);
  router.Handle("DELETE", "/api/v1/opportunities/{id}", Echo);
  ServerOptions options = CorsOptions();
  options.require_auth = true;  // Preflights carry no credentials.
  TestServer server(router, options);

  auto result = server.Client()->Options(
      "/api/v1/opportunities/3",
      {{"Origin", "https://lia.example"},
       {"Access-Control-Request-Method", "DELETE"},
       {"Access-Control-Request-Headers", "authorization"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 204);
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://lia.example");
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Methods"),
            "GET, HEAD, DELETE");
  EXPECT_NE(result->get_header_value("Access-Control-Allow-Headers")
                .find("Authorization"),
            std::string::npos);
  EXPECT_EQ(result->get_header_value("Access-Control-Max-Age"), "600");
  EXPECT_EQ(result->get_header_value("Vary"), "Origin");
  EXPECT_FALSE(result->has_header("Content-Length"));
  EXPECT_FALSE(result->get_header_value("X-Request-Id").empty());
}

TEST(CorsTest, PreflightFromOtherOriginIsRefused) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities", Echo);
  TestServer server(router, CorsOptions());

  auto result = server.Client()->Options(
      "/api/v1/opportunities", {{"Origin", "https://evil.example"},
                                {"Access-Control-Request-Method", "GET"}});
  ExpectProblem(result, 403, "/api/v1/opportunities");
  EXPECT_FALSE(result->has_header("Access-Control-Allow-Origin"));
}

TEST(CorsTest, AllowOriginOnlyForAllowedOrigins) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities", Echo);
  TestServer server(router, CorsOptions());
  auto client = server.Client();

  auto allowed = client->Get("/api/v1/opportunities",
                             {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"),
            "http://localhost:5173");
  EXPECT_NE(allowed->get_header_value("Access-Control-Expose-Headers")
                .find("X-Request-Id"),
            std::string::npos);
  EXPECT_EQ(allowed->get_header_value("Vary"), "Origin");

  auto other = client->Get("/api/v1/opportunities",
                           {{"Origin", "http://localhost:5174"}});
  EXPECT_EQ(other->status, 200);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(other->get_header_value("Vary"), "Origin");

  auto error =
      client->Get("/api/v1/missing", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(error->status, 404);
  EXPECT_EQ(error->get_header_value("Access-Control-Allow-Origin"),
            "http://localhost:5173");
}

TEST(CorsTest, WildcardAllowsAnyOrigin) {
  Router router;
  router.Handle("GET", "/x", Echo);
  ServerOptions options;
  options.cors_allowed_origins = {"*"};
  TestServer server(router, options);

  auto result =
      server.Client()->Get("/x", {{"Origin", "https://anywhere.example"}});
  EXPECT_EQ(result->get_header_value("Access-Control-Allow-Origin"),
            "https://anywhere.example");
}

// ---------------------------------------------------------------- auth

ServerOptions AuthOptions() {
  ServerOptions options;
  options.require_auth = true;
  options.token_valid = [](std::string_view token) {
    return token == "s3cret";
  };
  return options;
}

Router AuthRouter() {
  Router router;
  router.Handle("GET", "/api/v1/opportunities", Echo);
  router.Handle("POST", "/api/v1/opportunities", Echo);
  router.Handle("GET", "/healthz", [](const Request&) { return Text("ok"); });
  router.Handle("GET", "/openapi.json",
                [](const Request&) { return Text("{}"); });
  router.Handle("GET", "/docs", [](const Request&) { return Text("docs"); });
  return router;
}

TEST(AuthTest, MissingTokenIs401ProblemWithChallenge) {
  Router router = AuthRouter();
  TestServer server(router, AuthOptions());
  auto client = server.Client();

  auto result = client->Get("/api/v1/opportunities");
  ExpectProblem(result, 401, "/api/v1/opportunities");
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"),
            "Bearer realm=\"lia\"");
  // Unknown /api paths do not reveal themselves to anonymous callers.
  EXPECT_EQ(client->Get("/api/v1/secret-route")->status, 401);
  EXPECT_EQ(
      client
          ->Get("/api/v1/opportunities", {{"Authorization", "Basic czNjcmV0"}})
          ->status,
      401);
}

TEST(AuthTest, WrongTokenIs401InvalidToken) {
  Router router = AuthRouter();
  TestServer server(router, AuthOptions());
  auto client = server.Client();
  client->set_keep_alive(true);

  auto result =
      client->Post("/api/v1/opportunities", {{"Authorization", "Bearer nope"}},
                   "{\"a\":1}", "application/json");
  ExpectProblem(result, 401, "/api/v1/opportunities");
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"),
            "Bearer realm=\"lia\", error=\"invalid_token\"");
  // The small body was drained: the same connection serves the next request.
  auto next = client->Get("/api/v1/opportunities",
                          {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(AuthTest, RightTokenIsServed) {
  Router router = AuthRouter();
  TestServer server(router, AuthOptions());

  auto result = server.Client()->Get("/api/v1/opportunities",
                                     {{"Authorization", "bearer  s3cret "}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST(AuthTest, HealthOpenApiAndDocsStayOpen) {
  Router router = AuthRouter();
  TestServer server(router, AuthOptions());
  auto client = server.Client();

  EXPECT_EQ(client->Get("/healthz")->status, 200);
  EXPECT_EQ(client->Get("/openapi.json")->status, 200);
  EXPECT_EQ(client->Get("/docs")->status, 200);
}

TEST(AuthTest, EncodedApiPathIsStillProtected) {
  Router router = AuthRouter();
  TestServer server(router, AuthOptions());

  EXPECT_EQ(server.Client()->Get("/%61pi/v1/opportunities")->status, 401);
}

TEST(AuthTest, NotRequiredOnLoopbackByDefault) {
  Router router = AuthRouter();
  TestServer server(router);  // 127.0.0.1, require_auth unset.

  EXPECT_EQ(server.Client()->Get("/api/v1/opportunities")->status, 200);
}

TEST(AuthTest, RequiredByDefaultBeyondLoopback) {
  Router router = AuthRouter();
  ServerOptions options;
  options.host = "0.0.0.0";
  options.token_valid = [](std::string_view token) { return token == "t"; };
  TestServer server(router, options);
  auto client = server.Client();

  EXPECT_EQ(client->Get("/api/v1/opportunities")->status, 401);
  EXPECT_EQ(
      client->Get("/api/v1/opportunities", {{"Authorization", "Bearer t"}})
          ->status,
      200);
}

TEST(AuthTest, RequiredWithoutValidatorRefusesEveryone) {
  Router router = AuthRouter();
  ServerOptions options;
  options.require_auth = true;
  TestServer server(router, options);

  EXPECT_EQ(
      server.Client()
          ->Get("/api/v1/opportunities", {{"Authorization", "Bearer anything"}})
          ->status,
      401);
}

// ---------------------------------------------------------------- lifecycle

TEST(ServerTest, StopLetsAnInFlightSlowRequestFinish) {
  std::promise<void> started;
  Router router;
  router.Handle("GET", "/slow", [&started](const Request&) {
    started.set_value();
    std::this_thread::sleep_for(milliseconds(500));
    return Text(std::string(100000, 's'));
  });
  TestServer server(router);
  auto client = server.Client();

  auto pending =
      std::async(std::launch::async, [&] { return client->Get("/slow"); });
  started.get_future().wait();
  EXPECT_TRUE(server.Stop().ok());

  auto result = pending.get();
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body.size(), 100000u);
  // Nothing accepts any more.
  auto late = server.Client();
  late->set_connection_timeout(1);
  EXPECT_FALSE(late->Get("/slow"));
}

TEST(ServerTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  Router router;
  router.Handle("GET", "/x", Echo);
  ServerOptions options;
  options.keep_alive_seconds = 30;
  TestServer server(router, options);
  auto client = server.Client();
  client->set_keep_alive(true);
  ASSERT_EQ(client->Get("/x")->status, 200);  // The connection now idles.

  auto start = steady_clock::now();
  EXPECT_TRUE(server.Stop().ok());
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ServerTest, StopBeforeServeMakesServeReturn) {
  Router router;
  ServerOptions options;
  options.port = 0;
  Server server(router, options);
  ASSERT_TRUE(server.Bind().ok());
  server.Stop();
  EXPECT_TRUE(server.Serve().ok());
}

TEST(ServerTest, BindFailsWhenThePortIsTaken) {
  Router router;
  TestServer first(router);
  ServerOptions options;
  options.port = first.port();
  Server second(router, options);
  absl::Status status = second.Bind();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

TEST(ServerTest, KeepAliveServes100RequestsOnOneConnection) {
  Router router;
  router.Handle("GET", "/x", [](const Request&) { return Text("ok"); });
  TestServer server(router);
  auto client = server.Client();
  client->set_keep_alive(true);
  std::atomic<int> connections = 0;
  client->set_socket_options([&connections](socket_t) { ++connections; });

  for (int i = 0; i < 100; ++i) {
    auto result = client->Get("/x");
    ASSERT_TRUE(result) << i << ": " << httplib::to_string(result.error());
    ASSERT_EQ(result->status, 200);
  }
  EXPECT_EQ(connections.load(), 1);
}

TEST(ServerTest, PipelinedRequestsAreAllAnswered) {
  Router router;
  router.Handle("GET", "/p/{n}", [](const Request& r) {
    return Text("n=" + r.path_params.at("n"));
  });
  TestServer server(router);

  std::string response = RawExchange(
      server.port(),
      "GET /p/1 HTTP/1.1\r\nHost: t\r\n\r\nGET /p/2 HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /p/3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(response.find("n=1"), std::string::npos) << response;
  EXPECT_NE(response.find("n=2"), std::string::npos);
  EXPECT_NE(response.find("n=3"), std::string::npos);
}

TEST(ServerTest, ConcurrentClientsAllSucceed) {
  Router router;
  router.Handle("GET", "/api/v1/opportunities/{id}", Echo);
  TestServer server(router);
  constexpr int kThreads = 8;
  constexpr int kRequests = 25;
  std::atomic<int> ok = 0;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = server.Client();
      client->set_keep_alive(t % 2 == 0);
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        auto result = client->Get("/api/v1/opportunities/" + id);
        if (result && result->status == 200 &&
            BodyJson(result)["params"]["id"] == id) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST(ServerTest, IdleKeepAliveConnectionMakesRoomForAQueuedOne) {
  Router router;
  router.Handle("GET", "/x", [](const Request&) { return Text("ok"); });
  ServerOptions options;
  options.threads = 1;
  options.keep_alive_seconds = 30;
  TestServer server(router, options);
  auto idle = server.Client();
  idle->set_keep_alive(true);
  ASSERT_EQ(idle->Get("/x")->status, 200);  // Holds the only worker.

  auto start = steady_clock::now();
  auto other = server.Client();
  auto result = other->Get("/x");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
  // The first client reconnects transparently.
  EXPECT_EQ(idle->Get("/x")->status, 200);
}

}  // namespace
}  // namespace lia::http
