#include "jobs/task_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lia::jobs {

absl::Status TaskRegistry::Register(const std::string& type, Task task,
                                    RetryPolicy retry) {
  if (type.empty()) return absl::InvalidArgumentError("task type is empty");
  if (!task) {
    return absl::InvalidArgumentError(absl::StrCat("task ", type, " is empty"));
  }
  auto [it, added] = entries_.try_emplace(
      type, Entry{std::move(task), BatchTask(), std::move(retry)});
  if (!added) {
    return absl::AlreadyExistsError(
        absl::StrCat("a task for ", type, " is registered already"));
  }
  return absl::OkStatus();
}

absl::Status TaskRegistry::RegisterBatch(const std::string& type,
                                         BatchTask batch, RetryPolicy retry) {
  if (!batch) {
    return absl::InvalidArgumentError(absl::StrCat("task ", type, " is empty"));
  }
  Task one = [batch](const Job& job) -> absl::Status {
    std::vector<absl::Status> outcomes = batch({job});
    if (outcomes.size() != 1) {
      return absl::InternalError("batch task gave no status for its job");
    }
    return outcomes.front();
  };
  if (absl::Status s = Register(type, std::move(one), std::move(retry));
      !s.ok()) {
    return s;
  }
  entries_[type].batch = std::move(batch);
  return absl::OkStatus();
}

const TaskRegistry::Entry* TaskRegistry::Find(const std::string& type) const {
  auto it = entries_.find(type);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> TaskRegistry::Types() const {
  std::vector<std::string> types;
  types.reserve(entries_.size());
  for (const auto& [type, entry] : entries_) types.push_back(type);
  std::sort(types.begin(), types.end());
  return types;
}

}  // namespace lia::jobs
