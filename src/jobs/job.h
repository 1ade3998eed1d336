#pragma once

// A durable background job (DESIGN §6) and the wire names of its enums.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace lia::jobs {

// Wire names: "high", "normal", "low". Leasing takes high first.
enum class Priority { kHigh, kNormal, kLow };

// Wire names: "queued", "running", "succeeded", "failed", "dead",
// "cancelled".
//   queued    -> waiting for run_at and a worker;
//   running   -> leased by lease_owner until lease_expires_at;
//   succeeded -> done;
//   failed    -> failed with a status that is not worth retrying;
//   dead      -> failed on its last allowed attempt;
//   cancelled -> cancelled by a person before it finished.
// Only queued and running are "live" (see Job::idempotency_key).
enum class JobState {
  kQueued,
  kRunning,
  kSucceeded,
  kFailed,
  kDead,
  kCancelled
};

std::string_view ToString(Priority v);
std::string_view ToString(JobState v);
std::optional<Priority> ParsePriority(std::string_view s);
std::optional<JobState> ParseJobState(std::string_view s);

// True for queued and running.
bool IsLive(JobState state);

struct Job {
  int64_t id = 0;
  std::string type;            // Names the task that runs it.
  std::string payload = "{}";  // JSON text, given to the task as is.
  Priority priority = Priority::kNormal;
  JobState state = JobState::kQueued;
  int attempts = 0;         // Leases so far, the current one included.
  int max_attempts = 5;     // Attempts before the job is dead.
  absl::Time run_at;        // Not leased before this instant.
  std::string lease_owner;  // Empty unless running.
  std::optional<absl::Time> lease_expires_at;  // Set while running.
  std::string last_error;  // Of the last failed attempt; "" if none.
  // At most one live (queued or running) job per key; empty: none.
  std::string idempotency_key;
  absl::Time created_at;
  absl::Time updated_at;
};

}  // namespace lia::jobs
