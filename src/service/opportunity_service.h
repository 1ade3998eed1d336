#pragma once

// What the API does, apart from HTTP: ingest messages, analyse them, read
// opportunities through the cache, decide replies, manage the profile.
// Handlers parse, call this, and map the status (STYLE: handlers stay thin).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/types.h"
#include "nlohmann/json_fwd.hpp"
#include "store/store.h"

namespace lia::analysis {
class Pipeline;
}
namespace lia::cache {
class Cache;
}
namespace lia::ingest {
struct ExportResult;
}
namespace lia::jobs {
class JobQueue;
struct Job;
}  // namespace lia::jobs

namespace lia::service {
class EventBus;
class ServiceMetrics;

// The job types of lia's tasks (service/tasks.h runs them).
inline constexpr char kProcessMessageJob[] = "process_message";
inline constexpr char kReprocessOpportunityJob[] = "reprocess_opportunity";
inline constexpr char kImportExportJob[] = "import_export";
inline constexpr char kRescoreAllJob[] = "rescore_all";
inline constexpr char kCleanupJob[] = "cleanup";
inline constexpr char kDailyDigestJob[] = "daily_digest";

}  // namespace lia::service

namespace lia::service {

// Holds the current profile; swapped atomically on PUT /api/v1/profile.
// Thread-safe.
class ProfileHolder {
 public:
  virtual ~ProfileHolder() = default;
  virtual std::shared_ptr<const core::Profile> Get() const = 0;
  // A stable hash of the profile's content: scores made with another
  // version are stale.
  virtual int64_t version() const = 0;
  // Validates, writes the file atomically (temp file + rename) when the
  // holder has one, then swaps. InvalidArgument naming the field.
  virtual absl::Status Replace(const core::Profile& profile) = 0;
};

// `path` empty: in memory only.
std::unique_ptr<ProfileHolder> NewProfileHolder(core::Profile initial,
                                                std::string path);

struct IngestedMessage {
  int64_t message_id = 0;
  bool duplicate = false;
  std::optional<int64_t> opportunity_id;
  // Set when the message was analysed in this call (not a duplicate).
  std::optional<store::Opportunity> opportunity;
  // Enqueue only: the job that analyses it (queued now or live already).
  std::optional<int64_t> job_id;
};

struct QueuedImport {
  int64_t upload_id = 0;
  int64_t job_id = 0;
};

struct ImportSummary {
  int64_t rows = 0;
  int64_t conversations = 0;
  int64_t analysed = 0;    // New messages analysed (synchronous import).
  int64_t queued = 0;      // New messages queued for analysis (job).
  int64_t duplicates = 0;  // Already imported before.
  int64_t skipped_drafts = 0;
  int64_t skipped_sponsored = 0;
  int64_t without_inbound = 0;
  std::vector<std::string> errors;  // "line 17: ..." per malformed row.
};

struct ServiceOptions {
  int64_t max_batch = 1000;  // Default 1,000 messages per batch request.
  // TTL of cached reads; versioned keys make invalidation exact anyway.
  int cache_ttl_seconds = 300;
  // Names the pipeline's engines in the pipeline-result cache key, so
  // results of one engine are never served for another ("rules",
  // "openai:gpt-4o-mini>rules").
  std::string engine = "rules";
  // Not owned; may be null. Without a queue the Enqueue* calls are
  // FailedPrecondition; without a bus no event is published.
  jobs::JobQueue* queue = nullptr;
  EventBus* events = nullptr;
  // Default none. Not owned; may be null. Counts new opportunities, tier
  // assignments and pipeline runs (service/service_metrics.h).
  ServiceMetrics* metrics = nullptr;
};

// Thread-safe; every collaborator must outlive it.
class OpportunityService {
 public:
  OpportunityService(store::Store& store, cache::Cache& cache,
                     const analysis::Pipeline& pipeline,
                     ProfileHolder& profiles, ServiceOptions options = {});
  ~OpportunityService();

  // Stores each message once, then analyses the new ones. All messages of a
  // batch are stored in one transaction. Analysis runs in the caller's
  // thread today; this is the one place the background-jobs work turns it
  // into an enqueued job (stored with the message, in one transaction).
  // InvalidArgument (with the index of the bad message) when a message has no
  // text or the batch is too large.
  absl::StatusOr<std::vector<IngestedMessage>> Ingest(
      const std::vector<core::Message>& messages);

  // Stores each message once and, in the same transaction, queues the job
  // that analyses each one still without an opportunity (DESIGN §6): what
  // POST /api/v1/messages answers 202 with. Errors as Ingest.
  absl::StatusOr<std::vector<IngestedMessage>> Enqueue(
      const std::vector<core::Message>& messages);

  // The process_message task: analyses stored messages and saves their
  // opportunities in one transaction; one status per id, in order (NotFound
  // for an unknown message; a failed save fails all). Idempotent: a second
  // run refreshes the same opportunity and reply, never adds one.
  std::vector<absl::Status> ProcessMessages(
      const std::vector<int64_t>& message_ids);

  // Parses a LinkedIn export (zip or messages.csv) and ingests its messages.
  absl::StatusOr<ImportSummary> ImportLinkedInExport(std::string_view bytes);
  // Stores the export and queues its import_export job, in one transaction.
  absl::StatusOr<QueuedImport> EnqueueImport(std::string_view bytes);
  // The import_export task: parses the stored export and enqueues its
  // messages (Enqueue) in batches, publishing import.progress after each;
  // records the summary on the upload. A second run finds every message a
  // duplicate. InvalidArgument (not retried) for an unreadable export.
  absl::StatusOr<ImportSummary> RunImport(int64_t upload_id);

  absl::StatusOr<store::Opportunity> Get(int64_t id);
  // The page (service/opportunity_json.h) and the stats as the API's JSON
  // text, cached as such: a repeated read costs one cache lookup and no
  // (de)serialisation.
  absl::StatusOr<std::string> ListJson(const store::OpportunityQuery& query);
  absl::StatusOr<std::string> StatsJson();
  absl::StatusOr<store::Opportunity> Update(int64_t id,
                                            const store::OpportunityPatch& p);
  absl::Status Delete(int64_t id, bool force);
  // Analyses the opportunity's message again with the current profile.
  absl::StatusOr<store::Opportunity> Reprocess(int64_t id);
  // Re-scores every opportunity for the current profile; returns the count.
  absl::StatusOr<int64_t> RescoreAll();
  // Queue reprocess_opportunity / rescore_all (NotFound for an unknown
  // opportunity). One live job per opportunity, one live rescore.
  absl::StatusOr<jobs::Job> EnqueueReprocess(int64_t id);
  absl::StatusOr<jobs::Job> EnqueueRescore();

  absl::StatusOr<store::Response> GetResponse(int64_t opportunity_id);
  absl::StatusOr<std::vector<store::Response>> ListResponses(
      std::optional<store::ResponseStatus> status, int64_t skip, int64_t limit);
  absl::StatusOr<store::Response> Decide(
      int64_t opportunity_id, store::Decision decision,
      const std::optional<std::string>& text);

  // Drops every cached read. For changes made elsewhere: another process
  // (`lia worker`) writing to the same database announces them as events.
  void InvalidateCache() { Invalidate(); }

  ProfileHolder& profiles() { return profiles_; }
  store::Store& store() { return store_; }

 private:
  // `reprocess`: the message has an opportunity already (metrics count a
  // tier assignment, not a creation).
  absl::StatusOr<store::Opportunity> Analyse(int64_t message_id,
                                             bool reprocess = false);
  // The pipeline through the result cache. `took`, when given, receives
  // how long that took.
  absl::StatusOr<core::Analysis> AnalyseMessage(core::Message message,
                                                int64_t message_id,
                                                const core::Profile& profile,
                                                int64_t profile_version,
                                                absl::Duration* took = nullptr);
  // Counts a saved opportunity: new (created) or refreshed.
  void ObserveSaved(const store::Opportunity& o, bool created,
                    absl::Duration analysis_time);
  void Invalidate();
  // Best effort: a lost event never fails the work that caused it.
  void Publish(std::string_view type, const nlohmann::json& data);
  absl::Status ValidateBatch(const std::vector<core::Message>& messages) const;
  ImportSummary SummaryOf(const ingest::ExportResult& parsed) const;
  std::string CacheVersion();
  std::string ListKey(const store::OpportunityQuery& query);

  store::Store& store_;
  cache::Cache& cache_;
  const analysis::Pipeline& pipeline_;
  ProfileHolder& profiles_;
  ServiceOptions options_;
};

}  // namespace lia::service
