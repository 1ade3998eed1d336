#include "store/store.h"

#include <optional>
#include <string_view>

namespace lia::store {
namespace {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

constexpr EnumName<ProcessingStatus> kProcessingStatusNames[] = {
    {ProcessingStatus::kPending, "pending"},
    {ProcessingStatus::kProcessing, "processing"},
    {ProcessingStatus::kCompleted, "completed"},
    {ProcessingStatus::kFailed, "failed"},
};

constexpr EnumName<OpportunityStatus> kOpportunityStatusNames[] = {
    {OpportunityStatus::kNew, "new"},
    {OpportunityStatus::kReviewed, "reviewed"},
    {OpportunityStatus::kInterested, "interested"},
    {OpportunityStatus::kApplied, "applied"},
    {OpportunityStatus::kRejected, "rejected"},
    {OpportunityStatus::kArchived, "archived"},
};

constexpr EnumName<ResponseStatus> kResponseStatusNames[] = {
    {ResponseStatus::kPending, "pending"},
    {ResponseStatus::kApproved, "approved"},
    {ResponseStatus::kDeclined, "declined"},
    {ResponseStatus::kSent, "sent"},
};

template <typename E, size_t N>
std::string_view NameOf(const EnumName<E> (&table)[N], E value) {
  for (const EnumName<E>& row : table) {
    if (row.value == value) return row.name;
  }
  return {};  // Only reachable through a cast of an out-of-range integer.
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Case-insensitive, like the core parsers: query strings arrive as typed.
template <typename E, size_t N>
std::optional<E> ValueOf(const EnumName<E> (&table)[N], std::string_view s) {
  for (const EnumName<E>& row : table) {
    if (EqualsIgnoringAsciiCase(row.name, s)) return row.value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(ProcessingStatus v) {
  return NameOf(kProcessingStatusNames, v);
}
std::string_view ToString(OpportunityStatus v) {
  return NameOf(kOpportunityStatusNames, v);
}
std::string_view ToString(ResponseStatus v) {
  return NameOf(kResponseStatusNames, v);
}

std::optional<ProcessingStatus> ParseProcessingStatus(std::string_view s) {
  return ValueOf(kProcessingStatusNames, s);
}
std::optional<OpportunityStatus> ParseOpportunityStatus(std::string_view s) {
  return ValueOf(kOpportunityStatusNames, s);
}
std::optional<ResponseStatus> ParseResponseStatus(std::string_view s) {
  return ValueOf(kResponseStatusNames, s);
}

}  // namespace lia::store
