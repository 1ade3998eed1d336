#pragma once

// A store::Store that traces and times every call of another (DESIGN §8):
// whichever implementation is underneath (SQLite, PostgreSQL), the service
// and the handlers use it through this decorator.
//
//   db_query_duration_seconds{operation}   histogram: time of each Store
//                                          call, by operation
//                                          ("list_opportunities",
//                                          "save_analyses"...), failures
//                                          included; a series appears with
//                                          its operation's first call.
//   db_pool_connections{state}             gauge: the store's connections
//                                          now (Store::PoolStats(), read at
//                                          scrape time): "idle", "in_use",
//                                          and "waiting" (callers waiting
//                                          for one).
//   db_pool_max_connections                gauge: the pool's bound.
//
// Spans: a client span "store.<operation>" per call, a child of the
// thread's current span (none without one: a scrape's read is not traced),
// with db.system, db.operation.name, lia.db.batch_size for batch calls, and
// an error status when the database failed (Unavailable, Internal...; not
// for NotFound or a state conflict, which are answers).
//
// With tracing off and metrics off a call costs a thread-local read and a
// branch; metrics add two clock reads and a lock-free histogram update.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace lia::obs {
class Registry;
}  // namespace lia::obs
namespace lia::store {
class Store;
}  // namespace lia::store

namespace lia::service {

struct InstrumentedStoreOptions {
  // Default "sqlite". The spans' db.system: "sqlite", "postgresql".
  std::string db_system = "sqlite";
  // Default none. Not owned; must outlive the store. Where the metrics are
  // registered; null: spans only (metrics off). At most one instrumented
  // store per registry at a time: destroying it clears the pool gauges'
  // callback.
  obs::Registry* metrics = nullptr;
};

// `store` is not owned and must outlive the result. Thread-safe as `store`
// is. AlreadyExists when a metric name is registered with another shape.
absl::StatusOr<std::unique_ptr<store::Store>> NewInstrumentedStore(
    store::Store& store, InstrumentedStoreOptions options);

}  // namespace lia::service
