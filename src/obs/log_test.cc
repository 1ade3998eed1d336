#include "obs/log.h"

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lia::obs {
namespace {

class Lines final : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST(LogTest, FormatsOneJsonObjectPerLine) {
  EXPECT_EQ(
      Logger::Format("2026-11-29T10:00:00.123Z", LogLevel::kInfo, "request",
                     {{"method", "GET"},
                      {"status", 200},
                      {"duration_ms", 1.5},
                      {"cached", true},
                      {"bytes", int64_t{1} << 40}}),
      "{\"time\":\"2026-11-29T10:00:00.123Z\",\"level\":\"info\","
      "\"message\":\"request\",\"method\":\"GET\",\"status\":200,"
      "\"duration_ms\":1.5,\"cached\":true,\"bytes\":1099511627776}\n");
}

TEST(LogTest, EscapesSoEveryLineParses) {
  const std::string hostile =
      std::string("quote\" backslash\\ newline\n tab\t nul") + '\0' +
      " bell\x07 bad utf8 \xff\xfe cut \xe2\x82 euro \xe2\x82\xac";
  const std::string line =
      Logger::Format("t", LogLevel::kError, hostile, {{hostile, hostile}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // One line, whatever the text.
  const nlohmann::json j = nlohmann::json::parse(line);
  const std::string message = j["message"];
  EXPECT_NE(message.find("quote\" backslash\\ newline\n tab\t nul"),
            std::string::npos);
  EXPECT_NE(message.find("euro \xe2\x82\xac"), std::string::npos);
  EXPECT_NE(message.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(Logger::Format("t", LogLevel::kWarn, "x", {{"nan", std::nan("")}}),
            "{\"time\":\"t\",\"level\":\"warn\",\"message\":\"x\","
            "\"nan\":null}\n");
}

TEST(LogTest, DropsLinesBelowTheLevel) {
  Lines sink;
  Logger logger(sink, LogLevel::kWarn);
  logger.Debug("no");
  logger.Info("no");
  logger.Warn("yes");
  logger.Error("yes too");
  ASSERT_EQ(sink.lines().size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(sink.lines()[0])["message"], "yes");
  logger.set_level(LogLevel::kDebug);
  logger.Debug("now");
  EXPECT_EQ(sink.lines().size(), 3u);
}

TEST(LogTest, ContextAddsRequestAndTraceIdsAndNests) {
  Lines sink;
  Logger logger(sink);
  logger.Info("outside");
  {
    LogContext request("req-1", "4bf92f3577b34da6a3ce929d0e0e4736",
                       "00f067aa0ba902b7");
    logger.Info("inside");
    {
      LogContext job("req-2");
      logger.Info("nested");
    }
    logger.Info("back");
  }
  logger.Info("after");
  const std::vector<std::string> lines = sink.lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_FALSE(nlohmann::json::parse(lines[0]).contains("request_id"));
  const nlohmann::json inside = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(inside["request_id"], "req-1");
  EXPECT_EQ(inside["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(inside["span_id"], "00f067aa0ba902b7");
  const nlohmann::json nested = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(nested["request_id"], "req-2");
  EXPECT_FALSE(nested.contains("trace_id"));
  EXPECT_EQ(nlohmann::json::parse(lines[3])["request_id"], "req-1");
  EXPECT_FALSE(nlohmann::json::parse(lines[4]).contains("request_id"));
}

TEST(LogTest, ContextsBelongToTheirThread) {
  Lines sink;
  Logger logger(sink);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      LogContext context("req-" + std::to_string(t));
      for (int i = 0; i < 200; ++i) {
        logger.Info("tick", {{"thread", t}, {"i", i}});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::vector<std::string> lines = sink.lines();
  ASSERT_EQ(lines.size(), 1600u);
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j["request_id"], "req-" + std::to_string(j["thread"].get<int>()));
  }
}

TEST(LogTest, ParsesLevels) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("DEBUG", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("warning", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
}

}  // namespace
}  // namespace lia::obs
