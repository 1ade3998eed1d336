// Throughput of the job queues: enqueue + lease + complete of no-op jobs
// (issue 4 asks for 5,000 jobs/s or more), reported as items/s, on SQLite
// (a temporary file) and on PostgreSQL (a fresh schema on
// LIA_BENCH_POSTGRES_URL, else LIA_TEST_POSTGRES_URL; skipped without
// either). `scripts/with-services build/src/jobs/jobs_bench` runs both.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "jobs/job_queue.h"
#include "jobs/postgres/postgres_job_queue.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "store/postgres.h"
#include "store/postgres/pool.h"
#include "store/postgres/testing/test_database.h"

namespace lia::jobs {
namespace {

enum class Backend { kSqlite, kPostgres };

std::optional<std::string> PostgresUrl() {
  for (const char* name : {"LIA_BENCH_POSTGRES_URL", "LIA_TEST_POSTGRES_URL"}) {
    const char* url = std::getenv(name);
    if (url != nullptr && *url != '\0') return std::string(url);
  }
  return std::nullopt;
}

// A fresh database, removed afterwards; Open() gives queues on it, each on
// a connection (pool) of its own, as separate processes would have.
class TempDatabase {
 public:
  explicit TempDatabase(Backend backend) : backend_(backend) {
    if (backend_ == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("lia_jobs_bench_" + std::to_string(::getpid()));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      return;
    }
    std::optional<std::string> url = PostgresUrl();
    if (!url) return;
    postgres_.url = *url;
    postgres_.schema = store::testing::UniqueSchemaName();
    postgres_.pool_size = 2;
    auto pool = store::OpenPostgresPool(postgres_);
    if (pool.ok()) admin_ = *std::move(pool);
  }
  ~TempDatabase() {
    if (backend_ == Backend::kSqlite) {
      std::filesystem::remove_all(dir_);
    } else if (admin_ != nullptr) {
      // The bench may run on a database that is kept: leave nothing.
      static_cast<void>(
          admin_->TransactStatus("drop the bench schema", [&](pqxx::work& tx) {
            tx.exec0("DROP SCHEMA " + postgres_.schema + " CASCADE");
            return absl::OkStatus();
          }));
    }
  }

  // Why no queue can be opened; empty when one can.
  std::string unavailable() const {
    if (backend_ == Backend::kPostgres && admin_ == nullptr) {
      return PostgresUrl() ? "cannot open the PostgreSQL schema"
                           : "LIA_BENCH_POSTGRES_URL / LIA_TEST_POSTGRES_URL "
                             "not set";
    }
    return "";
  }

  std::unique_ptr<JobQueue> Open() {
    if (backend_ == Backend::kSqlite) {
      store::SqliteJobQueueOptions options;
      options.path = (dir_ / "lia.db").string();
      auto queue = store::OpenSqliteJobQueue(options);
      return queue.ok() ? *std::move(queue) : nullptr;
    }
    auto pool = store::OpenPostgresPool(postgres_);
    if (!pool.ok()) return nullptr;
    auto queue = store::OpenPostgresJobQueue(*std::move(pool));
    return queue.ok() ? *std::move(queue) : nullptr;
  }

 private:
  const Backend backend_;
  std::filesystem::path dir_;        // SQLite.
  store::PostgresOptions postgres_;  // PostgreSQL.
  std::shared_ptr<store::postgres::Pool> admin_;
};

// The database and one queue on it, or the reason the benchmark skips.
struct Setup {
  explicit Setup(Backend backend) : database(backend) {
    if (database.unavailable().empty()) queue = database.Open();
  }
  bool Skip(benchmark::State& state) {
    if (!database.unavailable().empty()) {
      state.SkipWithError(database.unavailable().c_str());
      return true;
    }
    if (queue == nullptr) {
      state.SkipWithError("cannot open the queue");
      return true;
    }
    return false;
  }
  TempDatabase database;
  std::unique_ptr<JobQueue> queue;
};

// One job at a time: three transactions per job.
void BM_EnqueueLeaseComplete(benchmark::State& state, Backend backend) {
  Setup setup(backend);
  if (setup.Skip(state)) return;
  JobQueue* queue = setup.queue.get();
  NewJob job;
  job.type = "noop";
  const std::vector<std::string> types = {"noop"};
  for (auto _ : state) {
    if (!queue->Enqueue(job).ok()) {
      state.SkipWithError("enqueue failed");
      break;
    }
    auto leased = queue->Lease("bench", types, absl::Seconds(60));
    if (!leased.ok() || !leased->has_value() ||
        !queue->Complete((*leased)->id, "bench").ok()) {
      state.SkipWithError("lease or complete failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_EnqueueLeaseComplete, sqlite, Backend::kSqlite)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_EnqueueLeaseComplete, postgres, Backend::kPostgres)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Batched enqueue (one transaction per range(0) jobs), then lease and
// complete each: how ingest would enqueue an import.
void BM_BatchEnqueueLeaseComplete(benchmark::State& state, Backend backend) {
  Setup setup(backend);
  if (setup.Skip(state)) return;
  JobQueue* queue = setup.queue.get();
  std::vector<NewJob> batch(static_cast<size_t>(state.range(0)));
  for (NewJob& j : batch) j.type = "noop";
  const std::vector<std::string> types = {"noop"};
  for (auto _ : state) {
    if (!queue->EnqueueBatch(batch).ok()) {
      state.SkipWithError("enqueue failed");
      break;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      auto leased = queue->Lease("bench", types, absl::Seconds(60));
      if (!leased.ok() || !leased->has_value() ||
          !queue->Complete((*leased)->id, "bench").ok()) {
        state.SkipWithError("lease or complete failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_BatchEnqueueLeaseComplete, sqlite, Backend::kSqlite)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BatchEnqueueLeaseComplete, postgres, Backend::kPostgres)
    ->Arg(100)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Leases `batch` jobs at a time and completes each lease's jobs in one
// transaction until the queue is empty; false on an error.
bool Drain(JobQueue& queue, const std::string& owner, int batch,
           std::atomic<int64_t>& done) {
  const std::vector<std::string> types = {"noop"};
  while (true) {
    auto leased = queue.LeaseBatch(owner, types, absl::Seconds(60), batch);
    if (!leased.ok()) return false;
    if (leased->empty()) return true;
    std::vector<int64_t> ids;
    for (const Job& j : *leased) ids.push_back(j.id);
    if (!queue.CompleteBatch(ids, owner).ok()) return false;
    done.fetch_add(static_cast<int64_t>(ids.size()));
  }
}

// Batched all the way, as `lia serve`'s workers run (batch_size 32):
// enqueue range(0) jobs in one transaction, lease them 32 at a time and
// complete each lease's jobs in one transaction.
void BM_BatchEnqueueLeaseBatchComplete(benchmark::State& state,
                                       Backend backend) {
  Setup setup(backend);
  if (setup.Skip(state)) return;
  JobQueue* queue = setup.queue.get();
  std::vector<NewJob> batch(static_cast<size_t>(state.range(0)));
  for (NewJob& j : batch) j.type = "noop";
  std::atomic<int64_t> done{0};
  for (auto _ : state) {
    if (!queue->EnqueueBatch(batch).ok()) {
      state.SkipWithError("enqueue failed");
      break;
    }
    if (!Drain(*queue, "bench", 32, done)) {
      state.SkipWithError("lease or complete failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_BatchEnqueueLeaseBatchComplete, sqlite, Backend::kSqlite)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BatchEnqueueLeaseBatchComplete, postgres,
                  Backend::kPostgres)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Four workers, each with a queue (connection) of its own as separate
// processes would have, draining range(0) jobs enqueued in one batch,
// leasing 32 at a time: what contention costs (SQLite's single writer,
// PostgreSQL's SKIP LOCKED).
void BM_FourWorkersDrainABatch(benchmark::State& state, Backend backend) {
  constexpr int kWorkers = 4;
  Setup setup(backend);
  if (setup.Skip(state)) return;
  std::vector<std::unique_ptr<JobQueue>> queues;
  for (int w = 0; w < kWorkers; ++w) {
    queues.push_back(setup.database.Open());
    if (queues.back() == nullptr) {
      state.SkipWithError("cannot open a worker's queue");
      return;
    }
  }
  std::vector<NewJob> batch(static_cast<size_t>(state.range(0)));
  for (NewJob& j : batch) j.type = "noop";
  std::atomic<int64_t> done{0};
  for (auto _ : state) {
    if (!setup.queue->EnqueueBatch(batch).ok()) {
      state.SkipWithError("enqueue failed");
      break;
    }
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        if (!Drain(*queues[w], "bench" + std::to_string(w), 32, done)) {
          failed = true;
        }
      });
    }
    for (std::thread& t : workers) t.join();
    if (failed) {
      state.SkipWithError("lease or complete failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(BM_FourWorkersDrainABatch, sqlite, Backend::kSqlite)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FourWorkersDrainABatch, postgres, Backend::kPostgres)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace lia::jobs

BENCHMARK_MAIN();
