#pragma once

// Structured logs (DESIGN §8): one JSON object per line —
//
//   {"time":"2026-11-29T10:00:00.123Z","level":"info","message":"request",
//    "request_id":"9f2c...","trace_id":"...","span_id":"...",
//    "method":"GET","route":"/api/v1/jobs","status":200,"duration_ms":1.2}
//
// `request_id`, `trace_id` and `span_id` come from the calling thread's
// LogContext when one is set. What goes in fields is the caller's choice;
// the rule is no secrets and no message bodies at info level (a message's
// text may be logged at debug only).

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace lia::obs {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

std::string_view ToString(LogLevel level);  // "debug", "info"...
// "debug", "info", "warn"/"warning", "error", any case; false otherwise.
bool ParseLogLevel(std::string_view text, LogLevel* level);

struct LogField {
  using Value = std::variant<std::string_view, int64_t, double, bool>;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v)
      : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v)
      : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  Value value;
};

// Where lines go. Thread-safe; a line is written whole (one write call).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;  // Ends with '\n'.
};

// Writes to a file descriptor (stderr by default). Not owned.
class FdLogSink final : public LogSink {
 public:
  explicit FdLogSink(int fd = 2) : fd_(fd) {}
  void Write(std::string_view line) override;

 private:
  int fd_;
};

// Thread-safe. Lines below the level are dropped before any formatting.
class Logger {
 public:
  // `sink` not owned; must outlive the logger.
  explicit Logger(LogSink& sink, LogLevel level = LogLevel::kInfo)
      : sink_(sink), level_(level) {}

  void set_level(LogLevel level) { level_.store(level); }
  LogLevel level() const { return level_.load(); }
  bool Enabled(LogLevel level) const {
    return level >= level_.load(std::memory_order_relaxed);
  }

  void Log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {});
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, m, f);
  }
  void Warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarn, m, f);
  }
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, m, f);
  }

  // The line Log would write, without writing it (for tests).
  static std::string Format(std::string_view time, LogLevel level,
                            std::string_view message,
                            std::initializer_list<LogField> fields);

 private:
  LogSink& sink_;
  std::atomic<LogLevel> level_;
};

// The process's logger: JSON lines on stderr, level from $LIA_LOG_LEVEL
// (default info). Lives for the process.
Logger& DefaultLogger();

// The request and trace a thread works for, added to every line it logs
// while the context lives. Contexts nest; the innermost wins. Not copyable.
class LogContext {
 public:
  LogContext(std::string request_id, std::string trace_id = "",
             std::string span_id = "");
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;

  // The calling thread's innermost context; nullptr when none.
  static const LogContext* Current();

  const std::string& request_id() const { return request_id_; }
  const std::string& trace_id() const { return trace_id_; }
  const std::string& span_id() const { return span_id_; }

 private:
  std::string request_id_;
  std::string trace_id_;
  std::string span_id_;
  const LogContext* outer_;
};

}  // namespace lia::obs
