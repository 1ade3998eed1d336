#pragma once

// The JobQueue on PostgreSQL (DESIGN §6, scale-out): table `jobs` (migration
// 0002) on the process's connection pool, shared by any number of lia
// processes on any machines. Workers lease with FOR UPDATE SKIP LOCKED, so
// they take distinct jobs without waiting for each other, and idle workers
// wake on LISTEN/NOTIFY (JobQueue::SubscribeToWork) rather than waiting out
// their poll interval.

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jobs/job_queue.h"

namespace lia::jobs {
class Clock;
}  // namespace lia::jobs

namespace lia::store {

namespace postgres {
class Pool;  // store/postgres/pool.h
}  // namespace postgres

struct PostgresJobQueueOptions {
  // Default: jobs::SystemClock(). Not owned; must outlive the queue. Every
  // timestamp the queue writes and every "now" it compares with — not the
  // database server's clock, so the hosts' clocks should agree (NTP) for
  // leases to expire on time across machines.
  jobs::Clock* clock = nullptr;
  // Default 0: seeded from entropy. Otherwise the seed of the retry jitter,
  // so tests see the same delays every run.
  uint64_t random_seed = 0;
  // Default 1 s. How long the LISTEN connection waits before it tries
  // again to connect after failing to; meanwhile workers poll.
  absl::Duration listener_reconnect_delay = absl::Seconds(1);
};

// A queue on `pool` (shared ownership), which OpenPostgresPool migrated.
// Connects nothing yet: the pool lends a connection per call, and the
// LISTEN connection (one per queue, outside the pool, named
// "<application_name> listener <schema>" in pg_stat_activity) is made when
// the first worker pool subscribes. InvalidArgument for a null pool or a
// non-positive reconnect delay.
//
// A call whose connection breaks before its commit is run again on another
// connection (Pool::Transact); one whose connection breaks during the
// commit returns Unavailable, as its outcome is unknown: an Enqueue with an
// idempotency key may be repeated safely, a lease left behind expires.
absl::StatusOr<std::unique_ptr<jobs::JobQueue>> OpenPostgresJobQueue(
    std::shared_ptr<postgres::Pool> pool,
    const PostgresJobQueueOptions& options = {});

}  // namespace lia::store
