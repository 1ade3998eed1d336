#include "service/instrumented_store.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "obs/metrics.h"
#include "obs/trace.h"
#include "store/store.h"

namespace lia::service {
namespace {

// Every Store call, by its operation label; span names are "store." + it.
enum class Op : size_t {
  kInsertMessage,
  kInsertMessages,
  kInsertMessagesWithJobs,
  kRequeueUnanalysed,
  kGetMessage,
  kSaveUpload,
  kGetUpload,
  kFinishUpload,
  kSaveDigest,
  kLatestDigest,
  kApplyRetention,
  kSaveAnalysis,
  kSaveAnalyses,
  kGetOpportunity,
  kListOpportunities,
  kUpdateOpportunity,
  kDeleteOpportunity,
  kStats,
  kOpportunityIds,
  kGetResponse,
  kListResponses,
  kDecideResponse,
  kCreateApiToken,
  kApiTokenExists,
  kPing,
  kCount,
};

constexpr std::array<std::string_view, static_cast<size_t>(Op::kCount)>
    kOperations = {
        "insert_message",
        "insert_messages",
        "insert_messages_with_jobs",
        "requeue_unanalysed",
        "get_message",
        "save_upload",
        "get_upload",
        "finish_upload",
        "save_digest",
        "latest_digest",
        "apply_retention",
        "save_analysis",
        "save_analyses",
        "get_opportunity",
        "list_opportunities",
        "update_opportunity",
        "delete_opportunity",
        "stats",
        "opportunity_ids",
        "get_response",
        "list_responses",
        "decide_response",
        "create_api_token",
        "api_token_exists",
        "ping",
};

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// Codes that say the database (or the way to it) failed, rather than
// answering: those mark the span as an error.
bool DatabaseFailed(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

class InstrumentedStore final : public store::Store {
 public:
  InstrumentedStore(store::Store& store, std::string db_system,
                    obs::HistogramFamily* latency,
                    std::vector<obs::CallbackFamily*> callbacks)
      : store_(store),
        db_system_(std::move(db_system)),
        latency_family_(latency),
        callbacks_(std::move(callbacks)) {
    for (size_t i = 0; i < kOperations.size(); ++i) {
      span_names_[i] = "store." + std::string(kOperations[i]);
    }
  }

  ~InstrumentedStore() override {
    for (obs::CallbackFamily* family : callbacks_) {
      family->SetCallback(nullptr);
    }
  }

  // store::Store:
  absl::StatusOr<store::IngestOutcome> InsertMessage(
      const core::Message& message) override {
    return Call(Op::kInsertMessage,
                [&] { return store_.InsertMessage(message); });
  }
  absl::StatusOr<std::vector<store::IngestOutcome>> InsertMessages(
      const std::vector<core::Message>& messages) override {
    return Call(
        Op::kInsertMessages, [&] { return store_.InsertMessages(messages); },
        messages.size());
  }
  absl::StatusOr<std::vector<store::IngestOutcome>> InsertMessagesWithJobs(
      const std::vector<core::Message>& messages,
      const store::OutboxJob& job) override {
    return Call(
        Op::kInsertMessagesWithJobs,
        [&] { return store_.InsertMessagesWithJobs(messages, job); },
        messages.size());
  }
  absl::StatusOr<int64_t> RequeueUnanalysed(const store::OutboxJob& job,
                                            int64_t limit) override {
    return Call(Op::kRequeueUnanalysed,
                [&] { return store_.RequeueUnanalysed(job, limit); });
  }
  absl::StatusOr<store::StoredMessage> GetMessage(int64_t message_id) override {
    return Call(Op::kGetMessage, [&] { return store_.GetMessage(message_id); });
  }
  absl::StatusOr<std::pair<int64_t, int64_t>> SaveUpload(
      std::string_view kind, std::string_view bytes,
      const store::OutboxJob& job) override {
    return Call(Op::kSaveUpload,
                [&] { return store_.SaveUpload(kind, bytes, job); });
  }
  absl::StatusOr<store::Upload> GetUpload(int64_t id,
                                          bool with_bytes) override {
    return Call(Op::kGetUpload,
                [&] { return store_.GetUpload(id, with_bytes); });
  }
  absl::Status FinishUpload(int64_t id, bool ok,
                            std::string_view summary_json) override {
    return Call(Op::kFinishUpload,
                [&] { return store_.FinishUpload(id, ok, summary_json); });
  }
  absl::Status SaveDigest(const store::Digest& digest) override {
    return Call(Op::kSaveDigest, [&] { return store_.SaveDigest(digest); });
  }
  absl::StatusOr<std::optional<store::Digest>> LatestDigest() override {
    return Call(Op::kLatestDigest, [&] { return store_.LatestDigest(); });
  }
  absl::StatusOr<store::RetentionResult> ApplyRetention(
      const store::RetentionCutoffs& cutoffs) override {
    return Call(Op::kApplyRetention,
                [&] { return store_.ApplyRetention(cutoffs); });
  }
  absl::StatusOr<store::Opportunity> SaveAnalysis(
      int64_t message_id, const core::Analysis& analysis,
      int64_t profile_version) override {
    return Call(Op::kSaveAnalysis, [&] {
      return store_.SaveAnalysis(message_id, analysis, profile_version);
    });
  }
  absl::StatusOr<std::vector<store::Opportunity>> SaveAnalyses(
      const std::vector<AnalysisToSave>& analyses) override {
    return Call(
        Op::kSaveAnalyses, [&] { return store_.SaveAnalyses(analyses); },
        analyses.size());
  }
  absl::StatusOr<store::Opportunity> GetOpportunity(int64_t id) override {
    return Call(Op::kGetOpportunity, [&] { return store_.GetOpportunity(id); });
  }
  absl::StatusOr<store::OpportunityPage> ListOpportunities(
      const store::OpportunityQuery& query) override {
    return Call(Op::kListOpportunities,
                [&] { return store_.ListOpportunities(query); });
  }
  absl::StatusOr<store::Opportunity> UpdateOpportunity(
      int64_t id, const store::OpportunityPatch& patch) override {
    return Call(Op::kUpdateOpportunity,
                [&] { return store_.UpdateOpportunity(id, patch); });
  }
  absl::Status DeleteOpportunity(int64_t id, bool force) override {
    return Call(Op::kDeleteOpportunity,
                [&] { return store_.DeleteOpportunity(id, force); });
  }
  absl::StatusOr<store::OpportunityStats> Stats() override {
    return Call(Op::kStats, [&] { return store_.Stats(); });
  }
  absl::StatusOr<std::vector<int64_t>> OpportunityIds() override {
    return Call(Op::kOpportunityIds, [&] { return store_.OpportunityIds(); });
  }
  absl::StatusOr<store::Response> GetResponse(int64_t opportunity_id) override {
    return Call(Op::kGetResponse,
                [&] { return store_.GetResponse(opportunity_id); });
  }
  absl::StatusOr<std::vector<store::Response>> ListResponses(
      std::optional<store::ResponseStatus> status, int64_t skip,
      int64_t limit) override {
    return Call(Op::kListResponses,
                [&] { return store_.ListResponses(status, skip, limit); });
  }
  absl::StatusOr<store::Response> DecideResponse(
      int64_t opportunity_id, store::Decision decision,
      const std::optional<std::string>& text) override {
    return Call(Op::kDecideResponse, [&] {
      return store_.DecideResponse(opportunity_id, decision, text);
    });
  }
  absl::Status CreateApiToken(std::string_view name,
                              std::string_view token_hash) override {
    return Call(Op::kCreateApiToken,
                [&] { return store_.CreateApiToken(name, token_hash); });
  }
  absl::StatusOr<bool> ApiTokenExists(std::string_view token_hash) override {
    return Call(Op::kApiTokenExists,
                [&] { return store_.ApiTokenExists(token_hash); });
  }
  absl::Status Ping() override {
    return Call(Op::kPing, [&] { return store_.Ping(); });
  }
  // No span and no timing: read at every scrape, no round trip.
  store::ConnectionPoolStats PoolStats() const override {
    return store_.PoolStats();
  }

 private:
  // Runs `call` inside its span and times it. `batch_size` (rows written
  // by one call), when set, becomes lia.db.batch_size.
  template <typename Fn>
  auto Call(Op op, Fn&& call, std::optional<size_t> batch_size = std::nullopt)
      -> decltype(call()) {
    const size_t i = static_cast<size_t>(op);
    obs::Span span =
        obs::StartChildSpan(span_names_[i], obs::SpanKind::kClient);
    obs::Histogram* const latency = Latency(i);
    const auto start = latency != nullptr
                           ? std::chrono::steady_clock::now()
                           : std::chrono::steady_clock::time_point();
    auto result = call();
    if (latency != nullptr) {
      latency->Observe(std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count());
    }
    if (span.active()) {
      span.SetAttribute("db.system", db_system_);
      span.SetAttribute("db.operation.name", std::string(kOperations[i]));
      if (batch_size) {
        span.SetAttribute("lia.db.batch_size",
                          static_cast<int64_t>(*batch_size));
      }
      const absl::Status& status = StatusOf(result);
      if (!status.ok()) {
        span.SetAttribute("lia.status_code",
                          absl::StatusCodeToString(status.code()));
        if (DatabaseFailed(status)) span.SetError(status.ToString());
      }
    }
    return result;
  }

  // The series of operation `i`, made on its first call (an operation never
  // called exposes nothing); null when metrics are off.
  obs::Histogram* Latency(size_t i) {
    if (latency_family_ == nullptr) return nullptr;
    obs::Histogram* series = latency_[i].load(std::memory_order_acquire);
    if (series == nullptr) {
      // Racing callers get the same series from the family.
      series = &latency_family_->WithLabels({kOperations[i]});
      latency_[i].store(series, std::memory_order_release);
    }
    return series;
  }

  store::Store& store_;
  const std::string db_system_;
  std::array<std::string, kOperations.size()> span_names_;
  obs::HistogramFamily* const latency_family_;  // Null when metrics are off.
  std::array<std::atomic<obs::Histogram*>, kOperations.size()> latency_{};
  // Scrape-time families; their callbacks are cleared on destruction.
  const std::vector<obs::CallbackFamily*> callbacks_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<store::Store>> NewInstrumentedStore(
    store::Store& store, InstrumentedStoreOptions options) {
  obs::HistogramFamily* latency = nullptr;
  std::vector<obs::CallbackFamily*> callbacks;
  if (obs::Registry* registry = options.metrics; registry != nullptr) {
    LIA_ASSIGN_OR_RETURN(latency,
                         registry->AddHistogram(
                             "db_query_duration_seconds",
                             "Time of each store call, by operation, failures "
                             "included.",
                             {"operation"}, obs::WideLatencyBuckets()));
    store::Store* inner = &store;
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * connections,
        registry->AddCallbackGauge(
            "db_pool_connections",
            "The store's database connections now: idle, in_use; waiting "
            "counts callers waiting for one.",
            {"state"}, [inner](obs::SampleWriter& out) {
              const store::ConnectionPoolStats stats = inner->PoolStats();
              out.Add({"idle"}, static_cast<double>(stats.idle));
              out.Add({"in_use"}, static_cast<double>(stats.in_use));
              out.Add({"waiting"}, static_cast<double>(stats.waiting));
            }));
    callbacks.push_back(connections);
    LIA_ASSIGN_OR_RETURN(
        obs::CallbackFamily * max_connections,
        registry->AddCallbackGauge(
            "db_pool_max_connections",
            "The bound of the store's database connection pool.", {},
            [inner](obs::SampleWriter& out) {
              out.Add({}, static_cast<double>(inner->PoolStats().max));
            }));
    callbacks.push_back(max_connections);
  }
  return std::unique_ptr<store::Store>(new InstrumentedStore(
      store, std::move(options.db_system), latency, std::move(callbacks)));
}

}  // namespace lia::service
