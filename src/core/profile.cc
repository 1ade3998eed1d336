#include "core/profile.h"

#include "core/internal/wire_names.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "core/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace lia::core {
namespace internal {

// "pre-seed", "Pre Seed" and "5-day-week" are the rules "pre_seed" and
// "five_day_week": both profile parsers store this spelling so filters compare
// exact strings. Declared in json.cc too, the only other user; no header
// because nothing outside lia_core should depend on it.
std::string CanonicalRejectRule(std::string_view rule) {
  std::string out(rule);
  for (char& c : out) {
    if (c == '-' || c == ' ') c = '_';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // Spellings that separator folding alone does not reach.
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"5_day_week", "five_day_week"}, {"5_days", "five_day_week"},
      {"on_site", "onsite"},           {"preseed", "pre_seed"},
      {"parttime", "part_time"},       {"agencies", "agency"},
  };
  for (const auto& [alias, rule_name] : kAliases) {
    if (out == alias) return std::string(rule_name);
  }
  return out;
}

}  // namespace internal

namespace {

// A profile is a page of settings; anything bigger is a wrong file, and
// yaml-cpp should not be asked to build a tree from it.
constexpr size_t kMaxProfileBytes = size_t{1} << 20;

constexpr int kMaxYearsOfExperience = 70;

// The rules analysis::ApplyFilters knows (see JobSearchStatus::reject_if).
constexpr absl::string_view kRejectRules[] = {
    "agency",   "crypto",    "pre_seed",  "onsite",    "hybrid",
    "contract", "freelance", "part_time", "no_salary", "five_day_week",
};

bool IsKnownRule(const std::string& rule) {
  std::string canonical = internal::CanonicalRejectRule(rule);
  for (absl::string_view known : kRejectRules) {
    if (canonical == known) return true;
  }
  return false;
}

std::string UnknownRuleMessage(absl::string_view rule) {
  return absl::StrCat("unknown rule \"", absl::CEscape(rule),
                      "\" (known: ", absl::StrJoin(kRejectRules, ", "), ")");
}

// A broken rule of ValidateProfile: the field path it concerns and why.
struct Problem {
  std::string field;
  std::string message;
};

std::optional<Problem> FindProblem(const Profile& p) {
  if (p.years_of_experience < 0 ||
      p.years_of_experience > kMaxYearsOfExperience) {
    return Problem{"years_of_experience",
                   absl::StrCat("must be between 0 and ", kMaxYearsOfExperience,
                                ", got ", p.years_of_experience)};
  }
  if (p.minimum_salary_usd < 0) {
    return Problem{"minimum_salary_usd",
                   absl::StrCat("must be >= 0, got ", p.minimum_salary_usd)};
  }
  if (p.ideal_salary_usd < 0) {
    return Problem{"ideal_salary_usd",
                   absl::StrCat("must be >= 0, got ", p.ideal_salary_usd)};
  }
  if (p.minimum_salary_usd > 0 && p.ideal_salary_usd > 0 &&
      p.ideal_salary_usd < p.minimum_salary_usd) {
    return Problem{
        "ideal_salary_usd",
        absl::StrCat("must be >= minimum_salary_usd (", p.minimum_salary_usd,
                     "), got ", p.ideal_salary_usd)};
  }
  const std::vector<std::string>& rules = p.job_search_status.reject_if;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!IsKnownRule(rules[i])) {
      return Problem{absl::StrCat("job_search_status.reject_if[", i, "]"),
                     UnknownRuleMessage(rules[i])};
    }
  }
  return std::nullopt;
}

// Quotes a user's value in an error message: escaped so the message stays
// printable ASCII, shortened so a pasted paragraph does not flood the log.
std::string Quote(absl::string_view value) {
  constexpr size_t kMaxEchoed = 40;
  std::string escaped = absl::CEscape(value.substr(0, kMaxEchoed));
  return absl::StrCat("\"", escaped,
                      value.size() > kMaxEchoed ? "...\"" : "\"");
}

using internal::WireNames;

std::string AsciiLower(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// 1-based line of a node, or 0 when yaml-cpp recorded none.
int LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

absl::Status ErrorAt(int line, absl::string_view message) {
  if (line <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("profile: ", message));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("profile line ", line, ": ", message));
}

// Reads the YAML tree into a Profile, remembering the line of every field so
// that rules checked after reading (ValidateProfile) still point at a line.
class YamlProfileReader {
 public:
  absl::Status Read(const YAML::Node& root, Profile* out) {
    if (root.IsNull()) return Finish(out);
    if (!root.IsMap()) {
      return ErrorAt(LineOf(root) > 0 ? LineOf(root) : 1,
                     "expected a mapping of fields");
    }
    LIA_RETURN_IF_ERROR(ForEachField(
        root, "", [&](absl::string_view key, const YAML::Node& value) {
          return ReadField(key, value);
        }));
    return Finish(out);
  }

 private:
  absl::Status Finish(Profile* out) {
    if (profile_.signature.empty()) profile_.signature = profile_.name;
    if (std::optional<Problem> problem = FindProblem(profile_)) {
      auto line = lines_.find(problem->field);
      return ErrorAt(line == lines_.end() ? 0 : line->second,
                     absl::StrCat(problem->field, ": ", problem->message));
    }
    *out = std::move(profile_);
    return absl::OkStatus();
  }

  // Calls read(key, value) for every entry of a map, refusing non-scalar and
  // duplicate keys; read reports an unknown key by returning UnknownField().
  template <typename F>
  absl::Status ForEachField(const YAML::Node& map, absl::string_view prefix,
                            F&& read) {
    std::set<std::string, std::less<>> seen;
    // By value: yaml-cpp's iterator hands out a temporary pair, so `it->first`
    // would dangle.
    for (const auto& entry : map) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      if (!key.IsScalar()) return ErrorAt(LineOf(key), "expected a field name");
      std::string path = prefix.empty()
                             ? key.Scalar()
                             : absl::StrCat(prefix, ".", key.Scalar());
      if (!seen.insert(key.Scalar()).second) {
        return ErrorAt(LineOf(key), absl::StrCat("duplicate field '",
                                                 absl::CEscape(path), "'"));
      }
      // A value with no mark of its own (an empty value) is blamed on its key.
      key_line_ = LineOf(key);
      lines_[path] = LineOf(value) > 0 ? LineOf(value) : key_line_;
      absl::Status status = read(key.Scalar(), value);
      if (status.code() == absl::StatusCode::kNotFound) {
        return ErrorAt(key_line_, absl::StrCat("unknown field '",
                                               absl::CEscape(path), "'"));
      }
      LIA_RETURN_IF_ERROR(status);
    }
    return absl::OkStatus();
  }

  absl::Status UnknownField() { return absl::NotFoundError("unknown field"); }

  absl::Status ReadField(absl::string_view key, const YAML::Node& v) {
    Profile& p = profile_;
    if (key == "name") return String(v, key, &p.name);
    if (key == "preferred_technologies") {
      return List(v, key, &p.preferred_technologies);
    }
    if (key == "years_of_experience") {
      return SmallCount(v, key, kMaxYearsOfExperience, &p.years_of_experience);
    }
    if (key == "current_seniority") {
      return Enum(v, key, &ParseSeniority, &p.current_seniority);
    }
    if (key == "minimum_salary_usd") {
      return Count(v, key, &p.minimum_salary_usd);
    }
    if (key == "ideal_salary_usd") return Count(v, key, &p.ideal_salary_usd);
    if (key == "preferred_remote_policy") {
      return Enum(v, key, &ParseRemotePolicy, &p.preferred_remote_policy);
    }
    if (key == "preferred_work_week") {
      return Enum(v, key, &ParseWorkWeekPreference, &p.preferred_work_week);
    }
    if (key == "preferred_locations") {
      return List(v, key, &p.preferred_locations);
    }
    if (key == "preferred_company_size") {
      return String(v, key, &p.preferred_company_size);
    }
    if (key == "industry_preferences") {
      return List(v, key, &p.industry_preferences);
    }
    if (key == "preferred_companies") {
      return List(v, key, &p.preferred_companies);
    }
    if (key == "avoided_companies") return List(v, key, &p.avoided_companies);
    if (key == "open_to_relocation") {
      return Bool(v, key, &p.open_to_relocation);
    }
    if (key == "looking_for_change") {
      return Bool(v, key, &p.looking_for_change);
    }
    if (key == "job_search_status") return JobSearch(v);
    if (key == "signature") return String(v, key, &p.signature);
    return UnknownField();
  }

  absl::Status JobSearch(const YAML::Node& v) {
    if (v.IsNull()) return absl::OkStatus();
    constexpr absl::string_view kPrefix = "job_search_status";
    if (!v.IsMap()) return Error(v, kPrefix, "expected a mapping of fields");
    JobSearchStatus& s = profile_.job_search_status;
    return ForEachField(
        v, kPrefix,
        [&](absl::string_view key, const YAML::Node& value) -> absl::Status {
          std::string field = absl::StrCat(kPrefix, ".", key);
          if (key == "currently_employed") {
            return Bool(value, field, &s.currently_employed);
          }
          if (key == "actively_looking") {
            return Bool(value, field, &s.actively_looking);
          }
          if (key == "urgency") return String(value, field, &s.urgency);
          if (key == "situation") return String(value, field, &s.situation);
          if (key == "must_have") return List(value, field, &s.must_have);
          if (key == "nice_to_have") {
            return List(value, field, &s.nice_to_have);
          }
          if (key == "reject_if") return RejectIf(value, field, &s.reject_if);
          return UnknownField();
        });
  }

  absl::Status Error(const YAML::Node& at, absl::string_view field,
                     absl::string_view problem) {
    int line = LineOf(at);
    return ErrorAt(line > 0 ? line : key_line_,
                   absl::StrCat(field, ": ", problem));
  }

  // Null values (`key:` or `key: ~`) keep the default, like absent keys.
  absl::Status String(const YAML::Node& v, absl::string_view field,
                      std::string* out) {
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsScalar()) return Error(v, field, "expected a string");
    *out = v.Scalar();
    return absl::OkStatus();
  }

  absl::Status Bool(const YAML::Node& v, absl::string_view field, bool* out) {
    if (v.IsNull()) return absl::OkStatus();
    if (v.IsScalar()) {
      std::string s = AsciiLower(v.Scalar());
      if (s == "true" || s == "yes" || s == "on") {
        *out = true;
        return absl::OkStatus();
      }
      if (s == "false" || s == "no" || s == "off") {
        *out = false;
        return absl::OkStatus();
      }
      return Error(
          v, field,
          absl::StrCat("expected true or false, got ", Quote(v.Scalar())));
    }
    return Error(v, field, "expected true or false");
  }

  absl::Status Count(const YAML::Node& v, absl::string_view field,
                     int64_t* out) {
    if (v.IsNull()) return absl::OkStatus();
    int64_t n = 0;
    if (!v.IsScalar()) {
      return Error(v, field, "expected a non-negative integer");
    }
    if (!absl::SimpleAtoi(v.Scalar(), &n) || n < 0) {
      return Error(v, field,
                   absl::StrCat("expected a non-negative integer, got ",
                                Quote(v.Scalar())));
    }
    *out = n;
    return absl::OkStatus();
  }

  absl::Status SmallCount(const YAML::Node& v, absl::string_view field, int max,
                          int* out) {
    if (v.IsNull()) return absl::OkStatus();
    int64_t n = 0;
    LIA_RETURN_IF_ERROR(Count(v, field, &n));
    if (n > max) {
      return Error(v, field,
                   absl::StrCat("must be between 0 and ", max, ", got ", n));
    }
    *out = static_cast<int>(n);
    return absl::OkStatus();
  }

  template <typename E>
  absl::Status Enum(const YAML::Node& v, absl::string_view field,
                    std::optional<E> (*parse)(std::string_view), E* out) {
    if (v.IsNull()) return absl::OkStatus();
    if (v.IsScalar()) {
      if (std::optional<E> parsed = parse(v.Scalar())) {
        *out = *parsed;
        return absl::OkStatus();
      }
      return Error(v, field,
                   absl::StrCat("expected one of ", WireNames<E>(), ", got ",
                                Quote(v.Scalar())));
    }
    return Error(v, field, absl::StrCat("expected one of ", WireNames<E>()));
  }

  absl::Status List(const YAML::Node& v, absl::string_view field,
                    std::vector<std::string>* out) {
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsSequence()) return Error(v, field, "expected a list of strings");
    out->clear();
    for (size_t i = 0; i < v.size(); ++i) {
      const YAML::Node& item = v[i];
      if (!item.IsScalar()) {
        return Error(item, absl::StrCat(field, "[", i, "]"),
                     "expected a string");
      }
      out->push_back(item.Scalar());
    }
    return absl::OkStatus();
  }

  // Checked here rather than only in FindProblem so the error points at the
  // entry's own line.
  absl::Status RejectIf(const YAML::Node& v, absl::string_view field,
                        std::vector<std::string>* out) {
    LIA_RETURN_IF_ERROR(List(v, field, out));
    for (size_t i = 0; i < out->size(); ++i) {
      std::string& rule = (*out)[i];
      if (!IsKnownRule(rule)) {
        return Error(v[i], absl::StrCat(field, "[", i, "]"),
                     UnknownRuleMessage(rule));
      }
      rule = internal::CanonicalRejectRule(rule);
    }
    return absl::OkStatus();
  }

  Profile profile_;
  // Field path -> 1-based line of its value.
  std::map<std::string, int, std::less<>> lines_;
  int key_line_ = 0;  // Line of the key being read.
};

absl::StatusOr<Profile> ParseYamlOrThrow(std::string_view yaml) {
  YAML::Node root = YAML::Load(std::string(yaml));
  Profile profile;
  YamlProfileReader reader;
  LIA_RETURN_IF_ERROR(reader.Read(root, &profile));
  return profile;
}

}  // namespace

absl::StatusOr<Profile> ParseProfileYaml(std::string_view yaml) {
  if (yaml.size() > kMaxProfileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("profile: larger than ",
                                                   kMaxProfileBytes, " bytes (",
                                                   yaml.size(), ")"));
  }
  try {
    return ParseYamlOrThrow(yaml);
  } catch (const YAML::Exception& e) {
    return ErrorAt(e.mark.is_null() ? 0 : e.mark.line + 1,
                   absl::StrCat("invalid YAML: ", absl::CEscape(e.msg)));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile: invalid YAML: ", absl::CEscape(e.what())));
  }
}

absl::StatusOr<Profile> LoadProfileFile(const std::string& path) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("profile file not found: ", path));
    }
    return absl::ErrnoToStatus(error,
                               absl::StrCat("cannot open profile ", path));
  }
  // Reads one byte past the cap to tell "exactly 1 MiB" from "more".
  std::string text(kMaxProfileBytes + 1, '\0');
  size_t size = std::fread(text.data(), 1, text.size(), file.get());
  if (std::ferror(file.get())) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot read profile ", path));
  }
  if (size > kMaxProfileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": profile larger than ", kMaxProfileBytes, " bytes"));
  }
  text.resize(size);
  absl::StatusOr<Profile> profile = ParseProfileYaml(text);
  if (!profile.ok()) {
    return absl::Status(profile.status().code(),
                        absl::StrCat(path, ": ", profile.status().message()));
  }
  return profile;
}

absl::Status ValidateProfile(const Profile& profile) {
  if (std::optional<Problem> problem = FindProblem(profile)) {
    return absl::InvalidArgumentError(
        absl::StrCat(problem->field, ": ", problem->message));
  }
  return absl::OkStatus();
}

Profile DefaultProfile() {
  Profile p;
  p.name = "Alex Doe";
  p.preferred_technologies = {"Python", "Go", "PostgreSQL", "Kubernetes",
                              "AWS"};
  p.years_of_experience = 8;
  p.current_seniority = Seniority::kSenior;
  p.minimum_salary_usd = 120000;
  p.ideal_salary_usd = 160000;
  p.preferred_remote_policy = RemotePolicy::kRemote;
  p.preferred_work_week = WorkWeekPreference::kFlexible;
  p.preferred_company_size = "scaleup";
  p.industry_preferences = {"developer tools", "fintech", "climate"};
  p.open_to_relocation = false;
  p.looking_for_change = true;
  p.job_search_status.currently_employed = true;
  p.job_search_status.actively_looking = false;
  p.job_search_status.urgency = "low";
  p.job_search_status.situation =
      "Employed and happy, open to the right remote opportunity.";
  p.job_search_status.must_have = {"remote work"};
  p.job_search_status.nice_to_have = {"equity"};
  p.signature = p.name;
  return p;
}

}  // namespace lia::core
