#include "service/opportunity_service.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <system_error>
#include <utility>

#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/json.h"
#include "core/profile.h"
#include "core/status_macros.h"
#include "ingest/linkedin_export.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "obs/trace.h"
#include "service/event_bus.h"
#include "service/opportunity_json.h"
#include "service/service_metrics.h"

namespace lia::service {
namespace {

constexpr std::string_view kVersionKey = "opp:version";

// FNV-1a, 64 bit: stable across runs and machines (std::hash is not).
uint64_t Fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx",
                static_cast<unsigned long long>(v));
  return buffer;
}

class FileProfileHolder final : public ProfileHolder {
 public:
  FileProfileHolder(core::Profile initial, std::string path)
      : path_(std::move(path)) {
    Swap(std::move(initial));
  }

  // ProfileHolder:
  std::shared_ptr<const core::Profile> Get() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return profile_;
  }
  int64_t version() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }
  absl::Status Replace(const core::Profile& profile) override {
    LIA_RETURN_IF_ERROR(core::ValidateProfile(profile));
    if (!path_.empty()) LIA_RETURN_IF_ERROR(WriteAtomically(profile));
    Swap(profile);
    return absl::OkStatus();
  }

 private:
  void Swap(core::Profile profile) {
    // JSON is YAML: the file stays readable by the YAML loader.
    const std::string canonical = core::ToJson(profile).dump();
    auto next = std::make_shared<const core::Profile>(std::move(profile));
    std::lock_guard<std::mutex> lock(mu_);
    profile_ = std::move(next);
    // 53 bits: exact in a JSON number.
    version_ = static_cast<int64_t>(Fnv1a(canonical) & ((1ull << 53) - 1));
  }

  absl::Status WriteAtomically(const core::Profile& profile) {
    const std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << "# Written by lia (PUT /api/v1/profile). JSON is valid YAML.\n"
          << core::ToJson(profile).dump(2) << "\n";
      out.flush();
      if (!out) {
        return absl::UnavailableError("cannot write " + tmp);
      }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path_, ec);
    if (ec) {
      return absl::UnavailableError("cannot replace " + path_ + ": " +
                                    ec.message());
    }
    return absl::OkStatus();
  }

  const std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const core::Profile> profile_;  // Guarded by mu_.
  int64_t version_ = 0;                           // Guarded by mu_.
};

// Process limits of the job types the service enqueues.
constexpr int kProcessMessageAttempts = 5;
constexpr int kImportAttempts = 3;

// What an event says of an opportunity: enough for a dashboard to update a
// row without a round trip, never the message text.
nlohmann::json OpportunityEvent(const store::Opportunity& o) {
  const core::Extraction& x = o.analysis.extraction;
  return {{"opportunity_id", o.id},
          {"message_id", o.message_id},
          {"company", x.company ? nlohmann::json(*x.company) : nullptr},
          {"role", x.role ? nlohmann::json(*x.role) : nullptr},
          {"tier", core::ToString(o.tier())},
          {"score", o.analysis.scores.total}};
}

std::string QueryKey(const store::OpportunityQuery& q) {
  nlohmann::json j;
  j["s"] = q.skip;
  j["l"] = q.limit;
  j["c"] = q.cursor;
  nlohmann::json tiers = nlohmann::json::array();
  for (core::Tier t : q.tiers) tiers.push_back(core::ToString(t));
  j["t"] = tiers;
  j["st"] = q.status ? std::string(store::ToString(*q.status)) : "";
  j["ps"] = q.processing_status
                ? std::string(store::ToString(*q.processing_status))
                : "";
  j["cs"] = q.conversation_state
                ? std::string(core::ToString(*q.conversation_state))
                : "";
  j["min"] = q.min_score ? *q.min_score : -1;
  j["max"] = q.max_score ? *q.max_score : -1;
  j["co"] = q.company;
  j["te"] = q.tech;
  j["ta"] = q.tech_match_all;
  j["rp"] =
      q.remote_policy ? std::string(core::ToString(*q.remote_policy)) : "";
  j["ms"] = q.min_salary_usd ? *q.min_salary_usd : -1;
  j["q"] = q.q;
  j["cf"] = q.created_from;
  j["ct"] = q.created_to;
  j["sb"] = static_cast<int>(q.sort_by);
  j["d"] = q.descending;
  return Hex(
      Fnv1a(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace

std::unique_ptr<ProfileHolder> NewProfileHolder(core::Profile initial,
                                                std::string path) {
  return std::make_unique<FileProfileHolder>(std::move(initial),
                                             std::move(path));
}

OpportunityService::OpportunityService(store::Store& store, cache::Cache& cache,
                                       const analysis::Pipeline& pipeline,
                                       ProfileHolder& profiles,
                                       ServiceOptions options)
    : store_(store),
      cache_(cache),
      pipeline_(pipeline),
      profiles_(profiles),
      options_(options) {}

OpportunityService::~OpportunityService() = default;

// Cached reads live under "opp:v<version>:..."; every write bumps the
// version, so no stale entry is ever read again. A version lost to eviction
// or a cache restart is reseeded with a random value, never a small number
// that old entries could still carry.
std::string OpportunityService::CacheVersion() {
  if (std::optional<std::string> v = cache_.Get(kVersionKey)) return *v;
  std::random_device random;
  const std::string seeded =
      std::to_string((static_cast<uint64_t>(random()) << 20) ^ random());
  cache_.Set(kVersionKey, seeded, std::chrono::hours(24 * 365));
  return seeded;
}

void OpportunityService::Invalidate() {
  CacheVersion();  // Seed first: Increment of a missing key would give 1.
  cache_.Increment(kVersionKey);
}

std::string OpportunityService::ListKey(const store::OpportunityQuery& query) {
  return "opp:v" + CacheVersion() + ":list:" + QueryKey(query);
}

void OpportunityService::ObserveSaved(const store::Opportunity& o, bool created,
                                      absl::Duration analysis_time) {
  if (options_.metrics == nullptr) return;
  if (created) {
    options_.metrics->ObserveCreated(o.tier(), store::ToString(o.status),
                                     o.analysis.scores.total, analysis_time);
  } else {
    options_.metrics->ObserveTierAssigned(o.tier());
  }
}

absl::StatusOr<core::Analysis> OpportunityService::AnalyseMessage(
    core::Message message, int64_t message_id, const core::Profile& profile,
    int64_t profile_version, absl::Duration* took) {
  const absl::Time start = absl::Now();
  message.id = std::to_string(message_id);
  // The same message under the same profile is never analysed twice.
  nlohmann::json identity = core::ToJson(message);
  identity.erase("id");
  const std::string key =
      "pipe:" + std::to_string(profile_version) + ":" + options_.engine + ":" +
      Hex(Fnv1a(identity.dump(-1, ' ', false,
                              nlohmann::json::error_handler_t::replace)));
  if (std::optional<std::string> cached = cache_.Get(key)) {
    absl::StatusOr<nlohmann::json> json = core::ParseJson(*cached);
    if (json.ok()) {
      absl::StatusOr<core::Analysis> a = core::AnalysisFromJson(*json);
      if (a.ok()) {
        a->id = message.id;
        if (took != nullptr) *took = absl::Now() - start;
        return a;
      }
    }
  }
  absl::StatusOr<core::Analysis> analysed = pipeline_.Analyze(message, profile);
  if (options_.metrics != nullptr) {
    options_.metrics->ObservePipeline(options_.engine, analysed.ok());
  }
  LIA_ASSIGN_OR_RETURN(core::Analysis fresh, std::move(analysed));
  if (took != nullptr) *took = absl::Now() - start;
  cache_.Set(key,
             core::ToJson(fresh).dump(-1, ' ', false,
                                      nlohmann::json::error_handler_t::replace),
             std::chrono::milliseconds(0));
  return fresh;
}

absl::StatusOr<store::Opportunity> OpportunityService::Analyse(
    int64_t message_id, bool reprocess) {
  LIA_ASSIGN_OR_RETURN(store::StoredMessage stored,
                       store_.GetMessage(message_id));
  const std::shared_ptr<const core::Profile> profile = profiles_.Get();
  const int64_t profile_version = profiles_.version();
  absl::Duration took;
  LIA_ASSIGN_OR_RETURN(core::Analysis analysis,
                       AnalyseMessage(stored.message, message_id, *profile,
                                      profile_version, &took));
  absl::StatusOr<store::Opportunity> saved =
      store_.SaveAnalysis(message_id, analysis, profile_version);
  // A first save stamps created_at and updated_at alike.
  if (saved.ok()) {
    ObserveSaved(*saved, !reprocess && saved->created_at == saved->updated_at,
                 took);
  }
  return saved;
}

absl::Status OpportunityService::ValidateBatch(
    const std::vector<core::Message>& messages) const {
  if (messages.empty()) {
    return absl::InvalidArgumentError("messages: expected at least one");
  }
  if (static_cast<int64_t>(messages.size()) > options_.max_batch) {
    return absl::InvalidArgumentError(
        "messages: at most " + std::to_string(options_.max_batch) +
        " per request, got " + std::to_string(messages.size()));
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError(
          (messages.size() == 1 ? std::string("text")
                                : "messages[" + std::to_string(i) + "].text") +
          ": must not be empty");
    }
  }
  return absl::OkStatus();
}

void OpportunityService::Publish(std::string_view type,
                                 const nlohmann::json& data) {
  if (options_.events == nullptr) return;
  // Best effort by design: the state change is stored already, and the
  // event log is for watchers, not for correctness.
  (void)options_.events->Publish(std::string(type), data);
}

absl::StatusOr<std::vector<IngestedMessage>> OpportunityService::Enqueue(
    const std::vector<core::Message>& messages) {
  if (options_.queue == nullptr) {
    return absl::FailedPreconditionError("no job queue configured");
  }
  LIA_RETURN_IF_ERROR(ValidateBatch(messages));
  store::OutboxJob job;
  job.type = kProcessMessageJob;
  job.max_attempts = kProcessMessageAttempts;
  // The job's span links to the request that queued it (DESIGN §8).
  if (const obs::SpanContext* span = obs::ScopedSpan::Current()) {
    job.payload =
        nlohmann::json{{"traceparent", obs::FormatTraceparent(*span)}}.dump();
  }
  LIA_ASSIGN_OR_RETURN(std::vector<store::IngestOutcome> outcomes,
                       store_.InsertMessagesWithJobs(messages, job));
  std::vector<IngestedMessage> out(outcomes.size());
  std::vector<std::pair<std::string, nlohmann::json>> events;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const store::IngestOutcome& o = outcomes[i];
    out[i].message_id = o.message_id;
    out[i].duplicate = o.duplicate;
    out[i].opportunity_id = o.opportunity_id;
    out[i].job_id = o.job_id;
    if (!o.duplicate) {
      events.emplace_back(
          "message.received",
          nlohmann::json{
              {"message_id", o.message_id},
              {"job_id", o.job_id ? nlohmann::json(*o.job_id) : nullptr},
              {"sender", messages[i].sender}});
    }
  }
  // One transaction for a batch's events, as for its messages. Best effort.
  if (options_.events != nullptr && !events.empty()) {
    (void)options_.events->PublishBatch(events);
  }
  return out;
}

std::vector<absl::Status> OpportunityService::ProcessMessages(
    const std::vector<int64_t>& message_ids) {
  std::vector<absl::Status> outcomes(message_ids.size());
  const std::shared_ptr<const core::Profile> profile = profiles_.Get();
  const int64_t profile_version = profiles_.version();
  std::vector<core::Analysis> analyses;
  std::vector<absl::Duration> took;  // Parallel to analyses.
  std::vector<size_t> analysed;      // Index into message_ids.
  analyses.reserve(message_ids.size());
  for (size_t i = 0; i < message_ids.size(); ++i) {
    absl::StatusOr<store::StoredMessage> stored =
        store_.GetMessage(message_ids[i]);
    if (!stored.ok()) {
      outcomes[i] = stored.status();
      continue;
    }
    absl::Duration t;
    absl::StatusOr<core::Analysis> analysis = AnalyseMessage(
        stored->message, message_ids[i], *profile, profile_version, &t);
    if (!analysis.ok()) {
      outcomes[i] = analysis.status();
      continue;
    }
    analyses.push_back(*std::move(analysis));
    took.push_back(t);
    analysed.push_back(i);
  }
  if (analyses.empty()) return outcomes;
  std::vector<store::Store::AnalysisToSave> to_save;
  to_save.reserve(analyses.size());
  for (size_t k = 0; k < analyses.size(); ++k) {
    to_save.push_back(
        {message_ids[analysed[k]], &analyses[k], profile_version});
  }
  absl::StatusOr<std::vector<store::Opportunity>> saved =
      store_.SaveAnalyses(to_save);
  if (!saved.ok()) {
    for (size_t i : analysed) outcomes[i] = saved.status();
    return outcomes;
  }
  Invalidate();
  std::vector<std::pair<std::string, nlohmann::json>> events;
  events.reserve(saved->size());
  for (size_t k = 0; k < saved->size(); ++k) {
    const store::Opportunity& o = (*saved)[k];
    const bool created = o.created_at == o.updated_at;
    ObserveSaved(o, created, k < took.size() ? took[k] : absl::ZeroDuration());
    events.emplace_back(created ? "opportunity.created" : "opportunity.updated",
                        OpportunityEvent(o));
  }
  if (options_.events != nullptr) (void)options_.events->PublishBatch(events);
  return outcomes;
}

absl::StatusOr<std::vector<IngestedMessage>> OpportunityService::Ingest(
    const std::vector<core::Message>& messages) {
  LIA_RETURN_IF_ERROR(ValidateBatch(messages));
  LIA_ASSIGN_OR_RETURN(std::vector<store::IngestOutcome> outcomes,
                       store_.InsertMessages(messages));
  // Analyse what is new (or stored before but never analysed, after a
  // crash), then save every analysis in one transaction.
  const std::shared_ptr<const core::Profile> profile = profiles_.Get();
  const int64_t profile_version = profiles_.version();
  std::vector<core::Analysis> analyses;
  std::vector<absl::Duration> took;  // Parallel to analyses.
  std::vector<size_t> analysed_index;
  analyses.reserve(outcomes.size());
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].opportunity_id || outcomes[i].retired) continue;
    absl::Duration t;
    LIA_ASSIGN_OR_RETURN(core::Analysis analysis,
                         AnalyseMessage(messages[i], outcomes[i].message_id,
                                        *profile, profile_version, &t));
    analyses.push_back(std::move(analysis));
    took.push_back(t);
    analysed_index.push_back(i);
  }
  std::vector<store::Opportunity> saved;
  if (!analyses.empty()) {
    std::vector<store::Store::AnalysisToSave> to_save;
    to_save.reserve(analyses.size());
    for (size_t k = 0; k < analyses.size(); ++k) {
      to_save.push_back({outcomes[analysed_index[k]].message_id, &analyses[k],
                         profile_version});
    }
    absl::StatusOr<std::vector<store::Opportunity>> done =
        store_.SaveAnalyses(to_save);
    if (!done.ok()) return done.status();
    saved = *std::move(done);
    Invalidate();
  }
  std::vector<IngestedMessage> out(outcomes.size());
  for (size_t i = 0; i < outcomes.size(); ++i) {
    out[i].message_id = outcomes[i].message_id;
    out[i].duplicate = outcomes[i].duplicate;
    out[i].opportunity_id = outcomes[i].opportunity_id;
  }
  for (size_t k = 0; k < saved.size(); ++k) {
    ObserveSaved(saved[k], /*created=*/true,
                 k < took.size() ? took[k] : absl::ZeroDuration());
    Publish("opportunity.created", OpportunityEvent(saved[k]));
    IngestedMessage& m = out[analysed_index[k]];
    m.opportunity_id = saved[k].id;
    m.opportunity = std::move(saved[k]);
  }
  return out;
}

ImportSummary OpportunityService::SummaryOf(
    const ingest::ExportResult& parsed) const {
  ImportSummary summary;
  summary.rows = parsed.rows;
  summary.conversations = parsed.conversations;
  summary.skipped_drafts = parsed.skipped_drafts;
  summary.skipped_sponsored = parsed.skipped_sponsored;
  summary.without_inbound = parsed.without_inbound;
  for (const ingest::RowError& e : parsed.errors) {
    summary.errors.push_back(e.message);
  }
  return summary;
}

absl::StatusOr<QueuedImport> OpportunityService::EnqueueImport(
    std::string_view bytes) {
  if (options_.queue == nullptr) {
    return absl::FailedPreconditionError("no job queue configured");
  }
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        "body: expected the export archive (zip) or messages.csv");
  }
  store::OutboxJob job;
  job.type = kImportExportJob;
  job.max_attempts = kImportAttempts;
  LIA_ASSIGN_OR_RETURN(auto ids,
                       store_.SaveUpload("linkedin-export", bytes, job));
  return QueuedImport{ids.first, ids.second};
}

absl::StatusOr<ImportSummary> OpportunityService::RunImport(int64_t upload_id) {
  LIA_ASSIGN_OR_RETURN(store::Upload upload,
                       store_.GetUpload(upload_id, /*with_bytes=*/true));
  if (upload.state != "queued") {
    // Done by an earlier attempt whose completion was not recorded.
    absl::StatusOr<nlohmann::json> j = core::ParseJson(upload.summary);
    ImportSummary done;
    if (j.ok()) {
      done.rows = j->value("rows", int64_t{0});
      done.queued = j->value("queued", int64_t{0});
      done.duplicates = j->value("duplicates", int64_t{0});
    }
    return done;
  }
  ingest::ExportOptions options;
  options.owner_hint = profiles_.Get()->name;
  absl::StatusOr<ingest::ExportResult> parsed =
      ingest::ParseLinkedInExport(upload.bytes, options);
  if (!parsed.ok()) {
    if (absl::IsInvalidArgument(parsed.status())) {
      // Bad input never gets better: record it, drop the bytes.
      LIA_RETURN_IF_ERROR(store_.FinishUpload(
          upload_id, /*ok=*/false,
          nlohmann::json{{"error", std::string(parsed.status().message())}}
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    }
    return parsed.status();
  }
  upload.bytes.clear();
  upload.bytes.shrink_to_fit();
  ImportSummary summary = SummaryOf(*parsed);
  const size_t batch = static_cast<size_t>(options_.max_batch);
  const size_t total = parsed->messages.size();
  for (size_t i = 0; i < total; i += batch) {
    std::vector<core::Message> chunk(
        parsed->messages.begin() + static_cast<std::ptrdiff_t>(i),
        parsed->messages.begin() +
            static_cast<std::ptrdiff_t>(std::min(total, i + batch)));
    LIA_ASSIGN_OR_RETURN(std::vector<IngestedMessage> done, Enqueue(chunk));
    for (const IngestedMessage& m : done) {
      m.duplicate ? ++summary.duplicates : ++summary.queued;
    }
    Publish("import.progress", {{"upload_id", upload_id},
                                {"messages", total},
                                {"done", std::min(total, i + batch)},
                                {"queued", summary.queued},
                                {"duplicates", summary.duplicates}});
  }
  LIA_RETURN_IF_ERROR(store_.FinishUpload(
      upload_id, /*ok=*/true,
      ToJson(summary).dump(-1, ' ', false,
                           nlohmann::json::error_handler_t::replace)));
  return summary;
}

absl::StatusOr<jobs::Job> OpportunityService::EnqueueReprocess(int64_t id) {
  if (options_.queue == nullptr) {
    return absl::FailedPreconditionError("no job queue configured");
  }
  LIA_RETURN_IF_ERROR(store_.GetOpportunity(id).status());
  jobs::NewJob job;
  job.type = kReprocessOpportunityJob;
  job.payload = nlohmann::json{{"opportunity_id", id}}.dump();
  job.priority = jobs::Priority::kHigh;  // A person is waiting for it.
  job.max_attempts = kProcessMessageAttempts;
  job.idempotency_key =
      std::string(kReprocessOpportunityJob) + ":" + std::to_string(id);
  return options_.queue->Enqueue(job);
}

absl::StatusOr<jobs::Job> OpportunityService::EnqueueRescore() {
  if (options_.queue == nullptr) {
    return absl::FailedPreconditionError("no job queue configured");
  }
  jobs::NewJob job;
  job.type = kRescoreAllJob;
  job.priority = jobs::Priority::kLow;
  job.max_attempts = 3;
  job.idempotency_key = kRescoreAllJob;
  return options_.queue->Enqueue(job);
}

absl::StatusOr<ImportSummary> OpportunityService::ImportLinkedInExport(
    std::string_view bytes) {
  ingest::ExportOptions options;
  options.owner_hint = profiles_.Get()->name;
  LIA_ASSIGN_OR_RETURN(ingest::ExportResult parsed,
                       ingest::ParseLinkedInExport(bytes, options));
  ImportSummary summary = SummaryOf(parsed);
  const size_t batch = static_cast<size_t>(options_.max_batch);
  for (size_t i = 0; i < parsed.messages.size(); i += batch) {
    std::vector<core::Message> chunk(
        parsed.messages.begin() + static_cast<std::ptrdiff_t>(i),
        parsed.messages.begin() + static_cast<std::ptrdiff_t>(std::min(
                                      parsed.messages.size(), i + batch)));
    LIA_ASSIGN_OR_RETURN(std::vector<IngestedMessage> done, Ingest(chunk));
    for (const IngestedMessage& m : done) {
      if (m.duplicate) {
        ++summary.duplicates;
      } else {
        ++summary.analysed;
      }
    }
  }
  return summary;
}

absl::StatusOr<store::Opportunity> OpportunityService::Get(int64_t id) {
  const std::string key =
      "opp:v" + CacheVersion() + ":get:" + std::to_string(id);
  if (std::optional<std::string> cached = cache_.Get(key)) {
    absl::StatusOr<nlohmann::json> json = core::ParseJson(*cached);
    if (json.ok()) {
      absl::StatusOr<store::Opportunity> o = OpportunityFromJson(*json);
      if (o.ok()) return o;
    }
  }
  LIA_ASSIGN_OR_RETURN(store::Opportunity o, store_.GetOpportunity(id));
  cache_.Set(
      key,
      ToJson(o).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      std::chrono::seconds(options_.cache_ttl_seconds));
  return o;
}

absl::StatusOr<std::string> OpportunityService::ListJson(
    const store::OpportunityQuery& query) {
  const std::string key = ListKey(query);
  if (std::optional<std::string> cached = cache_.Get(key)) return *cached;
  LIA_ASSIGN_OR_RETURN(store::OpportunityPage page,
                       store_.ListOpportunities(query));
  std::string body =
      ToJson(page, query.skip, query.limit)
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  cache_.Set(key, body, std::chrono::seconds(options_.cache_ttl_seconds));
  return body;
}

absl::StatusOr<std::string> OpportunityService::StatsJson() {
  // Cheap aggregates over indexed columns, cached all the same because
  // dashboards poll them (28 ms uncached at 100,000 opportunities).
  const std::string key = "opp:v" + CacheVersion() + ":stats";
  if (std::optional<std::string> cached = cache_.Get(key)) return *cached;
  LIA_ASSIGN_OR_RETURN(store::OpportunityStats stats, store_.Stats());
  std::string body = ToJson(stats).dump();
  cache_.Set(key, body, std::chrono::seconds(options_.cache_ttl_seconds));
  return body;
}

absl::StatusOr<store::Opportunity> OpportunityService::Update(
    int64_t id, const store::OpportunityPatch& patch) {
  absl::StatusOr<store::Opportunity> o = store_.UpdateOpportunity(id, patch);
  if (o.ok()) {
    Invalidate();
    Publish("opportunity.updated", OpportunityEvent(*o));
  }
  return o;
}

absl::Status OpportunityService::Delete(int64_t id, bool force) {
  absl::Status status = store_.DeleteOpportunity(id, force);
  if (status.ok()) Invalidate();
  return status;
}

absl::StatusOr<store::Opportunity> OpportunityService::Reprocess(int64_t id) {
  LIA_ASSIGN_OR_RETURN(store::Opportunity o, store_.GetOpportunity(id));
  absl::StatusOr<store::Opportunity> fresh =
      Analyse(o.message_id, /*reprocess=*/true);
  Invalidate();
  if (fresh.ok()) Publish("opportunity.updated", OpportunityEvent(*fresh));
  return fresh;
}

absl::StatusOr<int64_t> OpportunityService::RescoreAll() {
  LIA_ASSIGN_OR_RETURN(std::vector<int64_t> ids, store_.OpportunityIds());
  const std::shared_ptr<const core::Profile> profile = profiles_.Get();
  const int64_t profile_version = profiles_.version();
  // Batches: one transaction per batch, and a failure loses only its batch.
  constexpr size_t kBatch = 500;
  int64_t done = 0;
  for (size_t first = 0; first < ids.size(); first += kBatch) {
    std::vector<core::Analysis> analyses;
    std::vector<int64_t> message_ids;
    for (size_t i = first; i < std::min(ids.size(), first + kBatch); ++i) {
      absl::StatusOr<store::Opportunity> o = store_.GetOpportunity(ids[i]);
      if (absl::IsNotFound(o.status())) continue;  // Deleted meanwhile.
      if (!o.ok()) {
        Invalidate();
        return o.status();
      }
      absl::StatusOr<store::StoredMessage> m = store_.GetMessage(o->message_id);
      if (!m.ok()) {
        Invalidate();
        return m.status();
      }
      absl::StatusOr<core::Analysis> a =
          AnalyseMessage(m->message, o->message_id, *profile, profile_version);
      if (!a.ok()) {
        Invalidate();
        return a.status();
      }
      analyses.push_back(*std::move(a));
      message_ids.push_back(o->message_id);
    }
    std::vector<store::Store::AnalysisToSave> to_save;
    for (size_t k = 0; k < analyses.size(); ++k) {
      to_save.push_back({message_ids[k], &analyses[k], profile_version});
    }
    if (!to_save.empty()) {
      absl::StatusOr<std::vector<store::Opportunity>> saved =
          store_.SaveAnalyses(to_save);
      if (!saved.ok()) {
        Invalidate();
        return saved.status();
      }
      done += static_cast<int64_t>(saved->size());
      for (const store::Opportunity& o : *saved) {
        ObserveSaved(o, /*created=*/false, absl::ZeroDuration());
      }
    }
  }
  Invalidate();
  return done;
}

absl::StatusOr<store::Response> OpportunityService::GetResponse(
    int64_t opportunity_id) {
  return store_.GetResponse(opportunity_id);
}

absl::StatusOr<std::vector<store::Response>> OpportunityService::ListResponses(
    std::optional<store::ResponseStatus> status, int64_t skip, int64_t limit) {
  return store_.ListResponses(status, skip, limit);
}

absl::StatusOr<store::Response> OpportunityService::Decide(
    int64_t opportunity_id, store::Decision decision,
    const std::optional<std::string>& text) {
  absl::StatusOr<store::Response> r =
      store_.DecideResponse(opportunity_id, decision, text);
  if (r.ok()) Invalidate();
  return r;
}

}  // namespace lia::service
