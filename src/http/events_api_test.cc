// GET /api/v1/events end to end: a Server on a real socket, an EventBus on a
// real SQLite file, and a client that reads the chunked stream as it comes.

#include "http/events_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "http/server.h"
#include "nlohmann/json.hpp"
#include "service/event_bus.h"
#include "store/event_log.h"
#include "store/sqlite/sqlite_event_log.h"

namespace lia::http {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

const std::vector<std::string> kTypes = {"message.received",
                                         "opportunity.created",
                                         "opportunity.updated",
                                         "job.failed",
                                         "job.dead",
                                         "import.progress"};

// One thing read from the stream.
struct Item {
  enum class Kind { kEvent, kComment, kRetry };
  Kind kind = Kind::kEvent;
  int64_t id = -1;
  std::string type;
  std::string data;
  std::string comment;
  int retry_ms = 0;
};

// An SSE client over a raw socket: sends the GET, then decodes the chunked
// body and the event stream in it incrementally, as a browser would.
class SseClient {
 public:
  ~SseClient() { Close(); }

  // Connects, sends the request and reads the response head.
  bool Open(
      int port, const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return false;
    }
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Accept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) {
      request += name + ": " + value + "\r\n";
    }
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return false;
    }
    auto deadline = steady_clock::now() + milliseconds(5000);
    size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return false;
    }
    std::string head = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return false;
    status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      std::string line = head.substr(start, line_end - start);
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      size_t value = line.find_first_not_of(' ', colon + 1);
      headers_[name] = value == std::string::npos ? "" : line.substr(value);
    }
    return true;
  }

  std::string Header(const std::string& lower_name) const {
    auto it = headers_.find(lower_name);
    return it == headers_.end() ? "" : it->second;
  }

  // The next item, or nullopt when none arrives within `timeout` or the
  // stream ended (see ended()).
  std::optional<Item> Next(milliseconds timeout = milliseconds(5000)) {
    auto deadline = steady_clock::now() + timeout;
    while (true) {
      Decode();
      size_t end = body_.find("\n\n");
      if (end != std::string::npos) {
        std::string block = body_.substr(0, end + 1);
        body_.erase(0, end + 2);
        if (std::optional<Item> item = Parse(block)) return item;
        continue;
      }
      if (ended_ || !Fill(deadline)) return std::nullopt;
    }
  }

  // The next event, skipping comments and retry fields.
  std::optional<Item> NextEvent(milliseconds timeout = milliseconds(5000)) {
    auto deadline = steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                           steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      std::optional<Item> item = Next(left);
      if (!item || item->kind == Item::Kind::kEvent) return item;
    }
  }

  // The server ended the response: the last chunk, or the connection closed.
  bool ended() const { return ended_; }

  // Waits until the server ends the response.
  bool WaitEnded(milliseconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (!ended_) {
      Decode();
      if (ended_) break;
      if (!Fill(deadline)) break;
    }
    return ended_;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int status = 0;

 private:
  // Reads what the socket has, waiting until `deadline`. False on timeout;
  // on end of file, false with ended_ set.
  bool Fill(steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                         steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      ended_ = true;
      return false;
    }
    raw_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  // Moves whole chunks from raw_ to body_.
  void Decode() {
    while (!ended_) {
      size_t line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) return;
      size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
      if (size == 0) {
        ended_ = true;
        return;
      }
      if (raw_.size() < line_end + 2 + size + 2) return;
      body_.append(raw_, line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
    }
  }

  static std::optional<Item> Parse(const std::string& block) {
    Item item;
    bool any = false;
    size_t start = 0;
    while (start < block.size()) {
      size_t end = block.find('\n', start);
      std::string line = block.substr(start, end - start);
      start = end + 1;
      if (line.starts_with(":")) {
        item.kind = Item::Kind::kComment;
        item.comment = line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1);
        return item;
      }
      size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value =
          colon == std::string::npos ? "" : line.substr(colon + 1);
      if (value.starts_with(" ")) value.erase(0, 1);
      any = true;
      if (field == "retry") {
        item.kind = Item::Kind::kRetry;
        item.retry_ms = std::stoi(value);
      } else if (field == "id") {
        item.id = std::stoll(value);
      } else if (field == "event") {
        item.type = value;
      } else if (field == "data") {
        if (!item.data.empty()) item.data += '\n';
        item.data += value;
      }
    }
    if (!any) return std::nullopt;
    return item;
  }

  int fd_ = -1;
  std::string raw_;   // Bytes after the head, still chunk-encoded.
  std::string body_;  // Decoded, not yet parsed.
  bool ended_ = false;
  std::map<std::string, std::string> headers_;
};

class EventsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_events_api_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "lia.db").string();
    log_ = OpenLog();
    ASSERT_NE(log_, nullptr);
    service::EventBusOptions bus_options;
    bus_options.poll_interval = absl::Milliseconds(50);
    bus_ = std::make_unique<service::EventBus>(*log_, bus_options);
  }

  void TearDown() override {
    StopServer();
    bus_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<store::EventLog> OpenLog() {
    store::SqliteEventLogOptions options;
    options.path = path_;
    auto log = store::OpenSqliteEventLog(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  void StartServer(EventStreamOptions options = {}) {
    RegisterEventRoutes(router_, *bus_, options);
    ServerOptions server_options;
    server_options.port = 0;
    server_options.threads = 8;
    server_ = std::make_unique<Server>(router_, server_options);
    absl::Status bound = server_->Bind();
    ASSERT_TRUE(bound.ok()) << bound;
    serve_thread_ = std::thread([this] { serve_status_ = server_->Serve(); });
  }

  void StopServer() {
    if (serve_thread_.joinable()) {
      server_->Stop();
      serve_thread_.join();
    }
  }

  int port() const { return server_->port(); }

  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port());
    client->set_connection_timeout(5);
    client->set_read_timeout(5);
    return client;
  }

  // Publishes n events from another thread: types in turn, data {"n": i}.
  std::thread PublishInBackground(int first, int n) {
    return std::thread([this, first, n] {
      for (int i = first; i < first + n; ++i) {
        absl::StatusOr<int64_t> id =
            bus_->Publish(kTypes[i % kTypes.size()], {{"n", i}});
        EXPECT_TRUE(id.ok()) << id.status();
      }
    });
  }

  // Reads n events and checks they are the ones numbered first..first+n-1,
  // in order, with growing ids. Returns their ids.
  std::vector<int64_t> ExpectEvents(SseClient& client, int first, int n) {
    std::vector<int64_t> ids;
    for (int i = first; i < first + n; ++i) {
      std::optional<Item> event = client.NextEvent();
      EXPECT_TRUE(event.has_value()) << "event " << i << " never came";
      if (!event) break;
      EXPECT_EQ(event->type, kTypes[i % kTypes.size()]);
      EXPECT_EQ(json::parse(event->data, nullptr, false), json({{"n", i}}));
      if (!ids.empty()) {
        EXPECT_GT(event->id, ids.back());
      }
      ids.push_back(event->id);
    }
    return ids;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<service::EventBus> bus_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread serve_thread_;
  absl::Status serve_status_;
};

TEST_F(EventsApiTest, StreamsPublishedEventsInOrderWithIds) {
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  EXPECT_EQ(client.status, 200);
  EXPECT_EQ(client.Header("content-type"), "text/event-stream");
  EXPECT_EQ(client.Header("cache-control"), "no-cache");
  EXPECT_EQ(client.Header("transfer-encoding"), "chunked");
  std::optional<Item> retry = client.Next();
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->kind, Item::Kind::kRetry);
  EXPECT_EQ(retry->retry_ms, 2000);

  std::thread publisher = PublishInBackground(0, 100);
  std::vector<int64_t> ids = ExpectEvents(client, 0, 100);
  publisher.join();
  EXPECT_EQ(ids.size(), 100u);
  absl::StatusOr<std::vector<store::Event>> stored = log_->After(0, 1000);
  ASSERT_TRUE(stored.ok());
  std::vector<int64_t> stored_ids;
  for (const store::Event& e : *stored) stored_ids.push_back(e.id);
  EXPECT_EQ(ids, stored_ids);
}

TEST_F(EventsApiTest, ReconnectWithLastEventIdMissesNothing) {
  StartServer();
  std::vector<int64_t> first_ids;
  {
    SseClient client;
    ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
    ASSERT_EQ(client.status, 200);
    std::thread publisher = PublishInBackground(0, 100);
    first_ids = ExpectEvents(client, 0, 40);
    client.Close();  // Gone after 40, with 60 more published or on the way.
    publisher.join();
  }
  ASSERT_EQ(first_ids.size(), 40u);
  std::thread more = PublishInBackground(100, 50);
  more.join();

  SseClient again;
  ASSERT_TRUE(
      again.Open(port(), "/api/v1/events",
                 {{"Last-Event-ID", std::to_string(first_ids.back())}}));
  ASSERT_EQ(again.status, 200);
  std::vector<int64_t> rest = ExpectEvents(again, 40, 110);
  ASSERT_EQ(rest.size(), 110u);
  EXPECT_GT(rest.front(), first_ids.back());
  // Nothing repeated after the last one: only heartbeats, if anything.
  std::optional<Item> extra = again.NextEvent(milliseconds(300));
  EXPECT_FALSE(extra.has_value()) << extra->id;
}

TEST_F(EventsApiTest, HeartbeatArrivesWhileIdle) {
  EventStreamOptions options;
  options.heartbeat_interval = absl::Milliseconds(100);
  StartServer(options);
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  ASSERT_EQ(client.status, 200);

  auto start = steady_clock::now();
  int heartbeats = 0;
  while (heartbeats < 3 && steady_clock::now() - start < milliseconds(3000)) {
    std::optional<Item> item = client.Next(milliseconds(1000));
    ASSERT_TRUE(item.has_value()) << "the stream went quiet";
    if (item->kind == Item::Kind::kComment) {
      EXPECT_EQ(item->comment, "heartbeat");
      ++heartbeats;
    }
  }
  EXPECT_EQ(heartbeats, 3);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
}

TEST_F(EventsApiTest, EventsOfAnotherProcessArriveByPolling) {
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  ASSERT_EQ(client.status, 200);

  // A `lia worker`: its own connection and bus on the same file.
  std::unique_ptr<store::EventLog> worker_log = OpenLog();
  ASSERT_NE(worker_log, nullptr);
  service::EventBus worker_bus(*worker_log);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(worker_bus.Publish(kTypes[i % kTypes.size()], {{"n", i}}).ok());
  }
  std::vector<int64_t> ids = ExpectEvents(client, 0, 5);
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(EventsApiTest, WithoutLastEventIdOnlyNewEventsAreSent) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(bus_->Publish("job.failed", {{"old", i}}).ok());
  }
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  ASSERT_EQ(client.status, 200);
  ASSERT_TRUE(bus_->Publish(kTypes[7 % kTypes.size()], {{"n", 7}}).ok());
  ExpectEvents(client, 7, 1);
}

TEST_F(EventsApiTest, LastEventIdBeyondTheNewestStartsAtTheNewest) {
  ASSERT_TRUE(bus_->Publish("job.failed", {{"old", 1}}).ok());
  StartServer();
  SseClient client;  // Saw id 5000 in a database since replaced.
  ASSERT_TRUE(
      client.Open(port(), "/api/v1/events", {{"Last-Event-ID", "5000"}}));
  ASSERT_EQ(client.status, 200);
  ASSERT_TRUE(bus_->Publish(kTypes[2], {{"n", 2}}).ok());
  ExpectEvents(client, 2, 1);
}

TEST_F(EventsApiTest, QueryResumeAndTypesFilter) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(*bus_->Publish(kTypes[i % kTypes.size()], {{"n", i}}));
  }
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(
      port(), "/api/v1/events?last_event_id=" + std::to_string(ids[2]) +
                  "&types=job.failed,job.dead"));
  ASSERT_EQ(client.status, 200);
  // After n=2: job.failed is n=3 and 9, job.dead n=4 and 10.
  for (int n : {3, 4, 9, 10}) {
    std::optional<Item> event = client.NextEvent();
    ASSERT_TRUE(event.has_value()) << n;
    EXPECT_EQ(event->id, ids[n]);
    EXPECT_EQ(event->type, kTypes[n % kTypes.size()]);
  }
  EXPECT_FALSE(client.NextEvent(milliseconds(300)).has_value());
}

TEST_F(EventsApiTest, InvalidLastEventIdIs400Problem) {
  StartServer();
  auto client = Client();
  for (const char* bad : {"abc", "-1", "12x", "99999999999999999999"}) {
    auto result = client->Get("/api/v1/events", {{"Last-Event-ID", bad}});
    ASSERT_TRUE(result) << bad;
    EXPECT_EQ(result->status, 400) << bad;
    EXPECT_EQ(result->get_header_value("Content-Type"),
              "application/problem+json");
    json body = json::parse(result->body, nullptr, false);
    EXPECT_EQ(body["status"], 400);
    EXPECT_EQ(body["instance"], "/api/v1/events");
    EXPECT_EQ(body["errors"][0]["field"], "Last-Event-ID") << result->body;
  }
  auto query = client->Get("/api/v1/events?last_event_id=x");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 400);
  EXPECT_EQ(json::parse(query->body)["errors"][0]["field"], "last_event_id");
}

TEST_F(EventsApiTest, StreamIsNotCompressedForGzipClients) {
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events",
                          {{"Accept-Encoding", "gzip, deflate, br"}}));
  ASSERT_EQ(client.status, 200);
  EXPECT_EQ(client.Header("content-encoding"), "");
  ASSERT_TRUE(bus_->Publish(kTypes[0], {{"n", 0}}).ok());
  ExpectEvents(client, 0, 1);
}

TEST_F(EventsApiTest, ServerStopEndsAnOpenStreamPromptly) {
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  ASSERT_EQ(client.status, 200);
  ASSERT_TRUE(client.Next().has_value());  // retry: the stream is running.

  auto start = steady_clock::now();
  StopServer();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
  EXPECT_TRUE(serve_status_.ok()) << serve_status_;
  EXPECT_TRUE(client.WaitEnded(milliseconds(1000)));
}

TEST_F(EventsApiTest, BusShutdownEndsOpenStreams) {
  StartServer();
  SseClient client;
  ASSERT_TRUE(client.Open(port(), "/api/v1/events"));
  ASSERT_EQ(client.status, 200);
  ASSERT_TRUE(client.Next().has_value());

  auto start = steady_clock::now();
  bus_->Shutdown();
  EXPECT_TRUE(client.WaitEnded(milliseconds(1000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
}

TEST_F(EventsApiTest, TooManyStreamsIs503AndAClosedStreamFreesItsPlace) {
  EventStreamOptions options;
  options.max_streams = 1;
  options.check_interval = absl::Milliseconds(50);
  StartServer(options);
  auto first = std::make_unique<SseClient>();
  ASSERT_TRUE(first->Open(port(), "/api/v1/events"));
  ASSERT_EQ(first->status, 200);

  auto refused = Client()->Get("/api/v1/events");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "5");

  first.reset();  // The client goes away; the server notices while idle.
  auto deadline = steady_clock::now() + milliseconds(2000);
  int status = 0;
  while (steady_clock::now() < deadline) {
    SseClient next;
    ASSERT_TRUE(next.Open(port(), "/api/v1/events"));
    status = next.status;
    if (status == 200) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(EventsApiTest, HeadAnswersWithoutStreamingOrTakingAPlace) {
  EventStreamOptions options;
  options.max_streams = 1;
  StartServer(options);
  SseClient stream;  // Holds the only place.
  ASSERT_TRUE(stream.Open(port(), "/api/v1/events"));
  ASSERT_EQ(stream.status, 200);

  auto client = Client();
  auto result = client->Head("/api/v1/events");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_TRUE(result->body.empty());
}

}  // namespace
}  // namespace lia::http
