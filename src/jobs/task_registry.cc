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
  auto [it, added] =
      entries_.try_emplace(type, Entry{std::move(task), std::move(retry)});
  if (!added) {
    return absl::AlreadyExistsError(
        absl::StrCat("a task for ", type, " is registered already"));
  }
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
