#pragma once

// GET /api/v1/events: the EventBus as Server-Sent Events (DESIGN §7).
//
//   retry: 2000
//
//   id: 41
//   event: opportunity.created
//   data: {"opportunity_id":7,"tier":"high_priority"}
//
//   : heartbeat
//
// Every event carries its id (the event log's row id), so a client resumes
// where it stopped: the Last-Event-ID header (which EventSource sends on
// reconnecting) or ?last_event_id= gives the last id seen, and the stream
// starts after it, across server restarts. With neither, or with an id
// beyond the newest event (one from a replaced database), only events
// published from now on are sent. ?types=a,b (or types= repeated) keeps only
// those event types. A GET only reads: it never starts work.

#include "absl/time/time.h"
#include "http/server.h"

namespace lia::service {
class EventBus;
}

namespace lia::http {

struct EventStreamOptions {
  // Default 15 s. A ": heartbeat" comment is sent after this long without
  // writing, so proxies keep the connection and clients notice a dead one.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // Default 2000. Sent first as "retry:", how long EventSource waits before
  // reconnecting; 0 sends none.
  int retry_ms = 2000;
  // Default 100 (1..1000). Events read from the bus at a time.
  int batch = 100;
  // Default 8 (at least 1). Streams open at once; each holds one of the
  // server's worker threads (ServerOptions::threads) for as long as it is
  // open. One more is refused: 503 with Retry-After.
  int max_streams = 8;
  // Default 250 ms. How often an idle stream checks that its client is still
  // there and the server is not stopping: the most Server::Stop() waits for
  // it.
  absl::Duration check_interval = absl::Milliseconds(250);
};

// Registers GET /api/v1/events. The bus must outlive the router; call
// EventBus::Shutdown() (or Server::Stop()) to end the open streams.
void RegisterEventRoutes(Router& router, service::EventBus& bus,
                         EventStreamOptions options = {});

}  // namespace lia::http
