// The SQLite Store: one writer connection behind a mutex, a pool of reader
// connections beside it. In WAL mode readers see the last committed state and
// never wait for the writer, so a long write does not stall the API.

#include <atomic>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "core/json.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "sqlite3.h"
#include "store/internal/cursor.h"
#include "store/internal/rows.h"
#include "store/internal/text_hash.h"
#include "store/internal/time.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/list_query.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/outbox.h"
#include "store/sqlite/sqlite_errors.h"
#include "store/store.h"

namespace lia::store {
namespace {

using sqlite_internal::kOpportunityColumnCount;
using sqlite_internal::kOpportunityColumns;
using sqlite_internal::SqlValue;

constexpr int kMaxReadConnections = 64;
constexpr int64_t kMaxListLimit = 500;

// ---------------------------------------------------------------------------
// Errors: every SQLite (and JSON) exception becomes a Status here, coded by
// what the caller should do next (STYLE habit 3).

// Runs body and turns any exception into a Status: none crosses the module
// boundary (STYLE habit 2).
template <typename F>
auto Guarded(F&& body) -> decltype(body()) {
  return sqlite_internal::GuardedSqlite("store", std::forward<F>(body));
}

// ---------------------------------------------------------------------------
// Small helpers.

// Dumps never throw on invalid UTF-8 from hostile messages: they replace it.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Bind(SQLite::Statement& st, int index, const SqlValue& v) {
  if (const auto* n = std::get_if<int64_t>(&v)) {
    st.bind(index, *n);
  } else {
    st.bind(index, std::get<std::string>(v));
  }
}

void BindAll(SQLite::Statement& st, const std::vector<SqlValue>& values) {
  int index = 1;
  for (const SqlValue& v : values) Bind(st, index++, v);
}

void BindOptional(SQLite::Statement& st, int index,
                  const std::optional<int64_t>& v) {
  if (v) {
    st.bind(index, *v);
  } else {
    st.bind(index);
  }
}

std::string Text(const SQLite::Statement& st, int column) {
  return st.getColumn(column).getString();
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsInMemory(const std::string& path) { return path == ":memory:"; }

// ---------------------------------------------------------------------------
// Connections and migrations.

// The parent directory of a database file, created when missing so the
// default "./data/lia.db" works on a fresh checkout.
absl::Status EnsureParentDirectory(const std::string& path) {
  if (IsInMemory(path)) return absl::OkStatus();
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (parent.empty()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create directory ", parent.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

enum class Role { kWriter, kReader };

// Throws SQLite::Exception; callers run it under Guarded.
std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path,
                                                 int busy_timeout_ms,
                                                 Role role) {
  // NOMUTEX: each connection is used by one thread at a time (our locks), so
  // SQLite's own per-connection mutex would only cost.
  int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;
  if (role == Role::kWriter) flags |= SQLite::OPEN_CREATE;
  auto db = std::make_unique<SQLite::Database>(path, flags, busy_timeout_ms);
  if (role == Role::kWriter) {
    // Persistent in the file; readers opened later inherit it.
    db->exec("PRAGMA journal_mode = WAL");
  }
  db->exec("PRAGMA foreign_keys = ON");
  db->exec("PRAGMA synchronous = NORMAL");
  // Statement journals and sorts in memory: a file per write otherwise.
  db->exec("PRAGMA temp_store = MEMORY");
  if (role == Role::kReader) db->exec("PRAGMA query_only = ON");
  return db;
}

int LatestMigration() {
  return sqlite_internal::Migrations().empty()
             ? 0
             : sqlite_internal::Migrations().back().version;
}

// Applies the pending migrations in one IMMEDIATE transaction: either the
// schema reaches the latest version or it stays as it was. Concurrent openers
// serialise on the write lock and the second finds nothing to do.
absl::StatusOr<int> Migrate(SQLite::Database& db,
                            const std::function<std::string()>& now) {
  SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL)");
  int current = 0;
  {
    SQLite::Statement st(db,
                         "SELECT ifnull(max(version), 0) FROM "
                         "schema_migrations");
    st.executeStep();
    current = st.getColumn(0).getInt();
  }
  const int latest = LatestMigration();
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", current, " is newer than this lia (",
        latest, "); upgrade lia or open another database"));
  }
  for (const sqlite_internal::Migration& m : sqlite_internal::Migrations()) {
    if (m.version <= current) continue;
    db.exec(std::string(m.sql));
    SQLite::Statement st(db,
                         "INSERT INTO schema_migrations (version, name, "
                         "applied_at) VALUES (?, ?, ?)");
    st.bind(1, m.version);
    st.bind(2, std::string(m.name));
    st.bind(3, now());
    st.exec();
  }
  txn.commit();
  return latest;
}

// ---------------------------------------------------------------------------
// Rows to values.

using internal::Corrupt;

// Reads a row selected with kOpportunityColumns.
absl::StatusOr<Opportunity> ReadOpportunity(const SQLite::Statement& st) {
  internal::OpportunityColumns c;
  c.id = st.getColumn(0).getInt64();
  c.message_id = st.getColumn(1).getInt64();
  c.conversation_id = Text(st, 2);
  c.recruiter_name = Text(st, 3);
  c.raw_message = Text(st, 4);
  c.analysis_json = Text(st, 5);
  if (!st.getColumn(6).isNull()) c.manual_tier = Text(st, 6);
  c.status = Text(st, 7);
  c.processing_status = Text(st, 8);
  c.notes = Text(st, 9);
  c.profile_version = st.getColumn(10).getInt64();
  c.created_at = Text(st, 11);
  c.updated_at = Text(st, 12);
  return internal::DecodeOpportunity(std::move(c));
}

constexpr char kResponseColumns[] =
    "id, opportunity_id, status, kind, language, draft_text, final_text, "
    "created_at, updated_at";

absl::StatusOr<Response> ReadResponse(const SQLite::Statement& st) {
  internal::ResponseColumns c;
  c.id = st.getColumn(0).getInt64();
  c.opportunity_id = st.getColumn(1).getInt64();
  c.status = Text(st, 2);
  c.kind = Text(st, 3);
  c.language = Text(st, 4);
  c.draft_text = Text(st, 5);
  c.final_text = Text(st, 6);
  c.created_at = Text(st, 7);
  c.updated_at = Text(st, 8);
  return internal::DecodeResponse(std::move(c));
}

absl::StatusOr<Opportunity> LoadOpportunity(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db,
                       absl::StrCat("SELECT ", kOpportunityColumns,
                                    " FROM opportunities o WHERE o.id = ?"));
  st.bind(1, id);
  if (!st.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no opportunity ", id));
  }
  return ReadOpportunity(st);
}

absl::Status CheckOpportunityExists(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db, "SELECT 1 FROM opportunities WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) {
    return absl::NotFoundError(absl::StrCat("no opportunity ", id));
  }
  return absl::OkStatus();
}

// NotFound naming what is missing: the opportunity, or only its reply.
absl::StatusOr<Response> LoadResponse(SQLite::Database& db,
                                      int64_t opportunity_id) {
  SQLite::Statement st(db, absl::StrCat("SELECT ", kResponseColumns,
                                        " FROM responses WHERE "
                                        "opportunity_id = ?"));
  st.bind(1, opportunity_id);
  if (st.executeStep()) return ReadResponse(st);
  LIA_RETURN_IF_ERROR(CheckOpportunityExists(db, opportunity_id));
  return absl::NotFoundError(
      absl::StrCat("opportunity ", opportunity_id, " has no reply"));
}

std::optional<int64_t> OpportunityOfMessage(SQLite::Database& db,
                                            int64_t message_id) {
  SQLite::Statement st(db, "SELECT id FROM opportunities WHERE message_id = ?");
  st.bind(1, message_id);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

// ---------------------------------------------------------------------------
// Messages.

bool IsRetired(SQLite::Database& db, int64_t message_id) {
  SQLite::Statement st(
      db, "SELECT retired_at IS NOT NULL FROM messages WHERE id = ?");
  st.bind(1, message_id);
  return st.executeStep() && st.getColumn(0).getInt() != 0;
}

absl::Status ValidateMessage(const core::Message& m) {
  if (IsBlank(m.text)) return absl::InvalidArgumentError("text is empty");
  return absl::OkStatus();
}

using internal::ThreadFromJson;
using internal::ThreadToJson;

// Stores one message unless it is already there. Runs inside the caller's
// transaction, so a batch sees its own earlier rows.
IngestOutcome InsertOne(SQLite::Database& db, const core::Message& m,
                        const std::string& now) {
  const std::string hash = internal::TextHash(m.text);
  // Canonical when it parses, so "…00Z" and "…00.000Z" are one instant for
  // the dedupe key; kept as given otherwise.
  absl::StatusOr<std::string> canonical =
      internal::NormalizeTimestamp(m.sent_at);
  const std::string sent_at = canonical.ok() ? *canonical : m.sent_at;

  std::optional<int64_t> existing;
  if (!m.source_id.empty()) {
    SQLite::Statement st(db, "SELECT id FROM messages WHERE source_id = ?");
    st.bind(1, m.source_id);
    if (st.executeStep()) existing = st.getColumn(0).getInt64();
  }
  if (!existing) {
    SQLite::Statement st(db,
                         "SELECT id FROM messages WHERE conversation_id = ? "
                         "AND sender = ? AND sent_at = ? AND text_hash = ?");
    st.bind(1, m.conversation_id);
    st.bind(2, m.sender);
    st.bind(3, sent_at);
    st.bind(4, hash);
    if (st.executeStep()) existing = st.getColumn(0).getInt64();
  }
  if (existing) {
    IngestOutcome duplicate;
    duplicate.message_id = *existing;
    duplicate.duplicate = true;
    duplicate.opportunity_id = OpportunityOfMessage(db, *existing);
    duplicate.retired = !duplicate.opportunity_id && IsRetired(db, *existing);
    return duplicate;
  }

  SQLite::Statement insert(
      db,
      "INSERT INTO messages (source_id, client_id, conversation_id, sender, "
      "sender_profile_url, text, text_hash, sent_at, thread_json, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (m.source_id.empty()) {
    insert.bind(1);  // NULL: messages without source id never collide on it.
  } else {
    insert.bind(1, m.source_id);
  }
  insert.bind(2, m.id);
  insert.bind(3, m.conversation_id);
  insert.bind(4, m.sender);
  insert.bind(5, m.sender_profile_url);
  insert.bind(6, m.text);
  insert.bind(7, hash);
  insert.bind(8, sent_at);
  insert.bind(9, ThreadToJson(m.thread));
  insert.bind(10, now);
  insert.exec();
  const int64_t id = db.getLastInsertRowid();

  if (!m.conversation_id.empty()) {
    SQLite::Statement upsert(
        db,
        "INSERT INTO conversations (id, last_message_at, created_at, "
        "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "last_message_at = max(last_message_at, excluded.last_message_at), "
        "updated_at = excluded.updated_at");
    upsert.bind(1, m.conversation_id);
    upsert.bind(2, canonical.ok() ? *canonical : now);
    upsert.bind(3, now);
    upsert.bind(4, now);
    upsert.exec();
  }
  IngestOutcome added;
  added.message_id = id;
  return added;
}

// ---------------------------------------------------------------------------
// The store.

class SqliteStore final : public Store {
 public:
  SqliteStore(std::function<std::string()> now,
              std::unique_ptr<SQLite::Database> writer,
              std::vector<std::unique_ptr<SQLite::Database>> readers)
      : now_(std::move(now)),
        writer_(std::move(writer)),
        file_mu_(sqlite_internal::FileWriteMutex(*writer_)),
        idle_readers_(std::move(readers)),
        has_readers_(!idle_readers_.empty()),
        reader_count_(static_cast<int64_t>(idle_readers_.size())) {}

  // Store:
  absl::StatusOr<IngestOutcome> InsertMessage(
      const core::Message& message) override;
  absl::StatusOr<std::vector<IngestOutcome>> InsertMessages(
      const std::vector<core::Message>& messages) override;
  absl::StatusOr<std::vector<IngestOutcome>> InsertMessagesWithJobs(
      const std::vector<core::Message>& messages,
      const OutboxJob& job) override;
  absl::StatusOr<int64_t> RequeueUnanalysed(const OutboxJob& job,
                                            int64_t limit) override;
  absl::StatusOr<StoredMessage> GetMessage(int64_t message_id) override;
  absl::StatusOr<std::pair<int64_t, int64_t>> SaveUpload(
      std::string_view kind, std::string_view bytes,
      const OutboxJob& job) override;
  absl::StatusOr<Upload> GetUpload(int64_t id, bool with_bytes) override;
  absl::Status FinishUpload(int64_t id, bool ok,
                            std::string_view summary_json) override;
  absl::Status SaveDigest(const Digest& digest) override;
  absl::StatusOr<std::optional<Digest>> LatestDigest() override;
  absl::StatusOr<RetentionResult> ApplyRetention(
      const RetentionCutoffs& cutoffs) override;
  absl::StatusOr<Opportunity> SaveAnalysis(int64_t message_id,
                                           const core::Analysis& analysis,
                                           int64_t profile_version) override;
  absl::StatusOr<std::vector<Opportunity>> SaveAnalyses(
      const std::vector<AnalysisToSave>& analyses) override;
  absl::StatusOr<Opportunity> GetOpportunity(int64_t id) override;
  absl::StatusOr<OpportunityPage> ListOpportunities(
      const OpportunityQuery& query) override;
  absl::StatusOr<Opportunity> UpdateOpportunity(
      int64_t id, const OpportunityPatch& patch) override;
  absl::Status DeleteOpportunity(int64_t id, bool force) override;
  absl::StatusOr<OpportunityStats> Stats() override;
  absl::StatusOr<std::vector<int64_t>> OpportunityIds() override;
  absl::StatusOr<Response> GetResponse(int64_t opportunity_id) override;
  absl::StatusOr<std::vector<Response>> ListResponses(
      std::optional<ResponseStatus> status, int64_t skip,
      int64_t limit) override;
  absl::StatusOr<Response> DecideResponse(
      int64_t opportunity_id, Decision decision,
      const std::optional<std::string>& text) override;
  absl::Status CreateApiToken(std::string_view name,
                              std::string_view token_hash) override;
  absl::StatusOr<bool> ApiTokenExists(std::string_view token_hash) override;
  absl::Status Ping() override;
  ConnectionPoolStats PoolStats() const override;

 private:
  // A statement of the writer connection, prepared once and reused (reset,
  // bindings cleared): parsing SQL was half the cost of a batch save.
  // Writer only, under write_mu_.
  // Write bodies run under write_mu_ but as lambdas, which the analysis
  // cannot follow; AssertHeld checks it at run time instead.
  SQLite::Statement& Prepared(SQLite::Database& db,
                              const char* sql) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    write_mu_.AssertHeld();
    return prepared_.Get(db, sql);
  }

  // InsertMessages, and with `job` (not null) InsertMessagesWithJobs.
  absl::StatusOr<std::vector<IngestOutcome>> InsertBatch(
      const std::vector<core::Message>& messages, const OutboxJob* job);

  // The body of SaveAnalysis inside the caller's transaction.
  absl::StatusOr<Opportunity> SaveAnalysisIn(SQLite::Database& db,
                                             int64_t message_id,
                                             const core::Analysis& analysis,
                                             int64_t profile_version,
                                             const std::string& now);

  // Runs body(db) on the writer connection, alone. body opens its own
  // IMMEDIATE transaction, so it never has to upgrade a read lock (which can
  // fail with SQLITE_BUSY regardless of the timeout).
  //
  // Every cached statement is reset afterwards: a stepped statement left
  // pending keeps its read snapshot open, and other connections on the file
  // (the job queue, the event log) write meanwhile, so the next BEGIN
  // IMMEDIATE here would fail at once with SQLITE_BUSY_SNAPSHOT.
  template <typename F>
  auto Write(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    waiting_.fetch_add(1, std::memory_order_relaxed);
    absl::MutexLock lock(&write_mu_);
    absl::MutexLock file_lock(&file_mu_);
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    writer_in_use_.store(true, std::memory_order_relaxed);
    SQLite::Database& db = *writer_;
    auto result = Guarded([&] { return body(db); });
    prepared_.ResetAll();
    writer_in_use_.store(false, std::memory_order_relaxed);
    return result;
  }

  // Runs body(db) on an idle reader connection, waiting for one; on the
  // writer when there are no readers (":memory:").
  template <typename F>
  auto Read(F&& body) -> decltype(body(std::declval<SQLite::Database&>())) {
    if (!has_readers_) return Write(std::forward<F>(body));
    std::unique_ptr<SQLite::Database> db;
    waiting_.fetch_add(1, std::memory_order_relaxed);
    {
      absl::MutexLock lock(&read_mu_,
                           absl::Condition(this, &SqliteStore::HasIdleReader));
      db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      idle_reader_count_.store(static_cast<int64_t>(idle_readers_.size()),
                               std::memory_order_relaxed);
    }
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    // Guarded catches everything, so the connection always goes back.
    auto result = Guarded([&] { return body(*db); });
    absl::MutexLock lock(&read_mu_);
    idle_readers_.push_back(std::move(db));
    idle_reader_count_.store(static_cast<int64_t>(idle_readers_.size()),
                             std::memory_order_relaxed);
    return result;
  }

  bool HasIdleReader() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu_) {
    return !idle_readers_.empty();
  }

  const std::function<std::string()> now_;
  absl::Mutex write_mu_;
  const std::unique_ptr<SQLite::Database> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  // Every write of this process to the file (sqlite_errors.h).
  absl::Mutex& file_mu_;
  sqlite_internal::StatementCache prepared_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex read_mu_;
  std::vector<std::unique_ptr<SQLite::Database>> idle_readers_
      ABSL_GUARDED_BY(read_mu_);
  const bool has_readers_;
  // PoolStats reads these without the locks (a scrape must not wait).
  const int64_t reader_count_;
  std::atomic<int64_t> idle_reader_count_{reader_count_};
  std::atomic<bool> writer_in_use_{false};
  std::atomic<int64_t> waiting_{0};
};

absl::StatusOr<IngestOutcome> SqliteStore::InsertMessage(
    const core::Message& message) {
  LIA_RETURN_IF_ERROR(ValidateMessage(message));
  return Write([&](SQLite::Database& db) -> absl::StatusOr<IngestOutcome> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    IngestOutcome outcome = InsertOne(db, message, now_());
    txn.commit();
    return outcome;
  });
}

absl::StatusOr<std::vector<IngestOutcome>> SqliteStore::InsertMessages(
    const std::vector<core::Message>& messages) {
  return InsertBatch(messages, nullptr);
}

absl::StatusOr<StoredMessage> SqliteStore::GetMessage(int64_t message_id) {
  return Read([&](SQLite::Database& db) -> absl::StatusOr<StoredMessage> {
    SQLite::Statement st(
        db,
        "SELECT id, ifnull(source_id, ''), client_id, conversation_id, sender, "
        "sender_profile_url, text, sent_at, thread_json, created_at "
        "FROM messages WHERE id = ?");
    st.bind(1, message_id);
    if (!st.executeStep()) {
      return absl::NotFoundError(absl::StrCat("no message ", message_id));
    }
    StoredMessage out;
    out.id = st.getColumn(0).getInt64();
    out.message.source_id = Text(st, 1);
    out.message.id = Text(st, 2);
    out.message.conversation_id = Text(st, 3);
    out.message.sender = Text(st, 4);
    out.message.sender_profile_url = Text(st, 5);
    out.message.text = Text(st, 6);
    out.message.sent_at = Text(st, 7);
    LIA_ASSIGN_OR_RETURN(out.message.thread,
                         ThreadFromJson(out.id, Text(st, 8)));
    out.created_at = Text(st, 9);
    return out;
  });
}

absl::StatusOr<Opportunity> SqliteStore::SaveAnalysisIn(
    SQLite::Database& db, int64_t message_id, const core::Analysis& analysis,
    int64_t profile_version, const std::string& now) {
  const std::string analysis_json = Dump(core::ToJson(analysis));
  const core::Extraction& x = analysis.extraction;
  std::optional<int64_t> salary_usd_max;
  if (x.salary) salary_usd_max = x.salary->yearly_usd_max;

  std::string conversation_id, sender, text;
  {
    SQLite::Statement& st = Prepared(
        db, "SELECT conversation_id, sender, text FROM messages WHERE id = ?");
    st.bind(1, message_id);
    if (!st.executeStep()) {
      return absl::NotFoundError(absl::StrCat("no message ", message_id));
    }
    conversation_id = Text(st, 0);
    sender = Text(st, 1);
    text = Text(st, 2);
  }

  // Analysis columns, shared by the insert and the update (1..10).
  auto bind_analysis = [&](SQLite::Statement& st) {
    st.bind(1, analysis_json);
    st.bind(2, x.company.value_or(""));
    st.bind(3, x.role.value_or(""));
    st.bind(4, int64_t{analysis.scores.total});
    st.bind(5, std::string(core::ToString(analysis.tier)));
    st.bind(6, std::string(core::ToString(analysis.classification.state)));
    st.bind(7, std::string(core::ToString(x.remote_policy)));
    BindOptional(st, 8, salary_usd_max);
    st.bind(9, profile_version);
    st.bind(10, now);
  };

  std::optional<int64_t> id = OpportunityOfMessage(db, message_id);
  bool inserted = false;
  if (id) {
    // Reprocess or rescore: status, notes and manual tier are the person's.
    SQLite::Statement& st = Prepared(
        db,
        "UPDATE opportunities SET analysis_json = ?, company = ?, role = ?, "
        "total_score = ?, tier = ?, conversation_state = ?, "
        "remote_policy = ?, salary_usd_max = ?, profile_version = ?, "
        "updated_at = ?, processing_status = 'completed' WHERE id = ?");
    bind_analysis(st);
    st.bind(11, *id);
    st.exec();
  } else {
    SQLite::Statement& st = Prepared(
        db,
        "INSERT INTO opportunities (analysis_json, company, role, "
        "total_score, tier, conversation_state, remote_policy, "
        "salary_usd_max, profile_version, updated_at, message_id, "
        "conversation_id, recruiter_name, raw_message, created_at, status, "
        "processing_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, 'new', 'completed')");
    bind_analysis(st);
    st.bind(11, message_id);
    st.bind(12, conversation_id);
    st.bind(13, sender);
    st.bind(14, text);
    st.bind(15, now);
    st.exec();
    id = db.getLastInsertRowid();
    inserted = true;
  }

  {
    SQLite::Statement& del = Prepared(db,
                                      "DELETE FROM opportunity_tech WHERE "
                                      "opportunity_id = ?");
    del.bind(1, *id);
    del.exec();
    SQLite::Statement& ins = Prepared(db,
                                      "INSERT OR IGNORE INTO opportunity_tech "
                                      "(opportunity_id, tech) VALUES (?, ?)");
    for (const std::string& tech : x.tech_stack) {
      if (IsBlank(tech)) continue;
      ins.reset();
      ins.bind(1, *id);
      ins.bind(2, tech);
      ins.exec();
    }
  }

  // The reply: a decided one is the person's and stays; a pending one
  // takes the new draft (keeping any text the person edited in); no reply
  // (a courtesy close) removes a pending draft that no longer applies.
  std::optional<std::pair<int64_t, std::string>> response;
  {
    SQLite::Statement& st = Prepared(
        db, "SELECT id, status FROM responses WHERE opportunity_id = ?");
    st.bind(1, *id);
    if (st.executeStep()) {
      response.emplace(st.getColumn(0).getInt64(), Text(st, 1));
    }
  }
  const std::string pending(ToString(ResponseStatus::kPending));
  const bool has_reply = analysis.reply.kind != core::ReplyKind::kNone;
  if (!response && has_reply) {
    SQLite::Statement& st = Prepared(
        db,
        "INSERT INTO responses (opportunity_id, status, kind, language, "
        "draft_text, final_text, created_at, updated_at) "
        "VALUES (?, 'pending', ?, ?, ?, '', ?, ?)");
    st.bind(1, *id);
    st.bind(2, std::string(core::ToString(analysis.reply.kind)));
    st.bind(3, std::string(core::ToString(analysis.reply.language)));
    st.bind(4, analysis.reply.text);
    st.bind(5, now);
    st.bind(6, now);
    st.exec();
  } else if (response && response->second == pending && has_reply) {
    SQLite::Statement& st =
        Prepared(db,
                 "UPDATE responses SET kind = ?, language = ?, draft_text = ?, "
                 "updated_at = ? WHERE id = ?");
    st.bind(1, std::string(core::ToString(analysis.reply.kind)));
    st.bind(2, std::string(core::ToString(analysis.reply.language)));
    st.bind(3, analysis.reply.text);
    st.bind(4, now);
    st.bind(5, response->first);
    st.exec();
  } else if (response && response->second == pending && !has_reply) {
    SQLite::Statement& st = Prepared(db, "DELETE FROM responses WHERE id = ?");
    st.bind(1, response->first);
    st.exec();
  }

  if (inserted) {
    // Everything of a new row is known here: no read back, no JSON parse
    // (batch ingest saves a thousand at a time).
    Opportunity out;
    out.id = *id;
    out.message_id = message_id;
    out.conversation_id = conversation_id;
    out.recruiter_name = sender;
    out.raw_message = text;
    out.analysis = analysis;
    out.status = OpportunityStatus::kNew;
    out.processing_status = ProcessingStatus::kCompleted;
    out.profile_version = profile_version;
    out.created_at = now;
    out.updated_at = now;
    return out;
  }
  return LoadOpportunity(db, *id);
}

absl::StatusOr<Opportunity> SqliteStore::SaveAnalysis(
    int64_t message_id, const core::Analysis& analysis,
    int64_t profile_version) {
  return Write([&](SQLite::Database& db) -> absl::StatusOr<Opportunity> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_ASSIGN_OR_RETURN(
        Opportunity out,
        SaveAnalysisIn(db, message_id, analysis, profile_version, now_()));
    txn.commit();
    return out;
  });
}

absl::StatusOr<std::vector<Opportunity>> SqliteStore::SaveAnalyses(
    const std::vector<AnalysisToSave>& analyses) {
  return Write(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<Opportunity>> {
        SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now = now_();
        std::vector<Opportunity> out;
        out.reserve(analyses.size());
        for (const AnalysisToSave& a : analyses) {
          LIA_ASSIGN_OR_RETURN(Opportunity o,
                               SaveAnalysisIn(db, a.message_id, *a.analysis,
                                              a.profile_version, now));
          out.push_back(std::move(o));
        }
        txn.commit();
        return out;
      });
}

absl::StatusOr<Opportunity> SqliteStore::GetOpportunity(int64_t id) {
  return Read([&](SQLite::Database& db) { return LoadOpportunity(db, id); });
}

absl::StatusOr<OpportunityPage> SqliteStore::ListOpportunities(
    const OpportunityQuery& query) {
  LIA_ASSIGN_OR_RETURN(sqlite_internal::ListSql sql,
                       sqlite_internal::BuildListSql(query));
  return Read([&](SQLite::Database& db) -> absl::StatusOr<OpportunityPage> {
    // One snapshot for the page and its total.
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::DEFERRED);
    OpportunityPage page;
    {
      SQLite::Statement st(db, sql.count_sql);
      BindAll(st, sql.count_binds);
      st.executeStep();
      page.total = st.getColumn(0).getInt64();
    }
    // Above this many matches the sort index is the cheaper driver of a
    // filtered page (ListSql::page_sql_by_sort).
    constexpr int64_t kWalkSortIndexAbove = 2000;
    SQLite::Statement st(db, page.total > kWalkSortIndexAbove
                                 ? sql.page_sql_by_sort
                                 : sql.page_sql);
    BindAll(st, sql.page_binds);
    internal::Cursor last{sql.sort_name, query.descending, int64_t{0}, 0};
    while (st.executeStep()) {
      if (static_cast<int64_t>(page.items.size()) == sql.limit) {
        page.has_more = true;
        break;
      }
      LIA_ASSIGN_OR_RETURN(Opportunity o, ReadOpportunity(st));
      last.id = o.id;
      if (sql.key_is_text) {
        last.key = Text(st, kOpportunityColumnCount);
      } else {
        last.key = st.getColumn(kOpportunityColumnCount).getInt64();
      }
      page.items.push_back(std::move(o));
    }
    if (page.has_more) page.next_cursor = internal::EncodeCursor(last);
    return page;
  });
}

absl::StatusOr<Opportunity> SqliteStore::UpdateOpportunity(
    int64_t id, const OpportunityPatch& patch) {
  std::vector<std::string> sets;
  std::vector<std::optional<std::string>> values;  // nullopt binds NULL.
  if (patch.status) {
    sets.push_back("status = ?");
    values.emplace_back(std::string(ToString(*patch.status)));
  }
  if (patch.notes) {
    sets.push_back("notes = ?");
    values.emplace_back(*patch.notes);
  }
  if (patch.set_manual_tier) {
    sets.push_back("manual_tier = ?");
    if (patch.manual_tier) {
      values.emplace_back(std::string(core::ToString(*patch.manual_tier)));
    } else {
      values.emplace_back(std::nullopt);
    }
  }
  return Write([&](SQLite::Database& db) -> absl::StatusOr<Opportunity> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_RETURN_IF_ERROR(CheckOpportunityExists(db, id));
    if (!sets.empty()) {
      SQLite::Statement st(db, absl::StrCat("UPDATE opportunities SET ",
                                            absl::StrJoin(sets, ", "),
                                            ", updated_at = ? WHERE id = ?"));
      int index = 1;
      for (const std::optional<std::string>& v : values) {
        if (v) {
          st.bind(index++, *v);
        } else {
          st.bind(index++);
        }
      }
      st.bind(index++, now_());
      st.bind(index, id);
      st.exec();
    }
    LIA_ASSIGN_OR_RETURN(Opportunity out, LoadOpportunity(db, id));
    txn.commit();
    return out;
  });
}

absl::Status SqliteStore::DeleteOpportunity(int64_t id, bool force) {
  return Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_RETURN_IF_ERROR(CheckOpportunityExists(db, id));
    if (!force) {
      SQLite::Statement st(db,
                           "SELECT 1 FROM responses WHERE opportunity_id = ? "
                           "AND status = 'pending'");
      st.bind(1, id);
      if (st.executeStep()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "opportunity ", id,
            " has a pending reply; approve or decline it first, or delete "
            "with force"));
      }
    }
    // Cascades to its response and tech rows; a trigger drops its FTS row.
    // The message stays: it was received, whatever the person thinks of it.
    SQLite::Statement st(db, "DELETE FROM opportunities WHERE id = ?");
    st.bind(1, id);
    st.exec();
    txn.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<OpportunityStats> SqliteStore::Stats() {
  return Read([&](SQLite::Database& db) -> absl::StatusOr<OpportunityStats> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::DEFERRED);
    OpportunityStats stats;
    // Every wire name is present, zero or not, so the shape never varies.
    for (core::Tier t : {core::Tier::kHighPriority, core::Tier::kInteresting,
                         core::Tier::kLow, core::Tier::kNotInterested}) {
      stats.by_tier[std::string(core::ToString(t))] = 0;
    }
    for (int i = 0; i <= static_cast<int>(OpportunityStatus::kArchived); ++i) {
      stats
          .by_status[std::string(ToString(static_cast<OpportunityStatus>(i)))] =
          0;
    }
    for (int i = 0; i <= static_cast<int>(ProcessingStatus::kFailed); ++i) {
      stats.by_processing_status[std::string(
          ToString(static_cast<ProcessingStatus>(i)))] = 0;
    }
    for (core::ConversationState s :
         {core::ConversationState::kNewOpportunity,
          core::ConversationState::kFollowUp,
          core::ConversationState::kCourtesyClose}) {
      stats.by_conversation_state[std::string(core::ToString(s))] = 0;
    }
    {
      SQLite::Statement st(db,
                           "SELECT count(*), ifnull(avg(total_score), 0), "
                           "ifnull(max(total_score), 0), "
                           "ifnull(min(total_score), 0) FROM opportunities");
      st.executeStep();
      stats.total_count = st.getColumn(0).getInt64();
      stats.average_score = st.getColumn(1).getDouble();
      stats.highest_score = st.getColumn(2).getInt();
      stats.lowest_score = st.getColumn(3).getInt();
    }
    struct Group {
      const char* column;
      std::map<std::string, int64_t>* counts;
    };
    for (const Group& g :
         {Group{"effective_tier", &stats.by_tier},
          Group{"status", &stats.by_status},
          Group{"processing_status", &stats.by_processing_status},
          Group{"conversation_state", &stats.by_conversation_state}}) {
      SQLite::Statement st(db, absl::StrCat("SELECT ", g.column,
                                            ", count(*) FROM "
                                            "opportunities GROUP BY ",
                                            g.column));
      while (st.executeStep()) {
        (*g.counts)[Text(st, 0)] = st.getColumn(1).getInt64();
      }
    }
    return stats;
  });
}

absl::StatusOr<std::vector<int64_t>> SqliteStore::OpportunityIds() {
  return Read(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<int64_t>> {
        SQLite::Statement st(
            db, "SELECT id FROM opportunities ORDER BY created_at, id");
        std::vector<int64_t> ids;
        while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
        return ids;
      });
}

absl::StatusOr<Response> SqliteStore::GetResponse(int64_t opportunity_id) {
  return Read(
      [&](SQLite::Database& db) { return LoadResponse(db, opportunity_id); });
}

absl::StatusOr<std::vector<Response>> SqliteStore::ListResponses(
    std::optional<ResponseStatus> status, int64_t skip, int64_t limit) {
  if (limit < 1 || limit > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxListLimit, ", got ", limit));
  }
  if (skip < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip must be >= 0, got ", skip));
  }
  return Read(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<Response>> {
        SQLite::Statement st(
            db, absl::StrCat(
                    "SELECT ", kResponseColumns, " FROM responses",
                    status ? " WHERE status = ?" : "",
                    " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"));
        int index = 1;
        if (status) st.bind(index++, std::string(ToString(*status)));
        st.bind(index++, limit);
        st.bind(index, skip);
        std::vector<Response> out;
        while (st.executeStep()) {
          LIA_ASSIGN_OR_RETURN(Response r, ReadResponse(st));
          out.push_back(std::move(r));
        }
        return out;
      });
}

absl::StatusOr<Response> SqliteStore::DecideResponse(
    int64_t opportunity_id, Decision decision,
    const std::optional<std::string>& text) {
  if (text && IsBlank(*text) && decision != Decision::kDecline) {
    return absl::InvalidArgumentError("reply text is empty");
  }
  if (decision == Decision::kEdit && !text) {
    return absl::InvalidArgumentError("edit needs the new reply text");
  }
  return Write([&](SQLite::Database& db) -> absl::StatusOr<Response> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    LIA_ASSIGN_OR_RETURN(Response r, LoadResponse(db, opportunity_id));
    if (r.status != ResponseStatus::kPending) {
      return absl::FailedPreconditionError(
          absl::StrCat("the reply of opportunity ", opportunity_id,
                       " is already ", std::string(ToString(r.status)),
                       "; only a pending reply can change"));
    }
    switch (decision) {
      case Decision::kApprove:
        r.status = ResponseStatus::kApproved;
        // The text given now, else an earlier edit, else the draft.
        if (text) {
          r.final_text = *text;
        } else if (r.final_text.empty()) {
          r.final_text = r.draft_text;
        }
        break;
      case Decision::kEdit:
        r.final_text = *text;  // Stays pending; the draft is kept as drafted.
        break;
      case Decision::kDecline:
        r.status = ResponseStatus::kDeclined;
        break;
    }
    SQLite::Statement st(db,
                         "UPDATE responses SET status = ?, final_text = ?, "
                         "updated_at = ? WHERE id = ?");
    st.bind(1, std::string(ToString(r.status)));
    st.bind(2, r.final_text);
    st.bind(3, now_());
    st.bind(4, r.id);
    st.exec();
    LIA_ASSIGN_OR_RETURN(Response out, LoadResponse(db, opportunity_id));
    txn.commit();
    return out;
  });
}

absl::Status SqliteStore::CreateApiToken(std::string_view name,
                                         std::string_view token_hash) {
  if (IsBlank(name)) return absl::InvalidArgumentError("token name is empty");
  if (IsBlank(token_hash)) {
    return absl::InvalidArgumentError("token hash is empty");
  }
  return Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement st(db, "SELECT 1 FROM api_keys WHERE token_hash = ?");
      st.bind(1, std::string(token_hash));
      if (st.executeStep()) {
        return absl::AlreadyExistsError("an API token with this hash exists");
      }
    }
    SQLite::Statement st(db,
                         "INSERT INTO api_keys (name, token_hash, created_at) "
                         "VALUES (?, ?, ?)");
    st.bind(1, std::string(name));
    st.bind(2, std::string(token_hash));
    st.bind(3, now_());
    st.exec();
    txn.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SqliteStore::ApiTokenExists(std::string_view token_hash) {
  return Read([&](SQLite::Database& db) -> absl::StatusOr<bool> {
    SQLite::Statement st(db, "SELECT 1 FROM api_keys WHERE token_hash = ?");
    st.bind(1, std::string(token_hash));
    return st.executeStep();
  });
}

ConnectionPoolStats SqliteStore::PoolStats() const {
  ConnectionPoolStats stats;
  stats.max = reader_count_ + 1;
  const int64_t writer_busy =
      writer_in_use_.load(std::memory_order_relaxed) ? 1 : 0;
  const int64_t idle_readers =
      idle_reader_count_.load(std::memory_order_relaxed);
  stats.in_use = writer_busy + (reader_count_ - idle_readers);
  stats.idle = stats.max - stats.in_use;
  stats.waiting = waiting_.load(std::memory_order_relaxed);
  return stats;
}

absl::Status SqliteStore::Ping() {
  return Read([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement st(db, "SELECT 1");
    st.executeStep();
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------
// Background work: the outbox, uploads, digests, retention.

// The analysis job of one message: payload and key derived from its id.
// `base` is job.payload parsed (an object; extra fields such as a
// traceparent ride along).
OutboxJob MessageJob(const OutboxJob& job, const nlohmann::json& base,
                     int64_t message_id) {
  OutboxJob one = job;
  nlohmann::json payload = base;
  payload["message_id"] = message_id;
  one.payload = Dump(payload);
  one.idempotency_key = absl::StrCat(job.type, ":", message_id);
  return one;
}

// job.payload as the base of each message's payload: an object, else {}.
nlohmann::json PayloadBase(const OutboxJob& job) {
  nlohmann::json base =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  return base.is_object() ? base : nlohmann::json::object();
}

absl::StatusOr<std::vector<IngestOutcome>> SqliteStore::InsertMessagesWithJobs(
    const std::vector<core::Message>& messages, const OutboxJob& job) {
  return InsertBatch(messages, &job);
}

absl::StatusOr<std::vector<IngestOutcome>> SqliteStore::InsertBatch(
    const std::vector<core::Message>& messages, const OutboxJob* job) {
  for (size_t i = 0; i < messages.size(); ++i) {
    absl::Status valid = ValidateMessage(messages[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", i, "]: ", valid.message()));
    }
  }
  return Write(
      [&](SQLite::Database& db) -> absl::StatusOr<std::vector<IngestOutcome>> {
        SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now = now_();
        std::vector<IngestOutcome> outcomes;
        outcomes.reserve(messages.size());
        const nlohmann::json base =
            job != nullptr ? PayloadBase(*job) : nlohmann::json();
        for (const core::Message& m : messages) {
          IngestOutcome outcome = InsertOne(db, m, now);
          if (job != nullptr && !outcome.opportunity_id && !outcome.retired) {
            LIA_ASSIGN_OR_RETURN(
                outcome.job_id,
                sqlite_internal::InsertOutboxJob(
                    db, MessageJob(*job, base, outcome.message_id), now));
          }
          outcomes.push_back(outcome);
        }
        txn.commit();
        return outcomes;
      });
}

absl::StatusOr<int64_t> SqliteStore::RequeueUnanalysed(const OutboxJob& job,
                                                       int64_t limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit must be positive");
  return Write([&](SQLite::Database& db) -> absl::StatusOr<int64_t> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string now = now_();
    std::vector<int64_t> ids;
    {
      SQLite::Statement st(
          db,
          "SELECT m.id FROM messages m WHERE m.retired_at IS NULL AND NOT "
          "EXISTS (SELECT 1 FROM opportunities o WHERE o.message_id = m.id) "
          "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.idempotency_key = ? "
          "|| m.id) ORDER BY m.id LIMIT ?");
      st.bind(1, job.type + ":");
      st.bind(2, limit);
      while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
    }
    const nlohmann::json base = PayloadBase(job);
    for (int64_t id : ids) {
      LIA_RETURN_IF_ERROR(
          sqlite_internal::InsertOutboxJob(db, MessageJob(job, base, id), now)
              .status());
    }
    txn.commit();
    return static_cast<int64_t>(ids.size());
  });
}

absl::StatusOr<std::pair<int64_t, int64_t>> SqliteStore::SaveUpload(
    std::string_view kind, std::string_view bytes, const OutboxJob& job) {
  if (kind.empty()) return absl::InvalidArgumentError("upload kind is empty");
  nlohmann::json payload =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) {
    return absl::InvalidArgumentError("job payload must be a JSON object");
  }
  return Write(
      [&](SQLite::Database& db) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
        SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now = now_();
        SQLite::Statement insert(
            db,
            "INSERT INTO uploads (kind, size, bytes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)");
        insert.bind(1, std::string(kind));
        insert.bind(2, static_cast<int64_t>(bytes.size()));
        insert.bind(3, bytes.data(), static_cast<int>(bytes.size()));
        insert.bind(4, now);
        insert.bind(5, now);
        insert.exec();
        const int64_t upload_id = db.getLastInsertRowid();
        OutboxJob with_id = job;
        payload["upload_id"] = upload_id;
        with_id.payload = payload.dump();
        LIA_ASSIGN_OR_RETURN(
            int64_t job_id, sqlite_internal::InsertOutboxJob(db, with_id, now));
        txn.commit();
        return std::make_pair(upload_id, job_id);
      });
}

absl::StatusOr<Upload> SqliteStore::GetUpload(int64_t id, bool with_bytes) {
  return Read([&](SQLite::Database& db) -> absl::StatusOr<Upload> {
    SQLite::Statement st(
        db, with_bytes ? "SELECT id, kind, size, state, summary, created_at, "
                         "updated_at, bytes FROM uploads WHERE id = ?"
                       : "SELECT id, kind, size, state, summary, created_at, "
                         "updated_at FROM uploads WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) {
      return absl::NotFoundError(absl::StrCat("no upload ", id));
    }
    Upload u;
    u.id = st.getColumn(0).getInt64();
    u.kind = Text(st, 1);
    u.size = st.getColumn(2).getInt64();
    u.state = Text(st, 3);
    u.summary = Text(st, 4);
    u.created_at = Text(st, 5);
    u.updated_at = Text(st, 6);
    if (with_bytes && !st.getColumn(7).isNull()) {
      const SQLite::Column blob = st.getColumn(7);
      u.bytes.assign(static_cast<const char*>(blob.getBlob()),
                     static_cast<size_t>(blob.getBytes()));
    }
    return u;
  });
}

absl::Status SqliteStore::FinishUpload(int64_t id, bool ok,
                                       std::string_view summary_json) {
  return Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(db,
                         "UPDATE uploads SET state = ?, summary = ?, bytes = "
                         "NULL, updated_at = ? WHERE id = ?");
    st.bind(1, ok ? "done" : "failed");
    st.bind(2, std::string(summary_json));
    st.bind(3, now_());
    st.bind(4, id);
    if (st.exec() == 0) {
      return absl::NotFoundError(absl::StrCat("no upload ", id));
    }
    txn.commit();
    return absl::OkStatus();
  });
}

absl::Status SqliteStore::SaveDigest(const Digest& digest) {
  if (!internal::NormalizeTimestamp(digest.day).ok() ||
      digest.day.size() != 10) {
    return absl::InvalidArgumentError("digest day must be YYYY-MM-DD");
  }
  return Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(
        db,
        "INSERT INTO digests (day, body, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (day) DO UPDATE SET body = excluded.body, "
        "created_at = excluded.created_at");
    st.bind(1, digest.day);
    st.bind(2, digest.body);
    st.bind(3, now_());
    st.exec();
    txn.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Digest>> SqliteStore::LatestDigest() {
  return Read([&](SQLite::Database& db)
                  -> absl::StatusOr<std::optional<Digest>> {
    SQLite::Statement st(db,
                         "SELECT day, body, created_at FROM digests ORDER BY "
                         "day DESC LIMIT 1");
    if (!st.executeStep()) return std::optional<Digest>();
    return std::optional<Digest>(Digest{Text(st, 0), Text(st, 1), Text(st, 2)});
  });
}

absl::StatusOr<RetentionResult> SqliteStore::ApplyRetention(
    const RetentionCutoffs& cutoffs) {
  for (const auto& [tier, before] : cutoffs.opportunities_before) {
    if (!core::ParseTier(tier)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown tier ", tier));
    }
    if (!internal::NormalizeTimestamp(before).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("retention cutoff of ", tier, " is not RFC 3339"));
    }
  }
  return Write([&](SQLite::Database& db) -> absl::StatusOr<RetentionResult> {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::string now = now_();
    RetentionResult result;
    for (const auto& [tier, before] : cutoffs.opportunities_before) {
      if (before.empty()) continue;
      // "Acted on": anything a person did to it or its reply.
      std::vector<std::pair<int64_t, int64_t>> doomed;  // (opp, message)
      {
        SQLite::Statement st(
            db,
            "SELECT o.id, o.message_id FROM opportunities o WHERE "
            "o.effective_tier = ? AND o.created_at < ? AND o.status = 'new' "
            "AND o.notes = '' AND o.manual_tier IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM responses r WHERE r.opportunity_id = o.id AND "
            "(r.status <> 'pending' OR r.final_text <> ''))");
        st.bind(1, tier);
        st.bind(2, *internal::NormalizeTimestamp(before));
        while (st.executeStep()) {
          doomed.emplace_back(st.getColumn(0).getInt64(),
                              st.getColumn(1).getInt64());
        }
      }
      for (const auto& [opportunity_id, message_id] : doomed) {
        SQLite::Statement del(db, "DELETE FROM opportunities WHERE id = ?");
        del.bind(1, opportunity_id);
        del.exec();
        SQLite::Statement retire(
            db,
            "UPDATE messages SET retired_at = ?, text = '[removed by "
            "retention]', thread_json = '[]' WHERE id = ?");
        retire.bind(1, now);
        retire.bind(2, message_id);
        retire.exec();
      }
      result.opportunities += static_cast<int64_t>(doomed.size());
    }
    auto purge_jobs = [&](const std::string& before, const char* states) {
      if (before.empty()) return;
      SQLite::Statement st(db, absl::StrCat("DELETE FROM jobs WHERE state IN (",
                                            states, ") AND updated_at < ?"));
      st.bind(1, before);
      result.jobs += st.exec();
    };
    purge_jobs(cutoffs.finished_jobs_before, "'succeeded', 'cancelled'");
    purge_jobs(cutoffs.failed_jobs_before, "'failed', 'dead'");
    if (!cutoffs.uploads_before.empty()) {
      SQLite::Statement st(db,
                           "DELETE FROM uploads WHERE state <> 'queued' AND "
                           "updated_at < ?");
      st.bind(1, cutoffs.uploads_before);
      result.uploads = st.exec();
    }
    txn.commit();
    return result;
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite path is empty");
  }
  if (options.busy_timeout_ms < 0) {
    return absl::InvalidArgumentError("busy_timeout_ms must be >= 0");
  }
  if (options.read_connections < 0 ||
      options.read_connections > kMaxReadConnections) {
    return absl::InvalidArgumentError(
        absl::StrCat("read_connections must be 0..", kMaxReadConnections,
                     ", got ", options.read_connections));
  }
  LIA_RETURN_IF_ERROR(EnsureParentDirectory(options.path));
  std::function<std::string()> now =
      options.now ? options.now : internal::SystemNow;
  return Guarded([&]() -> absl::StatusOr<std::unique_ptr<Store>> {
    auto writer =
        OpenConnection(options.path, options.busy_timeout_ms, Role::kWriter);
    LIA_RETURN_IF_ERROR(Migrate(*writer, now).status());
    std::vector<std::unique_ptr<SQLite::Database>> readers;
    // Each ":memory:" connection is a database of its own: readers would see
    // nothing, so the writer serves reads there.
    const int n = IsInMemory(options.path) ? 0 : options.read_connections;
    for (int i = 0; i < n; ++i) {
      readers.push_back(
          OpenConnection(options.path, options.busy_timeout_ms, Role::kReader));
    }
    return std::make_unique<SqliteStore>(std::move(now), std::move(writer),
                                         std::move(readers));
  });
}

absl::StatusOr<int> MigrateSqlite(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("sqlite path is empty");
  LIA_RETURN_IF_ERROR(EnsureParentDirectory(path));
  return Guarded([&]() -> absl::StatusOr<int> {
    auto db = OpenConnection(path, SqliteStoreOptions().busy_timeout_ms,
                             Role::kWriter);
    return Migrate(*db, internal::SystemNow);
  });
}

}  // namespace lia::store
