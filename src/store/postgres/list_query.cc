#include "store/postgres/list_query.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "store/internal/cursor.h"
#include "store/internal/time.h"
#include "store/postgres/rows.h"
#include "store/postgres/search_text.h"

namespace lia::store::postgres_internal {
namespace {

constexpr int64_t kMaxLimit = 500;

struct SortKey {
  const char* name;  // Cursor::sort.
  const char* expr;  // Must match an index expression exactly.
  const char* cast;  // Of the cursor's key parameter.
  ListSql::KeyKind kind;
};

SortKey SortKeyOf(SortBy sort) {
  switch (sort) {
    case SortBy::kCreatedAt:
      return {"created_at", "o.created_at", "timestamptz",
              ListSql::KeyKind::kTimestamp};
    case SortBy::kTotalScore:
      return {"total_score", "o.total_score", "bigint",
              ListSql::KeyKind::kInteger};
    case SortBy::kCompany:
      // Byte order of the ASCII-lowered name, as SQLite's NOCASE: the "C"
      // collation makes lower() fold ASCII only and compare bytes, whatever
      // the database's locale.
      return {"company", "lower(o.company COLLATE \"C\")", "text",
              ListSql::KeyKind::kText};
    case SortBy::kSalary:
      // Unknown salaries as -1, the expression of opportunities_salary.
      return {"salary", "coalesce(o.salary_usd_max, -1)", "bigint",
              ListSql::KeyKind::kInteger};
  }
  return {"created_at", "o.created_at", "timestamptz",
          ListSql::KeyKind::kTimestamp};
}

// Numbers parameters as they are added: Add returns "$n".
class Params {
 public:
  std::string Add(std::string value) {
    values_.push_back(std::move(value));
    return absl::StrCat("$", values_.size());
  }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

std::string EscapeLike(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

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

  Params params;
  std::vector<std::string> where;

  if (!query.tiers.empty()) {
    std::set<std::string> names;
    for (core::Tier t : query.tiers)
      names.insert(std::string(core::ToString(t)));
    std::vector<std::string> refs;
    for (const std::string& n : names) refs.push_back(params.Add(n));
    where.push_back(
        absl::StrCat("o.effective_tier IN (", absl::StrJoin(refs, ", "), ")"));
  }
  if (query.status) {
    where.push_back(absl::StrCat(
        "o.status = ", params.Add(std::string(ToString(*query.status)))));
  }
  if (query.processing_status) {
    where.push_back(absl::StrCat(
        "o.processing_status = ",
        params.Add(std::string(ToString(*query.processing_status)))));
  }
  if (query.conversation_state) {
    where.push_back(absl::StrCat(
        "o.conversation_state = ",
        params.Add(std::string(core::ToString(*query.conversation_state)))));
  }
  if (query.min_score) {
    where.push_back(absl::StrCat(
        "o.total_score >= ", params.Add(absl::StrCat(*query.min_score)),
        "::integer"));
  }
  if (query.max_score) {
    where.push_back(absl::StrCat(
        "o.total_score <= ", params.Add(absl::StrCat(*query.max_score)),
        "::integer"));
  }
  if (!query.company.empty()) {
    where.push_back(absl::StrCat(
        "o.company ILIKE ",
        params.Add(absl::StrCat("%", EscapeLike(query.company), "%")),
        " ESCAPE '\\'"));
  }
  {
    // Case-insensitive (ASCII, as SQLite's NOCASE) and de-duplicated.
    std::set<std::string> tech;
    for (const std::string& t : query.tech) {
      std::string name(absl::StripAsciiWhitespace(t));
      if (!name.empty()) tech.insert(absl::AsciiStrToLower(name));
    }
    if (!tech.empty()) {
      std::vector<std::string> refs;
      for (const std::string& t : tech) refs.push_back(params.Add(t));
      // opportunity_tech_key makes (opportunity, lowered tech) unique, so
      // count(*) counts distinct names.
      std::string set = absl::StrCat(
          "SELECT t.opportunity_id FROM opportunity_tech t WHERE "
          "lower(t.tech COLLATE \"C\") IN (",
          absl::StrJoin(refs, ", "), ")");
      if (query.tech_match_all && tech.size() > 1) {
        absl::StrAppend(
            &set, " GROUP BY t.opportunity_id HAVING count(*) = ", tech.size());
      }
      where.push_back(absl::StrCat("o.id IN (", set, ")"));
    }
  }
  if (query.remote_policy) {
    where.push_back(absl::StrCat(
        "o.remote_policy = ",
        params.Add(std::string(core::ToString(*query.remote_policy)))));
  }
  if (query.min_salary_usd) {
    // The sort expression, so the salary index serves the filter too; -1
    // (unknown) never passes a minimum >= 0.
    where.push_back(absl::StrCat(
        "coalesce(o.salary_usd_max, -1) >= ",
        params.Add(absl::StrCat(*query.min_salary_usd)), "::bigint"));
  }
  {
    SearchQuery search = BuildSearchQuery(query.q);
    switch (search.kind) {
      case SearchQuery::Kind::kAll:
        break;
      case SearchQuery::Kind::kNothing:
        where.push_back("false");
        break;
      case SearchQuery::Kind::kMatch:
        where.push_back(absl::StrCat("o.search @@ ",
                                     params.Add(std::move(search.tsquery)),
                                     "::tsquery"));
        break;
    }
  }
  if (!query.created_from.empty()) {
    LIA_ASSIGN_OR_RETURN(std::string from,
                         internal::NormalizeTimestamp(query.created_from));
    where.push_back(absl::StrCat(
        "o.created_at >= ", params.Add(std::move(from)), "::timestamptz"));
  }
  if (!query.created_to.empty()) {
    LIA_ASSIGN_OR_RETURN(std::string to,
                         internal::NormalizeTimestamp(query.created_to));
    where.push_back(absl::StrCat("o.created_at < ", params.Add(std::move(to)),
                                 "::timestamptz"));
  }

  ListSql out;
  const SortKey key = SortKeyOf(query.sort_by);
  out.sort_name = key.name;
  out.key_kind = key.kind;
  out.limit = query.limit;

  out.count_sql = "SELECT count(*) FROM opportunities o";
  if (!where.empty()) {
    absl::StrAppend(&out.count_sql, " WHERE ", absl::StrJoin(where, " AND "));
  }
  out.count_params = params.values();

  int64_t offset = query.skip;
  if (!query.cursor.empty()) {
    LIA_ASSIGN_OR_RETURN(internal::Cursor cursor,
                         internal::DecodeCursor(query.cursor));
    const bool text_key = std::holds_alternative<std::string>(cursor.key);
    const bool wants_text = key.kind != ListSql::KeyKind::kInteger;
    if (cursor.sort != key.name || cursor.descending != query.descending ||
        text_key != wants_text) {
      return absl::InvalidArgumentError(
          "cursor was issued for another sort order; start again without it");
    }
    std::string key_value;
    if (const auto* n = std::get_if<int64_t>(&cursor.key)) {
      key_value = absl::StrCat(*n);
    } else {
      key_value = std::get<std::string>(cursor.key);
      if (key.kind == ListSql::KeyKind::kTimestamp &&
          !internal::NormalizeTimestamp(key_value).ok()) {
        return absl::InvalidArgumentError(
            "cursor is not one this server issued");
      }
    }
    // A row comparison walks the (key, id) index from the cursor on.
    const char* op = query.descending ? "<" : ">";
    where.push_back(
        absl::StrCat("(", key.expr, ", o.id) ", op, " (",
                     params.Add(std::move(key_value)), "::", key.cast, ", ",
                     params.Add(absl::StrCat(cursor.id)), "::bigint)"));
    offset = 0;
  }

  const char* dir = query.descending ? "DESC" : "ASC";
  out.page_sql = absl::StrCat("SELECT ", kOpportunityColumns, ", ", key.expr,
                              " FROM opportunities o");
  if (!where.empty()) {
    absl::StrAppend(&out.page_sql, " WHERE ", absl::StrJoin(where, " AND "));
  }
  const std::string limit_ref = params.Add(absl::StrCat(query.limit + 1));
  const std::string offset_ref = params.Add(absl::StrCat(offset));
  absl::StrAppend(&out.page_sql, " ORDER BY ", key.expr, " ", dir, ", o.id ",
                  dir, " LIMIT ", limit_ref, "::bigint OFFSET ", offset_ref,
                  "::bigint");
  out.page_params = params.values();
  return out;
}

}  // namespace lia::store::postgres_internal
