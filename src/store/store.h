#pragma once

// The repository of messages, opportunities, responses and API tokens
// (DESIGN §5). One interface, implemented on SQLite (store/sqlite) and
// PostgreSQL (store/postgres, opened through postgres.h); handlers and
// services never see SQL.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/types.h"

namespace lia::store {

// Wire names: "pending", "processing", "completed", "failed".
enum class ProcessingStatus { kPending, kProcessing, kCompleted, kFailed };
// Wire names: "new", "reviewed", "interested", "applied", "rejected",
// "archived". What the person did with the opportunity.
enum class OpportunityStatus {
  kNew,
  kReviewed,
  kInterested,
  kApplied,
  kRejected,
  kArchived,
};
// Wire names: "pending", "approved", "declined", "sent".
enum class ResponseStatus { kPending, kApproved, kDeclined, kSent };

std::string_view ToString(ProcessingStatus v);
std::string_view ToString(OpportunityStatus v);
std::string_view ToString(ResponseStatus v);
std::optional<ProcessingStatus> ParseProcessingStatus(std::string_view s);
std::optional<OpportunityStatus> ParseOpportunityStatus(std::string_view s);
std::optional<ResponseStatus> ParseResponseStatus(std::string_view s);

struct IngestOutcome {
  int64_t message_id = 0;
  // Already stored: same source id, or same conversation + sender + sent_at
  // + text hash. Nothing was written.
  bool duplicate = false;
  // The opportunity of that message, when one exists already.
  std::optional<int64_t> opportunity_id;
  // A duplicate of a message whose opportunity retention removed: it needs
  // no analysis.
  bool retired = false;
  // InsertMessagesWithJobs only: the job that analyses the message, queued
  // now or live already; empty when it needs none (it has an opportunity,
  // or retention retired it).
  std::optional<int64_t> job_id;
};

// A job written with the rows that call for it, in their transaction (the
// transactional outbox, DESIGN §6): a crash keeps both or neither. The job
// queue (jobs/) reads the same `jobs` table.
struct OutboxJob {
  std::string type;                 // Required.
  std::string payload = "{}";       // JSON object text.
  std::string priority = "normal";  // Wire name: "high", "normal", "low".
  int max_attempts = 5;
  // Empty: none. When a live (queued or running) job holds the key, that
  // job is returned and nothing is added, as JobQueue::Enqueue does.
  std::string idempotency_key;
};

// An uploaded file waiting for, or done with, the job that processes it.
struct Upload {
  int64_t id = 0;
  std::string kind;            // "linkedin-export".
  int64_t size = 0;            // Bytes as received.
  std::string bytes;           // Empty unless asked for and still queued.
  std::string state;           // "queued", "done", "failed".
  std::string summary = "{}";  // JSON, set when done or failed.
  std::string created_at;
  std::string updated_at;
};

struct Digest {
  std::string day;   // "YYYY-MM-DD", UTC.
  std::string body;  // JSON object text.
  std::string created_at;
};

// What retention removes (cleanup task). Cutoffs are RFC 3339 UTC; an empty
// cutoff removes nothing of its kind.
struct RetentionCutoffs {
  // Opportunities of the tier (effective, wire name as key) created before
  // the cutoff — unless a person acted on them: a status other than new,
  // notes, a manual tier, or a reply that is no longer pending. Their
  // messages stay as tombstones (text removed) so re-imports stay
  // duplicates.
  std::map<std::string, std::string> opportunities_before;
  std::string finished_jobs_before;  // Succeeded and cancelled jobs.
  std::string failed_jobs_before;    // Failed and dead jobs.
  std::string uploads_before;        // Processed uploads' records.
};

struct RetentionResult {
  int64_t opportunities = 0;
  int64_t jobs = 0;
  int64_t uploads = 0;
};

struct StoredMessage {
  int64_t id = 0;
  core::Message message;   // As ingested, thread included.
  std::string created_at;  // RFC 3339 UTC, when stored.
};

struct Opportunity {
  int64_t id = 0;
  int64_t message_id = 0;
  std::string conversation_id;
  std::string recruiter_name;             // The message's sender.
  std::string raw_message;                // The message's text.
  core::Analysis analysis;                // Everything the pipeline concluded.
  std::optional<core::Tier> manual_tier;  // Set by the person; wins.
  OpportunityStatus status = OpportunityStatus::kNew;
  ProcessingStatus processing_status = ProcessingStatus::kCompleted;
  std::string notes;
  int64_t profile_version = 0;  // Of the profile the scores were made with.
  std::string created_at;       // RFC 3339 UTC.
  std::string updated_at;

  core::Tier tier() const { return manual_tier.value_or(analysis.tier); }
};

struct Response {
  int64_t id = 0;
  int64_t opportunity_id = 0;
  ResponseStatus status = ResponseStatus::kPending;
  core::ReplyKind kind = core::ReplyKind::kNone;
  core::Language language = core::Language::kEnglish;
  std::string draft_text;  // What the pipeline drafted.
  std::string final_text;  // What the person approved (edited or not).
  std::string created_at;
  std::string updated_at;
};

enum class SortBy { kCreatedAt, kTotalScore, kCompany, kSalary };

// Filters combine with AND; an empty field does not filter.
struct OpportunityQuery {
  int64_t skip = 0;               // Ignored when cursor is set.
  int64_t limit = 50;             // 1..500.
  std::string cursor;             // Opaque; from OpportunityPage::next_cursor.
  std::vector<core::Tier> tiers;  // Any of (effective tier).
  std::optional<OpportunityStatus> status;
  std::optional<ProcessingStatus> processing_status;
  std::optional<core::ConversationState> conversation_state;
  std::optional<int> min_score;
  std::optional<int> max_score;
  std::string company;            // Case-insensitive substring.
  std::vector<std::string> tech;  // Canonical names.
  bool tech_match_all = false;    // false: any of `tech`; true: all.
  std::optional<core::RemotePolicy> remote_policy;
  std::optional<int64_t> min_salary_usd;  // yearly_usd_max >= this.
  std::string q;             // Full text over company, role and message.
  std::string created_from;  // RFC 3339, inclusive.
  std::string created_to;    // RFC 3339, exclusive.
  SortBy sort_by = SortBy::kCreatedAt;
  bool descending = true;
};

struct OpportunityPage {
  std::vector<Opportunity> items;
  int64_t total = 0;  // Matching the filters, ignoring skip/limit.
  bool has_more = false;
  std::string next_cursor;  // Empty when there is no next page.
};

struct OpportunityPatch {
  std::optional<OpportunityStatus> status;
  std::optional<std::string> notes;
  bool set_manual_tier = false;  // With manual_tier nullopt: clear it.
  std::optional<core::Tier> manual_tier;
};

struct OpportunityStats {
  int64_t total_count = 0;
  std::map<std::string, int64_t> by_tier;  // Wire names as keys.
  std::map<std::string, int64_t> by_status;
  std::map<std::string, int64_t> by_processing_status;
  std::map<std::string, int64_t> by_conversation_state;
  double average_score = 0;
  int highest_score = 0;
  int lowest_score = 0;
};

enum class Decision { kApprove, kEdit, kDecline };

// A store's database connections right now, for db_pool_connections{state}.
struct ConnectionPoolStats {
  int64_t idle = 0;     // Open, waiting for work.
  int64_t in_use = 0;   // Lent out to a caller.
  int64_t max = 0;      // The pool's bound.
  int64_t waiting = 0;  // Callers waiting for a connection.
};

// Thread-safe: one Store serves every request thread. Errors: NotFound for an
// unknown id; FailedPrecondition for a state conflict (deleting an
// opportunity with a pending reply, approving a declined reply);
// InvalidArgument for bad input; Unavailable when the database cannot be
// reached or is busy past its timeout (retry).
class Store {
 public:
  virtual ~Store() = default;

  // Stores a message once (see IngestOutcome::duplicate).
  virtual absl::StatusOr<IngestOutcome> InsertMessage(
      const core::Message& message) = 0;
  // All or nothing: one transaction for the whole batch.
  virtual absl::StatusOr<std::vector<IngestOutcome>> InsertMessages(
      const std::vector<core::Message>& messages) = 0;
  // InsertMessages, and in the same transaction a job of `job.type` for
  // every message that still needs analysis — new, or stored before and
  // still without an opportunity — with payload job.payload (an object,
  // e.g. {"traceparent": ...}) plus "message_id": N, and idempotency key
  // "<type>:<N>" (job.idempotency_key is ignored). A live job for the message
  // is reused, never doubled.
  virtual absl::StatusOr<std::vector<IngestOutcome>> InsertMessagesWithJobs(
      const std::vector<core::Message>& messages, const OutboxJob& job) = 0;
  // Queues a `job.type` job (as above) for up to `limit` stored messages that
  // have no opportunity and never had such a job in any state (work stored
  // before the outbox, or by a synchronous ingest that crashed). A message
  // whose job failed is left to a person (retry through the jobs API).
  // Returns how many were queued.
  virtual absl::StatusOr<int64_t> RequeueUnanalysed(const OutboxJob& job,
                                                    int64_t limit) = 0;
  virtual absl::StatusOr<StoredMessage> GetMessage(int64_t message_id) = 0;

  // Stores an upload and queues its job in one transaction; the job's
  // payload object gets "upload_id". Returns {upload id, job id}.
  virtual absl::StatusOr<std::pair<int64_t, int64_t>> SaveUpload(
      std::string_view kind, std::string_view bytes, const OutboxJob& job) = 0;
  // NotFound for an unknown id. `with_bytes`: include the bytes (empty once
  // processed).
  virtual absl::StatusOr<Upload> GetUpload(int64_t id, bool with_bytes) = 0;
  // Marks the upload done (or failed), records its summary and drops its
  // bytes.
  virtual absl::Status FinishUpload(int64_t id, bool ok,
                                    std::string_view summary_json) = 0;

  // Stores the digest of a day, replacing an earlier one of that day.
  virtual absl::Status SaveDigest(const Digest& digest) = 0;
  // The newest day's digest; nullopt before the first.
  virtual absl::StatusOr<std::optional<Digest>> LatestDigest() = 0;

  // Removes what the cutoffs say, in one transaction.
  virtual absl::StatusOr<RetentionResult> ApplyRetention(
      const RetentionCutoffs& cutoffs) = 0;

  // Creates the opportunity of a message from its analysis, or replaces the
  // analysis of the existing one (reprocess, rescore), keeping status, notes
  // and manual tier. Creates or refreshes its pending response in the same
  // transaction (a decided response is kept). Idempotent per message.
  virtual absl::StatusOr<Opportunity> SaveAnalysis(
      int64_t message_id, const core::Analysis& analysis,
      int64_t profile_version) = 0;

  // SaveAnalysis for many messages in one transaction: all or nothing.
  // Batch ingest and rescore use it; one commit per batch, not per message.
  struct AnalysisToSave {
    int64_t message_id = 0;
    const core::Analysis* analysis = nullptr;  // Not owned; non-null.
    int64_t profile_version = 0;
  };
  virtual absl::StatusOr<std::vector<Opportunity>> SaveAnalyses(
      const std::vector<AnalysisToSave>& analyses) = 0;

  virtual absl::StatusOr<Opportunity> GetOpportunity(int64_t id) = 0;
  virtual absl::StatusOr<OpportunityPage> ListOpportunities(
      const OpportunityQuery& query) = 0;
  virtual absl::StatusOr<Opportunity> UpdateOpportunity(
      int64_t id, const OpportunityPatch& patch) = 0;
  // FailedPrecondition while its response is pending, unless `force`.
  virtual absl::Status DeleteOpportunity(int64_t id, bool force) = 0;
  virtual absl::StatusOr<OpportunityStats> Stats() = 0;
  // Ids of every opportunity, oldest first (rescore walks them).
  virtual absl::StatusOr<std::vector<int64_t>> OpportunityIds() = 0;

  virtual absl::StatusOr<Response> GetResponse(int64_t opportunity_id) = 0;
  virtual absl::StatusOr<std::vector<Response>> ListResponses(
      std::optional<ResponseStatus> status, int64_t skip, int64_t limit) = 0;
  // Approve (optionally with edited text), edit (stays pending) or decline
  // the response of an opportunity. FailedPrecondition when the response is
  // no longer pending (a sent reply cannot change).
  // draft_text always stays as drafted; the person's words go to final_text.
  // Edit needs a non-empty text. Approve sets final_text to `text` if given,
  // else to an earlier edit, else to the draft. Decline ignores `text`.
  // InvalidArgument for a blank text; NotFound when the opportunity or its
  // reply does not exist.
  virtual absl::StatusOr<Response> DecideResponse(
      int64_t opportunity_id, Decision decision,
      const std::optional<std::string>& text) = 0;

  // API tokens, stored as hashes only. AlreadyExists for a known hash.
  virtual absl::Status CreateApiToken(std::string_view name,
                                      std::string_view token_hash) = 0;
  virtual absl::StatusOr<bool> ApiTokenExists(std::string_view token_hash) = 0;

  // A cheap round trip for /ready.
  virtual absl::Status Ping() = 0;

  // Thread-safe; cheap (no round trip): read at every scrape.
  virtual ConnectionPoolStats PoolStats() const = 0;
};

struct SqliteStoreOptions {
  std::string path;            // File path; ":memory:" for tests.
  int busy_timeout_ms = 5000;  // Default 5 s. Waits for a writer lock.
  // Default 4. Readers alongside one writer, so reads never wait for a
  // write. 0, and always for ":memory:" (one private database per
  // connection), serves reads on the writer connection.
  int read_connections = 4;
  // Default: the system clock. The current instant as RFC 3339 UTC with
  // milliseconds and 'Z' ("2026-11-29T10:00:00.123Z"), for created_at and
  // updated_at; injected by tests. Must return that exact shape: timestamps
  // are compared as text. Called only with the store's write lock held.
  std::function<std::string()> now;
};

// Opens (creating if needed) and migrates the database: WAL, foreign keys,
// busy timeout, FTS5. FailedPrecondition when the database was made by a
// newer lia ("database schema version 7 is newer than this lia (5)").
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteStoreOptions& options);

// Applies pending migrations and reports the schema version reached.
absl::StatusOr<int> MigrateSqlite(const std::string& path);

}  // namespace lia::store
