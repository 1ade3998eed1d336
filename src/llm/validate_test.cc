// The JSON Schema subset, the stages' schemas, and the normalisation of
// their answers, from tables: adding a case is adding a line.

#include "llm/validate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "llm/prompts/prompts.h"
#include "nlohmann/json.hpp"

namespace lia::llm {
namespace {

using Json = nlohmann::json;

JsonSchema Compiled(std::string_view text) {
  absl::StatusOr<JsonSchema> schema = JsonSchema::Compile(text);
  EXPECT_TRUE(schema.ok()) << schema.status();
  return *std::move(schema);
}

JsonSchema StageSchema(std::string_view stage) {
  absl::StatusOr<StagePrompt> prompt = FindStagePrompt(stage);
  EXPECT_TRUE(prompt.ok()) << prompt.status();
  return Compiled(prompt->schema);
}

constexpr char kSalarySchema[] = R"({
  "type": "object",
  "properties": {
    "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 5},
    "count": {"type": "integer", "minimum": 1, "maximum": 3},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "salary": {
      "type": ["object", "null"],
      "properties": {
        "min": {"type": "number"},
        "period": {"type": "string", "enum": ["year", "month"]}
      },
      "required": ["min", "period"],
      "additionalProperties": false
    }
  },
  "required": ["count"],
  "additionalProperties": false
})";

struct ValidationCase {
  const char* value;
  std::vector<std::string> errors;
};

TEST(JsonSchemaTest, ReportsEveryViolationWithItsPath) {
  const JsonSchema schema = Compiled(kSalarySchema);
  const ValidationCase cases[] = {
      {R"({"count": 2})", {}},
      {R"({"count": 2.0, "name": null, "tags": [], "salary": null})", {}},
      {R"({"count": 1, "salary": {"min": 1.5, "period": "year"}})", {}},
      {R"({"count": 2, "salary": {"min": "120k", "period": "year"}})",
       {"$.salary.min: expected a number, got a string \"120k\""}},
      {R"({"count": 2, "salary": {"min": 1, "period": "week"}})",
       {"$.salary.period: expected one of \"year\", \"month\", got a string "
        "\"week\""}},
      {R"({"count": 2, "salary": {"period": "year", "extra": 1}})",
       {"$.salary.min: required field is missing",
        "$.salary.extra: unexpected field"}},
      {R"({})", {"$.count: required field is missing"}},
      {R"({"count": 1.5})", {"$.count: expected an integer, got a number 1.5"}},
      {R"({"count": 0})", {"$.count: expected a number >= 1, got 0"}},
      {R"({"count": 4})", {"$.count: expected a number <= 3, got 4"}},
      {R"({"count": 1, "name": ""})",
       {"$.name: expected at least 1 character(s), got 0"}},
      {R"({"count": 1, "name": "ñandús"})",
       {"$.name: expected at most 5 characters, got 6"}},
      {R"({"count": 1, "name": "ñandú"})", {}},
      {R"({"count": 1, "name": 7})",
       {"$.name: expected a string or null, got a number 7"}},
      {R"({"count": 1, "tags": ["a", null, "c"]})",
       {"$.tags: expected at most 2 items, got 3",
        "$.tags[1]: expected a string, got null"}},
      {R"({"count": 1, "a b": true})", {"$[\"a b\"]: unexpected field"}},
      {R"([1])", {"$: expected an object, got an array"}},
      {R"("x")", {"$: expected an object, got a string \"x\""}},
  };
  for (const ValidationCase& c : cases) {
    EXPECT_EQ(schema.Validate(Json::parse(c.value)), c.errors) << c.value;
  }
}

TEST(JsonSchemaTest, CapsTheNumberOfErrors) {
  const JsonSchema schema =
      Compiled(R"({"type": "array", "items": {"type": "string"}})");
  const std::vector<std::string> errors =
      schema.Validate(Json::parse("[1, 2, 3, 4, 5]"), 2);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "$[0]: expected a string, got a number 1");
  EXPECT_EQ(errors[2], "... and 3 more");
}

TEST(JsonSchemaTest, QuotesLongValuesShortened) {
  const JsonSchema schema = Compiled(R"({"type": "number"})");
  const std::vector<std::string> errors =
      schema.Validate(Json(std::string(500, 'x')));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_LT(errors[0].size(), 120u);
  EXPECT_NE(errors[0].find("..."), std::string::npos);
}

TEST(JsonSchemaTest, RefusesWhatItCannotCheck) {
  const char* bad[] = {
      "not json",
      R"([])",
      R"({"oneOf": []})",
      R"({"type": "date"})",
      R"({"type": []})",
      R"({"properties": {"a": {"pattern": "^x$"}}})",
      R"({"enum": []})",
      R"({"minLength": -1})",
      R"({"additionalProperties": {"type": "string"}})",
      R"({"required": ["a"], "additionalProperties": false})",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(JsonSchema::Compile(text).ok()) << text;
  }
  absl::Status status =
      JsonSchema::Compile(R"({"properties": {"a": {"oneOf": []}}})").status();
  EXPECT_NE(status.message().find("$.properties.a"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find("oneOf"), std::string::npos) << status;
}

TEST(JsonSchemaTest, EveryStageSchemaCompiles) {
  for (const char* stage : {"classify", "follow_up", "extract", "draft"}) {
    absl::StatusOr<StagePrompt> prompt = FindStagePrompt(stage);
    ASSERT_TRUE(prompt.ok()) << prompt.status();
    absl::StatusOr<JsonSchema> schema = JsonSchema::Compile(prompt->schema);
    EXPECT_TRUE(schema.ok()) << stage << ": " << schema.status();
  }
}

TEST(JsonSchemaTest, TheExtractSchemaAcceptsTheCorpusShape) {
  const JsonSchema schema = StageSchema("extract");
  const Json answer = Json::parse(R"({
    "company": null, "role": "Staff Software Engineer, Payments",
    "seniority": "Staff", "tech_stack": ["Java", "Kotlin"],
    "salary": {"min": 210000, "max": 250000, "currency": "USD",
               "period": "year"},
    "remote_policy": "Hybrid", "location": "New York, NY",
    "job_type": "Full-time", "work_week": "Unknown", "agency": true,
    "agency_name": "Apex Search Partners", "crypto": false, "pre_seed": false
  })");
  EXPECT_EQ(schema.Validate(answer), std::vector<std::string>{});
  Json bad = answer;
  bad["seniority"] = "Sr";
  bad["salary"]["min"] = "210k";
  bad.erase("agency");
  EXPECT_EQ(schema.Validate(bad),
            (std::vector<std::string>{
                "$.agency: required field is missing",
                "$.salary.min: expected a number, got a string \"210k\"",
                "$.seniority: expected one of \"Intern\", \"Junior\", "
                "\"Mid\", \"Senior\", \"Lead\", \"Staff\", \"Principal\", "
                "\"Unknown\", got a string \"Sr\""}));
}

TEST(JsonPathTest, WritesFieldsIndexesAndOddKeys) {
  EXPECT_EQ(JsonPathField("$", "salary"), "$.salary");
  EXPECT_EQ(JsonPathField("$.salary", "min"), "$.salary.min");
  EXPECT_EQ(JsonPathField("$", "a-b"), "$[\"a-b\"]");
  EXPECT_EQ(JsonPathIndex("$.tech_stack", 3), "$.tech_stack[3]");
}

// ---- Normalisation ----------------------------------------------------------

TEST(NormalizeInputTextTest, CollapsesSpacingAndRepairsBytes) {
  const struct {
    std::string in;
    std::string out;
  } cases[] = {
      {"  Hi   there \t you  ", "Hi there you"},
      {"a\r\nb\rc", "a\nb\nc"},
      {"para 1\n\n\n\n  para 2 ", "para 1\n\npara 2"},
      {"line  \n  next", "line\nnext"},
      {std::string("nul\0byte", 8), "nul byte"},
      {"bad \xFF byte", "bad \xEF\xBF\xBD byte"},
      {"", ""},
      {" \n\t ", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NormalizeInputText(c.in, 1000), c.out) << c.in;
  }
}

TEST(NormalizeInputTextTest, CutsAtACharacterBoundary) {
  EXPECT_EQ(NormalizeInputText("abc\xC3\xB1xyz", 4), "abc");
  EXPECT_EQ(NormalizeInputText("abc\xC3\xB1xyz", 5), "abc\xC3\xB1");
  EXPECT_EQ(NormalizeInputText("ab cd", 3), "ab");
}

TEST(NormalizeCurrencyCodeTest, MapsWhatModelsWrite) {
  const struct {
    const char* in;
    std::optional<std::string> out;
  } cases[] = {
      {"USD", "USD"},
      {"usd", "USD"},
      {" eur ", "EUR"},
      {"$", "USD"},
      {"US$", "USD"},
      {"€", "EUR"},
      {"£", "GBP"},
      {"R$", "BRL"},
      {"euros", "EUR"},
      {"Dollars", "USD"},
      {"mxn", "MXN"},
      {"pesos", std::nullopt},
      {"US dollar per hour", std::nullopt},
      {"U5D", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NormalizeCurrencyCode(c.in), c.out) << c.in;
  }
}

Json ExtractAnswer() {
  return Json::parse(R"({
    "company": "  Brava   Systems ", "role": "Senior Software Engineer",
    "seniority": "Senior", "tech_stack": ["golang", "k8s", "GCP", "Go",
                                          "Java & Kotlin", "synergy", ""],
    "salary": {"min": 9000, "max": 7000, "currency": "usd",
               "period": "month"},
    "remote_policy": "Remote", "location": "N/A", "job_type": "Contract",
    "work_week": "Unknown", "agency": false, "agency_name": "Someone",
    "crypto": false, "pre_seed": false
  })");
}

TEST(NormalizeExtractAnswerTest, CanonicalisesNamesCurrencyAndRange) {
  Json a = ExtractAnswer();
  std::vector<std::string> errors;
  NormalizeExtractAnswer(a, errors);
  EXPECT_EQ(errors, std::vector<std::string>{});
  EXPECT_EQ(a["company"], "Brava Systems");
  EXPECT_EQ(a["location"], nullptr);
  EXPECT_EQ(a["agency_name"], nullptr);
  EXPECT_EQ(a["tech_stack"],
            Json::parse(R"(["Go", "Kubernetes", "GCP", "Java", "Kotlin"])"));
  EXPECT_EQ(a["salary"]["currency"], "USD");
  EXPECT_EQ(a["salary"]["min"], 7000);
  EXPECT_EQ(a["salary"]["max"], 9000);
  // Idempotent.
  Json again = a;
  NormalizeExtractAnswer(again, errors);
  EXPECT_EQ(errors, std::vector<std::string>{});
  EXPECT_EQ(again, a);
  // The result passes the schema it came from.
  EXPECT_EQ(StageSchema("extract").Validate(a), std::vector<std::string>{});
}

TEST(NormalizeExtractAnswerTest, SalaryBounds) {
  const struct {
    double min, max;
    Json want;  // The salary after normalisation (null: none).
  } cases[] = {
      {120000, 150000, Json::parse(R"([120000, 150000])")},
      {150000, 120000, Json::parse(R"([120000, 150000])")},
      {0, 90000, Json::parse(R"([90000, 90000])")},
      {90000, 0, Json::parse(R"([90000, 90000])")},
      {45.4, 45.6, Json::parse(R"([45, 46])")},
      {0, 0, nullptr},
  };
  for (const auto& c : cases) {
    Json a = ExtractAnswer();
    a["salary"]["min"] = c.min;
    a["salary"]["max"] = c.max;
    std::vector<std::string> errors;
    NormalizeExtractAnswer(a, errors);
    EXPECT_TRUE(errors.empty()) << absl::StrJoin(errors, "; ");
    if (c.want.is_null()) {
      EXPECT_EQ(a["salary"], nullptr) << c.min;
    } else {
      EXPECT_EQ(a["salary"]["min"], c.want[0]) << c.min;
      EXPECT_EQ(a["salary"]["max"], c.want[1]) << c.min;
    }
  }
}

TEST(NormalizeExtractAnswerTest, ReportsWhatCannotBeMadeRight) {
  Json a = ExtractAnswer();
  a["salary"]["currency"] = "pesos";
  a["salary"]["max"] = 5e13;
  a["role"] = std::string(300, 'r');
  std::vector<std::string> errors;
  NormalizeExtractAnswer(a, errors);
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "$.role: expected at most 200 characters, as written in the "
                "message",
                "$.salary.currency: expected an ISO 4217 code such as "
                "\"USD\", \"EUR\" or \"MXN\", got \"pesos\"",
                "$.salary.max: expected an amount from 0 to 10^12, got "
                "50000000000000"}));
}

TEST(NormalizeDraftAnswerTest, ChecksLanguagePlaceholdersAndDeclines) {
  DraftExpectations spanish;
  spanish.language = core::Language::kSpanish;
  spanish.kind = core::ReplyKind::kDecline;
  spanish.signature = "Ana Souza";
  const struct {
    const char* language;
    const char* text;
    std::vector<std::string> errors;
  } cases[] = {
      {"es", "Hola Laura, gracias. No es el momento.\nAna Souza", {}},
      {"en",
       "Hi Laura, thanks.\nAna Souza",
       {"$.language: expected \"es\", the language of the message: write "
        "the reply in it; got \"en\""}},
      {"es", "  ", {"$.text: expected the reply, got an empty string"}},
      {"es",
       "Hola [Nombre], gracias.",
       {"$.text: contains the placeholder \"[Nombre]\": write the final "
        "text"}},
      {"es",
       "Hola {{name}}",
       {"$.text: contains the placeholder \"{{name}}\": "
        "write the final text"}},
      {"es",
       "Gracias, pero no trabajo con agencias.",
       {"$.text: a decline must not mention \"agencias\" nor give any "
        "reason beyond not being the right fit"}},
      {"es",
       "Gracias. Mi score no alcanza.",
       {"$.text: a decline must not mention \"score\" nor give any reason "
        "beyond not being the right fit"}},
      {"es",
       "Gracias, pero no busco startups pre-seed.",
       {"$.text: a decline must not mention \"pre seed\" nor give any "
        "reason beyond not being the right fit"}},
  };
  for (const auto& c : cases) {
    Json a = {{"language", c.language}, {"text", c.text}};
    std::vector<std::string> errors;
    NormalizeDraftAnswer(spanish, a, errors);
    EXPECT_EQ(errors, c.errors) << c.text;
  }
}

TEST(NormalizeDraftAnswerTest, SignsAndTidies) {
  DraftExpectations e;
  e.language = core::Language::kEnglish;
  e.kind = core::ReplyKind::kInterested;
  e.signature = "Ana Souza";
  Json a = {{"language", "en"}, {"text", "Hi Laura,\n\n\n\nsounds great!  "}};
  std::vector<std::string> errors;
  NormalizeDraftAnswer(e, a, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(a["text"], "Hi Laura,\n\nsounds great!\nAna Souza");
  // An interested reply may say "agency"; a signed one is left alone.
  a["text"] = "Is the agency the employer?\nAna Souza";
  NormalizeDraftAnswer(e, a, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(a["text"], "Is the agency the employer?\nAna Souza");
}

}  // namespace
}  // namespace lia::llm
