#pragma once

// Validation of an LLM's JSON answer against the JSON Schema of its stage
// (DESIGN §1.4: an answer that does not validate is repaired once, then
// replaced by the rules engine's). A small validator for the subset of JSON
// Schema that the stages' schemas use (src/llm/prompts/*.schema.json), which
// is also the subset OpenAI's strict structured outputs accept:
//
//   type (a name or a list of names: "string", "number", "integer",
//   "boolean", "object", "array", "null"), enum, properties, required,
//   additionalProperties (false or true), items, minItems, maxItems,
//   minimum, maximum, minLength, maxLength (in code points), and the
//   annotations title, description, $schema, $comment (ignored).
//
// Any other keyword is refused when the schema is compiled, so a schema
// never appears to promise a check this validator does not make.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/types.h"
#include "nlohmann/json_fwd.hpp"

namespace lia::llm {

// A compiled schema. Immutable, cheap to copy, thread-safe.
class JsonSchema {
 public:
  // InvalidArgument naming the schema path of the first problem
  // ("$.properties.salary: unsupported keyword \"oneOf\"") when
  // `schema_json` is not JSON or uses more than the subset above.
  static absl::StatusOr<JsonSchema> Compile(std::string_view schema_json);

  // Every violation of `value` (missing required fields first, then the
  // fields in key order), at most `max_errors`
  // (then a last line "... and N more"). Empty when `value` is valid. Each
  // names the JSON path of the value and what was expected:
  //   $.salary.min: expected a number, got a string "120k"
  //   $.seniority: expected one of "Intern", "Junior", ..., got "Sr"
  //   $.salary: missing required field "currency"
  //   $.tech_stack[3]: expected a string, got null
  //   $.foo: unexpected field
  std::vector<std::string> Validate(const nlohmann::json& value,
                                    size_t max_errors = 20) const;

  // The schema as compiled, compact JSON text (what a provider is sent).
  const std::string& text() const;

  struct Node;  // Defined in validate.cc.

 private:
  explicit JsonSchema(std::shared_ptr<const Node> root, std::string text);

  std::shared_ptr<const Node> root_;
  std::string text_;
};

// The JSON path of a child, as the errors above write it: `$.a`, `$.a[2]`,
// `$["key with spaces"]`.
std::string JsonPathField(std::string_view parent, std::string_view key);
std::string JsonPathIndex(std::string_view parent, size_t index);

// ---- Beyond the schema: normalising the stages' answers -----------------
//
// An answer that passed its schema is rewritten into canonical form with
// the rules engine's lexicons; what cannot be made right is appended to
// `errors` as "<path>: <problem>" lines, which the repair prompt quotes
// back to the model. Idempotent: a normalised answer stays as it is.

// Text as the stages send it, which is also what the answer cache keys:
// valid UTF-8, no control characters, runs of blanks as one space, at most
// one blank line, trimmed, cut to `max_bytes` at a character boundary.
// Messages that differ only in spacing share an answer.
std::string NormalizeInputText(std::string_view raw, size_t max_bytes);

// The ISO 4217 code for what models write: "usd" -> "USD", "US$" and "$"
// -> "USD", "€" -> "EUR", "R$" -> "BRL", "euros" -> "EUR"; any three
// letters upper-cased. nullopt otherwise ("pesos" names no one currency).
std::optional<std::string> NormalizeCurrencyCode(std::string_view raw);

// An extract answer (prompts/extract.vN.schema.json): strings trimmed to
// one line ("unknown", "N/A" and "" become null); tech names canonical via
// the tech lexicon ("golang" -> "Go", "k8s" -> "Kubernetes"), each once, in
// order, unknown ones dropped; the currency an ISO code; amounts whole,
// min <= max (swapped when reversed; one bound of zero takes the other's
// value; both zero is no salary); agency_name null unless agency.
void NormalizeExtractAnswer(nlohmann::json& answer,
                            std::vector<std::string>& errors);

// What a draft must be, beyond its schema.
struct DraftExpectations {
  core::Language language = core::Language::kEnglish;  // The message's.
  core::ReplyKind kind = core::ReplyKind::kNone;
  std::string signature;  // Appended when the text lacks it; may be empty.
};

// A draft answer (prompts/draft.vN.schema.json): in the expected language,
// non-empty, at most 4,000 characters, no placeholder ("[Name]", "{{x}}"),
// a decline naming no internal rule (score, filter, tier, agency...),
// whitespace normalised, signed.
void NormalizeDraftAnswer(const DraftExpectations& expected,
                          nlohmann::json& answer,
                          std::vector<std::string>& errors);

}  // namespace lia::llm
