// The prompts compiled into the binary: every stage has one, with its
// schema; versions resolve; the files on disk are what was embedded.

#include "llm/prompts/prompts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace lia::llm {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(PromptsTest, EmbedsEveryFileOfTheDirectoryVerbatim) {
  const std::filesystem::path dir =
      std::filesystem::path(LIA_SOURCE_DIR) / "src/llm/prompts";
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".txt") || name.ends_with(".schema.json")) {
      on_disk.insert(name);
    }
  }
  std::set<std::string> embedded;
  for (const PromptFile& file : EmbeddedPromptFiles()) {
    embedded.insert(std::string(file.name));
    EXPECT_EQ(file.text, ReadFile(dir / std::string(file.name))) << file.name;
  }
  EXPECT_EQ(embedded, on_disk);
}

TEST(PromptsTest, EveryStageHasAPromptAndASchema) {
  for (const char* stage : {"classify", "follow_up", "extract", "draft"}) {
    absl::StatusOr<StagePrompt> prompt = FindStagePrompt(stage);
    ASSERT_TRUE(prompt.ok()) << prompt.status();
    EXPECT_EQ(prompt->stage, stage);
    EXPECT_GE(prompt->version, 1);
    EXPECT_EQ(prompt->id,
              prompt->stage + ".v" + std::to_string(prompt->version));
    EXPECT_FALSE(prompt->instructions.empty());
    EXPECT_FALSE(prompt->schema.empty());
    EXPECT_EQ(prompt->fingerprint.size(), 16u);
  }
}

TEST(PromptsTest, PromptsCoverTheThreeLanguages) {
  // Written for English, Spanish and Portuguese recruiters: the classify
  // and extract prompts show cues of each.
  const std::string classify(FindStagePrompt("classify")->instructions);
  const std::string extract(FindStagePrompt("extract")->instructions);
  for (const char* cue :
       {"te escribo de nuevo", "passando para saber", "just bumping this"}) {
    EXPECT_NE(classify.find(cue), std::string::npos) << cue;
  }
  for (const char* cue : {"Pleno", "mensuales", "/mês", "R$", "per annum"}) {
    EXPECT_NE(extract.find(cue), std::string::npos) << cue;
  }
}

TEST(PromptsTest, VersionsResolve) {
  absl::StatusOr<StagePrompt> v1 = FindStagePrompt("extract", 1);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->id, "extract.v1");
  EXPECT_TRUE(absl::IsNotFound(FindStagePrompt("extract", 99).status()));
  EXPECT_TRUE(absl::IsNotFound(FindStagePrompt("horoscope").status()));
  // The repair prompt has no schema: it is no stage.
  EXPECT_TRUE(absl::IsNotFound(FindStagePrompt("repair").status()));
  absl::StatusOr<std::string_view> repair = FindPromptText("repair");
  ASSERT_TRUE(repair.ok()) << repair.status();
  EXPECT_NE(repair->find("{{errors}}"), std::string_view::npos);
}

TEST(PromptsTest, FingerprintsDifferByStage) {
  std::set<std::string> seen;
  for (const char* stage : {"classify", "follow_up", "extract", "draft"}) {
    EXPECT_TRUE(seen.insert(FindStagePrompt(stage)->fingerprint).second);
  }
}

}  // namespace
}  // namespace lia::llm
