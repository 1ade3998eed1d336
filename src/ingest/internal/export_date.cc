#include "ingest/internal/export_date.h"
#include "ingest/internal/ascii.h"

#include <cstdio>

namespace lia::ingest::internal {
namespace {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
// calendar, no time-zone database needed.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly `digits` decimal digits at s[pos].
bool ReadNumber(std::string_view s, size_t& pos, int digits, int64_t& out) {
  if (pos + digits > s.size()) return false;
  out = 0;
  for (int i = 0; i < digits; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += digits;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<int64_t> ParseExportDate(std::string_view date) {
  const std::string_view s = StripWhitespace(date);
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second = 0;
  if (!ReadNumber(s, pos, 4, year) || !Expect(s, pos, '-') ||
      !ReadNumber(s, pos, 2, month) || !Expect(s, pos, '-') ||
      !ReadNumber(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T' && s[pos] != 't')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadNumber(s, pos, 2, hour) || !Expect(s, pos, ':') ||
      !ReadNumber(s, pos, 2, minute)) {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!ReadNumber(s, pos, 2, second)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      // Sub-second precision is dropped: LinkedIn writes whole seconds.
      ++pos;
      const size_t digits_start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == digits_start) return std::nullopt;
    }
  }
  if (year < 1900 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  std::string_view zone = StripLeadingWhitespace(s.substr(pos));
  int64_t offset_seconds = 0;
  if (zone.empty() || EqualsIgnoreCase(zone, "UTC") ||
      EqualsIgnoreCase(zone, "GMT") || EqualsIgnoreCase(zone, "Z")) {
    offset_seconds = 0;
  } else if (zone[0] == '+' || zone[0] == '-') {
    size_t zpos = 1;
    int64_t oh, om;
    if (!ReadNumber(zone, zpos, 2, oh)) return std::nullopt;
    if (zpos < zone.size() && zone[zpos] == ':') ++zpos;
    if (!ReadNumber(zone, zpos, 2, om) || zpos != zone.size() || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  return DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
         second - offset_seconds;
}

std::string FormatRfc3339Utc(int64_t epoch_seconds) {
  int64_t days = epoch_seconds / 86400;
  int64_t secs = epoch_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int64_t y, m, d;
  CivilFromDays(days, y, m, d);
  char buf[96];  // Roomy enough for any int64_t, as the compiler checks.
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace lia::ingest::internal
