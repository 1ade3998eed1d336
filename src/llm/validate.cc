#include "llm/validate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "analysis/tech_lexicon.h"
#include "analysis/text.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace lia::llm {

using Json = nlohmann::json;

enum TypeBit : unsigned {
  kString = 1u << 0,
  kNumber = 1u << 1,
  kInteger = 1u << 2,
  kBoolean = 1u << 3,
  kObject = 1u << 4,
  kArray = 1u << 5,
  kNull = 1u << 6,
};

struct JsonSchema::Node {
  unsigned types = 0;  // 0: any type.
  std::optional<std::vector<Json>> enum_values;
  std::vector<std::pair<std::string, std::shared_ptr<const Node>>> properties;
  std::vector<std::string> required;
  bool additional_properties = true;
  std::shared_ptr<const Node> items;
  std::optional<size_t> min_items, max_items, min_length, max_length;
  std::optional<double> minimum, maximum;
};

namespace {

using Node = JsonSchema::Node;

constexpr size_t kMaxQuoted = 60;  // Bytes of a bad value quoted back.

std::optional<unsigned> TypeBitOf(std::string_view name) {
  if (name == "string") return kString;
  if (name == "number") return kNumber;
  if (name == "integer") return kInteger;
  if (name == "boolean") return kBoolean;
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "null") return kNull;
  return std::nullopt;
}

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Cuts at a UTF-8 boundary so a quoted value stays valid text.
std::string Clip(std::string text) {
  if (text.size() <= kMaxQuoted) return text;
  size_t end = kMaxQuoted;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  text.resize(end);
  return text + "...";
}

std::string Describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return "a string " + Clip(Dump(value));
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number " + Clip(Dump(value));
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    default:
      return "a value of another kind";
  }
}

std::string ExpectedTypes(unsigned types) {
  std::vector<const char*> names;
  if (types & kString) names.emplace_back("a string");
  if (types & kInteger) {
    names.emplace_back("an integer");
  } else if (types & kNumber) {
    names.emplace_back("a number");
  }
  if (types & kBoolean) names.emplace_back("a boolean");
  if (types & kObject) names.emplace_back("an object");
  if (types & kArray) names.emplace_back("an array");
  if (types & kNull) names.emplace_back("null");
  return absl::StrJoin(names, " or ");
}

bool IsIntegral(const Json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasType(const Json& value, unsigned types) {
  if (types == 0) return true;
  switch (value.type()) {
    case Json::value_t::null:
      return types & kNull;
    case Json::value_t::boolean:
      return types & kBoolean;
    case Json::value_t::string:
      return types & kString;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return (types & kNumber) || ((types & kInteger) && IsIntegral(value));
    case Json::value_t::object:
      return types & kObject;
    case Json::value_t::array:
      return types & kArray;
    default:
      return false;
  }
}

// Code points of valid UTF-8; every other byte counts as one.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string FormatNumber(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(d));
  }
  return absl::StrCat(d);
}

// ---- Compilation -------------------------------------------------------

absl::Status SchemaError(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("schema ", path, ": ", what));
}

absl::StatusOr<size_t> Count(const Json& v, absl::string_view path,
                             absl::string_view keyword) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return SchemaError(
        path, absl::StrCat(keyword, " must be a non-negative integer"));
  }
  return static_cast<size_t>(v.get<int64_t>());
}

absl::StatusOr<std::shared_ptr<const Node>> CompileNode(const Json& schema,
                                                        const std::string& path,
                                                        int depth) {
  if (depth > 32) return SchemaError(path, "nested too deeply");
  if (!schema.is_object()) return SchemaError(path, "expected an object");
  auto node = std::make_shared<Node>();
  for (const auto& [keyword, v] : schema.items()) {
    const std::string at = JsonPathField(path, keyword);
    if (keyword == "type") {
      std::vector<Json> names =
          v.is_array() ? v.get<std::vector<Json>>() : std::vector<Json>{v};
      if (names.empty()) return SchemaError(at, "expected at least one type");
      for (const Json& name : names) {
        std::optional<unsigned> bit = name.is_string()
                                          ? TypeBitOf(name.get<std::string>())
                                          : std::nullopt;
        if (!bit) {
          return SchemaError(at, absl::StrCat("unknown type ", Dump(name)));
        }
        node->types |= *bit;
      }
    } else if (keyword == "enum") {
      if (!v.is_array() || v.empty()) {
        return SchemaError(at, "expected a non-empty array");
      }
      node->enum_values = v.get<std::vector<Json>>();
    } else if (keyword == "properties") {
      if (!v.is_object()) return SchemaError(at, "expected an object");
      for (const auto& [name, sub] : v.items()) {
        LIA_ASSIGN_OR_RETURN(
            std::shared_ptr<const Node> child,
            CompileNode(sub, JsonPathField(at, name), depth + 1));
        node->properties.emplace_back(name, std::move(child));
      }
    } else if (keyword == "required") {
      if (!v.is_array()) return SchemaError(at, "expected an array");
      for (const Json& name : v) {
        if (!name.is_string()) return SchemaError(at, "expected strings");
        node->required.push_back(name.get<std::string>());
      }
    } else if (keyword == "additionalProperties") {
      if (!v.is_boolean()) {
        return SchemaError(at, "only true or false are supported");
      }
      node->additional_properties = v.get<bool>();
    } else if (keyword == "items") {
      LIA_ASSIGN_OR_RETURN(node->items, CompileNode(v, at, depth + 1));
    } else if (keyword == "minItems") {
      LIA_ASSIGN_OR_RETURN(node->min_items, Count(v, at, keyword));
    } else if (keyword == "maxItems") {
      LIA_ASSIGN_OR_RETURN(node->max_items, Count(v, at, keyword));
    } else if (keyword == "minLength") {
      LIA_ASSIGN_OR_RETURN(node->min_length, Count(v, at, keyword));
    } else if (keyword == "maxLength") {
      LIA_ASSIGN_OR_RETURN(node->max_length, Count(v, at, keyword));
    } else if (keyword == "minimum" || keyword == "maximum") {
      if (!v.is_number()) return SchemaError(at, "expected a number");
      (keyword == "minimum" ? node->minimum : node->maximum) = v.get<double>();
    } else if (keyword == "title" || keyword == "description" ||
               keyword == "$schema" || keyword == "$comment") {
      // Annotations.
    } else {
      return SchemaError(path,
                         absl::StrCat("unsupported keyword \"", keyword, "\""));
    }
  }
  for (const std::string& name : node->required) {
    bool declared = false;
    for (const auto& [prop, child] : node->properties) declared |= prop == name;
    if (!declared && !node->additional_properties) {
      return SchemaError(path, absl::StrCat("required \"", name,
                                            "\" is not among the properties"));
    }
  }
  return std::shared_ptr<const Node>(std::move(node));
}

// ---- Validation --------------------------------------------------------

class Validator {
 public:
  explicit Validator(size_t max_errors) : max_errors_(max_errors) {}

  void Check(const Node& node, const Json& value, const std::string& path) {
    if (!HasType(value, node.types)) {
      Add(path, absl::StrCat("expected ", ExpectedTypes(node.types), ", got ",
                             Describe(value)));
      return;
    }
    if (node.enum_values) {
      bool found = false;
      for (const Json& allowed : *node.enum_values) found |= allowed == value;
      if (!found) {
        std::vector<std::string> names;
        for (const Json& allowed : *node.enum_values) {
          names.push_back(Dump(allowed));
        }
        Add(path, absl::StrCat("expected one of ", absl::StrJoin(names, ", "),
                               ", got ", Describe(value)));
        return;
      }
    }
    if (value.is_number()) {
      const double d = value.get<double>();
      if (node.minimum && d < *node.minimum) {
        Add(path,
            absl::StrCat("expected a number >= ", FormatNumber(*node.minimum),
                         ", got ", Clip(Dump(value))));
      }
      if (node.maximum && d > *node.maximum) {
        Add(path,
            absl::StrCat("expected a number <= ", FormatNumber(*node.maximum),
                         ", got ", Clip(Dump(value))));
      }
    } else if (value.is_string()) {
      const size_t n = CodePoints(value.get_ref<const std::string&>());
      if (node.min_length && n < *node.min_length) {
        Add(path, absl::StrCat("expected at least ", *node.min_length,
                               " character(s), got ", n));
      }
      if (node.max_length && n > *node.max_length) {
        Add(path, absl::StrCat("expected at most ", *node.max_length,
                               " characters, got ", n));
      }
    } else if (value.is_array()) {
      if (node.min_items && value.size() < *node.min_items) {
        Add(path, absl::StrCat("expected at least ", *node.min_items,
                               " item(s), got ", value.size()));
      }
      if (node.max_items && value.size() > *node.max_items) {
        Add(path, absl::StrCat("expected at most ", *node.max_items,
                               " items, got ", value.size()));
      }
      if (node.items) {
        for (size_t i = 0; i < value.size(); ++i) {
          Check(*node.items, value[i], JsonPathIndex(path, i));
        }
      }
    } else if (value.is_object()) {
      for (const std::string& name : node.required) {
        if (!value.contains(name)) {
          Add(JsonPathField(path, name), "required field is missing");
        }
      }
      for (const auto& [name, child] : node.properties) {
        const auto it = value.find(name);
        if (it != value.end()) Check(*child, *it, JsonPathField(path, name));
      }
      if (!node.additional_properties) {
        for (const auto& [name, v] : value.items()) {
          bool declared = false;
          for (const auto& [prop, child] : node.properties) {
            declared |= prop == name;
          }
          if (!declared) Add(JsonPathField(path, name), "unexpected field");
        }
      }
    }
  }

  std::vector<std::string> Finish() && {
    if (total_ > errors_.size()) {
      errors_.push_back(
          absl::StrCat("... and ", total_ - errors_.size(), " more"));
    }
    return std::move(errors_);
  }

 private:
  void Add(const std::string& path, absl::string_view what) {
    ++total_;
    if (errors_.size() < max_errors_) {
      errors_.push_back(absl::StrCat(path, ": ", what));
    }
  }

  const size_t max_errors_;
  size_t total_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace

std::string JsonPathField(std::string_view parent, std::string_view key) {
  if (IsIdentifier(key)) return std::string(parent) + "." + std::string(key);
  return std::string(parent) + "[" + Dump(Json(std::string(key))) + "]";
}

std::string JsonPathIndex(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

JsonSchema::JsonSchema(std::shared_ptr<const Node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

absl::StatusOr<JsonSchema> JsonSchema::Compile(std::string_view schema_json) {
  Json schema = Json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) {
    return absl::InvalidArgumentError("schema: not JSON");
  }
  LIA_ASSIGN_OR_RETURN(std::shared_ptr<const Node> root,
                       CompileNode(schema, "$", 0));
  return JsonSchema(std::move(root), Dump(schema));
}

std::vector<std::string> JsonSchema::Validate(const Json& value,
                                              size_t max_errors) const {
  Validator v(max_errors == 0 ? 1 : max_errors);
  v.Check(*root_, value, "$");
  return std::move(v).Finish();
}

const std::string& JsonSchema::text() const { return text_; }

// ---- Normalising the stages' answers ---------------------------------------

namespace {

constexpr size_t kMaxFieldChars = 200;  // company, role, location...
constexpr size_t kMaxReplyChars = 4000;
constexpr double kMaxAmount = 1e12;

// One line, single spaces, trimmed.
std::string NormalizeLine(std::string_view s, size_t max_bytes) {
  std::string text = NormalizeInputText(s, max_bytes);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return NormalizeInputText(text, text.size());
}

// A free-text field: one line; "unknown", "N/A" and "" become null.
void NormalizeOptionalString(Json& answer, const char* field,
                             std::vector<std::string>& errors) {
  Json& v = answer[field];
  if (!v.is_string()) return;
  const std::string text =
      NormalizeLine(v.get_ref<const std::string&>(), 8 * kMaxFieldChars);
  const std::string folded = analysis::FoldString(text);
  if (text.empty() || folded == "unknown" || folded == "null" ||
      folded == "none" || folded == "n/a" || folded == "n a" ||
      folded == "not specified" || folded == "no especificado" ||
      folded == "nao informado" || folded == "desconocido" ||
      folded == "desconhecido") {
    v = nullptr;
    return;
  }
  if (CodePoints(text) > kMaxFieldChars) {
    errors.push_back(absl::StrCat("$.", field, ": expected at most ",
                                  kMaxFieldChars,
                                  " characters, as written in the message"));
    return;
  }
  v = text;
}

// Words no decline may show: the internals of the assessment. Folded.
constexpr std::string_view kInternalWords[] = {
    "score",          "scores",        "scoring", "filter",
    "filters",        "penalty",       "tier",    "reject if",
    "minimum salary", "high priority", "agency",  "agencies",
    "agencia",        "agencias",      "crypto",  "pre seed",
};

}  // namespace

std::string NormalizeInputText(std::string_view raw, size_t max_bytes) {
  const std::string s = analysis::SanitizeUtf8(raw);
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  int newlines = 0;
  bool blank = false;
  // A few bytes past the limit, so the cut below sees where the character
  // at the limit ends.
  for (size_t i = 0; i < s.size() && out.size() <= max_bytes + 4; ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') continue;
      c = '\n';
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      ++newlines;
      continue;
    }
    if (c == ' ' || u < 0x20 || u == 0x7F) {  // Tabs and other controls too.
      blank = true;
      continue;
    }
    if (!out.empty()) {
      if (newlines > 0) {
        out.append(std::min(newlines, 2), '\n');
      } else if (blank) {
        out += ' ';
      }
    }
    newlines = 0;
    blank = false;
    out += c;
  }
  if (out.size() <= max_bytes) return out;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) {
    --end;
  }
  out.resize(end);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) {
    out.pop_back();
  }
  return out;
}

std::optional<std::string> NormalizeCurrencyCode(std::string_view raw) {
  std::string s = NormalizeLine(raw, 64);
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  static const auto* kAliases =
      new std::map<std::string, std::string, std::less<>>{
          {"$", "USD"},          {"us$", "USD"},     {"u$s", "USD"},
          {"usd$", "USD"},       {"dollar", "USD"},  {"dollars", "USD"},
          {"us dollars", "USD"}, {"dolares", "USD"}, {"dólares", "USD"},
          {"€", "EUR"},          {"euro", "EUR"},    {"euros", "EUR"},
          {"£", "GBP"},          {"pounds", "GBP"},  {"libras", "GBP"},
          {"r$", "BRL"},         {"reais", "BRL"},   {"real", "BRL"},
          {"c$", "CAD"},         {"ca$", "CAD"},     {"a$", "AUD"},
          {"au$", "AUD"},        {"¥", "JPY"},       {"₹", "INR"},
      };
  if (const auto it = kAliases->find(s); it != kAliases->end()) {
    return it->second;
  }
  if (s.size() != 3) return std::nullopt;
  std::string code;
  for (char c : s) {
    if (c < 'a' || c > 'z') return std::nullopt;
    code += static_cast<char>(c - 'a' + 'A');
  }
  return code;
}

void NormalizeExtractAnswer(Json& a, std::vector<std::string>& errors) {
  for (const char* field : {"company", "role", "location", "agency_name"}) {
    NormalizeOptionalString(a, field, errors);
  }
  if (a.contains("agency") && a["agency"].is_boolean() &&
      !a["agency"].get<bool>()) {
    a["agency_name"] = nullptr;
  }

  // Canonical names, each once, in order; what the lexicon does not know is
  // dropped: no profile could match it, and the corpus names only
  // canonical technologies.
  const analysis::TechLexicon& lexicon = analysis::DefaultTechLexicon();
  std::vector<std::string> techs;
  auto add = [&](std::string name) {
    if (std::find(techs.begin(), techs.end(), name) == techs.end()) {
      techs.push_back(std::move(name));
    }
  };
  if (a.contains("tech_stack") && a["tech_stack"].is_array()) {
    for (const Json& item : a["tech_stack"]) {
      if (!item.is_string()) continue;
      const std::string spelling =
          NormalizeLine(item.get_ref<const std::string&>(), 256);
      if (spelling.empty()) continue;
      if (std::optional<std::string> canonical =
              lexicon.Canonicalize(spelling)) {
        add(*std::move(canonical));
        continue;
      }
      // "Java & Kotlin", "Postgres + Kafka": a list in one item.
      for (std::string& found : lexicon.Find(spelling)) add(std::move(found));
    }
    a["tech_stack"] = techs;
  }

  if (!a.contains("salary")) return;
  Json& salary = a["salary"];
  if (!salary.is_object()) return;
  if (salary["currency"].is_string()) {
    const std::string raw = salary["currency"].get<std::string>();
    if (std::optional<std::string> code = NormalizeCurrencyCode(raw)) {
      salary["currency"] = *code;
    } else {
      errors.push_back(absl::StrCat(
          "$.salary.currency: expected an ISO 4217 code such as \"USD\", "
          "\"EUR\" or \"MXN\", got ",
          Clip(Dump(Json(raw)))));
    }
  }
  if (!salary["min"].is_number() || !salary["max"].is_number()) return;
  const double bounds[2] = {salary["min"].get<double>(),
                            salary["max"].get<double>()};
  bool ok = true;
  for (int i = 0; i < 2; ++i) {
    if (!std::isfinite(bounds[i]) || bounds[i] < 0 || bounds[i] > kMaxAmount) {
      errors.push_back(absl::StrCat("$.salary.", i == 0 ? "min" : "max",
                                    ": expected an amount from 0 to 10^12, "
                                    "got ",
                                    FormatNumber(bounds[i])));
      ok = false;
    }
  }
  if (!ok) return;
  int64_t min = std::llround(bounds[0]);
  int64_t max = std::llround(bounds[1]);
  if (min == 0 && max == 0) {  // "No figure", said with zeros.
    salary = nullptr;
    return;
  }
  if (min == 0) min = max;  // One bound: a single figure.
  if (max == 0) max = min;
  if (min > max) std::swap(min, max);
  salary["min"] = min;
  salary["max"] = max;
}

void NormalizeDraftAnswer(const DraftExpectations& expected, Json& a,
                          std::vector<std::string>& errors) {
  const std::string language(core::ToString(expected.language));
  if (!a["language"].is_string() || a["language"] != language) {
    errors.push_back(absl::StrCat(
        "$.language: expected \"", language,
        "\", the language of the message: write the reply in it; got ",
        Clip(Dump(a["language"]))));
  }
  if (!a["text"].is_string()) return;
  std::string text = NormalizeInputText(a["text"].get_ref<const std::string&>(),
                                        4 * kMaxReplyChars + 4);
  if (text.empty()) {
    errors.emplace_back("$.text: expected the reply, got an empty string");
    return;
  }
  if (CodePoints(text) > kMaxReplyChars) {
    errors.push_back(absl::StrCat("$.text: expected at most ", kMaxReplyChars,
                                  " characters: write a short reply"));
    return;
  }
  const std::pair<std::string_view, std::string_view> kMarks[] = {
      {"[", "]"}, {"{{", "}}"}, {"<", ">"}};
  for (const auto& [open, close] : kMarks) {
    const size_t at = text.find(open);
    if (at == std::string::npos) continue;
    const size_t end = text.find(close, at + open.size());
    if (end != std::string::npos && end - at <= 40 &&
        text.substr(at, end - at).find('\n') == std::string::npos) {
      errors.push_back(absl::StrCat("$.text: contains the placeholder \"",
                                    text.substr(at, end + close.size() - at),
                                    "\": write the final text"));
      return;
    }
  }
  if (expected.kind == core::ReplyKind::kDecline) {
    // Folded, every run of non-word characters one space: "pre-seed" and
    // "pre seed" read alike.
    std::string folded;
    for (char c : analysis::FoldString(text)) {
      const char w = analysis::IsWordChar(c) ? c : ' ';
      if (w != ' ' || (!folded.empty() && folded.back() != ' ')) folded += w;
    }
    for (std::string_view word : kInternalWords) {
      if (analysis::ContainsWord(folded, word)) {
        errors.push_back(absl::StrCat(
            "$.text: a decline must not mention \"", std::string(word),
            "\" nor give any reason beyond not being the right fit"));
        return;
      }
    }
  }
  if (!expected.signature.empty() &&
      text.find(expected.signature) == std::string::npos) {
    text += "\n" + expected.signature;
  }
  a["text"] = text;
}

}  // namespace lia::llm
