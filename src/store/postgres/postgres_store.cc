// The PostgreSQL Store: every method one transaction on a connection of the
// shared pool (postgres/pool.h), so any number of processes (API replicas,
// workers) write at once. What SQLite gets from its single writer, this gets
// from the database: dedupe by INSERT ... ON CONFLICT DO NOTHING and a look-up
// after it, one opportunity per message by ON CONFLICT (message_id), one live
// job per key by the partial unique index jobs_idempotency_live, and row
// locks (FOR UPDATE) where a decision reads before it writes. A transaction
// the server rolled back (lost connection, deadlock) runs again
// (Pool::Transact); every body below is safe to repeat.
//
// Thread-safe: no state but the pool.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/json.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "store/internal/cursor.h"
#include "store/internal/text_hash.h"
#include "store/internal/time.h"
#include "store/postgres.h"
#include "store/postgres/list_query.h"
#include "store/postgres/outbox.h"
#include "store/postgres/pool.h"
#include "store/postgres/rows.h"
#include "store/postgres/search_text.h"
#include "store/store.h"

namespace lia::store {
namespace {

using postgres::Pool;
using postgres_internal::kOpportunityColumnCount;
using postgres_internal::kOpportunityColumns;
using postgres_internal::kResponseColumns;
using postgres_internal::Text;
using postgres_internal::TimestampText;

constexpr int64_t kMaxListLimit = 500;

// ---------------------------------------------------------------------------
// Prepared statements: the hot paths (ingest, save analysis, reads by id).
// Names are prefixed "store_": the pool is shared with the job queue, the
// event log and the LLM answer store.

constexpr char kFindMessage[] = "store_find_message";
constexpr char kInsertMessage[] = "store_insert_message";
constexpr char kUpsertConversation[] = "store_upsert_conversation";
constexpr char kGetMessage[] = "store_get_message";
constexpr char kMessageForAnalysis[] = "store_message_for_analysis";
constexpr char kUpsertOpportunity[] = "store_upsert_opportunity";
constexpr char kDeleteTech[] = "store_delete_tech";
constexpr char kInsertTech[] = "store_insert_tech";
constexpr char kResponseState[] = "store_response_state";
constexpr char kInsertResponse[] = "store_insert_response";
constexpr char kUpdateDraft[] = "store_update_draft";
constexpr char kDeleteResponse[] = "store_delete_response";
constexpr char kGetOpportunity[] = "store_get_opportunity";
constexpr char kOpportunityExists[] = "store_opportunity_exists";
constexpr char kGetResponse[] = "store_get_response";
constexpr char kGetResponseForUpdate[] = "store_get_response_for_update";
constexpr char kLockBatches[] = "store_lock_batches";

// The advisory lock batches of messages take ("lia" and 'b' as ASCII); the
// second key is the schema's hash, so lia instances sharing a database do
// not wait for each other.
constexpr int32_t kBatchLockClass = 0x6c696162;

void PrepareStatements(Pool& pool) {
  postgres_internal::PrepareOutbox(pool);
  pool.Prepare(kLockBatches,
               absl::StrCat("SELECT pg_advisory_xact_lock(", kBatchLockClass,
                            ", hashtext(current_schema()))"));
  // The message a new one repeats, by source id first, then by dedupe key;
  // with its opportunity and whether retention retired it.
  pool.Prepare(
      kFindMessage,
      "SELECT m.id, o.id, m.retired_at IS NOT NULL FROM messages m "
      "LEFT JOIN opportunities o ON o.message_id = m.id "
      "WHERE m.id = (SELECT f.id FROM ("
      " SELECT id, 0 AS rank FROM messages WHERE source_id = NULLIF($1, '')"
      " UNION ALL"
      " SELECT id, 1 FROM messages WHERE conversation_id = $2 AND sender = $3"
      " AND sent_at = $4 AND text_hash = $5) f ORDER BY f.rank LIMIT 1)");
  // DO NOTHING whatever the conflict: a message without source id stores
  // NULL, which never collides.
  pool.Prepare(kInsertMessage,
               "INSERT INTO messages (source_id, client_id, conversation_id, "
               "sender, sender_profile_url, text, text_hash, sent_at, "
               "thread_json, created_at) VALUES (NULLIF($1, ''), $2, $3, $4, "
               "$5, $6, $7, $8, $9::jsonb, $10::timestamptz) "
               "ON CONFLICT DO NOTHING RETURNING id");
  pool.Prepare(kUpsertConversation,
               "INSERT INTO conversations (id, last_message_at, created_at, "
               "updated_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz) "
               "ON CONFLICT (id) DO UPDATE SET last_message_at = greatest("
               "conversations.last_message_at COLLATE \"C\", "
               "excluded.last_message_at), updated_at = excluded.updated_at");
  pool.Prepare(kGetMessage,
               "SELECT id, coalesce(source_id, ''), client_id, "
               "conversation_id, sender, sender_profile_url, text, sent_at, "
               "thread_json::text, created_at FROM messages WHERE id = $1");
  pool.Prepare(kMessageForAnalysis,
               "SELECT conversation_id, sender, text FROM messages WHERE id = "
               "$1");
  // Creates the opportunity, or replaces the analysis of the existing one:
  // status, notes and manual tier are the person's. Concurrent saves of one
  // message serialise on its row. xmax = 0 only on a row this statement
  // inserted.
  pool.Prepare(
      kUpsertOpportunity,
      "INSERT INTO opportunities (message_id, conversation_id, "
      "recruiter_name, raw_message, analysis_json, company, role, "
      "total_score, tier, conversation_state, remote_policy, salary_usd_max, "
      "profile_version, search, created_at, updated_at, status, "
      "processing_status) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, "
      "$10, $11, NULLIF($12, '')::bigint, $13, $14::tsvector, "
      "$15::timestamptz, $15::timestamptz, 'new', 'completed') "
      "ON CONFLICT (message_id) DO UPDATE SET "
      "analysis_json = excluded.analysis_json, company = excluded.company, "
      "role = excluded.role, total_score = excluded.total_score, "
      "tier = excluded.tier, conversation_state = "
      "excluded.conversation_state, remote_policy = excluded.remote_policy, "
      "salary_usd_max = excluded.salary_usd_max, profile_version = "
      "excluded.profile_version, search = excluded.search, updated_at = "
      "excluded.updated_at, processing_status = 'completed' "
      "RETURNING id, manual_tier, status, notes, created_at, updated_at, "
      "xmax = 0");
  pool.Prepare(kDeleteTech,
               "DELETE FROM opportunity_tech WHERE opportunity_id = $1");
  // The first spelling of a name wins (opportunity_tech_key ignores ASCII
  // case), as SQLite's INSERT OR IGNORE on a NOCASE key.
  pool.Prepare(kInsertTech,
               "INSERT INTO opportunity_tech (opportunity_id, tech) "
               "SELECT $1, u.tech FROM unnest($2::text[]) WITH ORDINALITY "
               "AS u(tech, n) ORDER BY u.n ON CONFLICT DO NOTHING");
  pool.Prepare(kResponseState,
               "SELECT id, status FROM responses WHERE opportunity_id = $1");
  pool.Prepare(kInsertResponse,
               "INSERT INTO responses (opportunity_id, status, kind, "
               "language, draft_text, final_text, created_at, updated_at) "
               "VALUES ($1, 'pending', $2, $3, $4, '', $5::timestamptz, "
               "$5::timestamptz) ON CONFLICT (opportunity_id) DO NOTHING");
  pool.Prepare(kUpdateDraft,
               "UPDATE responses SET kind = $2, language = $3, draft_text = "
               "$4, updated_at = $5::timestamptz WHERE id = $1");
  pool.Prepare(kDeleteResponse, "DELETE FROM responses WHERE id = $1");
  pool.Prepare(kGetOpportunity,
               absl::StrCat("SELECT ", kOpportunityColumns,
                            " FROM opportunities o WHERE o.id = $1"));
  pool.Prepare(kOpportunityExists, "SELECT 1 FROM opportunities WHERE id = $1");
  pool.Prepare(kGetResponse,
               absl::StrCat("SELECT ", kResponseColumns,
                            " FROM responses WHERE opportunity_id = $1"));
  pool.Prepare(kGetResponseForUpdate,
               absl::StrCat("SELECT ", kResponseColumns,
                            " FROM responses WHERE opportunity_id = $1 FOR "
                            "UPDATE"));
}

// ---------------------------------------------------------------------------
// Small helpers.

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// PostgreSQL text cannot hold a NUL character (and libpq would cut a
// parameter at one, storing less than was given): refused, not truncated.
absl::Status CheckStorable(std::string_view text, const char* what) {
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " contains a NUL character"));
  }
  return absl::OkStatus();
}

// Bytes that are not UTF-8 are refused by the server (InvalidArgument too).
absl::Status ValidateMessage(const core::Message& m) {
  if (IsBlank(m.text)) return absl::InvalidArgumentError("text is empty");
  LIA_RETURN_IF_ERROR(CheckStorable(m.text, "text"));
  LIA_RETURN_IF_ERROR(CheckStorable(m.id, "id"));
  LIA_RETURN_IF_ERROR(CheckStorable(m.source_id, "source_id"));
  LIA_RETURN_IF_ERROR(CheckStorable(m.conversation_id, "conversation_id"));
  LIA_RETURN_IF_ERROR(CheckStorable(m.sender, "sender"));
  LIA_RETURN_IF_ERROR(
      CheckStorable(m.sender_profile_url, "sender_profile_url"));
  LIA_RETURN_IF_ERROR(CheckStorable(m.sent_at, "sent_at"));
  return absl::OkStatus();
}

// Runs params through exec_params: the dynamic list queries.
pqxx::result ExecParams(pqxx::work& tx, const std::string& sql,
                        const std::vector<std::string>& params) {
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
}

// A list query's statements see one snapshot (the page agrees with its
// total). Must be the transaction's first statement.
void ReadOneSnapshot(pqxx::work& tx) {
  tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

absl::Status CheckOpportunityExists(pqxx::work& tx, int64_t id) {
  if (tx.exec_prepared(kOpportunityExists, id).empty()) {
    return absl::NotFoundError(absl::StrCat("no opportunity ", id));
  }
  return absl::OkStatus();
}

absl::StatusOr<Opportunity> LoadOpportunity(pqxx::work& tx, int64_t id) {
  const pqxx::result r = tx.exec_prepared(kGetOpportunity, id);
  if (r.empty()) {
    return absl::NotFoundError(absl::StrCat("no opportunity ", id));
  }
  return postgres_internal::ReadOpportunity(r[0]);
}

// NotFound naming what is missing: the opportunity, or only its reply.
absl::StatusOr<Response> LoadResponse(pqxx::work& tx, int64_t opportunity_id,
                                      bool for_update) {
  const pqxx::result r = tx.exec_prepared(
      for_update ? kGetResponseForUpdate : kGetResponse, opportunity_id);
  if (!r.empty()) return postgres_internal::ReadResponse(r[0]);
  LIA_RETURN_IF_ERROR(CheckOpportunityExists(tx, opportunity_id));
  return absl::NotFoundError(
      absl::StrCat("opportunity ", opportunity_id, " has no reply"));
}

// The analysis job of one message: payload and key derived from its id.
// `base` is job.payload parsed (an object; extra fields such as a
// traceparent ride along).
OutboxJob MessageJob(const OutboxJob& job, const nlohmann::json& base,
                     int64_t message_id) {
  OutboxJob one = job;
  nlohmann::json payload = base;
  payload["message_id"] = message_id;
  one.payload = postgres_internal::Dump(payload);
  one.idempotency_key = absl::StrCat(job.type, ":", message_id);
  return one;
}

// job.payload as the base of each message's payload: an object, else {}.
nlohmann::json PayloadBase(const OutboxJob& job) {
  nlohmann::json base =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  return base.is_object() ? base : nlohmann::json::object();
}

// ---------------------------------------------------------------------------
// Messages.

// What one ingest transaction learns about conversations: the latest
// last_message_at of each, written once at the end in id order (fewer
// round trips, and concurrent batches lock conversation rows in one order).
using ConversationTimes = std::map<std::string, std::string>;

void UpsertConversations(pqxx::work& tx, const ConversationTimes& times,
                         const std::string& now) {
  for (const auto& [id, last_message_at] : times) {
    tx.exec_prepared(kUpsertConversation, id, last_message_at, now);
  }
}

// Stores one message unless it is already there, inside the caller's
// transaction (a batch sees its own earlier rows). Race-free across
// processes: of two inserting the same message, one inserts and the other's
// ON CONFLICT waits for its commit and then finds the row.
absl::StatusOr<IngestOutcome> InsertOne(pqxx::work& tx, const core::Message& m,
                                        const std::string& now,
                                        ConversationTimes& conversations) {
  const std::string hash = internal::TextHash(m.text);
  // Canonical when it parses, so "…00Z" and "…00.000Z" are one instant for
  // the dedupe key; kept as given otherwise.
  absl::StatusOr<std::string> canonical =
      internal::NormalizeTimestamp(m.sent_at);
  const std::string sent_at = canonical.ok() ? *canonical : m.sent_at;

  auto find = [&]() {
    return tx.exec_prepared(kFindMessage, m.source_id, m.conversation_id,
                            m.sender, sent_at, hash);
  };
  pqxx::result existing = find();
  if (existing.empty()) {
    const pqxx::result inserted =
        tx.exec_prepared(kInsertMessage, m.source_id, m.id, m.conversation_id,
                         m.sender, m.sender_profile_url, m.text, hash, sent_at,
                         postgres_internal::ThreadToJson(m.thread), now);
    if (!inserted.empty()) {
      if (!m.conversation_id.empty()) {
        const std::string at = canonical.ok() ? *canonical : now;
        std::string& latest = conversations[m.conversation_id];
        if (at > latest) latest = at;
      }
      IngestOutcome added;
      added.message_id = inserted[0][0].as<int64_t>();
      return added;
    }
    // Another transaction stored it first and has committed.
    existing = find();
    if (existing.empty()) {
      return absl::UnavailableError(
          "a concurrent insert of the same message did not become visible; "
          "retry");
    }
  }
  IngestOutcome duplicate;
  duplicate.message_id = existing[0][0].as<int64_t>();
  duplicate.duplicate = true;
  if (!existing[0][1].is_null()) {
    duplicate.opportunity_id = existing[0][1].as<int64_t>();
  }
  duplicate.retired = !duplicate.opportunity_id && existing[0][2].as<bool>();
  return duplicate;
}

// ---------------------------------------------------------------------------
// The store.

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

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
  // InsertMessages, and with `job` (not null) InsertMessagesWithJobs.
  absl::StatusOr<std::vector<IngestOutcome>> InsertBatch(
      const std::vector<core::Message>& messages, const OutboxJob* job);

  // The body of SaveAnalysis inside the caller's transaction.
  absl::StatusOr<Opportunity> SaveAnalysisIn(pqxx::work& tx, int64_t message_id,
                                             const core::Analysis& analysis,
                                             int64_t profile_version,
                                             const std::string& now);

  const std::shared_ptr<Pool> pool_;
};

absl::StatusOr<IngestOutcome> PostgresStore::InsertMessage(
    const core::Message& message) {
  LIA_RETURN_IF_ERROR(ValidateMessage(message));
  return pool_->Transact<IngestOutcome>(
      "insert message", [&](pqxx::work& tx) -> absl::StatusOr<IngestOutcome> {
        const std::string now = pool_->Now();
        ConversationTimes conversations;
        LIA_ASSIGN_OR_RETURN(IngestOutcome outcome,
                             InsertOne(tx, message, now, conversations));
        UpsertConversations(tx, conversations, now);
        return outcome;
      });
}

absl::StatusOr<std::vector<IngestOutcome>> PostgresStore::InsertMessages(
    const std::vector<core::Message>& messages) {
  return InsertBatch(messages, nullptr);
}

absl::StatusOr<std::vector<IngestOutcome>>
PostgresStore::InsertMessagesWithJobs(
    const std::vector<core::Message>& messages, const OutboxJob& job) {
  return InsertBatch(messages, &job);
}

absl::StatusOr<std::vector<IngestOutcome>> PostgresStore::InsertBatch(
    const std::vector<core::Message>& messages, const OutboxJob* job) {
  for (size_t i = 0; i < messages.size(); ++i) {
    absl::Status valid = ValidateMessage(messages[i]);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages[", i, "]: ", valid.message()));
    }
  }
  if (job != nullptr) {
    LIA_RETURN_IF_ERROR(postgres_internal::ValidateOutboxJob(*job));
  }
  const nlohmann::json base =
      job != nullptr ? PayloadBase(*job) : nlohmann::json();
  return pool_->Transact<std::vector<IngestOutcome>>(
      "insert messages",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<IngestOutcome>> {
        // Two batches holding some of the same new messages, in different
        // orders, would each wait for the other's uncommitted rows: a
        // deadlock, and again on every retry while the other runs. Batches
        // therefore take turns, as on SQLite. One message holds one key
        // and cannot close such a cycle, so single ingests need no turn.
        if (messages.size() > 1) tx.exec_prepared(kLockBatches);
        const std::string now = pool_->Now();
        ConversationTimes conversations;
        std::vector<IngestOutcome> outcomes;
        outcomes.reserve(messages.size());
        bool queued = false;
        for (const core::Message& m : messages) {
          LIA_ASSIGN_OR_RETURN(IngestOutcome outcome,
                               InsertOne(tx, m, now, conversations));
          if (job != nullptr && !outcome.opportunity_id && !outcome.retired) {
            LIA_ASSIGN_OR_RETURN(
                postgres_internal::OutboxResult added,
                postgres_internal::InsertOutboxJob(
                    tx, MessageJob(*job, base, outcome.message_id), now));
            outcome.job_id = added.job_id;
            queued = queued || added.queued;
          }
          outcomes.push_back(outcome);
        }
        UpsertConversations(tx, conversations, now);
        if (queued) postgres_internal::NotifyJobs(tx);
        return outcomes;
      });
}

absl::StatusOr<int64_t> PostgresStore::RequeueUnanalysed(const OutboxJob& job,
                                                         int64_t limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit must be positive");
  LIA_RETURN_IF_ERROR(postgres_internal::ValidateOutboxJob(job));
  const nlohmann::json base = PayloadBase(job);
  return pool_->Transact<int64_t>(
      "requeue unanalysed messages",
      [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
        const std::string now = pool_->Now();
        // jobs_idempotency_any answers "ever had such a job" per message.
        const pqxx::result ids = tx.exec_params(
            "SELECT m.id FROM messages m WHERE m.retired_at IS NULL AND NOT "
            "EXISTS (SELECT 1 FROM opportunities o WHERE o.message_id = m.id) "
            "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.idempotency_key = "
            "$1 || m.id::text) ORDER BY m.id LIMIT $2",
            job.type + ":", limit);
        int64_t queued = 0;
        for (const pqxx::row& row : ids) {
          LIA_ASSIGN_OR_RETURN(
              postgres_internal::OutboxResult added,
              postgres_internal::InsertOutboxJob(
                  tx, MessageJob(job, base, row[0].as<int64_t>()), now));
          // A concurrent sweep may have queued it first: not counted twice.
          if (added.queued) ++queued;
        }
        if (queued > 0) postgres_internal::NotifyJobs(tx);
        return queued;
      });
}

absl::StatusOr<StoredMessage> PostgresStore::GetMessage(int64_t message_id) {
  return pool_->Transact<StoredMessage>(
      "get message", [&](pqxx::work& tx) -> absl::StatusOr<StoredMessage> {
        const pqxx::result r = tx.exec_prepared(kGetMessage, message_id);
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat("no message ", message_id));
        }
        const pqxx::row row = r[0];
        StoredMessage out;
        out.id = row[0].as<int64_t>();
        out.message.source_id = Text(row[1]);
        out.message.id = Text(row[2]);
        out.message.conversation_id = Text(row[3]);
        out.message.sender = Text(row[4]);
        out.message.sender_profile_url = Text(row[5]);
        out.message.text = Text(row[6]);
        out.message.sent_at = Text(row[7]);
        LIA_ASSIGN_OR_RETURN(
            out.message.thread,
            postgres_internal::ThreadFromJson(out.id, Text(row[8])));
        out.created_at = TimestampText(row[9]);
        return out;
      });
}

// ---------------------------------------------------------------------------
// Analyses and opportunities.

absl::StatusOr<Opportunity> PostgresStore::SaveAnalysisIn(
    pqxx::work& tx, int64_t message_id, const core::Analysis& analysis,
    int64_t profile_version, const std::string& now) {
  const pqxx::result message =
      tx.exec_prepared(kMessageForAnalysis, message_id);
  if (message.empty()) {
    return absl::NotFoundError(absl::StrCat("no message ", message_id));
  }
  Opportunity out;
  out.message_id = message_id;
  out.conversation_id = Text(message[0][0]);
  out.recruiter_name = Text(message[0][1]);
  out.raw_message = Text(message[0][2]);
  out.analysis = analysis;
  out.processing_status = ProcessingStatus::kCompleted;
  out.profile_version = profile_version;

  const core::Extraction& x = analysis.extraction;
  const std::string company = x.company.value_or("");
  const std::string role = x.role.value_or("");
  const std::string salary_usd_max =
      x.salary && x.salary->yearly_usd_max
          ? absl::StrCat(*x.salary->yearly_usd_max)
          : std::string();  // NULL: unknown.
  const std::string search =
      postgres_internal::SearchDocument({company, role, out.raw_message});
  const pqxx::result saved = tx.exec_prepared(
      kUpsertOpportunity, message_id, out.conversation_id, out.recruiter_name,
      out.raw_message, postgres_internal::Dump(core::ToJson(analysis)), company,
      role, analysis.scores.total, std::string(core::ToString(analysis.tier)),
      std::string(core::ToString(analysis.classification.state)),
      std::string(core::ToString(x.remote_policy)), salary_usd_max,
      profile_version, search, now);
  const pqxx::row row = saved[0];
  out.id = row[0].as<int64_t>();
  if (!row[1].is_null()) {
    out.manual_tier = core::ParseTier(Text(row[1]));
    if (!out.manual_tier) {
      return postgres_internal::Corrupt("opportunity", out.id, "manual_tier");
    }
  }
  std::optional<OpportunityStatus> status =
      ParseOpportunityStatus(Text(row[2]));
  if (!status) {
    return postgres_internal::Corrupt("opportunity", out.id, "status");
  }
  out.status = *status;
  out.notes = Text(row[3]);
  out.created_at = TimestampText(row[4]);
  out.updated_at = TimestampText(row[5]);
  const bool inserted = row[6].as<bool>();

  std::vector<std::string> tech;
  for (const std::string& t : x.tech_stack) {
    if (!IsBlank(t)) tech.push_back(t);
  }
  if (!inserted) tx.exec_prepared(kDeleteTech, out.id);
  if (!tech.empty()) {
    tx.exec_prepared(kInsertTech, out.id,
                     postgres_internal::TextArrayLiteral(tech));
  }

  // The reply: a decided one is the person's and stays; a pending one
  // takes the new draft (keeping any text the person edited in); no reply
  // (a courtesy close) removes a pending draft that no longer applies.
  const bool has_reply = analysis.reply.kind != core::ReplyKind::kNone;
  const std::string kind(core::ToString(analysis.reply.kind));
  const std::string language(core::ToString(analysis.reply.language));
  std::optional<std::pair<int64_t, std::string>> response;
  if (!inserted) {
    const pqxx::result r = tx.exec_prepared(kResponseState, out.id);
    if (!r.empty()) response.emplace(r[0][0].as<int64_t>(), Text(r[0][1]));
  }
  const std::string pending(ToString(ResponseStatus::kPending));
  if (!response && has_reply) {
    tx.exec_prepared(kInsertResponse, out.id, kind, language,
                     analysis.reply.text, now);
  } else if (response && response->second == pending && has_reply) {
    tx.exec_prepared(kUpdateDraft, response->first, kind, language,
                     analysis.reply.text, now);
  } else if (response && response->second == pending && !has_reply) {
    tx.exec_prepared(kDeleteResponse, response->first);
  }
  return out;
}

absl::StatusOr<Opportunity> PostgresStore::SaveAnalysis(
    int64_t message_id, const core::Analysis& analysis,
    int64_t profile_version) {
  return pool_->Transact<Opportunity>(
      "save analysis", [&](pqxx::work& tx) -> absl::StatusOr<Opportunity> {
        return SaveAnalysisIn(tx, message_id, analysis, profile_version,
                              pool_->Now());
      });
}

absl::StatusOr<std::vector<Opportunity>> PostgresStore::SaveAnalyses(
    const std::vector<AnalysisToSave>& analyses) {
  return pool_->Transact<std::vector<Opportunity>>(
      "save analyses",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Opportunity>> {
        const std::string now = pool_->Now();
        std::vector<Opportunity> out;
        out.reserve(analyses.size());
        for (const AnalysisToSave& a : analyses) {
          LIA_ASSIGN_OR_RETURN(Opportunity o,
                               SaveAnalysisIn(tx, a.message_id, *a.analysis,
                                              a.profile_version, now));
          out.push_back(std::move(o));
        }
        return out;
      });
}

absl::StatusOr<Opportunity> PostgresStore::GetOpportunity(int64_t id) {
  return pool_->Transact<Opportunity>(
      "get opportunity", [&](pqxx::work& tx) -> absl::StatusOr<Opportunity> {
        return LoadOpportunity(tx, id);
      });
}

absl::StatusOr<OpportunityPage> PostgresStore::ListOpportunities(
    const OpportunityQuery& query) {
  LIA_ASSIGN_OR_RETURN(postgres_internal::ListSql sql,
                       postgres_internal::BuildListSql(query));
  return pool_->Transact<OpportunityPage>(
      "list opportunities",
      [&](pqxx::work& tx) -> absl::StatusOr<OpportunityPage> {
        ReadOneSnapshot(tx);
        OpportunityPage page;
        page.total =
            ExecParams(tx, sql.count_sql, sql.count_params)[0][0].as<int64_t>();
        const pqxx::result rows = ExecParams(tx, sql.page_sql, sql.page_params);
        internal::Cursor last{sql.sort_name, query.descending, int64_t{0}, 0};
        for (const pqxx::row& row : rows) {
          if (static_cast<int64_t>(page.items.size()) == sql.limit) {
            page.has_more = true;
            break;
          }
          LIA_ASSIGN_OR_RETURN(Opportunity o,
                               postgres_internal::ReadOpportunity(row));
          last.id = o.id;
          const pqxx::field key = row[kOpportunityColumnCount];
          switch (sql.key_kind) {
            case postgres_internal::ListSql::KeyKind::kTimestamp:
              last.key = TimestampText(key);
              break;
            case postgres_internal::ListSql::KeyKind::kText:
              last.key = Text(key);
              break;
            case postgres_internal::ListSql::KeyKind::kInteger:
              last.key = key.as<int64_t>();
              break;
          }
          page.items.push_back(std::move(o));
        }
        if (page.has_more) page.next_cursor = internal::EncodeCursor(last);
        return page;
      });
}

absl::StatusOr<Opportunity> PostgresStore::UpdateOpportunity(
    int64_t id, const OpportunityPatch& patch) {
  // Values are parameters; a cleared manual tier is SQL NULL.
  std::vector<std::string> sets;
  std::vector<std::string> params;
  auto set = [&](const char* column, std::string value) {
    params.push_back(std::move(value));
    sets.push_back(absl::StrCat(column, " = $", params.size()));
  };
  if (patch.notes) LIA_RETURN_IF_ERROR(CheckStorable(*patch.notes, "notes"));
  if (patch.status) set("status", std::string(ToString(*patch.status)));
  if (patch.notes) set("notes", *patch.notes);
  if (patch.set_manual_tier) {
    if (patch.manual_tier) {
      set("manual_tier", std::string(core::ToString(*patch.manual_tier)));
    } else {
      sets.push_back("manual_tier = NULL");
    }
  }
  return pool_->Transact<Opportunity>(
      "update opportunity", [&](pqxx::work& tx) -> absl::StatusOr<Opportunity> {
        if (sets.empty()) return LoadOpportunity(tx, id);
        std::vector<std::string> values = params;
        values.push_back(pool_->Now());
        values.push_back(absl::StrCat(id));
        const pqxx::result r = ExecParams(
            tx,
            absl::StrCat("UPDATE opportunities o SET ",
                         absl::StrJoin(sets, ", "), ", updated_at = $",
                         values.size() - 1, "::timestamptz WHERE o.id = $",
                         values.size(), "::bigint RETURNING ",
                         kOpportunityColumns),
            values);
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat("no opportunity ", id));
        }
        return postgres_internal::ReadOpportunity(r[0]);
      });
}

absl::Status PostgresStore::DeleteOpportunity(int64_t id, bool force) {
  return pool_->TransactStatus("delete opportunity", [&](pqxx::work& tx) {
    // The row lock orders this after a concurrent SaveAnalysis, whose new
    // pending reply is then seen.
    const pqxx::result r = tx.exec_params(
        "SELECT EXISTS (SELECT 1 FROM responses r WHERE r.opportunity_id = "
        "o.id AND r.status = 'pending') FROM opportunities o WHERE o.id = $1 "
        "FOR UPDATE OF o",
        id);
    if (r.empty()) {
      return absl::NotFoundError(absl::StrCat("no opportunity ", id));
    }
    if (!force && r[0][0].as<bool>()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "opportunity ", id,
          " has a pending reply; approve or decline it first, or delete "
          "with force"));
    }
    // Cascades to its response and tech rows; its search vector goes with
    // the row. The message stays: it was received, whatever the person
    // thinks of it.
    tx.exec_params("DELETE FROM opportunities WHERE id = $1", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<OpportunityStats> PostgresStore::Stats() {
  return pool_->Transact<OpportunityStats>(
      "stats", [&](pqxx::work& tx) -> absl::StatusOr<OpportunityStats> {
        OpportunityStats stats;
        // Every wire name is present, zero or not, so the shape never
        // varies.
        for (core::Tier t :
             {core::Tier::kHighPriority, core::Tier::kInteresting,
              core::Tier::kLow, core::Tier::kNotInterested}) {
          stats.by_tier[std::string(core::ToString(t))] = 0;
        }
        for (int i = 0; i <= static_cast<int>(OpportunityStatus::kArchived);
             ++i) {
          stats.by_status[std::string(
              ToString(static_cast<OpportunityStatus>(i)))] = 0;
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
        // One statement, so one snapshot and one scan: a row per value of
        // each grouped column, and the grand total (g = 15). GROUPING sets
        // a bit for each column not grouped in the row, first column
        // highest.
        const pqxx::result rows = tx.exec(
            "SELECT GROUPING(effective_tier, status, processing_status, "
            "conversation_state), coalesce(effective_tier, status, "
            "processing_status, conversation_state, ''), count(*), "
            "coalesce(avg(total_score), 0)::float8, "
            "coalesce(max(total_score), 0), coalesce(min(total_score), 0) "
            "FROM opportunities GROUP BY GROUPING SETS ((effective_tier), "
            "(status), (processing_status), (conversation_state), ())");
        for (const pqxx::row& row : rows) {
          const int grouping = row[0].as<int>();
          const std::string value = Text(row[1]);
          const int64_t count = row[2].as<int64_t>();
          switch (grouping) {
            case 0b0111:
              stats.by_tier[value] = count;
              break;
            case 0b1011:
              stats.by_status[value] = count;
              break;
            case 0b1101:
              stats.by_processing_status[value] = count;
              break;
            case 0b1110:
              stats.by_conversation_state[value] = count;
              break;
            case 0b1111:
              stats.total_count = count;
              stats.average_score = row[3].as<double>();
              stats.highest_score = row[4].as<int>();
              stats.lowest_score = row[5].as<int>();
              break;
            default:
              break;
          }
        }
        return stats;
      });
}

absl::StatusOr<std::vector<int64_t>> PostgresStore::OpportunityIds() {
  return pool_->Transact<std::vector<int64_t>>(
      "opportunity ids",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<int64_t>> {
        std::vector<int64_t> ids;
        for (const pqxx::row& row :
             tx.exec("SELECT id FROM opportunities ORDER BY created_at, id")) {
          ids.push_back(row[0].as<int64_t>());
        }
        return ids;
      });
}

// ---------------------------------------------------------------------------
// Responses.

absl::StatusOr<Response> PostgresStore::GetResponse(int64_t opportunity_id) {
  return pool_->Transact<Response>(
      "get response", [&](pqxx::work& tx) -> absl::StatusOr<Response> {
        return LoadResponse(tx, opportunity_id, /*for_update=*/false);
      });
}

absl::StatusOr<std::vector<Response>> PostgresStore::ListResponses(
    std::optional<ResponseStatus> status, int64_t skip, int64_t limit) {
  if (limit < 1 || limit > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be 1..", kMaxListLimit, ", got ", limit));
  }
  if (skip < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("skip must be >= 0, got ", skip));
  }
  return pool_->Transact<std::vector<Response>>(
      "list responses",
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Response>> {
        const std::string order =
            " ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2";
        const pqxx::result rows =
            status
                ? tx.exec_params(
                      absl::StrCat("SELECT ", kResponseColumns,
                                   " FROM responses WHERE status = $3", order),
                      limit, skip, std::string(ToString(*status)))
                : tx.exec_params(absl::StrCat("SELECT ", kResponseColumns,
                                              " FROM responses", order),
                                 limit, skip);
        std::vector<Response> out;
        for (const pqxx::row& row : rows) {
          LIA_ASSIGN_OR_RETURN(Response r,
                               postgres_internal::ReadResponse(row));
          out.push_back(std::move(r));
        }
        return out;
      });
}

absl::StatusOr<Response> PostgresStore::DecideResponse(
    int64_t opportunity_id, Decision decision,
    const std::optional<std::string>& text) {
  if (text && IsBlank(*text) && decision != Decision::kDecline) {
    return absl::InvalidArgumentError("reply text is empty");
  }
  if (decision == Decision::kEdit && !text) {
    return absl::InvalidArgumentError("edit needs the new reply text");
  }
  if (text) LIA_RETURN_IF_ERROR(CheckStorable(*text, "reply text"));
  return pool_->Transact<Response>(
      "decide response", [&](pqxx::work& tx) -> absl::StatusOr<Response> {
        // Locked: two people deciding at once see each other's decision.
        LIA_ASSIGN_OR_RETURN(
            Response r, LoadResponse(tx, opportunity_id, /*for_update=*/true));
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
            r.final_text = *text;  // Stays pending; the draft stays as is.
            break;
          case Decision::kDecline:
            r.status = ResponseStatus::kDeclined;
            break;
        }
        const pqxx::result updated = tx.exec_params(
            absl::StrCat("UPDATE responses SET status = $1, final_text = $2, "
                         "updated_at = $3::timestamptz WHERE id = $4 "
                         "RETURNING ",
                         kResponseColumns),
            std::string(ToString(r.status)), r.final_text, pool_->Now(), r.id);
        return postgres_internal::ReadResponse(updated[0]);
      });
}

// ---------------------------------------------------------------------------
// API tokens and health.

absl::Status PostgresStore::CreateApiToken(std::string_view name,
                                           std::string_view token_hash) {
  if (IsBlank(name)) return absl::InvalidArgumentError("token name is empty");
  if (IsBlank(token_hash)) {
    return absl::InvalidArgumentError("token hash is empty");
  }
  LIA_RETURN_IF_ERROR(CheckStorable(name, "token name"));
  LIA_RETURN_IF_ERROR(CheckStorable(token_hash, "token hash"));
  return pool_->TransactStatus("create API token", [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_params(
        "INSERT INTO api_keys (name, token_hash, created_at) VALUES ($1, $2, "
        "$3::timestamptz) ON CONFLICT (token_hash) DO NOTHING RETURNING id",
        std::string(name), std::string(token_hash), pool_->Now());
    if (r.empty()) {
      return absl::AlreadyExistsError("an API token with this hash exists");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> PostgresStore::ApiTokenExists(
    std::string_view token_hash) {
  return pool_->Transact<bool>(
      "find API token", [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        return !tx.exec_params("SELECT 1 FROM api_keys WHERE token_hash = $1",
                               std::string(token_hash))
                    .empty();
      });
}

absl::Status PostgresStore::Ping() {
  return pool_->TransactStatus("ping", [](pqxx::work& tx) {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

ConnectionPoolStats PostgresStore::PoolStats() const {
  return PostgresPoolStats(*pool_);
}

// ---------------------------------------------------------------------------
// Background work: uploads, digests, retention.

absl::StatusOr<std::pair<int64_t, int64_t>> PostgresStore::SaveUpload(
    std::string_view kind, std::string_view bytes, const OutboxJob& job) {
  if (kind.empty()) return absl::InvalidArgumentError("upload kind is empty");
  LIA_RETURN_IF_ERROR(CheckStorable(kind, "upload kind"));
  nlohmann::json payload =
      nlohmann::json::parse(job.payload, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) {
    return absl::InvalidArgumentError("job payload must be a JSON object");
  }
  LIA_RETURN_IF_ERROR(postgres_internal::ValidateOutboxJob(job));
  return pool_->Transact<std::pair<int64_t, int64_t>>(
      "save upload",
      [&](pqxx::work& tx) -> absl::StatusOr<std::pair<int64_t, int64_t>> {
        const std::string now = pool_->Now();
        const pqxx::result r = tx.exec_params(
            "INSERT INTO uploads (kind, size, bytes, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz) RETURNING "
            "id",
            std::string(kind), static_cast<int64_t>(bytes.size()),
            pqxx::binarystring(bytes.data(), bytes.size()), now);
        const int64_t upload_id = r[0][0].as<int64_t>();
        OutboxJob with_id = job;
        nlohmann::json with_upload = payload;
        with_upload["upload_id"] = upload_id;
        with_id.payload = postgres_internal::Dump(with_upload);
        LIA_ASSIGN_OR_RETURN(
            postgres_internal::OutboxResult added,
            postgres_internal::InsertOutboxJob(tx, with_id, now));
        if (added.queued) postgres_internal::NotifyJobs(tx);
        return std::make_pair(upload_id, added.job_id);
      });
}

absl::StatusOr<Upload> PostgresStore::GetUpload(int64_t id, bool with_bytes) {
  return pool_->Transact<Upload>(
      "get upload", [&](pqxx::work& tx) -> absl::StatusOr<Upload> {
        const pqxx::result r = tx.exec_params(
            with_bytes ? "SELECT id, kind, size, state, summary::text, "
                         "created_at, updated_at, bytes FROM uploads WHERE "
                         "id = $1"
                       : "SELECT id, kind, size, state, summary::text, "
                         "created_at, updated_at FROM uploads WHERE id = $1",
            id);
        if (r.empty()) {
          return absl::NotFoundError(absl::StrCat("no upload ", id));
        }
        const pqxx::row row = r[0];
        Upload u;
        u.id = row[0].as<int64_t>();
        u.kind = Text(row[1]);
        u.size = row[2].as<int64_t>();
        u.state = Text(row[3]);
        u.summary = Text(row[4]);
        u.created_at = TimestampText(row[5]);
        u.updated_at = TimestampText(row[6]);
        if (with_bytes && !row[7].is_null()) {
          u.bytes = pqxx::binarystring(row[7]).str();
        }
        return u;
      });
}

absl::Status PostgresStore::FinishUpload(int64_t id, bool ok,
                                         std::string_view summary_json) {
  LIA_RETURN_IF_ERROR(CheckStorable(summary_json, "upload summary"));
  return pool_->TransactStatus("finish upload", [&](pqxx::work& tx) {
    const pqxx::result r = tx.exec_params(
        "UPDATE uploads SET state = $1, summary = $2::json, bytes = NULL, "
        "updated_at = $3::timestamptz WHERE id = $4",
        std::string(ok ? "done" : "failed"), std::string(summary_json),
        pool_->Now(), id);
    if (r.affected_rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no upload ", id));
    }
    return absl::OkStatus();
  });
}

absl::Status PostgresStore::SaveDigest(const Digest& digest) {
  if (!internal::NormalizeTimestamp(digest.day).ok() ||
      digest.day.size() != 10) {
    return absl::InvalidArgumentError("digest day must be YYYY-MM-DD");
  }
  LIA_RETURN_IF_ERROR(CheckStorable(digest.body, "digest"));
  return pool_->TransactStatus("save digest", [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO digests (day, body, created_at) VALUES ($1, $2::json, "
        "$3::timestamptz) ON CONFLICT (day) DO UPDATE SET body = "
        "excluded.body, created_at = excluded.created_at",
        digest.day, digest.body, pool_->Now());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Digest>> PostgresStore::LatestDigest() {
  return pool_->Transact<std::optional<Digest>>(
      "latest digest",
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Digest>> {
        const pqxx::result r = tx.exec(
            "SELECT day, body::text, created_at FROM digests ORDER BY day "
            "COLLATE \"C\" DESC LIMIT 1");
        if (r.empty()) return std::optional<Digest>();
        return std::optional<Digest>(
            Digest{Text(r[0][0]), Text(r[0][1]), TimestampText(r[0][2])});
      });
}

absl::StatusOr<RetentionResult> PostgresStore::ApplyRetention(
    const RetentionCutoffs& cutoffs) {
  std::map<std::string, std::string> opportunities_before;
  for (const auto& [tier, before] : cutoffs.opportunities_before) {
    if (!core::ParseTier(tier)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown tier ", tier));
    }
    absl::StatusOr<std::string> at = internal::NormalizeTimestamp(before);
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("retention cutoff of ", tier, " is not RFC 3339"));
    }
    opportunities_before[tier] = *at;
  }
  // The other cutoffs: empty removes nothing; anything else must be a
  // timestamp (a text comparison would silently do the wrong thing).
  auto cutoff = [](const std::string& text,
                   const char* what) -> absl::StatusOr<std::string> {
    if (text.empty()) return text;
    absl::StatusOr<std::string> at = internal::NormalizeTimestamp(text);
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("retention cutoff of ", what, " is not RFC 3339"));
    }
    return at;
  };
  LIA_ASSIGN_OR_RETURN(const std::string finished_before,
                       cutoff(cutoffs.finished_jobs_before, "finished jobs"));
  LIA_ASSIGN_OR_RETURN(const std::string failed_before,
                       cutoff(cutoffs.failed_jobs_before, "failed jobs"));
  LIA_ASSIGN_OR_RETURN(const std::string uploads_before,
                       cutoff(cutoffs.uploads_before, "uploads"));
  return pool_->Transact<RetentionResult>(
      "apply retention",
      [&](pqxx::work& tx) -> absl::StatusOr<RetentionResult> {
        const std::string now = pool_->Now();
        RetentionResult result;
        for (const auto& [tier, before] : opportunities_before) {
          // "Acted on": anything a person did to it or its reply. The
          // conditions are checked again on each row as it is deleted, so
          // a concurrent edit saves the opportunity. Its message stays as a
          // tombstone: text removed, dedupe key kept.
          const pqxx::result retired = tx.exec_params(
              "WITH doomed AS (DELETE FROM opportunities o WHERE "
              "o.effective_tier = $1 AND o.created_at < $2::timestamptz AND "
              "o.status = 'new' AND o.notes = '' AND o.manual_tier IS NULL "
              "AND NOT EXISTS (SELECT 1 FROM responses r WHERE "
              "r.opportunity_id = o.id AND (r.status <> 'pending' OR "
              "r.final_text <> '')) RETURNING o.message_id) "
              "UPDATE messages m SET retired_at = $3::timestamptz, text = "
              "'[removed by retention]', thread_json = '[]' FROM doomed d "
              "WHERE m.id = d.message_id RETURNING m.id",
              tier, before, now);
          result.opportunities += static_cast<int64_t>(retired.size());
        }
        auto purge_jobs = [&](const std::string& before, const char* states) {
          if (before.empty()) return;
          result.jobs += tx.exec_params(absl::StrCat("DELETE FROM jobs WHERE "
                                                     "state IN (",
                                                     states,
                                                     ") AND updated_at < "
                                                     "$1::timestamptz"),
                                        before)
                             .affected_rows();
        };
        purge_jobs(finished_before, "'succeeded', 'cancelled'");
        purge_jobs(failed_before, "'failed', 'dead'");
        if (!uploads_before.empty()) {
          result.uploads =
              tx.exec_params(
                    "DELETE FROM uploads WHERE state <> 'queued' AND "
                    "updated_at < $1::timestamptz",
                    uploads_before)
                  .affected_rows();
        }
        return result;
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    std::shared_ptr<postgres::Pool> pool) {
  if (pool == nullptr) {
    return absl::InvalidArgumentError("PostgreSQL store: no pool");
  }
  PrepareStatements(*pool);
  return std::make_unique<PostgresStore>(std::move(pool));
}

}  // namespace lia::store
