#include "obs/log.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lia::obs {
namespace {

thread_local const LogContext* current_context = nullptr;

// JSON string contents: quotes, backslashes and control characters
// escaped; invalid UTF-8 bytes replaced with U+FFFD so every line parses.
void AppendEscaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default: {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        }
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // A well-formed UTF-8 sequence is copied; anything else is U+FFFD.
      int length = c >= 0xf0 && c <= 0xf4   ? 4
                   : c >= 0xe0              ? 3
                   : c >= 0xc2 && c <= 0xdf ? 2
                                            : 0;
      bool ok = length > 0 && i + length <= s.size();
      for (int k = 1; ok && k < length; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (ok && length == 3) {
        const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
      }
      if (ok && length == 4) {
        const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
      }
      if (ok) {
        out.append(s.substr(i, static_cast<size_t>(length)));
        i += static_cast<size_t>(length);
      } else {
        out += "\xef\xbf\xbd";
        ++i;
      }
    }
  }
}

void AppendKey(std::string& out, std::string_view key) {
  out += ",\"";
  AppendEscaped(out, key);
  out += "\":";
}

void AppendValue(std::string& out, const LogField::Value& value) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    out += '"';
    AppendEscaped(out, *s);
    out += '"';
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    out += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) {
      out += "null";  // JSON has no NaN or infinity.
    } else {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.6g", *d);
      out += buffer;
    }
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "debug") {
    *level = LogLevel::kDebug;
  } else if (lower == "info") {
    *level = LogLevel::kInfo;
  } else if (lower == "warn" || lower == "warning") {
    *level = LogLevel::kWarn;
  } else if (lower == "error") {
    *level = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

void FdLogSink::Write(std::string_view line) {
  // One write per line keeps lines whole between threads and processes
  // (appends under PIPE_BUF are atomic); a short write finishes the rest.
  while (!line.empty()) {
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Logging must never take the process down.
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

std::string Logger::Format(std::string_view time, LogLevel level,
                           std::string_view message,
                           std::initializer_list<LogField> fields) {
  std::string line = "{\"time\":\"";
  line += time;
  line += "\",\"level\":\"";
  line += ToString(level);
  line += "\",\"message\":\"";
  AppendEscaped(line, message);
  line += '"';
  if (const LogContext* context = LogContext::Current()) {
    if (!context->request_id().empty()) {
      AppendKey(line, "request_id");
      AppendValue(line, std::string_view(context->request_id()));
    }
    if (!context->trace_id().empty()) {
      AppendKey(line, "trace_id");
      AppendValue(line, std::string_view(context->trace_id()));
    }
    if (!context->span_id().empty()) {
      AppendKey(line, "span_id");
      AppendValue(line, std::string_view(context->span_id()));
    }
  }
  for (const LogField& f : fields) {
    AppendKey(line, f.key);
    AppendValue(line, f.value);
  }
  line += "}\n";
  return line;
}

void Logger::Log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                            absl::UTCTimeZone());
  sink_.Write(Format(time, level, message, fields));
}

Logger& DefaultLogger() {
  static FdLogSink* sink = new FdLogSink(2);
  static Logger* logger = [] {
    LogLevel level = LogLevel::kInfo;
    if (const char* env = std::getenv("LIA_LOG_LEVEL"); env != nullptr) {
      ParseLogLevel(env, &level);
    }
    return new Logger(*sink, level);
  }();
  return *logger;
}

LogContext::LogContext(std::string request_id, std::string trace_id,
                       std::string span_id)
    : request_id_(std::move(request_id)),
      trace_id_(std::move(trace_id)),
      span_id_(std::move(span_id)),
      outer_(current_context) {
  current_context = this;
}

LogContext::~LogContext() { current_context = outer_; }

const LogContext* LogContext::Current() { return current_context; }

}  // namespace lia::obs
