// The EventLog contract (event_log.h), one suite instantiated per
// implementation: SQLite on a temporary database file, PostgreSQL on a fresh
// schema of LIA_TEST_POSTGRES_URL (skipped without it). "Another
// connection" is another EventLog on the same database: a second SQLite
// connection to the file, a second pool on the schema.

#include "store/event_log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/postgres.h"
#include "store/postgres/testing/test_database.h"
#include "store/sqlite/sqlite_event_log.h"

namespace lia::store {
namespace {

class EventLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      postgres_ = testing::FreshPostgresSchema();
      if (!postgres_) GTEST_SKIP() << testing::kNoPostgres;
    } else {
      // The test's name has a '/' (instantiation) that a path must not.
      std::string name =
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
      std::replace(name.begin(), name.end(), '/', '_');
      dir_ = std::filesystem::temp_directory_path() /
             ("lia_event_log_test_" + std::to_string(::getpid()) + "_" + name);
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      path_ = (dir_ / "lia.db").string();
    }
    log_ = Open();
    ASSERT_NE(log_, nullptr);
  }
  void TearDown() override {
    log_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // A log on the test's database, through a connection (pool) of its own.
  std::unique_ptr<EventLog> Open() {
    if (postgres_) {
      absl::StatusOr<std::shared_ptr<postgres::Pool>> pool =
          OpenPostgresPool(*postgres_);
      EXPECT_TRUE(pool.ok()) << pool.status();
      if (!pool.ok()) return nullptr;
      absl::StatusOr<std::unique_ptr<EventLog>> log =
          OpenPostgresEventLog(*std::move(pool));
      EXPECT_TRUE(log.ok()) << log.status();
      return log.ok() ? *std::move(log) : nullptr;
    }
    SqliteEventLogOptions options;
    options.path = path_;
    auto log = OpenSqliteEventLog(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  int64_t Add(const std::string& type, const std::string& data = "{}") {
    absl::StatusOr<int64_t> id = log_->Append(type, data);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : -1;
  }

  std::vector<Event> All(int64_t after = 0) {
    absl::StatusOr<std::vector<Event>> events = log_->After(after, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *std::move(events) : std::vector<Event>();
  }

  std::filesystem::path dir_;
  std::string path_;
  std::optional<PostgresOptions> postgres_;
  std::unique_ptr<EventLog> log_;
};

TEST_P(EventLogTest, EmptyLogHasLastIdZero) {
  absl::StatusOr<int64_t> last = log_->LastId();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, 0);
  EXPECT_TRUE(All().empty());
}

TEST_P(EventLogTest, AppendReturnsGrowingIdsAndAfterReadsThemInOrder) {
  const absl::Time before = absl::Now() - absl::Seconds(1);
  const int64_t a = Add("message.received", R"({"message_id":1})");
  const int64_t b = Add("opportunity.created", R"({"opportunity_id":7})");
  EXPECT_GT(b, a);
  EXPECT_EQ(*log_->LastId(), b);

  std::vector<Event> events = All();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, a);
  EXPECT_EQ(events[0].type, "message.received");
  EXPECT_EQ(events[0].data, R"({"message_id":1})");
  EXPECT_GT(events[0].created_at, before);
  EXPECT_LT(events[0].created_at, absl::Now() + absl::Seconds(1));
  EXPECT_EQ(events[1].id, b);
  EXPECT_EQ(events[1].type, "opportunity.created");

  std::vector<Event> after_a = All(a);
  ASSERT_EQ(after_a.size(), 1u);
  EXPECT_EQ(after_a[0].id, b);
  EXPECT_TRUE(All(b).empty());
}

TEST_P(EventLogTest, AfterHonoursTheLimit) {
  for (int i = 0; i < 10; ++i) Add("job.failed", "{}");
  absl::StatusOr<std::vector<Event>> first = log_->After(0, 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  absl::StatusOr<std::vector<Event>> next = log_->After(first->back().id, 3);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 3u);
  EXPECT_GT(next->front().id, first->back().id);

  EXPECT_EQ(log_->After(0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->After(0, 1001).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(EventLogTest, AppendBatchIsOneTransactionInOrder) {
  absl::StatusOr<std::vector<int64_t>> ids = log_->AppendBatch(
      {{"import.progress", R"({"rows":1})"}, {"import.progress", "{}"}});
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_LT((*ids)[0], (*ids)[1]);

  // One bad event: nothing is written.
  absl::StatusOr<std::vector<int64_t>> bad =
      log_->AppendBatch({{"import.progress", "{}"}, {"import.progress", "{"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("events[1]"), std::string::npos)
      << bad.status();
  EXPECT_EQ(All().size(), 2u);

  absl::StatusOr<std::vector<int64_t>> none = log_->AppendBatch({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(EventLogTest, RejectsBadTypesAndData) {
  for (const std::string& type :
       {std::string(), std::string("Opportunity.Created"), std::string("a b"),
        std::string("a\nb"), std::string(65, 'a')}) {
    EXPECT_EQ(log_->Append(type, "{}").status().code(),
              absl::StatusCode::kInvalidArgument)
        << type;
  }
  EXPECT_EQ(log_->Append("job.dead", "not json").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Append("job.dead", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(All().empty());
}

TEST_P(EventLogTest, DeleteBeforeRemovesOldEventsAndIdsAreNotReused) {
  const int64_t old_id = Add("job.failed");
  absl::SleepFor(absl::Milliseconds(5));
  const int64_t kept = Add("job.dead");
  std::vector<Event> events = All();
  ASSERT_EQ(events.size(), 2u);

  EXPECT_EQ(*log_->DeleteBefore(absl::InfinitePast()), 0);
  absl::StatusOr<int64_t> deleted = log_->DeleteBefore(events[1].created_at);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 1);
  events = All();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, kept);

  EXPECT_EQ(*log_->DeleteBefore(absl::InfiniteFuture()), 1);
  EXPECT_TRUE(All().empty());
  const int64_t next = Add("job.failed");
  EXPECT_GT(next, kept);
  EXPECT_GT(next, old_id);
}

TEST_P(EventLogTest, SecondConnectionSeesTheSameLog) {
  std::unique_ptr<EventLog> other = Open();
  ASSERT_NE(other, nullptr);
  const int64_t a = Add("message.received");
  absl::StatusOr<int64_t> b = other->Append("opportunity.created", "{}");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_GT(*b, a);
  EXPECT_EQ(*log_->LastId(), *b);
  EXPECT_EQ(All().size(), 2u);
}

TEST_P(EventLogTest, ConcurrentAppendsFromTwoConnectionsGetDistinctIds) {
  std::unique_ptr<EventLog> other = Open();
  ASSERT_NE(other, nullptr);
  constexpr int kEach = 50;
  std::atomic<int> failures = 0;
  auto append = [&](EventLog& log) {
    for (int i = 0; i < kEach; ++i) {
      if (!log.Append("opportunity.updated", "{}").ok()) ++failures;
    }
  };
  std::thread t1([&] { append(*log_); });
  std::thread t2([&] { append(*other); });
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<Event> events = All();
  ASSERT_EQ(events.size(), 2u * kEach);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(events[i - 1].id, events[i].id);
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EventLogTest, ::testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Postgres, EventLogTest, ::testing::Values("postgres"));

TEST(SqliteEventLogTest, RefusesInMemoryAndEmptyPaths) {
  SqliteEventLogOptions options;
  EXPECT_EQ(OpenSqliteEventLog(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.path = ":memory:";
  EXPECT_EQ(OpenSqliteEventLog(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lia::store
