// What only the PostgreSQL store has to get right, on a real server
// (LIA_TEST_POSTGRES_URL; skipped without it): several processes writing at
// once (modelled as stores on separate pools), connections the server drops,
// search text that would be tsquery syntax, text PostgreSQL cannot store,
// and the NOTIFY that wakes workers. The behaviour both stores share is in
// store/store_test.cc.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "store/postgres.h"
#include "store/postgres/list_query.h"
#include "store/postgres/pool.h"
#include "store/postgres/testing/test_database.h"
#include "store/store.h"

namespace lia::store {
namespace {

using ::lia::store::testing::FreshPostgresSchema;
using ::lia::store::testing::kNoPostgres;

core::Message Msg(const std::string& text, const std::string& source_id = "") {
  core::Message m;
  m.id = "client-" + source_id;
  m.text = text;
  m.source_id = source_id;
  m.sender = "Ana Recruiter";
  m.conversation_id = "conv-1";
  m.sent_at = "2026-11-01T10:00:00Z";
  return m;
}

core::Analysis MakeAnalysis(const std::string& company,
                            std::vector<std::string> tech) {
  core::Analysis a;
  a.id = "a";
  a.classification.state = core::ConversationState::kNewOpportunity;
  a.extraction.company = company;
  a.extraction.role = "Backend Engineer";
  a.extraction.tech_stack = std::move(tech);
  a.scores.total = 60;
  a.tier = core::Tier::kInteresting;
  a.reply.kind = core::ReplyKind::kInterested;
  a.reply.text = "Tell me more.";
  return a;
}

OutboxJob AnalysisJob() {
  OutboxJob job;
  job.type = "process_message";
  return job;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = FreshPostgresSchema(/*pool_size=*/4);
    if (!options_) GTEST_SKIP() << kNoPostgres;
    // Its own name, so a test can find (and end) exactly its backends.
    options_->application_name = options_->schema;
    pool_ = OpenPool();
    ASSERT_NE(pool_, nullptr);
    store_ = OpenStore(pool_);
    ASSERT_NE(store_, nullptr);
  }

  std::shared_ptr<postgres::Pool> OpenPool() {
    absl::StatusOr<std::shared_ptr<postgres::Pool>> pool =
        OpenPostgresPool(*options_);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  static std::unique_ptr<Store> OpenStore(std::shared_ptr<postgres::Pool> p) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenPostgresStore(p);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A number the SQL computes, read on the test's pool.
  int64_t Count(const std::string& sql) {
    absl::StatusOr<int64_t> n = pool_->Transact<int64_t>(
        "count", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          return tx.exec1(sql)[0].as<int64_t>();
        });
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  std::vector<int64_t> Search(const std::string& q) {
    OpportunityQuery query;
    query.q = q;
    absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(query);
    EXPECT_TRUE(page.ok()) << q << ": " << page.status();
    std::vector<int64_t> ids;
    if (page.ok()) {
      for (const Opportunity& o : page->items) ids.push_back(o.id);
    }
    return ids;
  }

  int64_t AddOpportunity(const std::string& text, const std::string& company) {
    absl::StatusOr<IngestOutcome> in = store_->InsertMessage(Msg(text));
    EXPECT_TRUE(in.ok()) << in.status();
    if (!in.ok()) return -1;
    absl::StatusOr<Opportunity> o = store_->SaveAnalysis(
        in->message_id, MakeAnalysis(company, {"Rust"}), 1);
    EXPECT_TRUE(o.ok()) << o.status();
    return o.ok() ? o->id : -1;
  }

  std::optional<PostgresOptions> options_;
  std::shared_ptr<postgres::Pool> pool_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------
// Several processes at once.

TEST_F(PostgresStoreTest, ConcurrentIngestFromTwoPoolsStoresEachMessageOnce) {
  constexpr int kMessages = 200;
  constexpr int kThreadsPerStore = 4;
  std::shared_ptr<postgres::Pool> other_pool = OpenPool();
  ASSERT_NE(other_pool, nullptr);
  std::unique_ptr<Store> other = OpenStore(other_pool);
  ASSERT_NE(other, nullptr);

  std::vector<core::Message> messages;
  for (int i = 0; i < kMessages; ++i) {
    messages.push_back(Msg(absl::StrCat("message ", i), absl::StrCat("s", i)));
  }
  absl::Mutex mu;
  std::map<int, std::set<int64_t>> message_ids;  // Per message: ids seen.
  std::map<int, std::set<int64_t>> job_ids;
  int stored = 0;  // Outcomes that were not duplicates.
  std::atomic<int> failures{0};
  // One store ingests in batches of 10, the other one message at a time
  // (the racing path: batches take turns, single messages do not).
  auto ingest = [&](Store& store, int batch_size) {
    for (int start = 0; start < kMessages; start += batch_size) {
      std::vector<core::Message> batch(messages.begin() + start,
                                       messages.begin() + start + batch_size);
      absl::StatusOr<std::vector<IngestOutcome>> out =
          store.InsertMessagesWithJobs(batch, AnalysisJob());
      if (!out.ok()) {
        ADD_FAILURE() << out.status();
        ++failures;
        continue;
      }
      absl::MutexLock lock(&mu);
      for (int k = 0; k < batch_size; ++k) {
        const IngestOutcome& o = (*out)[k];
        message_ids[start + k].insert(o.message_id);
        if (o.job_id) job_ids[start + k].insert(*o.job_id);
        if (!o.duplicate) ++stored;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreadsPerStore; ++t) {
    threads.emplace_back(ingest, std::ref(*store_), 10);
    threads.emplace_back(ingest, std::ref(*other), 1);
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stored, kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM conversations"), 1);
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_EQ(message_ids[i].size(), 1u) << i;  // Everyone got the same id.
    EXPECT_EQ(job_ids[i].size(), 1u) << i;      // And the same live job.
  }
}

TEST_F(PostgresStoreTest, BatchesInOppositeOrdersDoNotDeadlock) {
  // Without batches taking turns, each would wait for the other's
  // uncommitted rows: a deadlock, again at every retry.
  // Long enough that the two always meet midway.
  constexpr int kMessages = 200;
  std::vector<core::Message> forward;
  for (int i = 0; i < kMessages; ++i) {
    forward.push_back(Msg(absl::StrCat("message ", i), absl::StrCat("s", i)));
  }
  const std::vector<core::Message> backward(forward.rbegin(), forward.rend());
  std::shared_ptr<postgres::Pool> other_pool = OpenPool();
  ASSERT_NE(other_pool, nullptr);
  std::unique_ptr<Store> other = OpenStore(other_pool);
  ASSERT_NE(other, nullptr);
  absl::StatusOr<std::vector<IngestOutcome>> a, b;
  std::thread t1(
      [&] { a = store_->InsertMessagesWithJobs(forward, AnalysisJob()); });
  std::thread t2(
      [&] { b = other->InsertMessagesWithJobs(backward, AnalysisJob()); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  int stored = 0;
  for (int i = 0; i < kMessages; ++i) {
    const IngestOutcome& x = (*a)[i];
    const IngestOutcome& y = (*b)[kMessages - 1 - i];
    EXPECT_EQ(x.message_id, y.message_id) << i;
    EXPECT_EQ(x.job_id, y.job_id) << i;
    stored += (x.duplicate ? 0 : 1) + (y.duplicate ? 0 : 1);
  }
  EXPECT_EQ(stored, kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM jobs"), kMessages);
}

TEST_F(PostgresStoreTest, ConcurrentSaveAnalysisMakesOneOpportunityPerMessage) {
  constexpr int kMessages = 50;
  std::vector<int64_t> message_ids;
  for (int i = 0; i < kMessages; ++i) {
    absl::StatusOr<IngestOutcome> in =
        store_->InsertMessage(Msg(absl::StrCat("hiring ", i)));
    ASSERT_TRUE(in.ok()) << in.status();
    message_ids.push_back(in->message_id);
  }
  std::shared_ptr<postgres::Pool> other_pool = OpenPool();
  ASSERT_NE(other_pool, nullptr);
  std::unique_ptr<Store> other = OpenStore(other_pool);
  ASSERT_NE(other, nullptr);

  absl::Mutex mu;
  std::map<int64_t, std::set<int64_t>> opportunity_ids;  // Per message.
  std::atomic<int> failures{0};
  auto save = [&](Store& store, int thread) {
    for (int i = 0; i < kMessages; ++i) {
      // Threads disagree on the analysis: any one of them may win.
      absl::StatusOr<Opportunity> o = store.SaveAnalysis(
          message_ids[i],
          MakeAnalysis(absl::StrCat("Acme ", thread), {"Rust", "Go", "rust"}),
          thread);
      if (!o.ok()) {
        ADD_FAILURE() << o.status();
        ++failures;
        continue;
      }
      absl::MutexLock lock(&mu);
      opportunity_ids[message_ids[i]].insert(o->id);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back(save, std::ref(*store_), 2 * t);
    threads.emplace_back(save, std::ref(*other), 2 * t + 1);
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM opportunities"), kMessages);
  EXPECT_EQ(Count("SELECT count(*) FROM responses"), kMessages);
  // "Rust" and "rust" are one name.
  EXPECT_EQ(Count("SELECT count(*) FROM opportunity_tech"), 2 * kMessages);
  for (const auto& [message, ids] : opportunity_ids) {
    EXPECT_EQ(ids.size(), 1u) << message;
  }
  OpportunityQuery query;
  query.tech = {"RUST", "go"};
  query.tech_match_all = true;
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, kMessages);
}

// ---------------------------------------------------------------------------
// Lost connections.

TEST_F(PostgresStoreTest, CallsAfterTheServerEndedEveryConnectionSucceed) {
  ASSERT_GE(AddOpportunity("Acme is hiring", "Acme"), 0);
  {
    // Fill the pool: four connections, all idle afterwards.
    std::vector<postgres::Pool::Lease> leases;
    for (int i = 0; i < options_->pool_size; ++i) {
      absl::StatusOr<postgres::Pool::Lease> lease = pool_->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      leases.push_back(*std::move(lease));
    }
  }
  ASSERT_EQ(store_->PoolStats().idle, options_->pool_size);

  // As a server restart or a failover would: every backend of ours ends.
  pqxx::connection admin(pool_->connection_string());
  pqxx::nontransaction tx(admin);
  const std::string mine =
      absl::StrCat("application_name = ", tx.quote(options_->schema),
                   " AND pid <> pg_backend_pid()");
  EXPECT_EQ(tx.exec1(absl::StrCat("SELECT count(pg_terminate_backend(pid)) "
                                  "FROM pg_stat_activity WHERE ",
                                  mine))[0]
                .as<int>(),
            options_->pool_size);
  for (int i = 0; i < 100; ++i) {
    if (tx.exec1(absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE ",
                              mine))[0]
            .as<int>() == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }

  // Each call is safe to repeat: the first runs again on a new connection.
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities({});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 1);
  absl::StatusOr<IngestOutcome> in = store_->InsertMessage(Msg("Globex too"));
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_FALSE(in->duplicate);
  EXPECT_TRUE(store_->Ping().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 2);
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailable) {
  ASSERT_TRUE(store_->Ping().ok());
  PostgresOptions options = *options_;
  options.url = "postgresql://lia@127.0.0.1:1/lia";  // Refused at once.
  options.connect_timeout = absl::Seconds(1);
  // A pool whose server went away after it opened: its store reports
  // Unavailable (retry), not an internal error.
  auto pool = std::make_shared<postgres::Pool>(options);
  absl::StatusOr<std::unique_ptr<Store>> store = OpenPostgresStore(pool);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*store)->InsertMessage(Msg("x")).status().code(),
            absl::StatusCode::kUnavailable);
}

// ---------------------------------------------------------------------------
// Text.

TEST_F(PostgresStoreTest, SearchTreatsTsquerySyntaxAsText) {
  const int64_t hostile = AddOpportunity(
      "Rust & Go | !Java <-> 'quoted' \\back\\slash: (C++) a:* b:A", "Acme");
  const int64_t other = AddOpportunity("Nothing special here", "Globex");
  for (const char* q :
       {"!",           "&",       "|",        "<->",   "<2>",
        "a:*",         "'",       "''",       "\\",    "a & b",
        ":*",          "(((",     ")))",      "!rust", "rust | go",
        "rust <-> go", "quoted'", "\xff\xfe", "\xc3",  "a:AB",
        "*:*",         "\"'\"",   "$1",       "%",     "_"}) {
    OpportunityQuery query;
    query.q = q;
    absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(query);
    EXPECT_TRUE(page.ok()) << q << ": " << page.status();
  }
  EXPECT_EQ(Search("!rust"), std::vector<int64_t>{hostile});      // Not "not".
  EXPECT_EQ(Search("rust | go"), std::vector<int64_t>{hostile});  // And.
  EXPECT_EQ(Search("'quoted'"), std::vector<int64_t>{hostile});
  EXPECT_EQ(Search("back\\slash"), std::vector<int64_t>{hostile});
  EXPECT_EQ(Search("special"), std::vector<int64_t>{other});
  EXPECT_TRUE(Search("java | special").empty());
  EXPECT_EQ(Search("").size(), 2u);

  // Long input: many words (the first 32 count) and one huge word.
  std::string many;
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&many, "rust ");
  EXPECT_EQ(Search(many), std::vector<int64_t>{hostile});
  EXPECT_TRUE(Search(std::string(100000, 'x')).empty());
}

TEST_F(PostgresStoreTest, FindsWordsLongerThanPostgresLexemes) {
  const std::string huge(5000, 'k');
  const int64_t id = AddOpportunity("token " + huge + " end", "Acme");
  EXPECT_EQ(Search(huge), std::vector<int64_t>{id});
  EXPECT_EQ(Search("token"), std::vector<int64_t>{id});
}

TEST_F(PostgresStoreTest, RejectsTextPostgresCannotStore) {
  core::Message nul = Msg(std::string("before\0after", 12));
  EXPECT_EQ(store_->InsertMessage(nul).status().code(),
            absl::StatusCode::kInvalidArgument);
  core::Message bad_utf8 = Msg("caf\xe9");
  EXPECT_EQ(store_->InsertMessage(bad_utf8).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<IngestOutcome>> batch =
      store_->InsertMessages({Msg("fine"), nul});
  EXPECT_EQ(batch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(batch.status().message().find("messages[1]"), std::string::npos)
      << batch.status();
  EXPECT_EQ(Count("SELECT count(*) FROM messages"), 0);

  const int64_t id = AddOpportunity("Acme is hiring", "Acme");
  OpportunityPatch patch;
  patch.notes = std::string("call\0back", 9);
  EXPECT_EQ(store_->UpdateOpportunity(id, patch).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->DecideResponse(id, Decision::kEdit, std::string("my\0words", 8))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Plans and stored data.

// The plan of a list statement when the planner may neither scan the table
// nor sort: a Sort node left in it means no index matches the order.
std::string Plan(postgres::Pool& pool, const std::string& sql,
                 const std::vector<std::string>& params) {
  absl::StatusOr<std::string> plan = pool.Transact<std::string>(
      "explain", [&](pqxx::work& tx) -> absl::StatusOr<std::string> {
        tx.exec("SET LOCAL enable_seqscan = off");
        tx.exec("SET LOCAL enable_sort = off");
        std::vector<std::string> lines;
        for (const pqxx::row& row :
             tx.exec_params("EXPLAIN " + sql,
                            pqxx::prepare::make_dynamic_params(params))) {
          lines.push_back(row[0].c_str());
        }
        return absl::StrJoin(lines, "\n");
      });
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : std::string();
}

TEST_F(PostgresStoreTest, EverySortAndItsCursorWalkAnIndex) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_GE(AddOpportunity(absl::StrCat("hiring ", i), "Acme"), 0);
  }
  struct Sort {
    SortBy by;
    const char* index;
  };
  for (const Sort& sort : {Sort{SortBy::kCreatedAt, "opportunities_created"},
                           Sort{SortBy::kTotalScore, "opportunities_score"},
                           Sort{SortBy::kCompany, "opportunities_company"},
                           Sort{SortBy::kSalary, "opportunities_salary"}}) {
    for (bool descending : {true, false}) {
      OpportunityQuery q;
      q.sort_by = sort.by;
      q.descending = descending;
      q.limit = 1;
      absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const std::string& cursor : {std::string(), page->next_cursor}) {
        q.cursor = cursor;
        absl::StatusOr<postgres_internal::ListSql> sql =
            postgres_internal::BuildListSql(q);
        ASSERT_TRUE(sql.ok()) << sql.status();
        const std::string plan = Plan(*pool_, sql->page_sql, sql->page_params);
        EXPECT_NE(plan.find(sort.index), std::string::npos) << plan;
        EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
      }
    }
  }
}

TEST_F(PostgresStoreTest, SearchUsesTheTextIndex) {
  ASSERT_GE(AddOpportunity("Kubernetes in São Paulo", "Acme"), 0);
  OpportunityQuery q;
  q.q = "sao kube";
  absl::StatusOr<postgres_internal::ListSql> sql =
      postgres_internal::BuildListSql(q);
  ASSERT_TRUE(sql.ok()) << sql.status();
  const std::string plan = Plan(*pool_, sql->count_sql, sql->count_params);
  EXPECT_NE(plan.find("opportunities_search"), std::string::npos) << plan;
  EXPECT_EQ(Search("sao kube").size(), 1u);
}

TEST_F(PostgresStoreTest, AnUnreadableStoredAnalysisIsDataLoss) {
  const int64_t id = AddOpportunity("Acme is hiring", "Acme");
  ASSERT_TRUE(pool_
                  ->TransactStatus("damage",
                                   [&](pqxx::work& tx) {
                                     tx.exec_params(
                                         "UPDATE opportunities SET "
                                         "analysis_json = '[1]' WHERE id = $1",
                                         id);
                                     return absl::OkStatus();
                                   })
                  .ok());
  EXPECT_EQ(store_->GetOpportunity(id).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(store_->ListOpportunities({}).status().code(),
            absl::StatusCode::kDataLoss);
}

// ---------------------------------------------------------------------------
// Waking workers.

class JobsListener final : public pqxx::notification_receiver {
 public:
  explicit JobsListener(pqxx::connection& connection)
      : pqxx::notification_receiver(connection, postgres::kJobsChannel) {}
  void operator()(const std::string&, int) override { ++received; }
  int received = 0;
};

TEST_F(PostgresStoreTest, NotifiesWorkersWhenTheOutboxQueuesAJob) {
  pqxx::connection connection(pool_->connection_string());
  JobsListener listener(connection);  // LISTEN now.
  auto await_one = [&]() -> bool {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    listener.received = 0;
    while (listener.received == 0 && absl::Now() < deadline) {
      connection.await_notification(0, 100000);
    }
    return listener.received > 0;
  };

  absl::StatusOr<std::vector<IngestOutcome>> in =
      store_->InsertMessagesWithJobs({Msg("One", "s1")}, AnalysisJob());
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_TRUE(await_one()) << "after InsertMessagesWithJobs";

  ASSERT_TRUE(store_->InsertMessage(Msg("Two", "s2")).ok());
  absl::StatusOr<int64_t> requeued =
      store_->RequeueUnanalysed(AnalysisJob(), 10);
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  EXPECT_EQ(*requeued, 1);
  EXPECT_TRUE(await_one()) << "after RequeueUnanalysed";

  OutboxJob import;
  import.type = "import_export";
  ASSERT_TRUE(store_->SaveUpload("linkedin-export", "PK", import).ok());
  EXPECT_TRUE(await_one()) << "after SaveUpload";
}

TEST_F(PostgresStoreTest, ReportsItsPool) {
  const ConnectionPoolStats stats = store_->PoolStats();
  EXPECT_EQ(stats.max, options_->pool_size);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiting, 0);
}

}  // namespace
}  // namespace lia::store
