#pragma once

// The SQL of ListOpportunities, built from an OpportunityQuery: filters,
// sort, keyset cursor, and the count with the same filters. Internal to the
// SQLite store; apart so tests can EXPLAIN exactly what the store runs.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace lia::store::sqlite_internal {

using SqlValue = std::variant<int64_t, std::string>;

// The columns ReadOpportunity expects, in order, from `opportunities o`.
inline constexpr char kOpportunityColumns[] =
    "o.id, o.message_id, o.conversation_id, o.recruiter_name, o.raw_message, "
    "o.analysis_json, o.manual_tier, o.status, o.processing_status, o.notes, "
    "o.profile_version, o.created_at, o.updated_at";
inline constexpr int kOpportunityColumnCount = 13;

struct ListSql {
  // kOpportunityColumns, then the sort key (column kOpportunityColumnCount)
  // for the next cursor. Fetches limit + 1 rows: the extra one says has_more.
  //
  // Two plans of one query. The tech and text filters are id sets; SQLite,
  // without statistics, always starts from such a set and sorts every match,
  // which costs O(matches). page_sql lets it (best when few rows match);
  // page_sql_by_sort makes it walk the sort index and probe the set, which
  // touches about limit * rows / matches rows (best when many match). The
  // store picks one from the count it runs first. Identical without those
  // filters.
  std::string page_sql;
  std::string page_sql_by_sort;
  std::vector<SqlValue> page_binds;
  std::string count_sql;  // SELECT count(*) with the same filters.
  std::vector<SqlValue> count_binds;
  std::string sort_name;     // Cursor::sort.
  bool key_is_text = false;  // Whether the sort key column is TEXT.
  int64_t limit = 0;
};

// InvalidArgument for a limit outside 1..500, a negative skip or salary, a
// timestamp that is not RFC 3339, or a cursor made for another sort.
absl::StatusOr<ListSql> BuildListSql(const OpportunityQuery& query);

// The user's search text as a safe FTS5 query: every run of letters and
// digits becomes a quoted token (so quotes, operators, '*', '(' and column
// filters are just separators), tokens are ANDed, and the last one matches as
// a prefix when the text ends on it and it has 3+ bytes ("kube" finds
// "kubernetes"). Empty when the text has no token: then q does not filter.
std::string FtsMatchQuery(std::string_view q);

}  // namespace lia::store::sqlite_internal
