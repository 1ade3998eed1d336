#pragma once

// The LISTEN side of the jobs channel (store/postgres/pool.h, kJobsChannel)
// for one PostgreSQL job queue: a connection of its own, outside the pool,
// read by a thread of its own, both made when the first subscriber comes.
// Internal to jobs/postgres.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jobs/job_queue.h"

namespace lia::store::postgres_internal {

// Calls every subscriber on each notification of the jobs channel, and once
// more each time the connection is made again after a loss (what was
// notified meanwhile is lost; the subscribers look for themselves). While
// the connection is down it retries every `reconnect_delay`, and the
// subscribers' own polling is all there is. Thread-safe.
class NotificationListener {
 public:
  // `connection_string`: the pool's (Pool::connection_string());
  // `application_name`: what pg_stat_activity shows for the connection.
  NotificationListener(std::string connection_string,
                       std::string application_name,
                       absl::Duration reconnect_delay);
  // Stops and joins the thread. Every subscription must be gone.
  ~NotificationListener();
  NotificationListener(const NotificationListener&) = delete;
  NotificationListener& operator=(const NotificationListener&) = delete;

  // JobQueue::SubscribeToWork's contract. Starts the thread on first use;
  // nullptr if it cannot (no eventfd: the subscriber polls).
  std::unique_ptr<jobs::WorkSubscription> Subscribe(std::function<void()> wake);

 private:
  class Subscription;
  class Receiver;

  void Run();
  // One connection's life: listens until it breaks or Stop. False when it
  // could not be made.
  bool ListenOnce(bool reconnecting);
  // Waits up to `timeout` for Stop; true when stopping.
  bool WaitForStop(absl::Duration timeout);
  bool stopping() const;
  void WakeAll();
  void Unsubscribe(int64_t id);

  const std::string connection_string_;
  const std::string application_name_;
  const absl::Duration reconnect_delay_;

  // Serializes the calls to subscribers with their removal, so that a
  // removed subscriber is never called again. Taken by the listener's
  // thread only while calling, and before mu_ never.
  absl::Mutex calls_mu_;
  absl::flat_hash_map<int64_t, std::function<void()>> subscribers_
      ABSL_GUARDED_BY(calls_mu_);
  int64_t next_id_ ABSL_GUARDED_BY(calls_mu_) = 0;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Written to wake the thread out of poll(); -1 until started.
  int stop_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lia::store::postgres_internal
