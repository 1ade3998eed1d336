// The service's background work on a real SQLite file: enqueue, the tasks,
// the digest and retention. The job queue and event log are the real ones
// on the same file, so what a worker would lease is what is asserted.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "analysis/pipeline.h"
#include "cache/cache.h"
#include "core/profile.h"
#include "gtest/gtest.h"
#include "ingest/testing/export_generator.h"
#include "jobs/clock.h"
#include "jobs/job.h"
#include "jobs/job_queue.h"
#include "jobs/sqlite/sqlite_job_queue.h"
#include "jobs/task_registry.h"
#include "nlohmann/json.hpp"
#include "service/event_bus.h"
#include "service/maintenance.h"
#include "service/opportunity_service.h"
#include "service/tasks.h"
#include "store/event_log.h"
#include "store/sqlite/sqlite_event_log.h"
#include "store/store.h"

namespace lia::service {
namespace {

core::Message Msg(int i) {
  core::Message m;
  m.text = "Hi Ana, Company" + std::to_string(i) +
           " is hiring a Senior Go Engineer (Go, Kubernetes). Fully remote, "
           "$180k-$200k. Interested?";
  m.sender = "Rita Recruiter";
  m.source_id = "src-" + std::to_string(i);
  return m;
}

class ServiceJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lia_service_jobs_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string path = dir_ + "/lia.db";
    store::SqliteStoreOptions store_options;
    store_options.path = path;
    store_ = *store::OpenSqliteStore(store_options);
    store::SqliteJobQueueOptions queue_options;
    queue_options.path = path;
    queue_options.clock = &clock_;
    queue_ = *store::OpenSqliteJobQueue(queue_options);
    log_ = *store::OpenSqliteEventLog({path});
    bus_ = std::make_unique<EventBus>(*log_);
    cache_ = cache::NewMemoryCache(cache::MemoryCacheOptions{});
    pipeline_ = analysis::NewRulesPipeline();
    core::Profile profile = core::DefaultProfile();
    profile.name = "Ana Lima";
    profiles_ = NewProfileHolder(profile, "");
    ServiceOptions options;
    options.queue = queue_.get();
    options.events = bus_.get();
    service_ = std::make_unique<OpportunityService>(
        *store_, *cache_, *pipeline_, *profiles_, options);
    maintenance_ =
        std::make_unique<Maintenance>(*store_, log_.get(), RetentionOptions{});
    ASSERT_TRUE(
        RegisterTasks(registry_, *service_, *maintenance_, clock_).ok());
  }
  void TearDown() override {
    bus_->Shutdown();
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Leases and runs jobs until none is runnable; returns how many ran.
  int Drain() {
    int ran = 0;
    while (true) {
      absl::StatusOr<std::optional<jobs::Job>> job =
          queue_->Lease("test", registry_.Types(), absl::Minutes(1));
      EXPECT_TRUE(job.ok()) << job.status();
      if (!job.ok() || !job->has_value()) return ran;
      const absl::Status outcome = registry_.Find((*job)->type)->task(**job);
      if (outcome.ok()) {
        EXPECT_TRUE(queue_->Complete((*job)->id, "test").ok());
      } else {
        EXPECT_TRUE(queue_->Fail((*job)->id, "test", outcome, {}).ok());
      }
      ++ran;
    }
  }

  std::vector<std::string> EventTypes() {
    std::vector<std::string> types;
    absl::StatusOr<std::vector<store::Event>> events = log_->After(0, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return types;
    for (const store::Event& e : *events) types.push_back(e.type);
    return types;
  }

  jobs::FakeClock clock_{absl::FromUnixSeconds(1'795'946'400)};  // 2026-11-29
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<jobs::JobQueue> queue_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<EventBus> bus_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<analysis::Pipeline> pipeline_;
  std::unique_ptr<ProfileHolder> profiles_;
  std::unique_ptr<OpportunityService> service_;
  std::unique_ptr<Maintenance> maintenance_;
  jobs::TaskRegistry registry_;
};

TEST_F(ServiceJobsTest, RegistersEveryTaskType) {
  EXPECT_EQ(registry_.Types(),
            (std::vector<std::string>{"cleanup", "daily_digest",
                                      "import_export", "process_message",
                                      "reprocess_opportunity", "rescore_all"}));
}

TEST_F(ServiceJobsTest, EnqueuedMessagesBecomeOpportunitiesOnce) {
  absl::StatusOr<std::vector<IngestedMessage>> queued =
      service_->Enqueue({Msg(1), Msg(2)});
  ASSERT_TRUE(queued.ok()) << queued.status();
  ASSERT_EQ(queued->size(), 2u);
  for (const IngestedMessage& m : *queued) {
    ASSERT_TRUE(m.job_id.has_value());
    absl::StatusOr<jobs::Job> job = queue_->Get(*m.job_id);
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job->type, "process_message");
    EXPECT_EQ(nlohmann::json::parse(job->payload)["message_id"], m.message_id);
  }
  EXPECT_EQ(Drain(), 2);
  absl::StatusOr<store::OpportunityStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total_count, 2);

  // A task that runs twice (a lost lease) changes nothing.
  const int64_t message_id = (*queued)[0].message_id;
  auto opportunity_ids = [&] {
    std::vector<int64_t> ids;
    absl::StatusOr<store::OpportunityPage> page =
        store_->ListOpportunities(store::OpportunityQuery{});
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return ids;
    for (const store::Opportunity& o : page->items) ids.push_back(o.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const std::vector<int64_t> before = opportunity_ids();
  for (int run = 0; run < 2; ++run) {
    const std::vector<absl::Status> done =
        service_->ProcessMessages({message_id});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].ok()) << done[0];
  }
  EXPECT_EQ(opportunity_ids(), before);
  EXPECT_EQ(store_->Stats()->total_count, 2);
  EXPECT_EQ(store_->ListResponses(std::nullopt, 0, 100)->size(), 2u);

  const std::vector<std::string> types = EventTypes();
  EXPECT_EQ(std::count(types.begin(), types.end(), "message.received"), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), "opportunity.created"), 2);
  EXPECT_EQ(std::count(types.begin(), types.end(), "opportunity.updated"), 2);
}

TEST_F(ServiceJobsTest, BadPayloadsFailWithoutRetry) {
  jobs::Job job;
  job.type = "process_message";
  for (const char* payload : {"{}", "[]", "not json", R"({"message_id":"7"})",
                              R"({"message_id":0})"}) {
    job.payload = payload;
    const absl::Status s = registry_.Find("process_message")->task(job);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << payload << " " << s;
  }
  job.payload = R"({"message_id":424242})";
  EXPECT_TRUE(absl::IsNotFound(registry_.Find("process_message")->task(job)));
  job.type = "import_export";
  job.payload = R"({"upload_id":99})";
  EXPECT_TRUE(absl::IsNotFound(registry_.Find("import_export")->task(job)));
}

TEST_F(ServiceJobsTest, ImportJobQueuesEachMessageOnce) {
  ingest::testing::GeneratorOptions options;
  options.conversations = 50;
  options.messages = 250;
  options.sponsored_conversations = 2;
  options.owner_only_conversations = 2;
  ingest::testing::ExportManifest manifest;
  const std::string csv =
      ingest::testing::GenerateLinkedInExport(options, &manifest);
  ASSERT_GT(manifest.messages.size(), 40u);
  absl::StatusOr<QueuedImport> queued = service_->EnqueueImport(csv);
  ASSERT_TRUE(queued.ok()) << queued.status();
  // Run the import job alone, twice (as after a lost lease).
  jobs::Job job = *queue_->Get(queued->job_id);
  ASSERT_TRUE(registry_.Find("import_export")->task(job).ok());
  ASSERT_TRUE(registry_.Find("import_export")->task(job).ok());
  absl::StatusOr<store::Upload> upload =
      store_->GetUpload(queued->upload_id, true);
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->state, "done");
  EXPECT_TRUE(upload->bytes.empty());
  EXPECT_EQ(nlohmann::json::parse(upload->summary)["queued"],
            manifest.messages.size());
  // The import job itself plus one job per message.
  EXPECT_EQ(Drain(), static_cast<int>(manifest.messages.size()) + 1);
  EXPECT_EQ(store_->Stats()->total_count,
            static_cast<int64_t>(manifest.messages.size()));
  const std::vector<std::string> types = EventTypes();
  EXPECT_GE(std::count(types.begin(), types.end(), "import.progress"), 1)
      << types.size();

  absl::StatusOr<QueuedImport> junk = service_->EnqueueImport("\x01\x02junk");
  ASSERT_TRUE(junk.ok());
  job = *queue_->Get(junk->job_id);
  EXPECT_TRUE(
      absl::IsInvalidArgument(registry_.Find("import_export")->task(job)));
  EXPECT_EQ(store_->GetUpload(junk->upload_id, false)->state, "failed");
}

TEST_F(ServiceJobsTest, DigestCountsTheDayByTierAndListsPendingReplies) {
  ASSERT_TRUE(service_->Ingest({Msg(1), Msg(2), Msg(3)}).ok());
  core::Message java;
  java.text =
      "Hello, Quarry Bank is looking for a Junior Java Developer, on-site in "
      "Chicago, $70,000 per year.";
  ASSERT_TRUE(service_->Ingest({java}).ok());
  // The window ends where it is built; created_to is exclusive.
  absl::StatusOr<std::string> body =
      maintenance_->BuildDigest(absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(body.ok()) << body.status();
  const nlohmann::json digest = nlohmann::json::parse(*body);
  SCOPED_TRACE(digest.dump());
  EXPECT_EQ(digest["new_opportunities"]["total"], 4);
  int64_t by_tier = 0;
  for (const auto& [tier, n] : digest["new_opportunities"]["by_tier"].items()) {
    by_tier += n.get<int64_t>();
  }
  EXPECT_EQ(by_tier, 4);
  ASSERT_EQ(digest["top"].size(), 4u);
  EXPECT_GE(digest["top"][0]["score"], digest["top"][3]["score"]);
  EXPECT_EQ(digest["pending_replies"]["count"], 4);
  absl::StatusOr<std::optional<store::Digest>> latest = store_->LatestDigest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->body, *body);

  // A day later nothing is new.
  absl::StatusOr<std::string> tomorrow =
      maintenance_->BuildDigest(absl::Now() + absl::Hours(25));
  ASSERT_TRUE(tomorrow.ok());
  EXPECT_EQ(nlohmann::json::parse(*tomorrow)["new_opportunities"]["total"], 0);
}

TEST_F(ServiceJobsTest, CleanupRemovesOnlyOldUntouchedOpportunities) {
  core::Message java;
  java.text =
      "Hello, Quarry Bank is looking for a Junior Java Developer, on-site in "
      "Chicago, $70,000 per year.";
  absl::StatusOr<std::vector<IngestedMessage>> in =
      service_->Ingest({Msg(1), java});
  ASSERT_TRUE(in.ok());
  // Today: nothing is old enough.
  absl::StatusOr<CleanupResult> now = maintenance_->Cleanup(absl::Now());
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->removed.opportunities, 0);
  // 100 days on: the junior on-site one goes (LOW 90 days, NOT_INTERESTED
  // 30), the senior remote one stays (HIGH_PRIORITY forever, INTERESTING
  // 180 days).
  absl::StatusOr<CleanupResult> later =
      maintenance_->Cleanup(absl::Now() + absl::Hours(24 * 100));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->removed.opportunities, 1);
  EXPECT_EQ(store_->Stats()->total_count, 1);
  EXPECT_GE(later->events, 1);  // Events are kept 7 days.
}

}  // namespace
}  // namespace lia::service
