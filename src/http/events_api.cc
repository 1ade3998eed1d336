#include "http/events_api.h"

#include "http/handler_util.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "service/event_bus.h"
#include "store/event_log.h"

namespace lia::http {
namespace {

constexpr int kMaxBatch = 1000;
constexpr int kBusyRetryAfterSeconds = 5;

// Holds one of the max_streams places while the response exists, whether or
// not its stream ever runs (a client gone before the head was sent).
class StreamSlot {
 public:
  explicit StreamSlot(std::shared_ptr<std::atomic<int>> open)
      : open_(std::move(open)) {}
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;
  ~StreamSlot() { open_->fetch_sub(1); }

 private:
  std::shared_ptr<std::atomic<int>> open_;
};

EventStreamOptions Sanitized(EventStreamOptions options) {
  options.heartbeat_interval =
      std::max(options.heartbeat_interval, absl::Milliseconds(1));
  options.check_interval =
      std::max(options.check_interval, absl::Milliseconds(1));
  options.batch = std::clamp(options.batch, 1, kMaxBatch);
  options.max_streams = std::max(options.max_streams, 1);
  options.retry_ms = std::max(options.retry_ms, 0);
  return options;
}

std::optional<int64_t> ParseEventId(std::string_view text) {
  int64_t id = 0;
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return id;
}

// ?types=a,b and ?types=a&types=b; empty: every type.
std::set<std::string, std::less<>> TypeFilter(const Request& request) {
  std::set<std::string, std::less<>> types;
  for (const std::string& value : request.QueryAll("types")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view type = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view()
                                             : rest.substr(comma + 1);
      while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
      while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
      if (!type.empty()) types.emplace(type);
    }
  }
  return types;
}

// One event in the SSE wire format. The log's types are [a-z0-9._-]; data
// is JSON, whose raw line breaks can only be whitespace, so each line
// becomes a "data:" line and the client gets the same JSON back.
void AppendEvent(std::string& out, const store::Event& event) {
  absl::StrAppend(&out, "id: ", event.id, "\nevent: ", event.type, "\n");
  std::string_view data = event.data;
  while (true) {
    size_t newline = data.find('\n');
    std::string_view line = data.substr(0, newline);
    out += "data: ";
    for (char c : line) {
      if (c != '\r') out += c;
    }
    out += '\n';
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  out += '\n';
}

// Runs until the client goes away, the server stops or the bus shuts down.
void RunEventStream(service::EventBus& bus, const EventStreamOptions& options,
                    int64_t cursor,
                    const std::set<std::string, std::less<>>& types,
                    StreamWriter& writer) {
  if (options.retry_ms > 0 &&
      !writer.Write(absl::StrCat("retry: ", options.retry_ms, "\n\n"))) {
    return;
  }
  absl::Time last_write = absl::Now();
  std::string out;
  while (writer.Open()) {
    const absl::Time now = absl::Now();
    if (now - last_write >= options.heartbeat_interval) {
      if (!writer.Write(": heartbeat\n\n")) return;
      last_write = now;
      continue;
    }
    const absl::Duration wait = std::min(
        options.check_interval, last_write + options.heartbeat_interval - now);
    absl::StatusOr<std::vector<store::Event>> events =
        bus.Wait(cursor, wait, options.batch);
    // Shut down, or the log failed: end the stream. EventSource reconnects
    // with the last id it saw and misses nothing.
    if (!events.ok()) return;
    out.clear();
    for (const store::Event& event : *events) {
      cursor = event.id;
      if (types.empty() || types.contains(event.type)) {
        AppendEvent(out, event);
      }
    }
    if (!out.empty()) {
      if (!writer.Write(out)) return;
      last_write = absl::Now();
    }
  }
}

Response Events(service::EventBus& bus, const EventStreamOptions& options,
                const std::shared_ptr<std::atomic<int>>& open,
                const Request& request) {
  if (auto bad = RejectUnknownParams(request, {"last_event_id", "types"})) {
    return *bad;
  }
  // The header is what EventSource sends on reconnecting, so it is newer
  // than a query parameter left in the URL.
  std::string field = "Last-Event-ID";
  std::optional<std::string> resume;
  if (std::string header = request.Header("last-event-id"); !header.empty()) {
    resume = std::move(header);
  } else if (std::optional<std::string> query = request.Query("last_event_id");
             query && !query->empty()) {
    field = "last_event_id";
    resume = std::move(*query);
  }
  absl::StatusOr<int64_t> last = bus.LastId();
  if (!last.ok()) return ProblemFromStatus(last.status());
  int64_t after = *last;
  if (resume) {
    std::optional<int64_t> id = ParseEventId(*resume);
    if (!id) {
      nlohmann::json errors = nlohmann::json::array(
          {{{"field", field},
            {"message", "must be an event id: a non-negative integer"}}});
      return Problem(400, "", "The event id to resume after is not valid.",
                     &errors);
    }
    // An id beyond the newest event comes from another database (a restored
    // or replaced file): waiting for ids to grow past it would hide every
    // new event, so start at the newest instead.
    after = std::min(*id, *last);
  }

  Response response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-cache");
  // nginx would otherwise buffer the stream.
  response.headers.emplace_back("X-Accel-Buffering", "no");
  if (request.method == "HEAD") {
    // The head a GET gets; the server never runs a HEAD's stream, so it
    // takes no place.
    response.stream = [](StreamWriter&) {};
    return response;
  }

  if (open->fetch_add(1) >= options.max_streams) {
    open->fetch_sub(1);
    Response busy = Problem(503, "", "Too many event streams are open.");
    busy.headers.emplace_back("Retry-After",
                              std::to_string(kBusyRetryAfterSeconds));
    return busy;
  }
  auto slot = std::make_shared<StreamSlot>(open);
  response.stream = [&bus, options, after, types = TypeFilter(request),
                     slot](StreamWriter& writer) {
    RunEventStream(bus, options, after, types, writer);
  };
  return response;
}

}  // namespace

void RegisterEventRoutes(Router& router, service::EventBus& bus,
                         EventStreamOptions options) {
  auto open = std::make_shared<std::atomic<int>>(0);
  router.Handle(
      "GET", "/api/v1/events",
      [&bus, options = Sanitized(options), open](const Request& request) {
        return Events(bus, options, open, request);
      });
}

}  // namespace lia::http
