// The behaviour every Store owes (store.h), as one suite instantiated per
// implementation: SQLite on a file (WAL, reader pool) and in memory (one
// connection), and PostgreSQL on a fresh schema of LIA_TEST_POSTGRES_URL
// (skipped without it; scripts/with-services starts a server).

#include "store/store.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "analysis/pipeline.h"
#include "gtest/gtest.h"
#include "store/internal/time.h"
#include "store/postgres.h"
#include "store/postgres/testing/test_database.h"

namespace lia::store {
namespace {

using core::ConversationState;
using core::ReplyKind;
using core::Tier;

// Every call is one millisecond after the previous one, so created_at orders
// rows the way they were written and tests can name instants.
class FakeClock {
 public:
  std::string Now() {
    return internal::FormatUtc(absl::FromUnixMillis(kStart + ticks_++));
  }
  // The instant the next call will return.
  std::string Peek() const {
    return internal::FormatUtc(absl::FromUnixMillis(kStart + ticks_));
  }

 private:
  static constexpr int64_t kStart = 1795946400000;  // 2026-11-29T10:00:00Z
  std::atomic<int64_t> ticks_{0};
};

core::Message Msg(const std::string& text, const std::string& source_id = "") {
  core::Message m;
  m.id = "client-" + source_id;
  m.text = text;
  m.source_id = source_id;
  m.sender = "Ana Recruiter";
  m.sender_profile_url = "https://www.linkedin.com/in/ana";
  m.conversation_id = "conv-1";
  m.sent_at = "2026-11-01T10:00:00Z";
  return m;
}

// The fields of an analysis the store reads; the rest stays default.
struct Spec {
  std::string company = "Acme";
  std::string role = "Backend Engineer";
  int score = 60;
  Tier tier = Tier::kInteresting;
  ConversationState state = ConversationState::kNewOpportunity;
  std::vector<std::string> tech = {"Rust"};
  core::RemotePolicy remote = core::RemotePolicy::kRemote;
  std::optional<int64_t> salary_usd_max;
  ReplyKind reply = ReplyKind::kInterested;
  std::string reply_text = "Thanks Ana, I'd like to hear more.";
};

core::Analysis MakeAnalysis(const Spec& s) {
  core::Analysis a;
  a.id = "a";
  a.classification.state = s.state;
  a.classification.confidence = 0.9;
  if (s.state == ConversationState::kFollowUp) {
    a.follow_up = core::FollowUp{core::QuestionType::kSalary, true};
  }
  if (!s.company.empty()) a.extraction.company = s.company;
  if (!s.role.empty()) a.extraction.role = s.role;
  a.extraction.tech_stack = s.tech;
  a.extraction.remote_policy = s.remote;
  if (s.salary_usd_max) {
    core::Salary salary;
    salary.min = *s.salary_usd_max / 2;
    salary.max = *s.salary_usd_max;
    salary.yearly_usd_min = salary.min;
    salary.yearly_usd_max = salary.max;
    a.extraction.salary = salary;
  }
  a.scores.total = s.score;
  a.scores.tech = std::min(40, s.score);
  a.tier = s.tier;
  a.reply.kind = s.reply;
  a.reply.language = core::Language::kEnglish;
  if (s.reply != ReplyKind::kNone) a.reply.text = s.reply_text;
  a.engines = {{"classify", "rules"}};
  return a;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      std::optional<PostgresOptions> options = testing::FreshPostgresSchema();
      if (!options) GTEST_SKIP() << testing::kNoPostgres;
      options->now = [this] { return clock_.Now(); };
      absl::StatusOr<std::shared_ptr<postgres::Pool>> pool =
          OpenPostgresPool(*options);
      ASSERT_TRUE(pool.ok()) << pool.status();
      absl::StatusOr<std::unique_ptr<Store>> store =
          OpenPostgresStore(*std::move(pool));
      ASSERT_TRUE(store.ok()) << store.status();
      store_ = *std::move(store);
      return;
    }
    SqliteStoreOptions options;
    if (GetParam() == "sqlite_file") {
      char dir[] = "/tmp/lia_store_test_XXXXXX";
      ASSERT_NE(mkdtemp(dir), nullptr);
      dir_ = dir;
      options.path = dir_ + "/lia.db";
    } else {
      options.path = ":memory:";
    }
    options.now = [this] { return clock_.Now(); };
    absl::StatusOr<std::unique_ptr<Store>> store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Ingests a message with this text and saves its analysis.
  Opportunity Add(const Spec& spec, const std::string& text) {
    absl::StatusOr<IngestOutcome> in = store_->InsertMessage(Msg(text));
    EXPECT_TRUE(in.ok()) << in.status();
    EXPECT_FALSE(in->duplicate) << text;
    absl::StatusOr<Opportunity> o =
        store_->SaveAnalysis(in->message_id, MakeAnalysis(spec), 1);
    EXPECT_TRUE(o.ok()) << o.status();
    return *o;
  }

  std::vector<int64_t> Ids(const OpportunityQuery& query) {
    absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<int64_t> ids;
    if (!page.ok()) return ids;
    for (const Opportunity& o : page->items) ids.push_back(o.id);
    return ids;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------
// Messages.

TEST_P(StoreTest, RecognisesARepeatedSourceId) {
  absl::StatusOr<IngestOutcome> first = store_->InsertMessage(Msg("Hi", "s1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->duplicate);

  // Same source id, even with other content: the same message.
  core::Message again = Msg("Hi (edited)", "s1");
  again.sent_at = "2026-11-02T10:00:00Z";
  absl::StatusOr<IngestOutcome> second = store_->InsertMessage(again);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->message_id, first->message_id);
  EXPECT_FALSE(second->opportunity_id.has_value());
}

TEST_P(StoreTest, RecognisesSameConversationSenderTimeAndTextWithoutSourceId) {
  absl::StatusOr<IngestOutcome> first = store_->InsertMessage(Msg("Hello"));
  ASSERT_TRUE(first.ok()) << first.status();

  // Padding, and another spelling of the same instant, change nothing.
  core::Message same = Msg("  Hello\n");
  same.sent_at = "2026-11-01T11:00:00.000+01:00";
  absl::StatusOr<IngestOutcome> second = store_->InsertMessage(same);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->message_id, first->message_id);

  // A new source id does not hide a repeat of the content.
  absl::StatusOr<IngestOutcome> with_source =
      store_->InsertMessage(Msg("Hello", "late-id"));
  ASSERT_TRUE(with_source.ok());
  EXPECT_TRUE(with_source->duplicate);

  core::Message later = Msg("Hello");
  later.sent_at = "2026-11-01T10:00:01Z";
  core::Message other_sender = Msg("Hello");
  other_sender.sender = "Bob";
  core::Message other_conversation = Msg("Hello");
  other_conversation.conversation_id = "conv-2";
  for (const core::Message& m : {later, other_sender, other_conversation}) {
    absl::StatusOr<IngestOutcome> out = store_->InsertMessage(m);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_FALSE(out->duplicate);
  }
}

TEST_P(StoreTest, RecognisesRepeatsThatHaveNoConversationTimeOrSourceId) {
  core::Message bare;
  bare.text = "Are you open to new roles?";
  bare.sender = "Ana";
  ASSERT_FALSE(store_->InsertMessage(bare)->duplicate);
  EXPECT_TRUE(store_->InsertMessage(bare)->duplicate);
}

TEST_P(StoreTest, ARepeatNamesTheOpportunityOfTheFirstMessage) {
  Opportunity o = Add(Spec{}, "We are hiring");
  absl::StatusOr<IngestOutcome> again =
      store_->InsertMessage(Msg("We are hiring"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->opportunity_id, o.id);
}

TEST_P(StoreTest, GetMessageReturnsItAsIngested) {
  core::Message m = Msg("Hola, ¿te interesa?", "src-9");
  m.thread = {{core::Speaker::kRecruiter, "First note", "2026-10-01T09:00:00Z"},
              {core::Speaker::kCandidate, "Tell me more", ""}};
  absl::StatusOr<IngestOutcome> in = store_->InsertMessage(m);
  ASSERT_TRUE(in.ok());
  absl::StatusOr<StoredMessage> got = store_->GetMessage(in->message_id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, in->message_id);
  m.sent_at = "2026-11-01T10:00:00.000Z";  // Stored in canonical form.
  EXPECT_EQ(got->message.text, m.text);
  EXPECT_EQ(got->message.id, m.id);
  EXPECT_EQ(got->message.source_id, m.source_id);
  EXPECT_EQ(got->message.sender, m.sender);
  EXPECT_EQ(got->message.sender_profile_url, m.sender_profile_url);
  EXPECT_EQ(got->message.conversation_id, m.conversation_id);
  EXPECT_EQ(got->message.sent_at, m.sent_at);
  ASSERT_EQ(got->message.thread.size(), 2u);
  EXPECT_EQ(got->message.thread[1].from, core::Speaker::kCandidate);
  EXPECT_EQ(got->message.thread[0].text, "First note");
  EXPECT_FALSE(got->created_at.empty());

  EXPECT_EQ(store_->GetMessage(999).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, RejectsAMessageWithoutText) {
  EXPECT_EQ(store_->InsertMessage(Msg(" \n ")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, BatchWithOneInvalidMessageWritesNothing) {
  std::vector<core::Message> batch = {Msg("one", "b1"), Msg("two", "b2"),
                                      Msg("", "b3")};
  absl::StatusOr<std::vector<IngestOutcome>> out =
      store_->InsertMessages(batch);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("messages[2]"), std::string::npos);
  // Nothing was kept: the valid ones are new.
  batch.pop_back();
  out = store_->InsertMessages(batch);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_FALSE((*out)[1].duplicate);
}

TEST_P(StoreTest, BatchRecognisesRepeatsWithinItself) {
  absl::StatusOr<std::vector<IngestOutcome>> out =
      store_->InsertMessages({Msg("x", "s"), Msg("y"), Msg("x", "s")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE((*out)[0].duplicate);
  EXPECT_FALSE((*out)[1].duplicate);
  EXPECT_TRUE((*out)[2].duplicate);
  EXPECT_EQ((*out)[2].message_id, (*out)[0].message_id);
}

// ---------------------------------------------------------------------------
// SaveAnalysis.

TEST_P(StoreTest, SaveAnalysisCreatesTheOpportunityAndItsPendingReply) {
  Spec spec;
  spec.salary_usd_max = 150000;
  spec.tech = {"Rust", "PostgreSQL"};
  absl::StatusOr<IngestOutcome> in = store_->InsertMessage(Msg("Join Acme"));
  ASSERT_TRUE(in.ok());
  const core::Analysis analysis = MakeAnalysis(spec);
  absl::StatusOr<Opportunity> o =
      store_->SaveAnalysis(in->message_id, analysis, 7);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_GT(o->id, 0);
  EXPECT_EQ(o->message_id, in->message_id);
  EXPECT_EQ(o->conversation_id, "conv-1");
  EXPECT_EQ(o->recruiter_name, "Ana Recruiter");
  EXPECT_EQ(o->raw_message, "Join Acme");
  EXPECT_EQ(o->analysis, analysis);
  EXPECT_EQ(o->status, OpportunityStatus::kNew);
  EXPECT_EQ(o->processing_status, ProcessingStatus::kCompleted);
  EXPECT_EQ(o->profile_version, 7);
  EXPECT_FALSE(o->manual_tier.has_value());
  EXPECT_EQ(o->tier(), Tier::kInteresting);
  EXPECT_EQ(o->created_at.size(), 24u) << o->created_at;
  EXPECT_EQ(o->created_at.back(), 'Z');

  absl::StatusOr<Opportunity> got = store_->GetOpportunity(o->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->analysis, analysis);

  absl::StatusOr<Response> r = store_->GetResponse(o->id);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, ResponseStatus::kPending);
  EXPECT_EQ(r->kind, ReplyKind::kInterested);
  EXPECT_EQ(r->draft_text, spec.reply_text);
  EXPECT_EQ(r->final_text, "");
}

TEST_P(StoreTest, SaveAnalysisTwiceKeepsOneOpportunityAndThePersonsEdits) {
  Opportunity first = Add(Spec{}, "Join Acme");
  OpportunityPatch patch;
  patch.status = OpportunityStatus::kInterested;
  patch.notes = "call on Monday";
  patch.set_manual_tier = true;
  patch.manual_tier = Tier::kHighPriority;
  ASSERT_TRUE(store_->UpdateOpportunity(first.id, patch).ok());
  ASSERT_TRUE(
      store_->DecideResponse(first.id, Decision::kEdit, "My own words").ok());

  Spec rescored;
  rescored.score = 35;
  rescored.tier = Tier::kLow;
  rescored.company = "Acme Corp";
  rescored.reply_text = "A new draft";
  absl::StatusOr<Opportunity> second =
      store_->SaveAnalysis(first.message_id, MakeAnalysis(rescored), 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->id, first.id);
  EXPECT_EQ(second->created_at, first.created_at);
  EXPECT_EQ(second->analysis, MakeAnalysis(rescored));
  EXPECT_EQ(second->profile_version, 2);
  EXPECT_EQ(second->status, OpportunityStatus::kInterested);
  EXPECT_EQ(second->notes, "call on Monday");
  EXPECT_EQ(second->manual_tier, Tier::kHighPriority);
  EXPECT_EQ(second->tier(), Tier::kHighPriority);
  EXPECT_EQ(*store_->OpportunityIds(), std::vector<int64_t>{first.id});

  absl::StatusOr<Response> r = store_->GetResponse(first.id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ResponseStatus::kPending);
  EXPECT_EQ(r->draft_text, "A new draft");
  EXPECT_EQ(r->final_text, "My own words");

  // The denormalised columns follow the new analysis.
  OpportunityQuery by_company;
  by_company.company = "acme corp";
  EXPECT_EQ(Ids(by_company), std::vector<int64_t>{first.id});
}

TEST_P(StoreTest, SaveAnalysisKeepsADecidedReply) {
  Opportunity o = Add(Spec{}, "Join Acme");
  ASSERT_TRUE(store_->DecideResponse(o.id, Decision::kApprove, {}).ok());
  Spec again;
  again.reply_text = "Another draft";
  ASSERT_TRUE(store_->SaveAnalysis(o.message_id, MakeAnalysis(again), 1).ok());
  absl::StatusOr<Response> r = store_->GetResponse(o.id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ResponseStatus::kApproved);
  EXPECT_EQ(r->draft_text, Spec{}.reply_text);
  EXPECT_EQ(r->final_text, Spec{}.reply_text);
}

TEST_P(StoreTest, CourtesyCloseCreatesNoReply) {
  Spec close;
  close.state = ConversationState::kCourtesyClose;
  close.reply = ReplyKind::kNone;
  Opportunity o = Add(close, "Thanks anyway!");
  EXPECT_EQ(store_->GetResponse(o.id).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, ReprocessingIntoNoReplyDropsThePendingDraft) {
  Opportunity o = Add(Spec{}, "Join Acme");
  Spec close;
  close.reply = ReplyKind::kNone;
  ASSERT_TRUE(store_->SaveAnalysis(o.message_id, MakeAnalysis(close), 1).ok());
  EXPECT_EQ(store_->GetResponse(o.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->DeleteOpportunity(o.id, false).ok());
}

TEST_P(StoreTest, SaveAnalysisOfAnUnknownMessageIsNotFound) {
  EXPECT_EQ(store_->SaveAnalysis(42, MakeAnalysis(Spec{}), 1).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetOpportunity(42).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, KeepsTheAnalysisOfTheRulesPipelineExactly) {
  std::unique_ptr<analysis::Pipeline> pipeline = analysis::NewRulesPipeline();
  core::Profile profile;
  profile.name = "Sam";
  profile.preferred_technologies = {"Rust", "Go"};
  profile.minimum_salary_usd = 120000;
  core::Message m =
      Msg("Hi Sam! I'm Ana from Globex. We're hiring a Senior Rust Engineer "
          "(remote, $170k-$200k, Kubernetes, PostgreSQL). Interested?");
  absl::StatusOr<core::Analysis> a = pipeline->Analyze(m, profile);
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<IngestOutcome> in = store_->InsertMessage(m);
  ASSERT_TRUE(in.ok());
  absl::StatusOr<Opportunity> o = store_->SaveAnalysis(in->message_id, *a, 1);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(store_->GetOpportunity(o->id)->analysis, *a);

  OpportunityQuery query;
  query.tech = {"rust"};
  query.q = "globex";
  EXPECT_EQ(Ids(query), std::vector<int64_t>{o->id});
}

// ---------------------------------------------------------------------------
// Lists: filters.

class StoreFilterTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    Spec s;
    s.company = "Acme";
    s.score = 90;
    s.tier = Tier::kHighPriority;
    s.tech = {"Rust", "PostgreSQL"};
    s.salary_usd_max = 200000;
    acme_ = Add(s, "Senior Rust role at Acme, São Paulo office").id;

    s = Spec{};
    s.company = "Globex";
    s.role = "Platform Engineer";
    s.score = 55;
    s.tier = Tier::kInteresting;
    s.tech = {"Go", "Kubernetes"};
    s.remote = core::RemotePolicy::kHybrid;
    s.salary_usd_max = 120000;
    globex_ = Add(s, "Globex needs a C++ and Kubernetes engineer").id;

    s = Spec{};
    s.company = "100% Initech";
    s.score = 35;
    s.tier = Tier::kLow;
    s.tech = {"Java"};
    s.remote = core::RemotePolicy::kOnsite;
    initech_ = Add(s, "Initech: Java AND OR something").id;

    s = Spec{};
    s.company = "";
    s.role = "";
    s.score = 10;
    s.tier = Tier::kNotInterested;
    s.state = ConversationState::kFollowUp;
    s.tech = {};
    s.remote = core::RemotePolicy::kUnknown;
    s.reply = ReplyKind::kAnswer;
    followup_ = Add(s, "Any update on salary expectations?").id;
  }

  int64_t acme_ = 0, globex_ = 0, initech_ = 0, followup_ = 0;
};

TEST_P(StoreFilterTest, AnEmptyQueryListsEverythingNewestFirst) {
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities({});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 4);
  EXPECT_FALSE(page->has_more);
  EXPECT_EQ(page->next_cursor, "");
  EXPECT_EQ(Ids({}),
            (std::vector<int64_t>{followup_, initech_, globex_, acme_}));
}

TEST_P(StoreFilterTest, FiltersByEffectiveTier) {
  OpportunityQuery q;
  q.tiers = {Tier::kHighPriority, Tier::kLow};
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{initech_, acme_}));

  OpportunityPatch promote;
  promote.set_manual_tier = true;
  promote.manual_tier = Tier::kHighPriority;
  ASSERT_TRUE(store_->UpdateOpportunity(globex_, promote).ok());
  q.tiers = {Tier::kHighPriority};
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{globex_, acme_}));
  q.tiers = {Tier::kInteresting};
  EXPECT_TRUE(Ids(q).empty());

  OpportunityPatch clear;
  clear.set_manual_tier = true;
  ASSERT_TRUE(store_->UpdateOpportunity(globex_, clear).ok());
  EXPECT_EQ(Ids(q), std::vector<int64_t>{globex_});
}

TEST_P(StoreFilterTest, FiltersByStatusProcessingStatusAndConversationState) {
  OpportunityPatch patch;
  patch.status = OpportunityStatus::kArchived;
  ASSERT_TRUE(store_->UpdateOpportunity(initech_, patch).ok());
  OpportunityQuery q;
  q.status = OpportunityStatus::kArchived;
  EXPECT_EQ(Ids(q), std::vector<int64_t>{initech_});
  q.status = OpportunityStatus::kNew;
  EXPECT_EQ(Ids(q).size(), 3u);

  q = {};
  q.processing_status = ProcessingStatus::kCompleted;
  EXPECT_EQ(Ids(q).size(), 4u);
  q.processing_status = ProcessingStatus::kFailed;
  EXPECT_TRUE(Ids(q).empty());

  q = {};
  q.conversation_state = ConversationState::kFollowUp;
  EXPECT_EQ(Ids(q), std::vector<int64_t>{followup_});
}

TEST_P(StoreFilterTest, FiltersByScoreRange) {
  OpportunityQuery q;
  q.min_score = 35;
  q.max_score = 55;
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{initech_, globex_}));
  q.max_score = 34;
  EXPECT_TRUE(Ids(q).empty());
}

TEST_P(StoreFilterTest, FiltersByCompanySubstringIgnoringCase) {
  OpportunityQuery q;
  q.company = "GLOB";
  EXPECT_EQ(Ids(q), std::vector<int64_t>{globex_});
  q.company = "%";  // Literal, not a wildcard.
  EXPECT_EQ(Ids(q), std::vector<int64_t>{initech_});
  q.company = "_";
  EXPECT_TRUE(Ids(q).empty());
}

TEST_P(StoreFilterTest, FiltersByAnyOrAllTech) {
  OpportunityQuery q;
  q.tech = {"rust", "Go"};
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{globex_, acme_}));
  q.tech_match_all = true;
  EXPECT_TRUE(Ids(q).empty());
  q.tech = {"Rust", "postgresql", "RUST"};
  EXPECT_EQ(Ids(q), std::vector<int64_t>{acme_});
  q.tech_match_all = false;  // Any: Acme has both, and counts once.
  EXPECT_EQ(Ids(q), std::vector<int64_t>{acme_});
  EXPECT_EQ(store_->ListOpportunities(q)->total, 1);
}

TEST_P(StoreFilterTest, CountsMatchesOfTechAndTextTogether) {
  OpportunityQuery q;
  q.tech = {"Rust", "Go", "Java"};
  EXPECT_EQ(store_->ListOpportunities(q)->total, 3);
  q.q = "backend";  // The role of Acme and Initech.
  EXPECT_EQ(store_->ListOpportunities(q)->total, 2);
  q.q = "engineer";
  q.tech_match_all = true;
  EXPECT_EQ(store_->ListOpportunities(q)->total, 0);
  q.tech = {"Kubernetes", "go"};
  EXPECT_EQ(Ids(q), std::vector<int64_t>{globex_});
  EXPECT_EQ(store_->ListOpportunities(q)->total, 1);
}

TEST_P(StoreFilterTest, FiltersByRemotePolicyAndMinimumSalary) {
  OpportunityQuery q;
  q.remote_policy = core::RemotePolicy::kHybrid;
  EXPECT_EQ(Ids(q), std::vector<int64_t>{globex_});

  q = {};
  q.min_salary_usd = 150000;
  EXPECT_EQ(Ids(q), std::vector<int64_t>{acme_});
  q.min_salary_usd = 0;  // Unknown salaries never pass a minimum.
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{globex_, acme_}));
  q.min_salary_usd = -1;
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreFilterTest, FiltersByCreationTimeHalfOpen) {
  const std::string acme_at = store_->GetOpportunity(acme_)->created_at;
  const std::string initech_at = store_->GetOpportunity(initech_)->created_at;
  OpportunityQuery q;
  q.created_from = acme_at;
  q.created_to = initech_at;
  EXPECT_EQ(Ids(q), (std::vector<int64_t>{globex_, acme_}));
  q.created_from = "2026-11-29";
  q.created_to = "2026-11-30T00:00:00+00:00";
  EXPECT_EQ(Ids(q).size(), 4u);
  q.created_to = "tomorrow";
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreFilterTest, SearchesCompanyRoleAndMessageText) {
  auto search = [&](const std::string& text) {
    OpportunityQuery q;
    q.q = text;
    return Ids(q);
  };
  EXPECT_EQ(search("acme"), std::vector<int64_t>{acme_});
  EXPECT_EQ(search("platform"), std::vector<int64_t>{globex_});  // Role.
  EXPECT_EQ(search("salary expectations"), std::vector<int64_t>{followup_});
  EXPECT_EQ(search("kube"), std::vector<int64_t>{globex_});     // Prefix.
  EXPECT_EQ(search("sao paulo"), std::vector<int64_t>{acme_});  // Accents.
  EXPECT_EQ(search("c++"), std::vector<int64_t>{globex_});
  EXPECT_TRUE(search("nothing-like-this").empty());
}

TEST_P(StoreFilterTest, SearchTreatsHostileInputAsText) {
  for (const char* hostile :
       {"\"", "\"\"\"", "AND OR", "*", "c++", "NEAR(", "role:acme", "-rust",
        "^acme", "'; DROP TABLE opportunities; --", "(", ")", "acme OR", "NOT",
        "{company}: x", "\\", "\xff\xfe"}) {
    OpportunityQuery q;
    q.q = hostile;
    absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
    EXPECT_TRUE(page.ok()) << hostile << ": " << page.status();
  }
  OpportunityQuery q;
  q.q = "AND OR";  // Words, not operators.
  EXPECT_EQ(Ids(q), std::vector<int64_t>{initech_});
  q.q = "\"*";  // No word at all: no filter.
  EXPECT_EQ(Ids(q).size(), 4u);
  EXPECT_EQ(store_->Stats()->total_count, 4);
}

TEST_P(StoreFilterTest, CombinesFiltersWithAnd) {
  OpportunityQuery q;
  q.tech = {"Rust", "Go"};
  q.min_score = 60;
  q.q = "senior";
  EXPECT_EQ(Ids(q), std::vector<int64_t>{acme_});
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
  EXPECT_EQ(page->total, 1);
}

TEST_P(StoreFilterTest, RejectsLimitsOutsideTheRange) {
  for (int64_t limit : {0, -1, 501}) {
    OpportunityQuery q;
    q.limit = limit;
    EXPECT_EQ(store_->ListOpportunities(q).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  OpportunityQuery q;
  q.skip = -1;
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreFilterTest, ComputesStatsFromEffectiveTiers) {
  OpportunityPatch patch;
  patch.set_manual_tier = true;
  patch.manual_tier = Tier::kHighPriority;
  patch.status = OpportunityStatus::kApplied;
  ASSERT_TRUE(store_->UpdateOpportunity(initech_, patch).ok());

  absl::StatusOr<OpportunityStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->total_count, 4);
  EXPECT_EQ(stats->by_tier,
            (std::map<std::string, int64_t>{{"HIGH_PRIORITY", 2},
                                            {"INTERESTING", 1},
                                            {"LOW", 0},
                                            {"NOT_INTERESTED", 1}}));
  EXPECT_EQ(stats->by_status,
            (std::map<std::string, int64_t>{{"new", 3},
                                            {"reviewed", 0},
                                            {"interested", 0},
                                            {"applied", 1},
                                            {"rejected", 0},
                                            {"archived", 0}}));
  EXPECT_EQ(
      stats->by_processing_status,
      (std::map<std::string, int64_t>{
          {"pending", 0}, {"processing", 0}, {"completed", 4}, {"failed", 0}}));
  EXPECT_EQ(
      stats->by_conversation_state,
      (std::map<std::string, int64_t>{
          {"NEW_OPPORTUNITY", 3}, {"FOLLOW_UP", 1}, {"COURTESY_CLOSE", 0}}));
  EXPECT_DOUBLE_EQ(stats->average_score, (90 + 55 + 35 + 10) / 4.0);
  EXPECT_EQ(stats->highest_score, 90);
  EXPECT_EQ(stats->lowest_score, 10);
}

TEST_P(StoreTest, StatsOfAnEmptyStoreAreZeroWithEveryKey) {
  absl::StatusOr<OpportunityStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->total_count, 0);
  EXPECT_EQ(stats->average_score, 0);
  EXPECT_EQ(stats->highest_score, 0);
  EXPECT_EQ(stats->by_tier.size(), 4u);
  EXPECT_EQ(stats->by_status.size(), 6u);
  EXPECT_EQ(stats->by_processing_status.size(), 4u);
  EXPECT_EQ(stats->by_conversation_state.size(), 3u);
}

// ---------------------------------------------------------------------------
// Lists: sorts and pages over many rows.

struct Row {
  int64_t id;
  std::string created_at;
  int score;
  std::string company;
  int64_t salary;  // -1 when unknown.
};

class StorePagingTest : public StoreTest {
 protected:
  static constexpr int kRows = 1000;

  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    std::vector<core::Message> batch;
    for (int i = 0; i < kRows; ++i) {
      batch.push_back(Msg(absl::StrCat("message ", i), absl::StrCat("p", i)));
    }
    absl::StatusOr<std::vector<IngestOutcome>> in =
        store_->InsertMessages(batch);
    ASSERT_TRUE(in.ok()) << in.status();
    // Many ties in every key, and mixed case in company names, so the id
    // tie-break and the case-insensitive order are exercised.
    static const char* kCompanies[] = {"acme", "Globex", "initech", "ACME",
                                       "Umbrella"};
    for (int i = 0; i < kRows; ++i) {
      Spec s;
      s.score = (i * 37) % 11;
      s.company = kCompanies[i % 5];
      if (i % 4 != 0) s.salary_usd_max = 100000 + (i % 6) * 10000;
      absl::StatusOr<Opportunity> o =
          store_->SaveAnalysis((*in)[i].message_id, MakeAnalysis(s), 1);
      ASSERT_TRUE(o.ok()) << o.status();
      rows_.push_back({o->id, o->created_at, s.score, s.company,
                       s.salary_usd_max.value_or(-1)});
    }
  }

  // The order the store must produce, computed here independently.
  std::vector<int64_t> Expected(SortBy sort, bool descending) const {
    std::vector<Row> rows = rows_;
    auto key_less = [sort](const Row& a, const Row& b) -> int {
      switch (sort) {
        case SortBy::kCreatedAt:
          return a.created_at.compare(b.created_at);
        case SortBy::kTotalScore:
          return a.score - b.score;
        case SortBy::kCompany:
          return absl::AsciiStrToLower(a.company).compare(
              absl::AsciiStrToLower(b.company));
        case SortBy::kSalary:
          return a.salary < b.salary ? -1 : (a.salary > b.salary ? 1 : 0);
      }
      return 0;
    };
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      int c = key_less(a, b);
      if (c == 0) c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
      return descending ? c > 0 : c < 0;
    });
    std::vector<int64_t> ids;
    for (const Row& r : rows) ids.push_back(r.id);
    return ids;
  }

  std::vector<Row> rows_;
};

constexpr SortBy kSorts[] = {SortBy::kCreatedAt, SortBy::kTotalScore,
                             SortBy::kCompany, SortBy::kSalary};

TEST_P(StorePagingTest, SortsByEveryKeyInBothDirections) {
  for (SortBy sort : kSorts) {
    for (bool descending : {true, false}) {
      OpportunityQuery q;
      q.sort_by = sort;
      q.descending = descending;
      q.limit = 500;
      std::vector<int64_t> ids = Ids(q);
      std::vector<int64_t> expected = Expected(sort, descending);
      expected.resize(500);
      EXPECT_EQ(ids, expected) << static_cast<int>(sort) << " " << descending;
    }
  }
}

TEST_P(StorePagingTest, UnknownSalariesSortLastWhenDescending) {
  OpportunityQuery q;
  q.sort_by = SortBy::kSalary;
  q.limit = 500;
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.front().analysis.extraction.salary.has_value());
  q.descending = false;
  page = store_->ListOpportunities(q);
  EXPECT_FALSE(page->items.front().analysis.extraction.salary.has_value());
}

TEST_P(StorePagingTest, CursorPagingVisitsEveryRowExactlyOnce) {
  for (SortBy sort : kSorts) {
    for (bool descending : {true, false}) {
      OpportunityQuery q;
      q.sort_by = sort;
      q.descending = descending;
      q.limit = 37;
      std::vector<int64_t> seen;
      int pages = 0;
      while (true) {
        absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
        ASSERT_TRUE(page.ok()) << page.status();
        EXPECT_EQ(page->total, kRows);
        for (const Opportunity& o : page->items) seen.push_back(o.id);
        ++pages;
        if (!page->has_more) {
          EXPECT_EQ(page->next_cursor, "");
          break;
        }
        ASSERT_FALSE(page->next_cursor.empty());
        ASSERT_LT(pages, 100);
        q.cursor = page->next_cursor;
        q.skip = 12345;  // Ignored with a cursor.
      }
      EXPECT_EQ(pages, (kRows + 36) / 37);
      EXPECT_EQ(seen, Expected(sort, descending))
          << static_cast<int>(sort) << " " << descending;
      EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(),
                static_cast<size_t>(kRows));
    }
  }
}

TEST_P(StorePagingTest, CursorPagingWithAFilterCountsOnlyMatches) {
  OpportunityQuery q;
  q.company = "acme";  // "acme" and "ACME": 400 rows.
  q.sort_by = SortBy::kTotalScore;
  q.limit = 150;
  std::vector<int64_t> seen;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 400);
    for (const Opportunity& o : page->items) seen.push_back(o.id);
    if (!page->has_more) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 400u);
}

TEST_P(StorePagingTest, SkipAndLimitPageWithHasMore) {
  OpportunityQuery q;
  q.skip = 990;
  q.limit = 5;
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->total, kRows);
  std::vector<int64_t> expected = Expected(SortBy::kCreatedAt, true);
  EXPECT_EQ(page->items[0].id, expected[990]);

  // The cursor of a skip page continues right after it.
  q.cursor = page->next_cursor;
  q.limit = 500;
  page = store_->ListOpportunities(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_EQ(page->items[0].id, expected[995]);
  EXPECT_FALSE(page->has_more);

  q = {};
  q.skip = 995;
  q.limit = 5;
  page = store_->ListOpportunities(q);
  EXPECT_FALSE(page->has_more);
  q.skip = 5000;
  page = store_->ListOpportunities(q);
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(page->total, kRows);
}

TEST_P(StorePagingTest, RejectsACursorOfAnotherSortOrAForgedOne) {
  OpportunityQuery q;
  q.limit = 10;
  absl::StatusOr<OpportunityPage> page = store_->ListOpportunities(q);
  ASSERT_TRUE(page.ok());
  q.cursor = page->next_cursor;
  q.sort_by = SortBy::kTotalScore;
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
  q.sort_by = SortBy::kCreatedAt;
  q.descending = false;
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
  q.descending = true;
  q.cursor = "not-a-cursor";
  EXPECT_EQ(store_->ListOpportunities(q).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Patch and delete.

TEST_P(StoreTest, UpdateChangesOnlyWhatThePatchNames) {
  Opportunity o = Add(Spec{}, "Join Acme");
  OpportunityPatch notes;
  notes.notes = "ask about equity";
  absl::StatusOr<Opportunity> updated = store_->UpdateOpportunity(o.id, notes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->notes, "ask about equity");
  EXPECT_EQ(updated->status, OpportunityStatus::kNew);
  EXPECT_GT(updated->updated_at, o.updated_at);
  EXPECT_EQ(updated->created_at, o.created_at);

  OpportunityPatch status;
  status.status = OpportunityStatus::kReviewed;
  updated = store_->UpdateOpportunity(o.id, status);
  EXPECT_EQ(updated->status, OpportunityStatus::kReviewed);
  EXPECT_EQ(updated->notes, "ask about equity");

  OpportunityPatch tier;
  tier.set_manual_tier = true;
  tier.manual_tier = Tier::kNotInterested;
  updated = store_->UpdateOpportunity(o.id, tier);
  EXPECT_EQ(updated->manual_tier, Tier::kNotInterested);
  EXPECT_EQ(updated->tier(), Tier::kNotInterested);
  EXPECT_EQ(updated->analysis.tier, Tier::kInteresting);

  // manual_tier without set_manual_tier is not a change.
  OpportunityPatch ignored;
  ignored.manual_tier = Tier::kLow;
  updated = store_->UpdateOpportunity(o.id, ignored);
  EXPECT_EQ(updated->manual_tier, Tier::kNotInterested);

  EXPECT_EQ(store_->UpdateOpportunity(999, status).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, DeletingWithAPendingReplyNeedsForce) {
  Spec spec;
  spec.tech = {"Elixir"};
  Opportunity o = Add(spec, "Zanzibar Labs wants you");
  absl::Status refused = store_->DeleteOpportunity(o.id, false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->GetOpportunity(o.id).ok());
  EXPECT_TRUE(store_->GetResponse(o.id).ok());

  ASSERT_TRUE(store_->DeleteOpportunity(o.id, true).ok());
  EXPECT_EQ(store_->GetOpportunity(o.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetResponse(o.id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetMessage(o.message_id).ok());  // The message stays.
  OpportunityQuery q;
  q.q = "zanzibar";
  EXPECT_TRUE(Ids(q).empty());
  q = {};
  q.tech = {"Elixir"};
  EXPECT_TRUE(Ids(q).empty());
  EXPECT_EQ(store_->Stats()->total_count, 0);
  EXPECT_EQ(store_->DeleteOpportunity(o.id, true).code(),
            absl::StatusCode::kNotFound);

  // Its message can be analysed again into a fresh opportunity.
  absl::StatusOr<Opportunity> again =
      store_->SaveAnalysis(o.message_id, MakeAnalysis(spec), 1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->id, o.id);
}

TEST_P(StoreTest, DeletingWithADecidedReplyNeedsNoForce) {
  Opportunity o = Add(Spec{}, "Join Acme");
  ASSERT_TRUE(store_->DecideResponse(o.id, Decision::kDecline, {}).ok());
  EXPECT_TRUE(store_->DeleteOpportunity(o.id, false).ok());
}

// ---------------------------------------------------------------------------
// Responses.

TEST_P(StoreTest, ApproveWithoutTextSendsTheDraft) {
  Opportunity o = Add(Spec{}, "Join Acme");
  absl::StatusOr<Response> r =
      store_->DecideResponse(o.id, Decision::kApprove, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, ResponseStatus::kApproved);
  EXPECT_EQ(r->final_text, Spec{}.reply_text);
  EXPECT_EQ(r->draft_text, Spec{}.reply_text);
}

TEST_P(StoreTest, ApproveWithTextSendsThatText) {
  Opportunity o = Add(Spec{}, "Join Acme");
  absl::StatusOr<Response> r =
      store_->DecideResponse(o.id, Decision::kApprove, "Edited reply");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ResponseStatus::kApproved);
  EXPECT_EQ(r->final_text, "Edited reply");
  EXPECT_EQ(r->draft_text, Spec{}.reply_text);
}

TEST_P(StoreTest, EditKeepsTheReplyPendingAndApproveUsesTheEdit) {
  Opportunity o = Add(Spec{}, "Join Acme");
  absl::StatusOr<Response> r =
      store_->DecideResponse(o.id, Decision::kEdit, "Better words");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ResponseStatus::kPending);
  EXPECT_EQ(r->final_text, "Better words");
  EXPECT_EQ(r->draft_text, Spec{}.reply_text);
  r = store_->DecideResponse(o.id, Decision::kEdit, "Even better");
  EXPECT_EQ(r->final_text, "Even better");
  r = store_->DecideResponse(o.id, Decision::kApprove, std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ResponseStatus::kApproved);
  EXPECT_EQ(r->final_text, "Even better");
}

TEST_P(StoreTest, OnlyAPendingReplyCanBeDecided) {
  Opportunity o = Add(Spec{}, "Join Acme");
  ASSERT_TRUE(store_->DecideResponse(o.id, Decision::kDecline, {}).ok());
  EXPECT_EQ(store_->GetResponse(o.id)->status, ResponseStatus::kDeclined);
  for (Decision d : {Decision::kApprove, Decision::kEdit, Decision::kDecline}) {
    EXPECT_EQ(store_->DecideResponse(o.id, d, "text").status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST_P(StoreTest, DecideRejectsMissingOrEmptyText) {
  Opportunity o = Add(Spec{}, "Join Acme");
  EXPECT_EQ(store_->DecideResponse(o.id, Decision::kEdit, std::nullopt)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->DecideResponse(o.id, Decision::kApprove, "  ").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetResponse(o.id)->status, ResponseStatus::kPending);
}

TEST_P(StoreTest, DecideOnAnUnknownOpportunityOrOneWithoutReplyIsNotFound) {
  EXPECT_EQ(store_->DecideResponse(999, Decision::kApprove, {}).status().code(),
            absl::StatusCode::kNotFound);
  Spec close;
  close.reply = ReplyKind::kNone;
  Opportunity o = Add(close, "Thanks, bye");
  absl::Status status =
      store_->DecideResponse(o.id, Decision::kApprove, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(status.message().find("no reply"), std::string::npos);
}

TEST_P(StoreTest, ListsResponsesByStatusNewestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Add(Spec{}, absl::StrCat("message ", i)).id);
  }
  ASSERT_TRUE(store_->DecideResponse(ids[1], Decision::kApprove, {}).ok());
  ASSERT_TRUE(store_->DecideResponse(ids[3], Decision::kDecline, {}).ok());

  absl::StatusOr<std::vector<Response>> pending =
      store_->ListResponses(ResponseStatus::kPending, 0, 50);
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].opportunity_id, ids[4]);
  EXPECT_EQ((*pending)[2].opportunity_id, ids[0]);

  absl::StatusOr<std::vector<Response>> all =
      store_->ListResponses(std::nullopt, 1, 2);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].opportunity_id, ids[3]);
  EXPECT_EQ(store_->ListResponses(ResponseStatus::kSent, 0, 50)->size(), 0u);
  EXPECT_EQ(store_->ListResponses(std::nullopt, 0, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListResponses(std::nullopt, -1, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// API tokens, health, enums.

TEST_P(StoreTest, ApiTokensAreFoundByHashOnce) {
  ASSERT_TRUE(store_->CreateApiToken("ci", "hash-1").ok());
  EXPECT_TRUE(*store_->ApiTokenExists("hash-1"));
  EXPECT_FALSE(*store_->ApiTokenExists("hash-2"));
  EXPECT_EQ(store_->CreateApiToken("again", "hash-1").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateApiToken("", "hash-3").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateApiToken("x", "").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, PingSucceeds) { EXPECT_TRUE(store_->Ping().ok()); }

TEST_P(StoreTest, ConcurrentReadersAndWritersSeeNoErrors) {
  constexpr int kPerWriter = 100;
  std::atomic<int> failures{0};
  auto writer = [&](int w) {
    for (int i = 0; i < kPerWriter; ++i) {
      absl::StatusOr<IngestOutcome> in =
          store_->InsertMessage(Msg(absl::StrCat("w", w, " m", i)));
      if (!in.ok()) {
        ++failures;
        continue;
      }
      Spec s;
      s.score = i % 100;
      if (!store_->SaveAnalysis(in->message_id, MakeAnalysis(s), 1).ok()) {
        ++failures;
      }
    }
  };
  auto reader = [&] {
    for (int i = 0; i < kPerWriter; ++i) {
      OpportunityQuery q;
      q.limit = 20;
      q.sort_by = i % 2 ? SortBy::kTotalScore : SortBy::kCreatedAt;
      if (!store_->ListOpportunities(q).ok()) ++failures;
      if (!store_->Stats().ok()) ++failures;
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer, 0);
  threads.emplace_back(writer, 1);
  threads.emplace_back(reader);
  threads.emplace_back(reader);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->Stats()->total_count, 2 * kPerWriter);
}

// ---------------------------------------------------------------------------
// Background work: the outbox, uploads, digests, retention.

OutboxJob AnalysisJob() {
  OutboxJob job;
  job.type = "process_message";
  return job;
}

TEST_P(StoreTest, QueuesOneAnalysisJobPerNewMessage) {
  absl::StatusOr<std::vector<IngestOutcome>> first =
      store_->InsertMessagesWithJobs({Msg("One", "s1"), Msg("Two", "s2")},
                                     AnalysisJob());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  ASSERT_TRUE((*first)[0].job_id.has_value());
  ASSERT_TRUE((*first)[1].job_id.has_value());
  EXPECT_NE(*(*first)[0].job_id, *(*first)[1].job_id);

  // Again, before the jobs ran: duplicates, and the live jobs are reused.
  absl::StatusOr<std::vector<IngestOutcome>> again =
      store_->InsertMessagesWithJobs({Msg("One", "s1"), Msg("Two", "s2")},
                                     AnalysisJob());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[0].job_id, (*first)[0].job_id);
  EXPECT_EQ((*again)[1].job_id, (*first)[1].job_id);

  // Once analysed, a duplicate needs no job.
  ASSERT_TRUE(
      store_->SaveAnalysis((*first)[0].message_id, MakeAnalysis({}), 1).ok());
  absl::StatusOr<std::vector<IngestOutcome>> third =
      store_->InsertMessagesWithJobs({Msg("One", "s1")}, AnalysisJob());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE((*third)[0].opportunity_id.has_value());
  EXPECT_FALSE((*third)[0].job_id.has_value());
}

TEST_P(StoreTest, OutboxBatchIsAllOrNothing) {
  absl::StatusOr<std::vector<IngestOutcome>> bad =
      store_->InsertMessagesWithJobs({Msg("Fine", "s1"), Msg("   ", "s2")},
                                     AnalysisJob());
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
  OutboxJob no_type;
  absl::StatusOr<std::vector<IngestOutcome>> typeless =
      store_->InsertMessagesWithJobs({Msg("Fine", "s1")}, no_type);
  EXPECT_TRUE(absl::IsInvalidArgument(typeless.status()));
  // Nothing of either call was stored: the message is new now.
  absl::StatusOr<std::vector<IngestOutcome>> good =
      store_->InsertMessagesWithJobs({Msg("Fine", "s1")}, AnalysisJob());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_FALSE((*good)[0].duplicate);
}

TEST_P(StoreTest, RequeuesMessagesThatNeverHadAJob) {
  // Stored the synchronous way (no job), one analysed, one not.
  absl::StatusOr<IngestOutcome> done = store_->InsertMessage(Msg("Done", "d"));
  absl::StatusOr<IngestOutcome> lost = store_->InsertMessage(Msg("Lost", "l"));
  ASSERT_TRUE(done.ok() && lost.ok());
  ASSERT_TRUE(store_->SaveAnalysis(done->message_id, MakeAnalysis({}), 1).ok());
  // And one with a job already.
  ASSERT_TRUE(
      store_->InsertMessagesWithJobs({Msg("Queued", "q")}, AnalysisJob()).ok());
  absl::StatusOr<int64_t> requeued =
      store_->RequeueUnanalysed(AnalysisJob(), 100);
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  EXPECT_EQ(*requeued, 1);
  // Its job exists now: a second sweep finds nothing.
  EXPECT_EQ(*store_->RequeueUnanalysed(AnalysisJob(), 100), 0);
  absl::StatusOr<std::vector<IngestOutcome>> again =
      store_->InsertMessagesWithJobs({Msg("Lost", "l")}, AnalysisJob());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)[0].job_id.has_value());  // The live job, reused.
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->RequeueUnanalysed(AnalysisJob(), 0).status()));
}

TEST_P(StoreTest, KeepsAnUploadUntilItIsProcessed) {
  constexpr char kZip[] = "PK\x03\x04 zip bytes \0 with a NUL";
  const std::string bytes(kZip, sizeof kZip - 1);  // The NUL included.
  OutboxJob job;
  job.type = "import_export";
  job.payload = R"({"source":"api"})";
  absl::StatusOr<std::pair<int64_t, int64_t>> saved =
      store_->SaveUpload("linkedin-export", bytes, job);
  ASSERT_TRUE(saved.ok()) << saved.status();
  absl::StatusOr<Upload> upload = store_->GetUpload(saved->first, true);
  ASSERT_TRUE(upload.ok()) << upload.status();
  EXPECT_EQ(upload->bytes, bytes);
  EXPECT_EQ(upload->size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(bytes.size(), 27u);
  EXPECT_EQ(upload->state, "queued");
  EXPECT_TRUE(store_->GetUpload(saved->first, false)->bytes.empty());

  ASSERT_TRUE(store_->FinishUpload(saved->first, true, R"({"rows":3})").ok());
  upload = store_->GetUpload(saved->first, true);
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->state, "done");
  EXPECT_EQ(upload->summary, R"({"rows":3})");
  EXPECT_TRUE(upload->bytes.empty());  // Dropped once imported.

  EXPECT_TRUE(absl::IsNotFound(store_->GetUpload(999, false).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->FinishUpload(999, true, "{}")));
  job.payload = "[1]";
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->SaveUpload("linkedin-export", bytes, job).status()));
}

TEST_P(StoreTest, KeepsOneDigestPerDay) {
  absl::StatusOr<std::optional<Digest>> none = store_->LatestDigest();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->SaveDigest({"2026-11-28", R"({"n":1})", ""}).ok());
  ASSERT_TRUE(store_->SaveDigest({"2026-11-29", R"({"n":2})", ""}).ok());
  ASSERT_TRUE(store_->SaveDigest({"2026-11-29", R"({"n":3})", ""}).ok());
  absl::StatusOr<std::optional<Digest>> latest = store_->LatestDigest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->day, "2026-11-29");
  EXPECT_EQ((*latest)->body, R"({"n":3})");
  EXPECT_TRUE(
      absl::IsInvalidArgument(store_->SaveDigest({"yesterday", "{}", ""})));
}

TEST_P(StoreTest, RetentionSparesWhatAPersonActedOn) {
  Spec low;
  low.tier = Tier::kLow;
  const Opportunity untouched = Add(low, "untouched");
  const Opportunity reviewed = Add(low, "reviewed");
  const Opportunity noted = Add(low, "noted");
  const Opportunity approved = Add(low, "approved");
  const Opportunity high = Add({}, "interesting, untouched");  // INTERESTING
  OpportunityPatch status;
  status.status = OpportunityStatus::kReviewed;
  ASSERT_TRUE(store_->UpdateOpportunity(reviewed.id, status).ok());
  OpportunityPatch notes;
  notes.notes = "call back in March";
  ASSERT_TRUE(store_->UpdateOpportunity(noted.id, notes).ok());
  ASSERT_TRUE(
      store_->DecideResponse(approved.id, Decision::kApprove, std::nullopt)
          .ok());

  RetentionCutoffs cutoffs;
  cutoffs.opportunities_before["LOW"] = clock_.Peek();
  absl::StatusOr<RetentionResult> removed = store_->ApplyRetention(cutoffs);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->opportunities, 1);
  EXPECT_TRUE(absl::IsNotFound(store_->GetOpportunity(untouched.id).status()));
  for (int64_t kept : {reviewed.id, noted.id, approved.id, high.id}) {
    EXPECT_TRUE(store_->GetOpportunity(kept).ok()) << kept;
  }
  // The message is a tombstone: a re-import is a duplicate and needs no
  // analysis, so the opportunity does not come back.
  absl::StatusOr<std::vector<IngestOutcome>> again =
      store_->InsertMessagesWithJobs({Msg("untouched")}, AnalysisJob());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_TRUE((*again)[0].retired);
  EXPECT_FALSE((*again)[0].job_id.has_value());
  EXPECT_EQ(*store_->RequeueUnanalysed(AnalysisJob(), 100), 0);
  absl::StatusOr<StoredMessage> tombstone =
      store_->GetMessage(untouched.message_id);
  ASSERT_TRUE(tombstone.ok());
  EXPECT_EQ(tombstone->message.text.find("untouched"), std::string::npos);

  cutoffs.opportunities_before["SOMETIMES"] = clock_.Peek();
  EXPECT_TRUE(
      absl::IsInvalidArgument(store_->ApplyRetention(cutoffs).status()));
}

TEST_P(StoreTest, RetentionPurgesFinishedJobsByAge) {
  ASSERT_TRUE(
      store_->InsertMessagesWithJobs({Msg("a", "a")}, AnalysisJob()).ok());
  RetentionCutoffs cutoffs;
  cutoffs.finished_jobs_before = clock_.Peek();
  cutoffs.failed_jobs_before = clock_.Peek();
  // The job is queued, not finished: it stays.
  absl::StatusOr<RetentionResult> removed = store_->ApplyRetention(cutoffs);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->jobs, 0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest,
                         ::testing::Values("sqlite_file", "sqlite_memory"));
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreFilterTest,
                         ::testing::Values("sqlite_file", "sqlite_memory"));
INSTANTIATE_TEST_SUITE_P(Sqlite, StorePagingTest,
                         ::testing::Values("sqlite_file", "sqlite_memory"));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values("postgres"));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreFilterTest,
                         ::testing::Values("postgres"));
INSTANTIATE_TEST_SUITE_P(Postgres, StorePagingTest,
                         ::testing::Values("postgres"));

TEST(StoreEnumTest, WireNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(OpportunityStatus::kArchived); ++i) {
    auto v = static_cast<OpportunityStatus>(i);
    EXPECT_EQ(ParseOpportunityStatus(ToString(v)), v);
  }
  for (int i = 0; i <= static_cast<int>(ProcessingStatus::kFailed); ++i) {
    auto v = static_cast<ProcessingStatus>(i);
    EXPECT_EQ(ParseProcessingStatus(ToString(v)), v);
  }
  for (int i = 0; i <= static_cast<int>(ResponseStatus::kSent); ++i) {
    auto v = static_cast<ResponseStatus>(i);
    EXPECT_EQ(ParseResponseStatus(ToString(v)), v);
  }
  EXPECT_EQ(ToString(OpportunityStatus::kInterested), "interested");
  EXPECT_EQ(ToString(ProcessingStatus::kCompleted), "completed");
  EXPECT_EQ(ToString(ResponseStatus::kDeclined), "declined");
  EXPECT_EQ(ParseResponseStatus("APPROVED"), ResponseStatus::kApproved);
  EXPECT_EQ(ParseOpportunityStatus("nope"), std::nullopt);
}

}  // namespace
}  // namespace lia::store
