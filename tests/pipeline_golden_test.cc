// Golden tests of the whole rules pipeline: messages written for this suite
// (not taken from the shared corpus), each with the fields a person would
// label. Adding a case is adding a line to golden/pipeline_cases.jsonl.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "analysis/pipeline.h"
#include "analysis/text.h"
#include "core/json.h"
#include "core/profile.h"

namespace lia {
namespace {

// The comparison of shared/eval/score.py: fold case and accents, keep letters
// and digits; "+" and "#" count ("C++" is not "C").
std::string Norm(const nlohmann::json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  std::string replaced;
  for (char c : s) {
    if (c == '+') {
      replaced += "plus";
    } else if (c == '#') {
      replaced += "sharp";
    } else {
      replaced += c;
    }
  }
  std::string out;
  for (char c : analysis::FoldString(replaced)) {
    if (analysis::IsWordChar(c)) out += c;
  }
  return out;
}

bool IsUnknown(const nlohmann::json& v) {
  const std::string n = Norm(v);
  return n.empty() || n == "unknown" || n == "none" || n == "null";
}

struct GoldenCase {
  nlohmann::json input;
  nlohmann::json expected;
};

std::vector<GoldenCase> LoadCases() {
  std::ifstream file(LIA_SOURCE_DIR "/tests/golden/pipeline_cases.jsonl");
  std::vector<GoldenCase> cases;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    cases.push_back({j, j["expected"]});
  }
  return cases;
}

class PipelineGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(PipelineGoldenTest, MatchesLabels) {
  const GoldenCase& c = GetParam();
  absl::StatusOr<core::Message> message = core::MessageFromJson(c.input);
  ASSERT_TRUE(message.ok()) << message.status();
  static const auto* pipeline = analysis::NewRulesPipeline().release();
  absl::StatusOr<core::Analysis> analysis =
      pipeline->Analyze(*message, core::DefaultProfile());
  ASSERT_TRUE(analysis.ok()) << analysis.status();
  const nlohmann::json got = core::ToJson(*analysis);
  const nlohmann::json& extracted = got["extracted"];
  const std::string id = c.input["id"];

  EXPECT_EQ(got["conversation_state"], c.expected["conversation_state"]) << id;
  if (c.expected.contains("question_type")) {
    EXPECT_EQ(got["question_type"], c.expected["question_type"]) << id;
  }
  for (const char* field : {"company", "role", "location"}) {
    if (!c.expected.contains(field)) continue;
    const nlohmann::json& want = c.expected[field];
    const nlohmann::json& have = extracted[field];
    if (IsUnknown(want)) {
      EXPECT_TRUE(IsUnknown(have)) << id << " " << field << ": " << have;
      continue;
    }
    const std::string a = Norm(want), b = Norm(have);
    const bool contained =
        std::string(field) != "company" && !b.empty() &&
        (a.find(b) != std::string::npos || b.find(a) != std::string::npos);
    EXPECT_TRUE(a == b || contained)
        << id << " " << field << ": want " << want << ", got " << have;
  }
  for (const char* field :
       {"seniority", "remote_policy", "job_type", "work_week", "agency"}) {
    if (!c.expected.contains(field)) continue;
    EXPECT_EQ(Norm(extracted[field]), Norm(c.expected[field]))
        << id << " " << field;
  }
  if (c.expected.contains("salary")) {
    const nlohmann::json& want = c.expected["salary"];
    const nlohmann::json& have = extracted["salary"];
    if (want.is_null()) {
      EXPECT_TRUE(have.is_null()) << id << " salary: " << have;
    } else {
      ASSERT_TRUE(have.is_object()) << id << " salary missing";
      for (const char* k : {"min", "max", "currency", "period"}) {
        EXPECT_EQ(Norm(have[k]), Norm(want[k])) << id << " salary." << k;
      }
    }
  }
  if (c.expected.contains("tech_stack")) {
    std::set<std::string> want, have;
    for (const auto& t : c.expected["tech_stack"]) want.insert(Norm(t));
    for (const auto& t : extracted["tech_stack"]) have.insert(Norm(t));
    EXPECT_EQ(have, want) << id << " tech_stack";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Golden, PipelineGoldenTest, ::testing::ValuesIn(LoadCases()),
    [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
      std::string name = param_info.param.input["id"];
      for (char& ch : name) {
        if (!analysis::IsWordChar(ch)) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace lia
