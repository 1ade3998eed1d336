// What is particular to the SQLite store: migrations, pragmas, query plans,
// the FTS5 query sanitiser, and how lock contention surfaces.

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "gtest/gtest.h"
#include "store/sqlite/list_query.h"
#include "store/sqlite/migrations.h"
#include "store/store.h"

namespace lia::store {
namespace {

using sqlite_internal::BuildListSql;
using sqlite_internal::FtsMatchQuery;
using sqlite_internal::ListSql;
using sqlite_internal::Migrations;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lia_sqlite_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/lia.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SQLite::Database> Raw() {
    return std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE);
  }

  std::string dir_;
  std::string path_;
};

int LatestVersion() { return Migrations().back().version; }

// ---------------------------------------------------------------------------
// Migrations.

TEST(MigrationsTest, AreEmbeddedAndNumberedFromOne) {
  ASSERT_FALSE(Migrations().empty());
  for (size_t i = 0; i < Migrations().size(); ++i) {
    EXPECT_EQ(Migrations()[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(Migrations()[i].sql.empty());
  }
  EXPECT_EQ(Migrations()[0].name, "0001_init.sql");
}

TEST_F(SqliteStoreTest, MigrateCreatesTheSchemaOnAFreshFile) {
  absl::StatusOr<int> version = MigrateSqlite(path_);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, LatestVersion());
  auto db = Raw();
  for (const char* table :
       {"schema_migrations", "messages", "conversations", "opportunities",
        "opportunity_tech", "responses", "settings", "api_keys",
        "opportunities_fts", "jobs"}) {
    EXPECT_TRUE(db->tableExists(table)) << table;
  }
}

TEST_F(SqliteStoreTest, ReopeningIsANoOp) {
  ASSERT_TRUE(MigrateSqlite(path_).ok());
  absl::StatusOr<int> again = MigrateSqlite(path_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, LatestVersion());
  SqliteStoreOptions options;
  options.path = path_;
  ASSERT_TRUE(OpenSqliteStore(options).ok());
  ASSERT_TRUE(OpenSqliteStore(options).ok());
  auto db = Raw();
  EXPECT_EQ(db->execAndGet("SELECT count(*) FROM schema_migrations").getInt(),
            LatestVersion());
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerLia) {
  ASSERT_TRUE(MigrateSqlite(path_).ok());
  Raw()->exec(
      "INSERT INTO schema_migrations (version, name, applied_at) "
      "VALUES (999, '0999_future.sql', '2030-01-01T00:00:00.000Z')");
  SqliteStoreOptions options;
  options.path = path_;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("version 999 is newer"),
            std::string::npos)
      << store.status();
  EXPECT_EQ(MigrateSqlite(path_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, CreatesTheDirectoryOfANewDatabase) {
  SqliteStoreOptions options;
  options.path = dir_ + "/nested/data/lia.db";
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::exists(options.path));
}

TEST_F(SqliteStoreTest, RejectsBadOptions) {
  SqliteStoreOptions options;
  EXPECT_EQ(OpenSqliteStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = path_;
  options.read_connections = -1;
  EXPECT_EQ(OpenSqliteStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsAnErrorNotACrash) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an sqlite database, just some text.........\n", f);
    std::fclose(f);
  }
  SqliteStoreOptions options;
  options.path = path_;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  EXPECT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss)
      << store.status();
}

TEST_F(SqliteStoreTest, UsesWriteAheadLogging) {
  SqliteStoreOptions options;
  options.path = path_;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Raw()->execAndGet("PRAGMA journal_mode").getString(), "wal");
}

// ---------------------------------------------------------------------------
// Locks.

TEST_F(SqliteStoreTest, AWriteBlockedPastTheTimeoutIsUnavailable) {
  SqliteStoreOptions options;
  options.path = path_;
  options.busy_timeout_ms = 50;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  auto other = Raw();  // Another process, say, holding the write lock.
  SQLite::Transaction hold(*other, SQLite::TransactionBehavior::IMMEDIATE);
  core::Message m;
  m.text = "hello";
  EXPECT_EQ((*store)->InsertMessage(m).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(SqliteStoreTest, ReadsDoNotWaitForAWrite) {
  SqliteStoreOptions options;
  options.path = path_;
  options.busy_timeout_ms = 5000;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  auto other = Raw();
  SQLite::Transaction hold(*other, SQLite::TransactionBehavior::IMMEDIATE);
  other->exec(
      "INSERT INTO messages (text, text_hash, created_at) "
      "VALUES ('uncommitted', 'h', '2026-01-01T00:00:00.000Z')");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE((*store)->ListOpportunities({}).ok());
  EXPECT_TRUE((*store)->Stats().ok());
  EXPECT_EQ((*store)->GetMessage(1).status().code(),
            absl::StatusCode::kNotFound);  // Not committed: not seen.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(SqliteStoreTest, AnUnreadableStoredAnalysisIsDataLoss) {
  SqliteStoreOptions options;
  options.path = path_;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  core::Message m;
  m.text = "hello";
  absl::StatusOr<IngestOutcome> in = (*store)->InsertMessage(m);
  ASSERT_TRUE(in.ok());
  core::Analysis a;
  absl::StatusOr<Opportunity> o = (*store)->SaveAnalysis(in->message_id, a, 1);
  ASSERT_TRUE(o.ok()) << o.status();
  Raw()->exec("UPDATE opportunities SET analysis_json = '{broken'");
  EXPECT_EQ((*store)->GetOpportunity(o->id).status().code(),
            absl::StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------------
// Query plans: lists walk an index in sort order and stop after the page.

std::vector<std::string> Plan(SQLite::Database& db, const ListSql& sql) {
  SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql.page_sql);
  int index = 1;
  for (const sqlite_internal::SqlValue& v : sql.page_binds) {
    if (const auto* n = std::get_if<int64_t>(&v)) {
      st.bind(index++, *n);
    } else {
      st.bind(index++, std::get<std::string>(v));
    }
  }
  std::vector<std::string> steps;
  while (st.executeStep()) steps.push_back(st.getColumn(3).getString());
  return steps;
}

std::string Join(const std::vector<std::string>& steps) {
  std::string out;
  for (const std::string& s : steps) out += s + " | ";
  return out;
}

// A full scan of the table or a sort of every match: what must not happen.
bool ReadsEveryRow(const std::vector<std::string>& steps) {
  for (const std::string& s : steps) {
    if (s.find("TEMP B-TREE") != std::string::npos) return true;
    if (s.rfind("SCAN o", 0) == 0 && s.find("INDEX") == std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST_F(SqliteStoreTest, TheDefaultListWalksTheCreatedAtIndex) {
  ASSERT_TRUE(MigrateSqlite(path_).ok());
  auto db = Raw();
  absl::StatusOr<ListSql> sql = BuildListSql({});
  ASSERT_TRUE(sql.ok());
  std::vector<std::string> steps = Plan(*db, *sql);
  EXPECT_FALSE(ReadsEveryRow(steps)) << Join(steps);
  EXPECT_NE(Join(steps).find("opportunities_created"), std::string::npos)
      << Join(steps);
}

TEST_F(SqliteStoreTest, EverySortAndItsCursorUseAnIndex) {
  SqliteStoreOptions options;
  options.path = path_;
  absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  // Two rows so that a cursor exists.
  for (const char* text : {"one", "two"}) {
    core::Message m;
    m.text = text;
    absl::StatusOr<IngestOutcome> in = (*store)->InsertMessage(m);
    ASSERT_TRUE(in.ok());
    ASSERT_TRUE((*store)->SaveAnalysis(in->message_id, {}, 1).ok());
  }
  auto db = Raw();
  for (SortBy sort : {SortBy::kCreatedAt, SortBy::kTotalScore, SortBy::kCompany,
                      SortBy::kSalary}) {
    for (bool descending : {true, false}) {
      OpportunityQuery q;
      q.sort_by = sort;
      q.descending = descending;
      q.limit = 1;
      absl::StatusOr<ListSql> sql = BuildListSql(q);
      ASSERT_TRUE(sql.ok());
      std::vector<std::string> steps = Plan(*db, *sql);
      EXPECT_FALSE(ReadsEveryRow(steps)) << Join(steps);

      absl::StatusOr<OpportunityPage> page = (*store)->ListOpportunities(q);
      ASSERT_TRUE(page.ok());
      ASSERT_FALSE(page->next_cursor.empty());
      q.cursor = page->next_cursor;
      sql = BuildListSql(q);
      ASSERT_TRUE(sql.ok());
      steps = Plan(*db, *sql);
      // A deep page seeks to its start rather than scanning to it.
      EXPECT_NE(Join(steps).find("SEARCH o USING"), std::string::npos)
          << Join(steps);
      EXPECT_FALSE(ReadsEveryRow(steps)) << Join(steps);
    }
  }
}

TEST_F(SqliteStoreTest, AOneTierFilterWalksTheTierIndexInOrder) {
  ASSERT_TRUE(MigrateSqlite(path_).ok());
  auto db = Raw();
  OpportunityQuery q;
  q.tiers = {core::Tier::kHighPriority};
  absl::StatusOr<ListSql> sql = BuildListSql(q);
  ASSERT_TRUE(sql.ok());
  std::vector<std::string> steps = Plan(*db, *sql);
  EXPECT_FALSE(ReadsEveryRow(steps)) << Join(steps);
}

TEST_F(SqliteStoreTest, IdSetFiltersHaveAPlanForFewAndOneForManyMatches) {
  ASSERT_TRUE(MigrateSqlite(path_).ok());
  auto db = Raw();
  OpportunityQuery q;
  q.tech = {"Rust"};
  q.q = "acme";
  absl::StatusOr<ListSql> sql = BuildListSql(q);
  ASSERT_TRUE(sql.ok());
  // Few matches: start from the sets, sort what they hold.
  EXPECT_NE(Join(Plan(*db, *sql)).find("INTEGER PRIMARY KEY"),
            std::string::npos)
      << Join(Plan(*db, *sql));
  // Many: walk the sort index, probe the sets, stop after the page.
  sql->page_sql = sql->page_sql_by_sort;
  std::vector<std::string> steps = Plan(*db, *sql);
  EXPECT_FALSE(ReadsEveryRow(steps)) << Join(steps);
  EXPECT_NE(Join(steps).find("opportunities_created"), std::string::npos)
      << Join(steps);
}

// ---------------------------------------------------------------------------
// The FTS5 sanitiser.

TEST(FtsMatchQueryTest, QuotesEveryWordAndDropsOperators) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"rust", "\"rust\"*"},
      {"senior rust", "\"senior\" \"rust\"*"},
      {"rust ", "\"rust\""},
      {"go", "\"go\""},  // Too short to be a prefix.
      {"c++", "\"c\""},
      {"\"", ""},
      {"*", ""},
      {"", ""},
      {"AND OR", "\"AND\" \"OR\""},
      {"NOT rust", "\"NOT\" \"rust\"*"},
      {"role:acme", "\"role\" \"acme\"*"},
      {"NEAR(a b)", "\"NEAR\" \"a\" \"b\""},
      {"\"senior\" -java", "\"senior\" \"java\"*"},
      {"São Paulo", "\"São\" \"Paulo\"*"},
      {"'; DROP TABLE x; --", "\"DROP\" \"TABLE\" \"x\""},
  };
  for (const Case& c : cases) EXPECT_EQ(FtsMatchQuery(c.in), c.out) << c.in;
}

TEST(FtsMatchQueryTest, BoundsTheNumberOfWords) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "w" + std::to_string(i) + " ";
  std::string q = FtsMatchQuery(many);
  EXPECT_EQ(std::count(q.begin(), q.end(), '"'), 2 * 32);
}

}  // namespace
}  // namespace lia::store
