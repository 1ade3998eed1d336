#include "store/sqlite/list_query.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/status_macros.h"
#include "store/internal/cursor.h"
#include "store/internal/time.h"

namespace lia::store::sqlite_internal {
namespace {

constexpr int64_t kMaxLimit = 500;
constexpr size_t kMaxFtsTokens = 32;  // Bounds the cost of one search.

struct SortKey {
  const char* name;  // Cursor::sort.
  const char* expr;  // Must match an index expression exactly.
  bool is_text;
};

SortKey SortKeyOf(SortBy sort) {
  switch (sort) {
    case SortBy::kCreatedAt:
      return {"created_at", "o.created_at", true};
    case SortBy::kTotalScore:
      return {"total_score", "o.total_score", false};
    case SortBy::kCompany:
      return {"company", "o.company", true};
    case SortBy::kSalary:
      // Unknown salaries as -1, the expression of opportunities_salary.
      return {"salary", "ifnull(o.salary_usd_max, -1)", false};
  }
  return {"created_at", "o.created_at", true};
}

// "?, ?, ?" for n values.
std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) absl::StrAppend(&out, i ? ", ?" : "?");
  return out;
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool IsTokenByte(unsigned char c) {
  // Bytes of multi-byte UTF-8 sequences count as letters: inside a quoted
  // FTS5 string the tokenizer splits them properly anyway.
  return absl::ascii_isalnum(c) || c >= 0x80;
}

}  // namespace

std::string FtsMatchQuery(std::string_view q) {
  std::vector<std::string> tokens;
  bool ends_on_token = false;
  size_t i = 0;
  while (i < q.size() && tokens.size() < kMaxFtsTokens) {
    if (!IsTokenByte(static_cast<unsigned char>(q[i]))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < q.size() && IsTokenByte(static_cast<unsigned char>(q[i]))) ++i;
    tokens.emplace_back(q.substr(start, i - start));
    ends_on_token = i == q.size();
  }
  if (tokens.empty()) return "";
  std::string out;
  for (size_t t = 0; t < tokens.size(); ++t) {
    absl::StrAppend(&out, t ? " " : "", "\"", tokens[t], "\"");
  }
  if (ends_on_token && tokens.back().size() >= 3) out.push_back('*');
  return out;
}

absl::StatusOr<ListSql> BuildListSql(const OpportunityQuery& query) {
  if (query.limit < 1 || query.limit > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxLimit, ", got ", query.limit));
  }
  if (query.skip < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip must be >= 0, got ", query.skip));
  }
  if (query.min_salary_usd && *query.min_salary_usd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_salary_usd must be >= 0, got ", *query.min_salary_usd));
  }

  std::vector<std::string> where;
  std::vector<SqlValue> binds;
  // Filters that are sets of ids from the tech table or the text index.
  std::vector<std::string> id_sets;

  if (!query.tiers.empty()) {
    std::set<std::string_view> names;
    for (core::Tier t : query.tiers) names.insert(core::ToString(t));
    where.push_back(
        absl::StrCat("o.effective_tier IN (", Placeholders(names.size()), ")"));
    for (std::string_view n : names) binds.emplace_back(std::string(n));
  }
  if (query.status) {
    where.push_back("o.status = ?");
    binds.emplace_back(std::string(ToString(*query.status)));
  }
  if (query.processing_status) {
    where.push_back("o.processing_status = ?");
    binds.emplace_back(std::string(ToString(*query.processing_status)));
  }
  if (query.conversation_state) {
    where.push_back("o.conversation_state = ?");
    binds.emplace_back(std::string(core::ToString(*query.conversation_state)));
  }
  if (query.min_score) {
    where.push_back("o.total_score >= ?");
    binds.emplace_back(int64_t{*query.min_score});
  }
  if (query.max_score) {
    where.push_back("o.total_score <= ?");
    binds.emplace_back(int64_t{*query.max_score});
  }
  if (!query.company.empty()) {
    // LIKE ignores ASCII case; the company column is NOCASE for sorting.
    where.push_back("o.company LIKE ? ESCAPE '\\'");
    binds.emplace_back(absl::StrCat("%", EscapeLike(query.company), "%"));
  }
  {
    // Case-insensitive and de-duplicated, as the tech column is NOCASE.
    std::set<std::string> tech;
    for (const std::string& t : query.tech) {
      std::string name(absl::StripAsciiWhitespace(t));
      if (!name.empty()) tech.insert(absl::AsciiStrToLower(name));
    }
    if (!tech.empty()) {
      std::string set = absl::StrCat(
          "SELECT opportunity_id AS id FROM opportunity_tech WHERE tech IN (",
          Placeholders(tech.size()), ")");
      if (query.tech_match_all && tech.size() > 1) {
        absl::StrAppend(
            &set, " GROUP BY opportunity_id HAVING count(*) = ", tech.size());
      }
      where.push_back(absl::StrCat("$id IN (", set, ")"));
      id_sets.push_back(std::move(set));
      for (const std::string& t : tech) binds.emplace_back(t);
    }
  }
  if (query.remote_policy) {
    where.push_back("o.remote_policy = ?");
    binds.emplace_back(std::string(core::ToString(*query.remote_policy)));
  }
  if (query.min_salary_usd) {
    // The sort expression, so the salary index serves the filter too; -1
    // (unknown) never passes a minimum >= 0.
    where.push_back("ifnull(o.salary_usd_max, -1) >= ?");
    binds.emplace_back(*query.min_salary_usd);
  }
  if (std::string match = FtsMatchQuery(query.q); !match.empty()) {
    std::string set =
        "SELECT rowid AS id FROM opportunities_fts WHERE opportunities_fts "
        "MATCH ?";
    where.push_back(absl::StrCat("$id IN (", set, ")"));
    id_sets.push_back(std::move(set));
    binds.emplace_back(std::move(match));
  }
  if (!query.created_from.empty()) {
    LIA_ASSIGN_OR_RETURN(std::string from,
                         internal::NormalizeTimestamp(query.created_from));
    where.push_back("o.created_at >= ?");
    binds.emplace_back(std::move(from));
  }
  if (!query.created_to.empty()) {
    LIA_ASSIGN_OR_RETURN(std::string to,
                         internal::NormalizeTimestamp(query.created_to));
    where.push_back("o.created_at < ?");
    binds.emplace_back(std::move(to));
  }

  ListSql out;
  const SortKey key = SortKeyOf(query.sort_by);
  out.sort_name = key.name;
  out.key_is_text = key.is_text;
  out.limit = query.limit;

  if (!id_sets.empty() && id_sets.size() == where.size()) {
    // Only id sets: count them where they live. Joining each id to its
    // (wide) opportunity row costs a page read per match. Exact, because
    // foreign keys and triggers keep both in step with opportunities.
    out.count_sql =
        id_sets.size() == 1
            ? absl::StrCat("SELECT count(DISTINCT id) FROM (", id_sets[0], ")")
            : absl::StrCat("SELECT count(*) FROM (",
                           absl::StrJoin(id_sets, " INTERSECT "), ")");
  } else {
    out.count_sql = "SELECT count(*) FROM opportunities o";
    if (!where.empty()) {
      absl::StrAppend(&out.count_sql, " WHERE ", absl::StrJoin(where, " AND "));
    }
    out.count_sql = absl::StrReplaceAll(out.count_sql, {{"$id", "o.id"}});
  }
  out.count_binds = binds;

  int64_t offset = query.skip;
  if (!query.cursor.empty()) {
    LIA_ASSIGN_OR_RETURN(internal::Cursor cursor,
                         internal::DecodeCursor(query.cursor));
    const bool text_key = std::holds_alternative<std::string>(cursor.key);
    if (cursor.sort != key.name || cursor.descending != query.descending ||
        text_key != key.is_text) {
      return absl::InvalidArgumentError(
          "cursor was issued for another sort order; start again without it");
    }
    // `K <= k AND (K < k OR id < i)` rather than a row value: SQLite seeks
    // an expression index (the salary sort) only in this form.
    const char* op = query.descending ? "<" : ">";
    where.push_back(absl::StrCat(key.expr, " ", op, "= ? AND (", key.expr, " ",
                                 op, " ? OR o.id ", op, " ?)"));
    binds.push_back(cursor.key);
    binds.push_back(cursor.key);
    binds.emplace_back(cursor.id);
    offset = 0;
  }

  const char* dir = query.descending ? "DESC" : "ASC";
  std::string page = absl::StrCat("SELECT ", kOpportunityColumns, ", ",
                                  key.expr, " FROM opportunities o");
  if (!where.empty()) {
    absl::StrAppend(&page, " WHERE ", absl::StrJoin(where, " AND "));
  }
  absl::StrAppend(&page, " ORDER BY ", key.expr, " ", dir, ", o.id ", dir,
                  " LIMIT ? OFFSET ?");
  out.page_sql = absl::StrReplaceAll(page, {{"$id", "o.id"}});
  // Unary '+' makes a term unusable as an index constraint, so SQLite walks
  // the sort index and only probes the id set.
  out.page_sql_by_sort = absl::StrReplaceAll(page, {{"$id", "+o.id"}});
  out.page_binds = std::move(binds);
  out.page_binds.emplace_back(query.limit + 1);
  out.page_binds.emplace_back(offset);
  return out;
}

}  // namespace lia::store::sqlite_internal
