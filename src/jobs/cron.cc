#include "jobs/cron.h"

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace lia::jobs {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// The longest field text quoted in an error message.
constexpr size_t kMaxQuoted = 32;
// How far Next looks: one Gregorian cycle (146097 days, a whole number of
// weeks), after which the calendar repeats.
constexpr int64_t kSearchMonths = 400 * 12;
constexpr int kMaxYear = 9999;

struct Field {
  std::string_view name;  // "minute", as in the error messages.
  int min;
  int max;
  // Names of min, min + 1, ...; empty for numeric fields.
  const std::string_view* names = nullptr;
  int name_count = 0;
};

constexpr Field kMinute{"minute", 0, 59};
constexpr Field kHour{"hour", 0, 23};
constexpr Field kDayOfMonth{"day-of-month", 1, 31};
constexpr Field kMonth{"month", 1, 12, kMonthNames.data(), 12};
constexpr Field kDayOfWeek{"day-of-week", 0, 7, kDayNames.data(), 7};

absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// `text` quoted for an error message: escaped and cut short, so hostile
// input neither floods nor garbles a log line.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  out += absl::CHexEscape(Absl(text.substr(0, kMaxQuoted)));
  if (text.size() > kMaxQuoted) out += "...";
  out += "\"";
  return out;
}

absl::Status FieldError(const Field& field, std::string_view text,
                        std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(Absl(field.name), " field: ", Quoted(text), " ", Absl(why)));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

// Digits only ("+1", " 1" and "" are not numbers); large values are capped,
// being out of every range anyway.
std::optional<int> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    if (v < 100000) v = v * 10 + (c - '0');
  }
  return v;
}

struct Value {
  int value = 0;
  bool sunday_name = false;  // Written "sun" (may end a range as 7).
};

// A number of the field, or one of its names.
absl::StatusOr<Value> ParseValue(const Field& field, std::string_view text,
                                 std::string_view element) {
  if (text.empty()) return FieldError(field, element, "is missing a number");
  if (IsDigit(text[0])) {
    const std::optional<int> n = ParseNumber(text);
    if (!n) return FieldError(field, element, "is not a number");
    const int v = *n;
    if (v < field.min || v > field.max) {
      return FieldError(
          field, element,
          absl::StrCat("is out of range ", field.min, "-", field.max));
    }
    return Value{v, false};
  }
  if (text.size() == 3) {
    const std::string lower = {Lower(text[0]), Lower(text[1]), Lower(text[2])};
    for (int i = 0; i < field.name_count; ++i) {
      if (field.names[i] == lower) return Value{field.min + i, lower == "sun"};
    }
  }
  return FieldError(field, element,
                    field.name_count > 0 ? "is neither a number nor a name"
                                         : "is not a number");
}

// One comma-separated element: sets its bits and appends its canonical text.
absl::Status ParseElement(const Field& field, std::string_view element,
                          uint64_t& bits, bool& star, std::string& canonical) {
  std::string_view base = element;
  std::optional<int> step;
  if (size_t slash = element.find('/'); slash != std::string_view::npos) {
    base = element.substr(0, slash);
    step = ParseNumber(element.substr(slash + 1));
    if (!step) {
      return FieldError(field, element, "has a step that is not a number");
    }
    if (*step < 1 || *step > field.max) {
      return FieldError(field, element,
                        absl::StrCat("has a step out of range 1-", field.max));
    }
  }
  int lo = 0;
  int hi = 0;
  star = base == "*";
  if (star) {
    lo = field.min;
    hi = field.max;
    canonical += step && *step != 1 ? absl::StrCat("*/", *step) : "*";
  } else if (size_t dash = base.find('-'); dash != std::string_view::npos) {
    absl::StatusOr<Value> a = ParseValue(field, base.substr(0, dash), element);
    if (!a.ok()) return a.status();
    absl::StatusOr<Value> b = ParseValue(field, base.substr(dash + 1), element);
    if (!b.ok()) return b.status();
    lo = a->value;
    hi = b->value;
    // "fri-sun": Sunday closes the week.
    if (&field == &kDayOfWeek && b->sunday_name && lo > 0) hi = 7;
    if (lo > hi) {
      return FieldError(field, element,
                        "is a backwards range (the start is after the end)");
    }
    canonical += absl::StrCat(lo, "-", hi);
    if (step && *step != 1) absl::StrAppend(&canonical, "/", *step);
  } else {
    absl::StatusOr<Value> v = ParseValue(field, base, element);
    if (!v.ok()) return v.status();
    lo = v->value;
    if (step) {
      hi = field.max;
      canonical += absl::StrCat(lo, "-", hi);
      if (*step != 1) absl::StrAppend(&canonical, "/", *step);
    } else {
      hi = lo;
      // A lone Sunday is written 0.
      canonical += absl::StrCat(&field == &kDayOfWeek && lo == 7 ? 0 : lo);
    }
  }
  for (int v = lo; v <= hi; v += step.value_or(1)) {
    bits |= uint64_t{1} << (&field == &kDayOfWeek && v == 7 ? 0 : v);
  }
  return absl::OkStatus();
}

struct ParsedField {
  uint64_t bits = 0;
  bool star = false;  // The field starts with `*`.
  std::string canonical;
};

// `bits` from `from` to the field's maximum as a list of runs: "1-5,7,9".
// At most ~90 bytes for any field, whatever the input's length.
std::string Runs(const Field& field, uint64_t bits, int from) {
  const int max = &field == &kDayOfWeek ? 6 : field.max;  // 7 is folded to 0.
  std::string out;
  for (int v = from; v <= max; ++v) {
    if ((bits >> v & 1) == 0) continue;
    int end = v;
    while (end + 1 <= max && (bits >> (end + 1) & 1) != 0) ++end;
    if (!out.empty()) out += ",";
    if (end - v >= 2) {
      absl::StrAppend(&out, v, "-", end);
    } else {
      absl::StrAppend(&out, v);
      if (end > v) absl::StrAppend(&out, ",", end);
    }
    v = end;
  }
  return out;
}

absl::StatusOr<ParsedField> ParseField(const Field& field,
                                       std::string_view text) {
  ParsedField out;
  std::string first;  // The first element's canonical text.
  uint64_t first_bits = 0;
  size_t begin = 0;
  while (true) {
    const size_t comma = text.find(',', begin);
    const std::string_view element = text.substr(
        begin, comma == std::string_view::npos ? std::string_view::npos
                                               : comma - begin);
    if (element.empty()) {
      return FieldError(field, text, "has an empty list element");
    }
    bool star = false;
    std::string canonical;
    absl::Status s = ParseElement(field, element, out.bits, star, canonical);
    if (!s.ok()) return s;
    if (begin == 0) {
      out.star = star;
      first = std::move(canonical);
      first_bits = out.bits;
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  // Canonical from what the field matches, so repeated or overlapping
  // elements cannot make it longer than Parse accepts: a leading `*` (or
  // `*/s`) stays, as it decides how day fields combine, followed by the
  // values it does not cover; any other field is its list of runs.
  if (out.star) {
    const std::string rest = Runs(field, out.bits & ~first_bits, field.min);
    out.canonical = rest.empty() ? first : absl::StrCat(first, ",", rest);
  } else {
    out.canonical = Runs(field, out.bits, field.min);
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// The longest day of `month` in any year.
int MaxDays(int month) {
  switch (month) {
    case 2:
      return 29;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    default:
      return 31;
  }
}

// 0 is Sunday, as in cron.
int CronWeekday(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::sunday ? 0 : static_cast<int>(w) + 1;
}

}  // namespace

absl::StatusOr<CronExpression> CronExpression::Parse(std::string_view text) {
  if (text.size() > kMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("cron expression is ", text.size(),
                     " bytes long; at most ", kMaxLength));
  }
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < text.size();) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    parts.push_back(text.substr(i, end - i));
    i = end;
  }
  if (parts.size() != 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cron expression ", Quoted(text), " has ", parts.size(),
        " fields; it needs 5: minute hour day-of-month month day-of-week"));
  }
  const Field* const fields[5] = {&kMinute, &kHour, &kDayOfMonth, &kMonth,
                                  &kDayOfWeek};
  ParsedField parsed[5];
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<ParsedField> f = ParseField(*fields[i], parts[i]);
    if (!f.ok()) return f.status();
    parsed[i] = *std::move(f);
  }
  CronExpression e;
  e.minutes_ = parsed[0].bits;
  e.hours_ = static_cast<uint32_t>(parsed[1].bits);
  e.days_ = static_cast<uint32_t>(parsed[2].bits);
  e.months_ = static_cast<uint16_t>(parsed[3].bits);
  e.weekdays_ = static_cast<uint8_t>(parsed[4].bits);
  e.days_star_ = parsed[2].star;
  e.weekdays_star_ = parsed[4].star;
  e.text_ = absl::StrJoin(parsed, " ", [](std::string* out, const auto& f) {
    out->append(f.canonical);
  });
  // Only a restricted day of month with an unrestricted day of week can
  // name days that never come ("30 2"); every other combination matches
  // some day of some month within a Gregorian cycle.
  if (!e.days_star_ && e.weekdays_star_) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      if ((e.months_ >> m & 1) == 0) continue;
      for (int d = 1; d <= MaxDays(m) && !possible; ++d) {
        possible = (e.days_ >> d & 1) != 0;
      }
    }
    if (!possible) {
      return absl::InvalidArgumentError(absl::StrCat(
          "day-of-month field: ", Quoted(parts[2]),
          " names no day that exists in month field ", Quoted(parts[3])));
    }
  }
  return e;
}

bool CronExpression::DayMatches(int year, int month, int day) const {
  const bool dom = (days_ >> day & 1) != 0;
  const bool dow =
      (weekdays_ >> CronWeekday(absl::CivilDay(year, month, day)) & 1) != 0;
  if (!days_star_ && !weekdays_star_) return dom || dow;
  return dom && dow;
}

absl::StatusOr<absl::Time> CronExpression::Next(absl::Time after) const {
  if (after == absl::InfiniteFuture() || after == absl::InfinitePast()) {
    return absl::InvalidArgumentError("cron: no next time after infinity");
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilMinute start = absl::ToCivilMinute(after, utc) + 1;
  const absl::CivilDay start_day(start);
  const absl::CivilMonth first(start);
  const absl::CivilMonth last = first + kSearchMonths;
  for (absl::CivilMonth m = first; m <= last && m.year() <= kMaxYear; ++m) {
    if ((months_ >> m.month() & 1) == 0) continue;
    for (absl::CivilDay d = m == first ? start_day : absl::CivilDay(m);
         absl::CivilMonth(d) == m; ++d) {
      if (!DayMatches(static_cast<int>(d.year()), d.month(), d.day())) {
        continue;
      }
      const bool first_day = d == start_day;
      for (int h = first_day ? start.hour() : 0; h < 24; ++h) {
        if ((hours_ >> h & 1) == 0) continue;
        const int from = first_day && h == start.hour() ? start.minute() : 0;
        const uint64_t candidates = minutes_ & (~uint64_t{0} << from);
        if (candidates == 0) continue;
        return absl::FromCivil(
            absl::CivilMinute(d.year(), d.month(), d.day(), h,
                              std::countr_zero(candidates)),
            utc);
      }
    }
  }
  return absl::NotFoundError(
      absl::StrCat("cron ", text_, " matches no minute after ",
                   absl::FormatTime(absl::RFC3339_sec, after, utc),
                   " before year ", kMaxYear + 1));
}

}  // namespace lia::jobs
