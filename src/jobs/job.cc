#include "jobs/job.h"

#include <array>
#include <utility>

namespace lia::jobs {
namespace {

constexpr std::array<std::pair<Priority, std::string_view>, 3> kPriorities = {{
    {Priority::kHigh, "high"},
    {Priority::kNormal, "normal"},
    {Priority::kLow, "low"},
}};

constexpr std::array<std::pair<JobState, std::string_view>, 6> kStates = {{
    {JobState::kQueued, "queued"},
    {JobState::kRunning, "running"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kDead, "dead"},
    {JobState::kCancelled, "cancelled"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& t,
                        E v) {
  for (const auto& [value, name] : t) {
    if (value == v) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& t,
                         std::string_view s) {
  for (const auto& [value, name] : t) {
    if (name == s) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(Priority v) { return NameOf(kPriorities, v); }
std::string_view ToString(JobState v) { return NameOf(kStates, v); }
std::optional<Priority> ParsePriority(std::string_view s) {
  return ValueOf(kPriorities, s);
}
std::optional<JobState> ParseJobState(std::string_view s) {
  return ValueOf(kStates, s);
}

bool IsLive(JobState state) {
  return state == JobState::kQueued || state == JobState::kRunning;
}

}  // namespace lia::jobs
