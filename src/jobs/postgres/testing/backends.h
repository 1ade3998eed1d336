#pragma once

// For the suites of the jobs module that run unchanged on every backend
// (job_queue_test, worker_pool_test, scheduler_test): a fresh database per
// test — a temporary SQLite file, or a fresh schema on the PostgreSQL of
// LIA_TEST_POSTGRES_URL — and the queues and schedule stores opened on it.
// Header-only; tests only.
//
//   INSTANTIATE_TEST_SUITE_P(Backends, JobQueueTest, AllBackends(),
//                            BackendName);
//   ...
//   database_ = TestDatabase::Create(GetParam());
//   if (database_ == nullptr) GTEST_SKIP() << kNoPostgres;

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "jobs/clock.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/postgres_job_queue.h"
#include "jobs/postgres/postgres_schedule_store.h"
#include "jobs/scheduler.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "jobs/sqlite/sqlite_schedule_store.h"
#include "store/postgres.h"
#include "store/postgres/testing/test_database.h"
#include "store/store.h"

namespace lia::jobs::testing {

using ::lia::store::testing::kNoPostgres;

enum class Backend { kSqlite, kPostgres };

inline ::testing::internal::ParamGenerator<Backend> AllBackends() {
  return ::testing::Values(Backend::kSqlite, Backend::kPostgres);
}

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// How gtest prints the parameter (ctest shows it in every test's line).
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

// One test's database. Every Open* call connects anew — a connection (pool)
// of its own, as another process would have — to the same database.
class TestDatabase {
 public:
  // nullptr when the backend is PostgreSQL and LIA_TEST_POSTGRES_URL is not
  // set: the test skips (kNoPostgres).
  static std::unique_ptr<TestDatabase> Create(Backend backend);

  virtual ~TestDatabase() = default;

  virtual absl::StatusOr<std::unique_ptr<JobQueue>> OpenQueue(
      Clock* clock, uint64_t random_seed) = 0;
  virtual absl::StatusOr<std::unique_ptr<ScheduleStore>> OpenScheduleStore(
      Clock* clock) = 0;
  // Opens the store's side of the database (the store on SQLite, the
  // migrated schema on PostgreSQL) and checks it answers.
  virtual absl::Status PingStore() = 0;
};

class SqliteTestDatabase final : public TestDatabase {
 public:
  SqliteTestDatabase() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info != nullptr ? info->name() : "test";
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_jobs_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter.fetch_add(1)) + "_" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "lia.db").string();
  }
  ~SqliteTestDatabase() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  absl::StatusOr<std::unique_ptr<JobQueue>> OpenQueue(
      Clock* clock, uint64_t random_seed) override {
    store::SqliteJobQueueOptions options;
    options.path = path_;
    options.clock = clock;
    options.random_seed = random_seed;
    return store::OpenSqliteJobQueue(options);
  }
  absl::StatusOr<std::unique_ptr<ScheduleStore>> OpenScheduleStore(
      Clock* clock) override {
    store::SqliteScheduleStoreOptions options;
    options.path = path_;
    options.clock = clock;
    return store::OpenSqliteScheduleStore(options);
  }
  absl::Status PingStore() override {
    store::SqliteStoreOptions options;
    options.path = path_;
    absl::StatusOr<std::unique_ptr<store::Store>> st =
        store::OpenSqliteStore(options);
    if (!st.ok()) return st.status();
    return (*st)->Ping();
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

class PostgresTestDatabase final : public TestDatabase {
 public:
  explicit PostgresTestDatabase(store::PostgresOptions options)
      : options_(std::move(options)) {}

  absl::StatusOr<std::unique_ptr<JobQueue>> OpenQueue(
      Clock* clock, uint64_t random_seed) override {
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool = OpenPool();
    if (!pool.ok()) return pool.status();
    store::PostgresJobQueueOptions options;
    options.clock = clock;
    options.random_seed = random_seed;
    return store::OpenPostgresJobQueue(*std::move(pool), options);
  }
  absl::StatusOr<std::unique_ptr<ScheduleStore>> OpenScheduleStore(
      Clock* clock) override {
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool = OpenPool();
    if (!pool.ok()) return pool.status();
    store::PostgresScheduleStoreOptions options;
    options.clock = clock;
    return store::OpenPostgresScheduleStore(*std::move(pool), options);
  }
  absl::Status PingStore() override {
    absl::StatusOr<std::shared_ptr<store::postgres::Pool>> pool = OpenPool();
    if (!pool.ok()) return pool.status();
    absl::StatusOr<std::unique_ptr<store::Store>> st =
        store::OpenPostgresStore(*std::move(pool));
    if (!st.ok()) return st.status();
    return (*st)->Ping();
  }

  const store::PostgresOptions& options() const { return options_; }
  absl::StatusOr<std::shared_ptr<store::postgres::Pool>> OpenPool() {
    return store::OpenPostgresPool(options_);
  }

 private:
  const store::PostgresOptions options_;
};

inline std::unique_ptr<TestDatabase> TestDatabase::Create(Backend backend) {
  if (backend == Backend::kSqlite) {
    return std::make_unique<SqliteTestDatabase>();
  }
  // Room for a worker pool's threads, its lease extender and the test.
  std::optional<store::PostgresOptions> options =
      store::testing::FreshPostgresSchema(/*pool_size=*/6);
  if (!options) return nullptr;
  return std::make_unique<PostgresTestDatabase>(*std::move(options));
}

}  // namespace lia::jobs::testing
