#pragma once

// The persistent log of live events ("opportunity.created", "job.failed"...)
// behind GET /api/v1/events (DESIGN §7). Workers in other processes append to
// the same database, and every server streams from it, so an event's id is
// its Server-Sent Events id: a client resumes after the last id it saw, across
// processes and restarts. Implemented on SQLite (sqlite/sqlite_event_log.h).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::store {

struct Event {
  int64_t id = 0;         // Grows with every append; never reused.
  std::string type;       // "opportunity.created".
  std::string data;       // JSON text, as appended.
  absl::Time created_at;  // When it was appended (millisecond precision).
};

// Thread-safe. Ids grow in commit order: once After() has returned id N, no
// event at or below N appears later, in this process or any other.
class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends one event and returns its id. InvalidArgument when `type` is not
  // 1..64 characters of [a-z0-9._-] or `data_json` is not JSON text.
  virtual absl::StatusOr<int64_t> Append(const std::string& type,
                                         const std::string& data_json) = 0;
  // (type, data_json) pairs appended in one transaction: all or none. Their
  // ids, in order. InvalidArgument names the first bad index.
  virtual absl::StatusOr<std::vector<int64_t>> AppendBatch(
      const std::vector<std::pair<std::string, std::string>>& events) = 0;
  // Up to `limit` (1..1000) events with id > after_id, ascending by id.
  virtual absl::StatusOr<std::vector<Event>> After(int64_t after_id,
                                                   int limit) = 0;
  // The id of the newest stored event; 0 when there is none.
  virtual absl::StatusOr<int64_t> LastId() = 0;
  // Deletes the events created before `cutoff`; returns how many. Ids of
  // deleted events are never handed out again.
  virtual absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) = 0;
};

}  // namespace lia::store
