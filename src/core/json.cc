#include "core/json.h"

#include "core/internal/wire_names.h"

#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/profile.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace lia::core {
namespace internal {
// Defined in profile.cc: one spelling of each reject_if rule.
std::string CanonicalRejectRule(std::string_view rule);
}  // namespace internal

namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Reading. Every reader checks the JSON type itself instead of letting
// nlohmann throw, so a wrong type becomes a message that names the field path
// ("extracted.salary.min: expected integer, got string"). An absent key and a
// null value both leave the destination at its default: optional fields are
// null when unknown, and callers (LLMs included) often omit them.

std::string Join(absl::string_view prefix, absl::string_view key) {
  if (prefix.empty()) return std::string(key);
  return absl::StrCat(prefix, ".", key);
}

std::string Index(absl::string_view prefix, size_t i) {
  return absl::StrCat(prefix, "[", i, "]");
}

absl::Status Invalid(absl::string_view path, absl::string_view problem) {
  if (path.empty()) return absl::InvalidArgumentError(problem);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

// nlohmann quotes the offending input in its messages ("last read: ..."),
// which may be invalid UTF-8; a status message must be safe to put in JSON.
std::string AsciiOnly(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return out;
}

absl::Status TypeError(absl::string_view path, absl::string_view expected,
                       const json& got) {
  return Invalid(
      path, absl::StrCat("expected ", expected, ", got ", got.type_name()));
}

// nullptr when the key is absent or null.
const json* Find(const json& object, absl::string_view key) {
  auto it = object.find(std::string_view(key.data(), key.size()));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status RequireObject(const json& value, absl::string_view path) {
  if (!value.is_object()) return TypeError(path, "object", value);
  return absl::OkStatus();
}

absl::Status ReadString(const json& object, absl::string_view key,
                        absl::string_view prefix, std::string* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) {
    return TypeError(Join(prefix, key), "string", *value);
  }
  *out = value->get_ref<const std::string&>();
  return absl::OkStatus();
}

absl::Status ReadOptionalString(const json& object, absl::string_view key,
                                absl::string_view prefix,
                                std::optional<std::string>* out) {
  const json* value = Find(object, key);
  if (value == nullptr) {
    out->reset();
    return absl::OkStatus();
  }
  if (!value->is_string()) {
    return TypeError(Join(prefix, key), "string", *value);
  }
  *out = value->get_ref<const std::string&>();
  return absl::OkStatus();
}

// Accepts integral floats (120000.0): models and some JSON encoders write
// every number as a double.
absl::Status AsInt64(const json& value, absl::string_view path, int64_t* out) {
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Invalid(path, "integer out of range");
    }
    *out = static_cast<int64_t>(u);
    return absl::OkStatus();
  }
  if (value.is_number_integer()) {
    *out = value.get<int64_t>();
    return absl::OkStatus();
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    // 2^63 is exactly representable; anything at or above it is not int64.
    constexpr double kLimit = 9223372036854775808.0;
    if (!std::isfinite(d) || std::trunc(d) != d || d >= kLimit || d < -kLimit) {
      return Invalid(path, "expected integer, got non-integral number");
    }
    *out = static_cast<int64_t>(d);
    return absl::OkStatus();
  }
  return TypeError(path, "integer", value);
}

absl::Status ReadInt64(const json& object, absl::string_view key,
                       absl::string_view prefix, int64_t* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  return AsInt64(*value, Join(prefix, key), out);
}

absl::Status ReadOptionalInt64(const json& object, absl::string_view key,
                               absl::string_view prefix,
                               std::optional<int64_t>* out) {
  const json* value = Find(object, key);
  if (value == nullptr) {
    out->reset();
    return absl::OkStatus();
  }
  int64_t n = 0;
  LIA_RETURN_IF_ERROR(AsInt64(*value, Join(prefix, key), &n));
  *out = n;
  return absl::OkStatus();
}

absl::Status ReadInt(const json& object, absl::string_view key,
                     absl::string_view prefix, int* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  std::string path = Join(prefix, key);
  int64_t n = 0;
  LIA_RETURN_IF_ERROR(AsInt64(*value, path, &n));
  if (n < std::numeric_limits<int>::min() ||
      n > std::numeric_limits<int>::max()) {
    return Invalid(path, "integer out of range");
  }
  *out = static_cast<int>(n);
  return absl::OkStatus();
}

absl::Status ReadDouble(const json& object, absl::string_view key,
                        absl::string_view prefix, double* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_number()) {
    return TypeError(Join(prefix, key), "number", *value);
  }
  *out = value->get<double>();
  return absl::OkStatus();
}

absl::Status ReadBool(const json& object, absl::string_view key,
                      absl::string_view prefix, bool* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_boolean()) {
    return TypeError(Join(prefix, key), "boolean", *value);
  }
  *out = value->get<bool>();
  return absl::OkStatus();
}

absl::Status ReadStringList(const json& object, absl::string_view key,
                            absl::string_view prefix,
                            std::vector<std::string>* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  std::string path = Join(prefix, key);
  if (!value->is_array()) return TypeError(path, "array of strings", *value);
  out->clear();
  out->reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string()) return TypeError(Index(path, i), "string", item);
    out->push_back(item.get_ref<const std::string&>());
  }
  return absl::OkStatus();
}

template <typename E>
using EnumParser = std::optional<E> (*)(std::string_view);

// Lists the wire names in the error so the fix is obvious.
using internal::WireNames;

template <typename E>
absl::Status ReadEnum(const json& object, absl::string_view key,
                      absl::string_view prefix, EnumParser<E> parse, E* out) {
  const json* value = Find(object, key);
  if (value == nullptr) return absl::OkStatus();
  std::string path = Join(prefix, key);
  if (!value->is_string()) return TypeError(path, "string", *value);
  const std::string& text = value->get_ref<const std::string&>();
  std::optional<E> parsed = parse(text);
  if (!parsed.has_value()) {
    // dump() escapes the echoed value, so the message stays valid UTF-8
    // whatever the input held.
    return Invalid(
        path, absl::StrCat("expected one of ", WireNames<E>(), ", got ",
                           json(text).dump(-1, ' ', true,
                                           json::error_handler_t::replace)));
  }
  *out = *parsed;
  return absl::OkStatus();
}

// Returns the object at key, nullptr when absent or null, or an error when
// it is some other type.
absl::StatusOr<const json*> FindObject(const json& object,
                                       absl::string_view key,
                                       absl::string_view prefix) {
  const json* value = Find(object, key);
  if (value != nullptr && !value->is_object()) {
    return TypeError(Join(prefix, key), "object", *value);
  }
  return value;
}

absl::StatusOr<const json*> FindArray(const json& object, absl::string_view key,
                                      absl::string_view prefix) {
  const json* value = Find(object, key);
  if (value != nullptr && !value->is_array()) {
    return TypeError(Join(prefix, key), "array", *value);
  }
  return value;
}

// A key outside `known` is most likely a typo that would silently drop a
// setting, so the profile refuses it (the YAML loader does the same).
absl::Status RefuseUnknownKeys(const json& object, absl::string_view prefix,
                               std::initializer_list<absl::string_view> known) {
  for (const auto& item : object.items()) {
    bool found = false;
    for (absl::string_view k : known) found = found || item.key() == k;
    if (!found) {
      return Invalid(Join(prefix, item.key()), "unknown field");
    }
  }
  return absl::OkStatus();
}

// The FromJson entry points funnel through this so that nothing nlohmann
// might still throw (allocation, a corner we did not foresee) escapes.
template <typename T, typename F>
absl::StatusOr<T> Guard(F&& read) {
  try {
    return read();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON value: ", AsciiOnly(e.what())));
  }
}

// ---------------------------------------------------------------------------
// Domain readers, each taking the path of the object it reads.

std::string Str(std::string_view s) { return std::string(s); }

json OptionalString(const std::optional<std::string>& s) {
  return s.has_value() ? json(*s) : json(nullptr);
}

json EmptyAsNull(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

absl::Status ReadSalary(const json& j, absl::string_view path, Salary* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, path));
  Salary salary;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  LIA_RETURN_IF_ERROR(ReadOptionalInt64(j, "min", path, &min));
  LIA_RETURN_IF_ERROR(ReadOptionalInt64(j, "max", path, &max));
  // A single figure is often written with only one bound.
  if (!min.has_value() && !max.has_value()) {
    return Invalid(Join(path, "min"), "required (min or max)");
  }
  salary.min = min.has_value() ? *min : *max;
  salary.max = max.has_value() ? *max : *min;
  if (salary.min < 0) return Invalid(Join(path, "min"), "must be >= 0");
  if (salary.max < salary.min) {
    return Invalid(Join(path, "max"), "must be >= min");
  }
  LIA_RETURN_IF_ERROR(ReadString(j, "currency", path, &salary.currency));
  if (salary.currency.empty()) {
    return Invalid(Join(path, "currency"), "must not be empty");
  }
  LIA_RETURN_IF_ERROR(ReadEnum<SalaryPeriod>(
      j, "period", path, &ParseSalaryPeriod, &salary.period));
  LIA_RETURN_IF_ERROR(
      ReadOptionalInt64(j, "yearly_usd_min", path, &salary.yearly_usd_min));
  LIA_RETURN_IF_ERROR(
      ReadOptionalInt64(j, "yearly_usd_max", path, &salary.yearly_usd_max));
  *out = std::move(salary);
  return absl::OkStatus();
}

absl::Status ReadExtraction(const json& j, absl::string_view path,
                            Extraction* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, path));
  Extraction e;
  LIA_RETURN_IF_ERROR(ReadOptionalString(j, "company", path, &e.company));
  LIA_RETURN_IF_ERROR(ReadOptionalString(j, "role", path, &e.role));
  LIA_RETURN_IF_ERROR(
      ReadEnum<Seniority>(j, "seniority", path, &ParseSeniority, &e.seniority));
  LIA_RETURN_IF_ERROR(ReadStringList(j, "tech_stack", path, &e.tech_stack));
  LIA_ASSIGN_OR_RETURN(const json* salary, FindObject(j, "salary", path));
  if (salary != nullptr) {
    Salary s;
    LIA_RETURN_IF_ERROR(ReadSalary(*salary, Join(path, "salary"), &s));
    e.salary = std::move(s);
  }
  LIA_RETURN_IF_ERROR(ReadEnum<RemotePolicy>(
      j, "remote_policy", path, &ParseRemotePolicy, &e.remote_policy));
  LIA_RETURN_IF_ERROR(ReadOptionalString(j, "location", path, &e.location));
  LIA_RETURN_IF_ERROR(
      ReadEnum<JobType>(j, "job_type", path, &ParseJobType, &e.job_type));
  LIA_RETURN_IF_ERROR(
      ReadEnum<WorkWeek>(j, "work_week", path, &ParseWorkWeek, &e.work_week));
  LIA_RETURN_IF_ERROR(ReadBool(j, "agency", path, &e.agency));
  LIA_RETURN_IF_ERROR(
      ReadOptionalString(j, "agency_name", path, &e.agency_name));
  LIA_RETURN_IF_ERROR(ReadBool(j, "crypto", path, &e.crypto));
  LIA_RETURN_IF_ERROR(ReadBool(j, "pre_seed", path, &e.pre_seed));
  *out = std::move(e);
  return absl::OkStatus();
}

absl::Status ReadFilters(const json& j, absl::string_view path,
                         std::vector<FilterResult>* out) {
  out->clear();
  for (size_t i = 0; i < j.size(); ++i) {
    const json& item = j[i];
    std::string item_path = Index(path, i);
    LIA_RETURN_IF_ERROR(RequireObject(item, item_path));
    FilterResult f;
    LIA_RETURN_IF_ERROR(ReadString(item, "name", item_path, &f.name));
    LIA_RETURN_IF_ERROR(ReadBool(item, "passed", item_path, &f.passed));
    LIA_RETURN_IF_ERROR(ReadString(item, "reason", item_path, &f.reason));
    LIA_RETURN_IF_ERROR(ReadInt(item, "penalty", item_path, &f.penalty));
    out->push_back(std::move(f));
  }
  return absl::OkStatus();
}

absl::Status ReadScores(const json& j, absl::string_view path, Scores* s) {
  LIA_RETURN_IF_ERROR(ReadInt(j, "tech", path, &s->tech));
  LIA_RETURN_IF_ERROR(ReadInt(j, "salary", path, &s->salary));
  LIA_RETURN_IF_ERROR(ReadInt(j, "seniority", path, &s->seniority));
  LIA_RETURN_IF_ERROR(ReadInt(j, "company", path, &s->company));
  LIA_RETURN_IF_ERROR(ReadInt(j, "penalty", path, &s->penalty));
  LIA_RETURN_IF_ERROR(ReadInt(j, "total", path, &s->total));
  LIA_RETURN_IF_ERROR(ReadString(j, "tech_reason", path, &s->tech_reason));
  LIA_RETURN_IF_ERROR(ReadString(j, "salary_reason", path, &s->salary_reason));
  LIA_RETURN_IF_ERROR(
      ReadString(j, "seniority_reason", path, &s->seniority_reason));
  LIA_RETURN_IF_ERROR(
      ReadString(j, "company_reason", path, &s->company_reason));
  return absl::OkStatus();
}

absl::Status ReadAnalysis(const json& j, Analysis* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, ""));
  Analysis a;
  LIA_RETURN_IF_ERROR(ReadString(j, "id", "", &a.id));
  LIA_RETURN_IF_ERROR(
      ReadEnum<Language>(j, "language", "", &ParseLanguage, &a.language));
  LIA_RETURN_IF_ERROR(ReadEnum<ConversationState>(j, "conversation_state", "",
                                                  &ParseConversationState,
                                                  &a.classification.state));
  LIA_RETURN_IF_ERROR(
      ReadDouble(j, "confidence", "", &a.classification.confidence));
  if (!(a.classification.confidence >= 0.0 &&
        a.classification.confidence <= 1.0)) {
    return Invalid("confidence", "must be between 0 and 1");
  }

  LIA_ASSIGN_OR_RETURN(const json* follow_up, FindObject(j, "follow_up", ""));
  if (follow_up != nullptr) {
    FollowUp f;
    LIA_RETURN_IF_ERROR(ReadEnum<QuestionType>(*follow_up, "question_type",
                                               "follow_up", &ParseQuestionType,
                                               &f.question_type));
    LIA_RETURN_IF_ERROR(ReadBool(*follow_up, "answerable_from_profile",
                                 "follow_up", &f.answerable_from_profile));
    a.follow_up = f;
  } else if (Find(j, "question_type") != nullptr) {
    // The flat form alone (as in the corpus' expected block).
    FollowUp f;
    LIA_RETURN_IF_ERROR(ReadEnum<QuestionType>(
        j, "question_type", "", &ParseQuestionType, &f.question_type));
    a.follow_up = f;
  }

  LIA_ASSIGN_OR_RETURN(const json* extracted, FindObject(j, "extracted", ""));
  if (extracted != nullptr) {
    LIA_RETURN_IF_ERROR(ReadExtraction(*extracted, "extracted", &a.extraction));
  }
  LIA_ASSIGN_OR_RETURN(const json* filters, FindArray(j, "filters", ""));
  if (filters != nullptr) {
    LIA_RETURN_IF_ERROR(ReadFilters(*filters, "filters", &a.filters));
  }
  LIA_ASSIGN_OR_RETURN(const json* scores, FindObject(j, "scores", ""));
  if (scores != nullptr) {
    LIA_RETURN_IF_ERROR(ReadScores(*scores, "scores", &a.scores));
  } else {
    // total_score duplicates scores.total for readers of the flat form; it
    // only counts when the detailed block is missing.
    LIA_RETURN_IF_ERROR(ReadInt(j, "total_score", "", &a.scores.total));
  }
  LIA_RETURN_IF_ERROR(ReadEnum<Tier>(j, "tier", "", &ParseTier, &a.tier));

  LIA_ASSIGN_OR_RETURN(const json* reply, FindObject(j, "reply", ""));
  if (reply != nullptr) {
    LIA_RETURN_IF_ERROR(ReadEnum<ReplyKind>(*reply, "kind", "reply",
                                            &ParseReplyKind, &a.reply.kind));
    LIA_RETURN_IF_ERROR(ReadEnum<Language>(*reply, "language", "reply",
                                           &ParseLanguage, &a.reply.language));
    LIA_RETURN_IF_ERROR(ReadString(*reply, "text", "reply", &a.reply.text));
  }

  LIA_ASSIGN_OR_RETURN(const json* engines, FindObject(j, "engines", ""));
  if (engines != nullptr) {
    for (const auto& item : engines->items()) {
      if (!item.value().is_string()) {
        return TypeError(Join("engines", item.key()), "string", item.value());
      }
      a.engines[item.key()] = item.value().get<std::string>();
    }
  }
  *out = std::move(a);
  return absl::OkStatus();
}

absl::Status ReadThreadEntry(const json& j, absl::string_view path,
                             ThreadEntry* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, path));
  const json* from = Find(j, "from");
  if (from == nullptr) return Invalid(Join(path, "from"), "required");
  LIA_RETURN_IF_ERROR(
      ReadEnum<Speaker>(j, "from", path, &ParseSpeaker, &out->from));
  const char* text_key = Find(j, "text") != nullptr ? "text" : "message";
  if (Find(j, text_key) == nullptr) {
    return Invalid(Join(path, "text"), "required");
  }
  LIA_RETURN_IF_ERROR(ReadString(j, text_key, path, &out->text));
  LIA_RETURN_IF_ERROR(ReadString(j, "sent_at", path, &out->sent_at));
  return absl::OkStatus();
}

absl::Status ReadMessage(const json& j, Message* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, ""));
  Message m;
  // Callers' ids are strings by contract, but numeric ids are common enough
  // in exports to accept and stringify.
  if (const json* id = Find(j, "id");
      id != nullptr && id->is_number_integer()) {
    m.id = id->dump();
  } else {
    LIA_RETURN_IF_ERROR(ReadString(j, "id", "", &m.id));
  }
  LIA_RETURN_IF_ERROR(ReadString(j, "sender", "", &m.sender));
  LIA_RETURN_IF_ERROR(
      ReadString(j, "sender_profile_url", "", &m.sender_profile_url));
  const char* text_key = Find(j, "text") != nullptr ? "text" : "message";
  if (Find(j, text_key) == nullptr) {
    return Invalid("text", "required (\"text\" or \"message\")");
  }
  LIA_RETURN_IF_ERROR(ReadString(j, text_key, "", &m.text));
  LIA_RETURN_IF_ERROR(ReadString(j, "sent_at", "", &m.sent_at));
  LIA_RETURN_IF_ERROR(ReadString(j, "conversation_id", "", &m.conversation_id));
  LIA_RETURN_IF_ERROR(ReadString(j, "source_id", "", &m.source_id));
  LIA_ASSIGN_OR_RETURN(const json* thread, FindArray(j, "thread", ""));
  if (thread != nullptr) {
    m.thread.resize(thread->size());
    for (size_t i = 0; i < thread->size(); ++i) {
      LIA_RETURN_IF_ERROR(
          ReadThreadEntry((*thread)[i], Index("thread", i), &m.thread[i]));
    }
  }
  *out = std::move(m);
  return absl::OkStatus();
}

absl::Status ReadProfile(const json& j, Profile* out) {
  LIA_RETURN_IF_ERROR(RequireObject(j, ""));
  LIA_RETURN_IF_ERROR(RefuseUnknownKeys(
      j, "",
      {"name", "preferred_technologies", "years_of_experience",
       "current_seniority", "minimum_salary_usd", "ideal_salary_usd",
       "preferred_remote_policy", "preferred_work_week", "preferred_locations",
       "preferred_company_size", "industry_preferences", "preferred_companies",
       "avoided_companies", "open_to_relocation", "looking_for_change",
       "job_search_status", "signature"}));
  Profile p;
  LIA_RETURN_IF_ERROR(ReadString(j, "name", "", &p.name));
  LIA_RETURN_IF_ERROR(ReadStringList(j, "preferred_technologies", "",
                                     &p.preferred_technologies));
  LIA_RETURN_IF_ERROR(
      ReadInt(j, "years_of_experience", "", &p.years_of_experience));
  LIA_RETURN_IF_ERROR(ReadEnum<Seniority>(
      j, "current_seniority", "", &ParseSeniority, &p.current_seniority));
  LIA_RETURN_IF_ERROR(
      ReadInt64(j, "minimum_salary_usd", "", &p.minimum_salary_usd));
  LIA_RETURN_IF_ERROR(
      ReadInt64(j, "ideal_salary_usd", "", &p.ideal_salary_usd));
  LIA_RETURN_IF_ERROR(ReadEnum<RemotePolicy>(j, "preferred_remote_policy", "",
                                             &ParseRemotePolicy,
                                             &p.preferred_remote_policy));
  LIA_RETURN_IF_ERROR(ReadEnum<WorkWeekPreference>(j, "preferred_work_week", "",
                                                   &ParseWorkWeekPreference,
                                                   &p.preferred_work_week));
  LIA_RETURN_IF_ERROR(
      ReadStringList(j, "preferred_locations", "", &p.preferred_locations));
  LIA_RETURN_IF_ERROR(
      ReadString(j, "preferred_company_size", "", &p.preferred_company_size));
  LIA_RETURN_IF_ERROR(
      ReadStringList(j, "industry_preferences", "", &p.industry_preferences));
  LIA_RETURN_IF_ERROR(
      ReadStringList(j, "preferred_companies", "", &p.preferred_companies));
  LIA_RETURN_IF_ERROR(
      ReadStringList(j, "avoided_companies", "", &p.avoided_companies));
  LIA_RETURN_IF_ERROR(
      ReadBool(j, "open_to_relocation", "", &p.open_to_relocation));
  LIA_RETURN_IF_ERROR(
      ReadBool(j, "looking_for_change", "", &p.looking_for_change));

  LIA_ASSIGN_OR_RETURN(const json* status,
                       FindObject(j, "job_search_status", ""));
  if (status != nullptr) {
    constexpr absl::string_view kPath = "job_search_status";
    LIA_RETURN_IF_ERROR(RefuseUnknownKeys(
        *status, kPath,
        {"currently_employed", "actively_looking", "urgency", "situation",
         "must_have", "nice_to_have", "reject_if"}));
    JobSearchStatus& s = p.job_search_status;
    LIA_RETURN_IF_ERROR(
        ReadBool(*status, "currently_employed", kPath, &s.currently_employed));
    LIA_RETURN_IF_ERROR(
        ReadBool(*status, "actively_looking", kPath, &s.actively_looking));
    LIA_RETURN_IF_ERROR(ReadString(*status, "urgency", kPath, &s.urgency));
    LIA_RETURN_IF_ERROR(ReadString(*status, "situation", kPath, &s.situation));
    LIA_RETURN_IF_ERROR(
        ReadStringList(*status, "must_have", kPath, &s.must_have));
    LIA_RETURN_IF_ERROR(
        ReadStringList(*status, "nice_to_have", kPath, &s.nice_to_have));
    LIA_RETURN_IF_ERROR(
        ReadStringList(*status, "reject_if", kPath, &s.reject_if));
    for (std::string& rule : s.reject_if) {
      rule = internal::CanonicalRejectRule(rule);
    }
  }
  LIA_RETURN_IF_ERROR(ReadString(j, "signature", "", &p.signature));
  if (p.signature.empty()) p.signature = p.name;
  LIA_RETURN_IF_ERROR(ValidateProfile(p));
  *out = std::move(p);
  return absl::OkStatus();
}

// Deeper documents are refused before nlohmann builds them: its dump() and
// our readers recurse, and untrusted input (HTTP bodies, model output) must
// not choose the stack depth. Nothing of ours nests beyond a handful.
constexpr int kMaxJsonDepth = 128;

// Returns the byte offset of the first bracket past kMaxJsonDepth, or npos.
// Brackets inside strings do not count.
size_t FindTooDeep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// Writing.

json ToJson(const Salary& salary) {
  json j = json::object();
  j["min"] = salary.min;
  j["max"] = salary.max;
  j["currency"] = salary.currency;
  j["period"] = Str(ToString(salary.period));
  j["yearly_usd_min"] = salary.yearly_usd_min.has_value()
                            ? json(*salary.yearly_usd_min)
                            : json(nullptr);
  j["yearly_usd_max"] = salary.yearly_usd_max.has_value()
                            ? json(*salary.yearly_usd_max)
                            : json(nullptr);
  return j;
}

json ToJson(const Extraction& e) {
  json j = json::object();
  j["company"] = OptionalString(e.company);
  j["role"] = OptionalString(e.role);
  j["seniority"] = Str(ToString(e.seniority));
  j["tech_stack"] = e.tech_stack;
  j["salary"] = e.salary.has_value() ? ToJson(*e.salary) : json(nullptr);
  j["remote_policy"] = Str(ToString(e.remote_policy));
  j["location"] = OptionalString(e.location);
  j["job_type"] = Str(ToString(e.job_type));
  j["work_week"] = Str(ToString(e.work_week));
  j["agency"] = e.agency;
  j["agency_name"] = OptionalString(e.agency_name);
  j["crypto"] = e.crypto;
  j["pre_seed"] = e.pre_seed;
  return j;
}

json ToJson(const Analysis& a) {
  json j = json::object();
  j["id"] = a.id;
  j["language"] = Str(ToString(a.language));
  j["conversation_state"] = Str(ToString(a.classification.state));
  j["confidence"] = a.classification.confidence;
  if (a.follow_up.has_value()) {
    j["question_type"] = Str(ToString(a.follow_up->question_type));
    j["follow_up"] = {
        {"question_type", Str(ToString(a.follow_up->question_type))},
        {"answerable_from_profile", a.follow_up->answerable_from_profile}};
  } else {
    j["question_type"] = nullptr;
    j["follow_up"] = nullptr;
  }
  j["extracted"] = ToJson(a.extraction);
  json filters = json::array();
  for (const FilterResult& f : a.filters) {
    filters.push_back({{"name", f.name},
                       {"passed", f.passed},
                       {"reason", f.reason},
                       {"penalty", f.penalty}});
  }
  j["filters"] = std::move(filters);
  const Scores& s = a.scores;
  j["scores"] = {{"tech", s.tech},
                 {"salary", s.salary},
                 {"seniority", s.seniority},
                 {"company", s.company},
                 {"penalty", s.penalty},
                 {"total", s.total},
                 {"tech_reason", s.tech_reason},
                 {"salary_reason", s.salary_reason},
                 {"seniority_reason", s.seniority_reason},
                 {"company_reason", s.company_reason}};
  j["total_score"] = s.total;
  j["tier"] = Str(ToString(a.tier));
  j["reply"] = {{"kind", Str(ToString(a.reply.kind))},
                {"language", Str(ToString(a.reply.language))},
                {"text", a.reply.text}};
  json engines = json::object();
  for (const auto& [stage, engine] : a.engines) engines[stage] = engine;
  j["engines"] = std::move(engines);
  return j;
}

json ToJson(const Message& m) {
  json j = json::object();
  j["id"] = m.id;
  j["sender"] = m.sender;
  j["sender_profile_url"] = EmptyAsNull(m.sender_profile_url);
  j["text"] = m.text;
  j["sent_at"] = EmptyAsNull(m.sent_at);
  j["conversation_id"] = EmptyAsNull(m.conversation_id);
  j["source_id"] = EmptyAsNull(m.source_id);
  json thread = json::array();
  for (const ThreadEntry& t : m.thread) {
    thread.push_back({{"from", Str(ToString(t.from))},
                      {"text", t.text},
                      {"sent_at", EmptyAsNull(t.sent_at)}});
  }
  j["thread"] = std::move(thread);
  return j;
}

json ToJson(const Profile& p) {
  json j = json::object();
  j["name"] = p.name;
  j["preferred_technologies"] = p.preferred_technologies;
  j["years_of_experience"] = p.years_of_experience;
  j["current_seniority"] = Str(ToString(p.current_seniority));
  j["minimum_salary_usd"] = p.minimum_salary_usd;
  j["ideal_salary_usd"] = p.ideal_salary_usd;
  j["preferred_remote_policy"] = Str(ToString(p.preferred_remote_policy));
  j["preferred_work_week"] = Str(ToString(p.preferred_work_week));
  j["preferred_locations"] = p.preferred_locations;
  j["preferred_company_size"] = p.preferred_company_size;
  j["industry_preferences"] = p.industry_preferences;
  j["preferred_companies"] = p.preferred_companies;
  j["avoided_companies"] = p.avoided_companies;
  j["open_to_relocation"] = p.open_to_relocation;
  j["looking_for_change"] = p.looking_for_change;
  const JobSearchStatus& s = p.job_search_status;
  j["job_search_status"] = {{"currently_employed", s.currently_employed},
                            {"actively_looking", s.actively_looking},
                            {"urgency", s.urgency},
                            {"situation", s.situation},
                            {"must_have", s.must_have},
                            {"nice_to_have", s.nice_to_have},
                            {"reject_if", s.reject_if}};
  j["signature"] = p.signature;
  return j;
}

// ---------------------------------------------------------------------------
// Reading entry points.

absl::StatusOr<Analysis> AnalysisFromJson(const json& j) {
  return Guard<Analysis>([&]() -> absl::StatusOr<Analysis> {
    Analysis a;
    LIA_RETURN_IF_ERROR(ReadAnalysis(j, &a));
    return a;
  });
}

absl::StatusOr<Extraction> ExtractionFromJson(const json& j) {
  return Guard<Extraction>([&]() -> absl::StatusOr<Extraction> {
    Extraction e;
    LIA_RETURN_IF_ERROR(ReadExtraction(j, "", &e));
    return e;
  });
}

absl::StatusOr<Salary> SalaryFromJson(const json& j) {
  return Guard<Salary>([&]() -> absl::StatusOr<Salary> {
    Salary s;
    LIA_RETURN_IF_ERROR(ReadSalary(j, "", &s));
    return s;
  });
}

absl::StatusOr<Message> MessageFromJson(const json& j) {
  return Guard<Message>([&]() -> absl::StatusOr<Message> {
    Message m;
    LIA_RETURN_IF_ERROR(ReadMessage(j, &m));
    return m;
  });
}

absl::StatusOr<Profile> ProfileFromJson(const json& j) {
  return Guard<Profile>([&]() -> absl::StatusOr<Profile> {
    Profile p;
    LIA_RETURN_IF_ERROR(ReadProfile(j, &p));
    return p;
  });
}

absl::StatusOr<json> ParseJson(std::string_view text) {
  if (size_t at = FindTooDeep(text); at != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON at byte ", at,
                                                   ": nested deeper than ",
                                                   kMaxJsonDepth, " levels"));
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON at byte ", e.byte, ": ", AsciiOnly(e.what())));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: ", AsciiOnly(e.what())));
  }
}

}  // namespace lia::core
