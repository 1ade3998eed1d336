#pragma once

// Live events over the persistent EventLog: Publish appends and wakes the
// streams of this process at once; Wait returns as soon as events newer than
// a client's cursor exist, seeing other processes' events (`lia worker`) by
// polling the log. Event types published by lia: "message.received",
// "opportunity.created", "opportunity.updated", "job.failed", "job.dead",
// "import.progress".
//
// Every waiter shares one cache of the newest events and one poll of the log
// per poll_interval, so a hundred open streams cost what one does.

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json_fwd.hpp"
#include "store/event_log.h"

namespace lia::service {

struct EventBusOptions {
  // Default 250 ms. How often the log is read for other processes' events:
  // the most they lag behind.
  absl::Duration poll_interval = absl::Milliseconds(250);
  // Default 1024. The newest events kept in memory; a waiter further behind
  // reads the log itself.
  int cached_events = 1024;
};

// Thread-safe. The log must outlive the bus; Shutdown() and let every Wait
// return before destroying it.
class EventBus {
 public:
  explicit EventBus(store::EventLog& log, EventBusOptions options = {});
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Appends the event (data as compact JSON) and wakes the waiters. Events
  // are best-effort for their callers: a failure here is returned, and the
  // work that caused it should go on. InvalidArgument for a bad type
  // (EventLog::Append); the log's errors otherwise. Works after Shutdown().
  absl::StatusOr<int64_t> Publish(const std::string& type,
                                  const nlohmann::json& data);
  // Many events in one transaction; their ids in order.
  absl::StatusOr<std::vector<int64_t>> PublishBatch(
      const std::vector<std::pair<std::string, nlohmann::json>>& events);

  // Up to `limit` (1..1000) events with id > after_id, ascending, returned
  // as soon as there are any; empty once `max_wait` has passed without any.
  // Cancelled once Shutdown() has been called. Errors reading the log on a
  // poll are not returned (the next poll retries); those of a waiter that
  // reads the log itself (one further behind than the cache) are.
  absl::StatusOr<std::vector<store::Event>> Wait(int64_t after_id,
                                                 absl::Duration max_wait,
                                                 int limit);

  // The id of the newest event: where a client that asks for new events
  // only starts.
  absl::StatusOr<int64_t> LastId();

  // Wakes every waiter and makes every Wait, now and later, return
  // Cancelled, so streams end promptly. Idempotent.
  void Shutdown();
  bool shut_down() const;

 private:
  // Adds events read from the log (ascending) to the cache.
  void Merge(std::vector<store::Event> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads the log past the cache, as the one refresher; mu_ is released
  // while reading.
  void Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Events with id > after_id from the cache, which must cover after_id.
  std::vector<store::Event> FromCache(int64_t after_id, int limit) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::EventLog& log_;
  const EventBusOptions options_;

  mutable absl::Mutex mu_;
  // Signalled when a refresh ends, an event is published, or on shutdown.
  absl::CondVar changed_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // The cache holds every event with cache_begin_ < id <= cache_end_ (ids
  // skip deleted events); valid once `initialized_`.
  bool initialized_ ABSL_GUARDED_BY(mu_) = false;
  int64_t cache_begin_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t cache_end_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<store::Event> cache_ ABSL_GUARDED_BY(mu_);
  // The newest id published here; above cache_end_ it calls for a refresh
  // now rather than at the next poll.
  int64_t published_ ABSL_GUARDED_BY(mu_) = 0;
  // The last refresh read a full page: read on at once.
  bool more_ ABSL_GUARDED_BY(mu_) = false;
  bool refreshing_ ABSL_GUARDED_BY(mu_) = false;  // One waiter reads at once.
  // The last refresh failed: the next waits for the poll interval.
  bool refresh_failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_refresh_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace lia::service
