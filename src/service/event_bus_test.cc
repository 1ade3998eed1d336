#include "service/event_bus.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "store/event_log.h"
#include "store/sqlite/sqlite_event_log.h"

namespace lia::service {
namespace {

using nlohmann::json;
using store::Event;

// Passes every call to a real log and counts the reads.
class CountingLog final : public store::EventLog {
 public:
  explicit CountingLog(store::EventLog& log) : log_(log) {}

  // store::EventLog:
  absl::StatusOr<int64_t> Append(const std::string& type,
                                 const std::string& data_json) override {
    return log_.Append(type, data_json);
  }
  absl::StatusOr<std::vector<int64_t>> AppendBatch(
      const std::vector<std::pair<std::string, std::string>>& events) override {
    return log_.AppendBatch(events);
  }
  absl::StatusOr<std::vector<Event>> After(int64_t after_id,
                                           int limit) override {
    ++reads;
    return log_.After(after_id, limit);
  }
  absl::StatusOr<int64_t> LastId() override {
    ++reads;
    return log_.LastId();
  }
  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override {
    return log_.DeleteBefore(cutoff);
  }

  std::atomic<int> reads = 0;

 private:
  store::EventLog& log_;
};

class EventBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lia_event_bus_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "lia.db").string();
    log_ = OpenLog();
    ASSERT_NE(log_, nullptr);
    counting_ = std::make_unique<CountingLog>(*log_);
  }
  void TearDown() override {
    counting_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<store::EventLog> OpenLog() {
    store::SqliteEventLogOptions options;
    options.path = path_;
    auto log = store::OpenSqliteEventLog(options);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }

  static int64_t MustPublish(EventBus& bus, const std::string& type,
                             const json& data) {
    absl::StatusOr<int64_t> id = bus.Publish(type, data);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : -1;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<CountingLog> counting_;
};

TEST_F(EventBusTest, WaitReturnsEmptyOnceMaxWaitPasses) {
  EventBus bus(*log_);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<Event>> events =
      bus.Wait(0, absl::Milliseconds(100), 10);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(EventBusTest, PublishWakesAWaiterAtOnceWithoutWaitingForAPoll) {
  EventBusOptions options;
  options.poll_interval = absl::Hours(1);
  EventBus bus(*log_, options);
  ASSERT_TRUE(bus.Wait(0, absl::ZeroDuration(), 10).ok());  // First look.

  absl::StatusOr<std::vector<Event>> got;
  absl::Duration waited;
  std::thread waiter([&] {
    const absl::Time start = absl::Now();
    got = bus.Wait(0, absl::Seconds(10), 10);
    waited = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(50));
  const int64_t id =
      MustPublish(bus, "opportunity.created", {{"opportunity_id", 7}});
  waiter.join();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, id);
  EXPECT_EQ((*got)[0].type, "opportunity.created");
  EXPECT_EQ(json::parse((*got)[0].data), json({{"opportunity_id", 7}}));
  EXPECT_LT(waited, absl::Seconds(2));
}

TEST_F(EventBusTest, EventsAlreadyThereAreReturnedInOrderUpToTheLimit) {
  EventBus bus(*log_);
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(MustPublish(bus, "message.received", {{"n", i}}));
  }
  absl::StatusOr<std::vector<Event>> first = bus.Wait(0, absl::Seconds(5), 3);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 3u);
  absl::StatusOr<std::vector<Event>> rest =
      bus.Wait(first->back().id, absl::Seconds(5), 10);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 2u);
  std::vector<int64_t> got;
  for (const Event& e : *first) got.push_back(e.id);
  for (const Event& e : *rest) got.push_back(e.id);
  EXPECT_EQ(got, ids);
  EXPECT_EQ(json::parse(rest->back().data)["n"], 4);
}

TEST_F(EventBusTest, AWaiterBehindTheCacheReadsTheLog) {
  EventBusOptions options;
  options.cached_events = 4;
  EventBus bus(*log_, options);
  ASSERT_TRUE(bus.Wait(0, absl::ZeroDuration(), 10).ok());
  std::vector<int64_t> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(MustPublish(bus, "job.failed", {{"n", i}}));
  }
  std::vector<int64_t> got;
  int64_t cursor = 0;
  while (got.size() < ids.size()) {
    absl::StatusOr<std::vector<Event>> events =
        bus.Wait(cursor, absl::Seconds(5), 3);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_FALSE(events->empty());
    for (const Event& e : *events) got.push_back(e.id);
    cursor = got.back();
  }
  EXPECT_EQ(got, ids);
}

TEST_F(EventBusTest, SeesAnotherProcessesEventsByPolling) {
  EventBusOptions options;
  options.poll_interval = absl::Milliseconds(50);
  EventBus bus(*log_, options);
  absl::StatusOr<int64_t> start = bus.LastId();
  ASSERT_TRUE(start.ok());

  // Another process: its own connection and its own bus on the same file.
  std::unique_ptr<store::EventLog> other_log = OpenLog();
  ASSERT_NE(other_log, nullptr);
  EventBus other(*other_log);
  std::thread publisher([&] {
    absl::SleepFor(absl::Milliseconds(100));
    MustPublish(other, "job.dead", {{"job_id", 3}});
  });
  absl::StatusOr<std::vector<Event>> events =
      bus.Wait(*start, absl::Seconds(5), 10);
  publisher.join();
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "job.dead");
}

TEST_F(EventBusTest, ShutdownWakesEveryWaiterWithCancelled) {
  EventBus bus(*log_);
  std::vector<std::thread> waiters;
  std::atomic<int> cancelled = 0;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      if (bus.Wait(0, absl::Seconds(30), 10).status().code() ==
          absl::StatusCode::kCancelled) {
        ++cancelled;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  bus.Shutdown();
  for (std::thread& t : waiters) t.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_EQ(cancelled.load(), 4);
  EXPECT_TRUE(bus.shut_down());
  EXPECT_EQ(bus.Wait(0, absl::Seconds(1), 10).status().code(),
            absl::StatusCode::kCancelled);
  // Publishing still records the event for other processes.
  EXPECT_TRUE(bus.Publish("job.failed", json::object()).ok());
}

TEST_F(EventBusTest, ManyIdleWaitersShareOnePollOfTheLog) {
  EventBusOptions options;
  options.poll_interval = absl::Milliseconds(50);
  EventBus bus(*counting_, options);
  constexpr int kWaiters = 40;
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      absl::StatusOr<std::vector<Event>> events =
          bus.Wait(0, absl::Milliseconds(500), 10);
      EXPECT_TRUE(events.ok()) << events.status();
    });
  }
  for (std::thread& t : waiters) t.join();
  // About one read per poll interval (10 in 500 ms), whatever the number of
  // waiters; each polling on its own would be ~400.
  EXPECT_LE(counting_->reads.load(), 25);
}

TEST_F(EventBusTest, ManyWaitersWokenByOnePublishReadTheLogOnce) {
  EventBusOptions options;
  options.poll_interval = absl::Hours(1);
  EventBus bus(*counting_, options);
  ASSERT_TRUE(bus.Wait(0, absl::ZeroDuration(), 10).ok());
  const int reads_before = counting_->reads.load();

  constexpr int kWaiters = 20;
  std::atomic<int> delivered = 0;
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      absl::StatusOr<std::vector<Event>> events =
          bus.Wait(0, absl::Seconds(10), 10);
      if (events.ok() && events->size() == 1) ++delivered;
    });
  }
  absl::SleepFor(absl::Milliseconds(100));
  MustPublish(bus, "opportunity.updated", {{"opportunity_id", 1}});
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(delivered.load(), kWaiters);
  EXPECT_LE(counting_->reads.load() - reads_before, 2);
}

TEST_F(EventBusTest, ConcurrentPublishersAndFollowersSeeEveryEventOnce) {
  EventBusOptions options;
  options.poll_interval = absl::Milliseconds(20);
  options.cached_events = 64;
  EventBus bus(*log_, options);
  constexpr int kPublishers = 4;
  constexpr int kEach = 100;
  constexpr int kFollowers = 4;

  std::vector<std::vector<int64_t>> seen(kFollowers);
  std::vector<std::thread> threads;
  for (int f = 0; f < kFollowers; ++f) {
    threads.emplace_back([&, f] {
      int64_t cursor = 0;
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (seen[f].size() < kPublishers * kEach && absl::Now() < give_up) {
        absl::StatusOr<std::vector<Event>> events =
            bus.Wait(cursor, absl::Milliseconds(200), 1 + f * 7);
        ASSERT_TRUE(events.ok()) << events.status();
        for (const Event& e : *events) {
          EXPECT_GT(e.id, cursor);
          cursor = e.id;
          seen[f].push_back(e.id);
        }
      }
    });
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) {
        MustPublish(bus, "message.received", {{"p", p}, {"i", i}});
      }
    });
  }
  for (std::thread& t : publishers) t.join();
  for (std::thread& t : threads) t.join();

  absl::StatusOr<std::vector<Event>> all = log_->After(0, 1000);
  ASSERT_TRUE(all.ok());
  std::vector<int64_t> expected;
  for (const Event& e : *all) expected.push_back(e.id);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kPublishers * kEach));
  for (int f = 0; f < kFollowers; ++f) EXPECT_EQ(seen[f], expected) << f;
}

TEST_F(EventBusTest, PublishBatchAppendsInOrderAndBadInputIsRefused) {
  EventBus bus(*log_);
  absl::StatusOr<std::vector<int64_t>> ids =
      bus.PublishBatch({{"import.progress", {{"rows", 10}}},
                        {"import.progress", {{"rows", 20}}}});
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 2u);
  absl::StatusOr<std::vector<Event>> events = bus.Wait(0, absl::Seconds(5), 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(json::parse((*events)[1].data)["rows"], 20);

  EXPECT_EQ(bus.Publish("Bad Type", json::object()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bus.Wait(0, absl::Seconds(1), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Text that is not UTF-8 is replaced rather than thrown on.
  EXPECT_TRUE(bus.Publish("message.received", {{"text", "caf\xE9"}}).ok());
}

}  // namespace
}  // namespace lia::service
