#include "service/event_bus.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace lia::service {
namespace {

constexpr int kMaxWaitLimit = 1000;
// Events read per refresh; a full page reads on at once.
constexpr int kRefreshPage = 500;

std::string Compact(const nlohmann::json& data) {
  // Invalid UTF-8 in user text is replaced, never thrown on.
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

EventBusOptions Sanitized(EventBusOptions options) {
  options.poll_interval =
      std::max(options.poll_interval, absl::Milliseconds(1));
  options.cached_events = std::max(options.cached_events, 1);
  return options;
}

}  // namespace

EventBus::EventBus(store::EventLog& log, EventBusOptions options)
    : log_(log), options_(Sanitized(options)) {}

absl::StatusOr<int64_t> EventBus::Publish(const std::string& type,
                                          const nlohmann::json& data) {
  LIA_ASSIGN_OR_RETURN(int64_t id, log_.Append(type, Compact(data)));
  absl::MutexLock lock(&mu_);
  published_ = std::max(published_, id);
  changed_.SignalAll();
  return id;
}

absl::StatusOr<std::vector<int64_t>> EventBus::PublishBatch(
    const std::vector<std::pair<std::string, nlohmann::json>>& events) {
  std::vector<std::pair<std::string, std::string>> texts;
  texts.reserve(events.size());
  for (const auto& [type, data] : events)
    texts.emplace_back(type, Compact(data));
  LIA_ASSIGN_OR_RETURN(std::vector<int64_t> ids, log_.AppendBatch(texts));
  if (!ids.empty()) {
    absl::MutexLock lock(&mu_);
    published_ = std::max(published_, ids.back());
    changed_.SignalAll();
  }
  return ids;
}

absl::StatusOr<int64_t> EventBus::LastId() { return log_.LastId(); }

void EventBus::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  changed_.SignalAll();
}

bool EventBus::shut_down() const {
  absl::MutexLock lock(&mu_);
  return shut_down_;
}

absl::StatusOr<std::vector<store::Event>> EventBus::Wait(
    int64_t after_id, absl::Duration max_wait, int limit) {
  if (limit < 1 || limit > kMaxWaitLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxWaitLimit, ", got ", limit));
  }
  const absl::Time deadline = absl::Now() + max_wait;
  // No event exists with after_id < id <= cursor.
  int64_t cursor = after_id;
  absl::MutexLock lock(&mu_);
  while (true) {
    if (shut_down_) return absl::CancelledError("the event bus is shut down");
    const absl::Time now = absl::Now();
    // A failed refresh waits for the next poll rather than spinning.
    const bool urgent =
        initialized_ && !refresh_failed_ && (more_ || published_ > cache_end_);
    if (!refreshing_ &&
        (urgent || now >= last_refresh_ + options_.poll_interval)) {
      Refresh();
      continue;  // mu_ was released: look at everything again.
    }
    if (initialized_ && cursor >= cache_begin_) {
      if (cache_end_ > cursor) {
        std::vector<store::Event> events = FromCache(cursor, limit);
        if (!events.empty()) return events;
        cursor = cache_end_;  // Deleted events only.
      }
    } else if (initialized_) {
      // Further behind than the cache reaches: this waiter reads the log.
      const int64_t begin = cache_begin_;
      mu_.Unlock();
      absl::StatusOr<std::vector<store::Event>> events =
          log_.After(cursor, limit);
      mu_.Lock();
      if (!events.ok() || !events->empty()) return events;
      // Nothing after the cursor: whatever comes next is above the cache's
      // start (ids only grow), so the cache serves this waiter from now on.
      cursor = std::max(cursor, begin);
      continue;
    }
    if (now >= deadline) return std::vector<store::Event>();
    // Woken by a publish, a refresh ending or shutdown; otherwise at the
    // next poll (unless another waiter is polling now) or the deadline.
    absl::Time wake = deadline;
    if (!refreshing_) {
      wake = std::min(wake, last_refresh_ + options_.poll_interval);
    }
    changed_.WaitWithDeadline(&mu_, wake);
  }
}

void EventBus::Refresh() {
  refreshing_ = true;
  const bool initializing = !initialized_;
  const int64_t from = cache_end_;
  const int64_t published = published_;
  absl::StatusOr<int64_t> last_id = int64_t{0};
  absl::StatusOr<std::vector<store::Event>> events;
  mu_.Unlock();
  if (initializing) {
    // Only events appended from now on are cached; older ones are read
    // from the log by the waiters that want them.
    last_id = log_.LastId();
  } else {
    events = log_.After(from, kRefreshPage);
  }
  mu_.Lock();
  refreshing_ = false;
  last_refresh_ = absl::Now();
  refresh_failed_ = false;
  more_ = false;
  if (initializing) {
    if (last_id.ok()) {
      initialized_ = true;
      cache_begin_ = *last_id;
      cache_end_ = *last_id;
    } else {
      refresh_failed_ = true;
    }
  } else if (events.ok()) {
    more_ = events->size() == static_cast<size_t>(kRefreshPage);
    Merge(*std::move(events));
    // What was published before this read began is in it, unless deleted
    // since: stop asking for it.
    if (!more_ && published_ == published) {
      published_ = std::min(published_, cache_end_);
    }
  } else {
    refresh_failed_ = true;
  }
  changed_.SignalAll();
}

void EventBus::Merge(std::vector<store::Event> events) {
  for (store::Event& event : events) {
    if (event.id <= cache_end_) continue;
    cache_end_ = event.id;
    cache_.push_back(std::move(event));
  }
  while (cache_.size() > static_cast<size_t>(options_.cached_events)) {
    cache_begin_ = cache_.front().id;
    cache_.pop_front();
  }
}

std::vector<store::Event> EventBus::FromCache(int64_t after_id,
                                              int limit) const {
  auto first = std::upper_bound(
      cache_.begin(), cache_.end(), after_id,
      [](int64_t id, const store::Event& event) { return id < event.id; });
  const auto available = static_cast<size_t>(cache_.end() - first);
  const auto n = std::min(available, static_cast<size_t>(limit));
  return std::vector<store::Event>(first,
                                   first + static_cast<std::ptrdiff_t>(n));
}

}  // namespace lia::service
