// The pool and the migrations on a real PostgreSQL (LIA_TEST_POSTGRES_URL).

#include "store/postgres/pool.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "store/postgres.h"
#include "store/postgres/testing/test_database.h"

namespace lia::store::postgres {
namespace {

using ::lia::store::testing::FreshPostgresSchema;
using ::lia::store::testing::kNoPostgres;

TEST(Rfc3339FromPostgresTest, PadsAndTruncatesToMilliseconds) {
  EXPECT_EQ(Rfc3339FromPostgres("2026-11-29 10:00:00+00"),
            "2026-11-29T10:00:00.000Z");
  EXPECT_EQ(Rfc3339FromPostgres("2026-11-29 10:00:00.1+00"),
            "2026-11-29T10:00:00.100Z");
  EXPECT_EQ(Rfc3339FromPostgres("2026-11-29 10:00:00.123456+00"),
            "2026-11-29T10:00:00.123Z");
  EXPECT_EQ(Rfc3339FromPostgres("2026-11-29 10:00:00.5+00:00"),
            "2026-11-29T10:00:00.500Z");
  // Another zone is not what the pool's sessions produce: left alone.
  EXPECT_EQ(Rfc3339FromPostgres("2026-11-29 10:00:00+02"),
            "2026-11-29 10:00:00+02");
  EXPECT_EQ(Rfc3339FromPostgres("garbage"), "garbage");
}

TEST(PostgresPoolTest, RefusesBadOptionsWithoutConnecting) {
  PostgresOptions options;
  EXPECT_EQ(OpenPostgresPool(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.url = "postgresql://127.0.0.1:1/none";
  options.pool_size = 0;
  EXPECT_EQ(OpenPostgresPool(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.pool_size = 2;
  options.schema = "Robert'); DROP TABLE students;--";
  EXPECT_EQ(OpenPostgresPool(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PostgresPoolTest, AnUnreachableServerIsUnavailable) {
  PostgresOptions options;
  // Port 1 on loopback: refused at once.
  options.url = "postgresql://lia@127.0.0.1:1/lia";
  options.connect_timeout = absl::Seconds(1);
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(options);
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kUnavailable)
      << pool.status();
}

TEST(PostgresPoolTest, MigratesToTheLatestVersionOnceAcrossConcurrentOpens) {
  std::optional<PostgresOptions> options = FreshPostgresSchema();
  if (!options) GTEST_SKIP() << kNoPostgres;
  // Replicas starting together: four opens race on one empty schema.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (!OpenPostgresPool(*options).ok()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::StatusOr<int> version = PostgresSchemaVersion(**pool);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 6);
  absl::StatusOr<int64_t> rows = (*pool)->Transact<int64_t>(
      "count", [](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        return tx.exec1("SELECT count(*) FROM schema_migrations")[0]
            .as<int64_t>();
      });
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 6);
}

TEST(PostgresPoolTest, RefusesADatabaseMadeByANewerLia) {
  std::optional<PostgresOptions> options = FreshPostgresSchema();
  if (!options) GTEST_SKIP() << kNoPostgres;
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE((*pool)
                  ->TransactStatus("future",
                                   [](pqxx::work& tx) {
                                     tx.exec(
                                         "INSERT INTO schema_migrations "
                                         "(version, name) VALUES (999, 'x')");
                                     return absl::OkStatus();
                                   })
                  .ok());
  absl::StatusOr<std::shared_ptr<Pool>> again = OpenPostgresPool(*options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("version 999 is newer"),
            std::string::npos)
      << again.status();
}

TEST(PostgresPoolTest, BoundsConnectionsAndTimesOutAWaitingCaller) {
  std::optional<PostgresOptions> options = FreshPostgresSchema(/*pool_size=*/2);
  if (!options) GTEST_SKIP() << kNoPostgres;
  options->acquire_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::StatusOr<Pool::Lease> a = (*pool)->Acquire();
  absl::StatusOr<Pool::Lease> b = (*pool)->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*pool)->stats().in_use, 2);
  EXPECT_EQ((*pool)->stats().max, 2);
  const absl::Time start = absl::Now();
  absl::StatusOr<Pool::Lease> c = (*pool)->Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  { Pool::Lease released = *std::move(a); }
  EXPECT_EQ((*pool)->stats().idle, 1);
  EXPECT_TRUE((*pool)->Acquire().ok());
}

TEST(PostgresPoolTest, MapsConstraintViolationsToStatuses) {
  std::optional<PostgresOptions> options = FreshPostgresSchema();
  if (!options) GTEST_SKIP() << kNoPostgres;
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto insert_token = [&](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO api_keys (name, token_hash, created_at) "
        "VALUES ('a', 'h', now())");
    return absl::OkStatus();
  };
  ASSERT_TRUE((*pool)->TransactStatus("token", insert_token).ok());
  EXPECT_EQ((*pool)->TransactStatus("token", insert_token).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*pool)
                ->TransactStatus("bad",
                                 [](pqxx::work& tx) {
                                   tx.exec("SELECT 1/0");
                                   return absl::OkStatus();
                                 })
                .code(),
            absl::StatusCode::kInvalidArgument);
  // A failed transaction leaves the connection usable.
  EXPECT_TRUE((*pool)
                  ->TransactStatus("ok",
                                   [](pqxx::work& tx) {
                                     tx.exec("SELECT 1");
                                     return absl::OkStatus();
                                   })
                  .ok());
}

TEST(PostgresPoolTest, RetriesABodyWhoseConnectionWasKilled) {
  std::optional<PostgresOptions> options = FreshPostgresSchema(/*pool_size=*/1);
  if (!options) GTEST_SKIP() << kNoPostgres;
  absl::StatusOr<std::shared_ptr<Pool>> pool = OpenPostgresPool(*options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  int attempts = 0;
  absl::StatusOr<int64_t> value = (*pool)->Transact<int64_t>(
      "survive", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        ++attempts;
        if (attempts == 1) {
          // The server ends this backend mid-transaction: the connection
          // is lost before the commit, so running again is safe.
          tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
        }
        return tx.exec1("SELECT 41 + 1")[0].as<int64_t>();
      });
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 42);
  EXPECT_EQ(attempts, 2);
}

}  // namespace
}  // namespace lia::store::postgres
