#pragma once

// The SQL of ListOpportunities on PostgreSQL, built from an OpportunityQuery:
// filters, sort, keyset cursor, and the count with the same filters. The
// PostgreSQL dialect of store/sqlite/list_query.h, with the same validation
// and meaning. Internal to store/postgres; apart so tests can EXPLAIN exactly
// what the store runs.
//
// Every user value is a parameter ($n), never SQL text. Parameters are text
// and cast in the SQL where the type matters.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace lia::store::postgres_internal {

struct ListSql {
  // kOpportunityColumns (rows.h), then the sort key (column
  // kOpportunityColumnCount) for the next cursor. Fetches limit + 1 rows:
  // the extra one says has_more. Each sort walks an index ending in id
  // (0001_init.sql), the cursor a row comparison on it.
  std::string page_sql;
  std::vector<std::string> page_params;
  std::string count_sql;  // SELECT count(*) with the same filters.
  std::vector<std::string> count_params;
  std::string sort_name;  // Cursor::sort.
  // The sort key's column kind: a timestamptz, text, or an integer.
  enum class KeyKind { kTimestamp, kText, kInteger };
  KeyKind key_kind = KeyKind::kTimestamp;
  int64_t limit = 0;
};

// InvalidArgument for a limit outside 1..500, a negative skip or salary, a
// timestamp that is not RFC 3339, or a cursor made for another sort.
absl::StatusOr<ListSql> BuildListSql(const OpportunityQuery& query);

}  // namespace lia::store::postgres_internal
