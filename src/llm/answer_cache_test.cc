// The answer cache: its keys, its two tiers (the cache backend, then the
// persistent table), and the table itself — run on every store: SQLite on
// a temporary file, PostgreSQL on a fresh schema (skipped without
// LIA_TEST_POSTGRES_URL).

#include "llm/answer_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cache/cache.h"
#include "llm/postgres/postgres_answer_store.h"
#include "llm/sqlite/sqlite_answer_store.h"
#include "store/postgres.h"
#include "store/postgres/testing/test_database.h"

namespace lia::llm {
namespace {

AnswerKey Key(std::string input = "{\"message\":\"hi\"}") {
  AnswerKey k;
  k.provider = "openai";
  k.model = "gpt-4o-mini";
  k.stage = "extract";
  k.prompt_version = "extract.v1+0123456789abcdef";
  k.input = std::move(input);
  return k;
}

enum class Backend { kSqlite, kPostgres };

class AnswerCacheTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      // The schema is made by the first OpenStore: tests of the cache
      // backend alone never connect.
      postgres_ = store::testing::FreshPostgresSchema();
      if (!postgres_) GTEST_SKIP() << store::testing::kNoPostgres;
      return;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    // Per process: other builds may run this test at the same time.
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string("answer_cache_") + name + "_" +
             std::to_string(getpid()) + ".db");
    Remove();
  }
  void TearDown() override {
    if (!path_.empty()) Remove();
  }

  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }

  // A store on the test's database, on connections of its own (a
  // process's).
  std::unique_ptr<AnswerStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<AnswerStore>> store =
        absl::InternalError("unreachable");
    if (postgres_) {
      auto pool = store::OpenPostgresPool(*postgres_);
      if (!pool.ok()) {
        store = pool.status();
      } else {
        store = OpenPostgresAnswerStore(*std::move(pool));
      }
    } else {
      SqliteAnswerStoreOptions options;
      options.path = path_.string();
      store = OpenSqliteAnswerStore(options);
    }
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  static std::unique_ptr<cache::Cache> Memory() {
    return cache::NewMemoryCache(cache::MemoryCacheOptions{});
  }

  std::filesystem::path path_;                      // SQLite.
  std::optional<store::PostgresOptions> postgres_;  // PostgreSQL.
};

std::string BackendName(const ::testing::TestParamInfo<Backend>& param) {
  return param.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

INSTANTIATE_TEST_SUITE_P(Backends, AnswerCacheTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         BackendName);

TEST(AnswerKeyTest, DigestIsStableHexAndCoversEveryField) {
  const std::string digest = Key().Digest();
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Key().Digest(), digest);

  std::set<std::string> digests = {digest};
  std::vector<AnswerKey> variants(6, Key());
  variants[0].provider = "anthropic";
  variants[1].model = "gpt-4o";
  variants[2].stage = "classify";
  variants[3].prompt_version = "extract.v2+0123456789abcdef";
  variants[4].profile_version = "42";
  variants[5].input = "{\"message\":\"hi!\"}";
  for (const AnswerKey& k : variants) {
    EXPECT_TRUE(digests.insert(k.Digest()).second) << k.stage;
  }
  // Fields are length-prefixed: moving a boundary changes the digest.
  AnswerKey a = Key();
  AnswerKey b = Key();
  a.model = "gpt-4o-mini";
  a.stage = "x";
  b.model = "gpt-4o-min";
  b.stage = "ix";
  EXPECT_NE(a.Digest(), b.Digest());
}

TEST_P(AnswerCacheTest, MissThenHitFromTheCacheBackend) {
  auto memory = Memory();
  auto store = OpenStore();
  AnswerCache answers(memory.get(), store.get());
  EXPECT_EQ(answers.Get(Key()), std::nullopt);
  answers.Put(Key(), R"({"a":1})", 120, 30);
  EXPECT_EQ(answers.Get(Key()), R"({"a":1})");
  const AnswerCacheStats s = answers.stats();
  EXPECT_EQ(s.misses, 1);
  EXPECT_EQ(s.puts, 1);
  EXPECT_EQ(s.cache_hits, 1);
  EXPECT_EQ(s.store_hits, 0);
  EXPECT_EQ(s.saved_input_tokens, 120);
  EXPECT_EQ(s.saved_output_tokens, 30);
  EXPECT_EQ(*store->Count(), 1);
}

TEST_P(AnswerCacheTest, SurvivesARestartThroughTheStore) {
  {
    auto memory = Memory();
    auto store = OpenStore();
    AnswerCache answers(memory.get(), store.get());
    answers.Put(Key(), R"({"a":1})", 100, 20);
  }
  // A new process: an empty cache backend, the same database file.
  auto memory = Memory();
  auto store = OpenStore();
  AnswerCache answers(memory.get(), store.get());
  EXPECT_EQ(answers.Get(Key()), R"({"a":1})");
  EXPECT_EQ(answers.Get(Key()), R"({"a":1})");
  const AnswerCacheStats s = answers.stats();
  EXPECT_EQ(s.store_hits, 1);  // Then copied into the cache backend...
  EXPECT_EQ(s.cache_hits, 1);  // ...which answers the second time.
  EXPECT_EQ(s.misses, 0);
  EXPECT_EQ(s.saved_input_tokens, 200);
}

TEST_P(AnswerCacheTest, EitherTierMayBeAbsent) {
  auto store = OpenStore();
  AnswerCache store_only(nullptr, store.get());
  store_only.Put(Key(), "{}", 1, 1);
  EXPECT_EQ(store_only.Get(Key()), "{}");

  auto memory = Memory();
  AnswerCache memory_only(memory.get(), nullptr);
  memory_only.Put(Key(), "{}", 1, 1);
  EXPECT_EQ(memory_only.Get(Key()), "{}");

  AnswerCache none(nullptr, nullptr);
  none.Put(Key(), "{}", 1, 1);
  EXPECT_EQ(none.Get(Key()), std::nullopt);
}

TEST_P(AnswerCacheTest, DifferentInputsDoNotShareAnAnswer) {
  auto memory = Memory();
  AnswerCache answers(memory.get(), nullptr);
  answers.Put(Key("one"), "1", 0, 0);
  answers.Put(Key("two"), "2", 0, 0);
  EXPECT_EQ(answers.Get(Key("one")), "1");
  EXPECT_EQ(answers.Get(Key("two")), "2");
  EXPECT_EQ(answers.Get(Key("three")), std::nullopt);
}

TEST_P(AnswerCacheTest, ACorruptCacheValueIsAMiss) {
  auto memory = Memory();
  AnswerCache answers(memory.get(), nullptr);
  memory->Set("llm:" + Key().Digest(), "garbage", std::chrono::seconds(60));
  EXPECT_EQ(answers.Get(Key()), std::nullopt);
  EXPECT_EQ(answers.stats().misses, 1);
}

// A store that always fails, as a database that went away would.
class BrokenStore final : public AnswerStore {
 public:
  // AnswerStore:
  absl::StatusOr<StoredAnswer> Get(const std::string&) override {
    return absl::UnavailableError("disk gone");
  }
  absl::Status Put(const StoredAnswer&) override {
    return absl::UnavailableError("disk gone");
  }
  absl::StatusOr<int64_t> DeleteBefore(absl::Time) override {
    return absl::UnavailableError("disk gone");
  }
  absl::StatusOr<int64_t> Count() override {
    return absl::UnavailableError("disk gone");
  }
};

TEST_P(AnswerCacheTest, AFailingStoreIsCountedNeverFatal) {
  BrokenStore broken;
  AnswerCache answers(nullptr, &broken);
  EXPECT_EQ(answers.Get(Key()), std::nullopt);
  answers.Put(Key(), "{}", 1, 1);
  EXPECT_EQ(answers.stats().store_errors, 2);
  EXPECT_EQ(answers.stats().misses, 1);
}

TEST_P(AnswerCacheTest, IsSafeToShareAcrossThreads) {
  auto memory = Memory();
  auto store = OpenStore();
  AnswerCache answers(memory.get(), store.get());
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const AnswerKey k = Key(std::to_string(i % 10));
        if (!answers.Get(k)) answers.Put(k, std::to_string(i % 10), t, i);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(answers.Get(Key(std::to_string(i))), std::to_string(i));
  }
  EXPECT_EQ(*store->Count(), 10);
}

// ---- The table -------------------------------------------------------------

StoredAnswer Stored(const AnswerKey& key, std::string answer) {
  StoredAnswer a;
  a.key = key.Digest();
  a.provider = key.provider;
  a.model = key.model;
  a.stage = key.stage;
  a.prompt_version = key.prompt_version;
  a.answer = std::move(answer);
  a.input_tokens = 10;
  a.output_tokens = 5;
  return a;
}

TEST_P(AnswerCacheTest, StorePutsGetsAndReplaces) {
  auto store = OpenStore();
  EXPECT_TRUE(absl::IsNotFound(store->Get(Key().Digest()).status()));
  ASSERT_TRUE(store->Put(Stored(Key(), R"({"v":1})")).ok());
  absl::StatusOr<StoredAnswer> got = store->Get(Key().Digest());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->answer, R"({"v":1})");
  EXPECT_EQ(got->provider, "openai");
  EXPECT_EQ(got->model, "gpt-4o-mini");
  EXPECT_EQ(got->stage, "extract");
  EXPECT_EQ(got->prompt_version, "extract.v1+0123456789abcdef");
  EXPECT_EQ(got->input_tokens, 10);
  EXPECT_EQ(got->output_tokens, 5);
  ASSERT_TRUE(store->Put(Stored(Key(), R"({"v":2})")).ok());
  EXPECT_EQ(store->Get(Key().Digest())->answer, R"({"v":2})");
  EXPECT_EQ(*store->Count(), 1);
}

TEST_P(AnswerCacheTest, StoreRefusesBadRows) {
  auto store = OpenStore();
  StoredAnswer bad = Stored(Key(), "{}");
  bad.key = "not-a-digest";
  EXPECT_TRUE(absl::IsInvalidArgument(store->Put(bad)));
  EXPECT_TRUE(absl::IsNotFound(store->Get("not-a-digest").status()));
  bad = Stored(Key(), "");
  EXPECT_TRUE(absl::IsInvalidArgument(store->Put(bad)));
  bad = Stored(Key(), "{}");
  bad.input_tokens = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(store->Put(bad)));
}

TEST_P(AnswerCacheTest, StoreDeletesOldAnswers) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Put(Stored(Key("a"), "1")).ok());
  ASSERT_TRUE(store->Put(Stored(Key("b"), "2")).ok());
  EXPECT_EQ(*store->DeleteBefore(absl::Now() - absl::Hours(1)), 0);
  EXPECT_EQ(*store->DeleteBefore(absl::InfinitePast()), 0);
  EXPECT_EQ(*store->DeleteBefore(absl::Now() + absl::Seconds(1)), 2);
  EXPECT_EQ(*store->Count(), 0);
}

TEST(SqliteAnswerStoreTest, RefusesAPrivateDatabase) {
  SqliteAnswerStoreOptions options;
  options.path = ":memory:";
  EXPECT_FALSE(OpenSqliteAnswerStore(options).ok());
  options.path = "";
  EXPECT_FALSE(OpenSqliteAnswerStore(options).ok());
}

TEST(PostgresAnswerStoreTest, RefusesANullPool) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(OpenPostgresAnswerStore(nullptr).status()));
}

}  // namespace
}  // namespace lia::llm
