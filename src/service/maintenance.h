#pragma once

// The scheduled work of DESIGN §6: the daily digest and retention. Both are
// idempotent, so a job that runs twice does no harm.

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace lia::store {
class EventLog;
}

namespace lia::service {

// How long untouched things are kept, in days; 0 keeps them forever.
// Opportunities a person acted on (status, notes, manual tier, a decided or
// edited reply) are never removed, whatever their age.
struct RetentionOptions {
  int high_priority_days = 0;  // Default: forever.
  int interesting_days = 180;
  int low_days = 90;
  int not_interested_days = 30;
  int finished_jobs_days = 14;  // Succeeded and cancelled jobs.
  int failed_jobs_days = 30;    // Failed and dead jobs.
  int uploads_days = 30;        // Records of processed imports.
  int events_days = 7;          // The live-event log (Last-Event-ID resume).
  int llm_answers_days = 90;    // Cached LLM answers (asked again after).
  // Messages without an opportunity and without any analysis job get one
  // queued, at most this many per run.
  int64_t requeue_limit = 10'000;
};

struct CleanupResult {
  store::RetentionResult removed;
  int64_t events = 0;       // Events deleted.
  int64_t requeued = 0;     // Messages given an analysis job.
  int64_t llm_answers = 0;  // Cached LLM answers deleted.
};

// Thread-safe (the store and event log are). Collaborators not owned; the
// event log may be null.
class Maintenance {
 public:
  Maintenance(store::Store& store, store::EventLog* events,
              RetentionOptions retention);

  // The digest of the 24 hours before `now`, stored under now's UTC day
  // (a second build that day replaces it): new opportunities by tier, the
  // five best, and the replies waiting for the person. Returns its JSON.
  absl::StatusOr<std::string> BuildDigest(absl::Time now);

  // Applies retention as of `now`.
  absl::StatusOr<CleanupResult> Cleanup(absl::Time now);

  // Deletes the LLM answers stored before a cutoff; set once, before
  // Cleanup runs (the engine lives in app/, above this module).
  using AnswerPurger = std::function<absl::StatusOr<int64_t>(absl::Time)>;
  void set_answer_purger(AnswerPurger purger) {
    purge_answers_ = std::move(purger);
  }

 private:
  store::Store& store_;
  store::EventLog* events_;
  RetentionOptions retention_;
  AnswerPurger purge_answers_;
};

}  // namespace lia::service
