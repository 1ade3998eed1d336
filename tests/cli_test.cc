// `lia analyze` as a user runs it: a real process, real files and pipes.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lia_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs lia with `args`, feeding `stdin_path` (or nothing).
  CliRun Lia(const std::string& args, const std::string& stdin_path = "") {
    const fs::path out = dir_ / "out.txt", err = dir_ / "err.txt";
    std::string cmd = std::string("cd ") + dir_.string() +
                      " && env -u LIA_PROFILE -u LIA_CONFIG " + LIA_BINARY +
                      " " + args + " < " +
                      (stdin_path.empty() ? "/dev/null" : stdin_path) + " > " +
                      out.string() + " 2> " + err.string();
    const int status = std::system(cmd.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::stringstream o, e;
    o << std::ifstream(out).rdbuf();
    e << std::ifstream(err).rdbuf();
    run.out = o.str();
    run.err = e.str();
    return run;
  }

  fs::path dir_;
};

TEST_F(CliTest, AnalyzesPlainTextFromStdin) {
  const fs::path in = Write(
      "msg.txt",
      "Hi Ana, Acme Robotics is hiring a Senior Rust Engineer, fully remote, "
      "$150k-$180k. Interested?");
  const CliRun run = Lia("analyze", in.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["conversation_state"], "NEW_OPPORTUNITY");
  EXPECT_EQ(j["extracted"]["company"], "Acme Robotics");
  EXPECT_EQ(j["extracted"]["seniority"], "Senior");
  EXPECT_EQ(j["extracted"]["remote_policy"], "Remote");
  EXPECT_EQ(j["extracted"]["salary"]["max"], 180000);
  EXPECT_TRUE(j["tier"].is_string());
  EXPECT_TRUE(j["reply"]["text"].is_string());
}

TEST_F(CliTest, AnalyzesJsonFileWithThread) {
  const fs::path in = Write(
      "msg.json",
      R"({"sender": "Lea", "thread": [{"from": "recruiter", "text": "Hi, a )"
      R"(Data Engineer role at Quill?"}, {"from": "candidate", "text": "Sure, )"
      R"(what's the salary?"}], "text": "It's $140k. What are your salary )"
      R"(expectations?"})");
  const CliRun run = Lia("analyze " + in.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["conversation_state"], "FOLLOW_UP");
  EXPECT_EQ(j["question_type"], "SALARY");
}

TEST_F(CliTest, JsonlEchoesIdsAndReportsBadLines) {
  const fs::path in = Write(
      "in.jsonl",
      "{\"id\": \"a\", \"sender\": \"X\", \"thread\": [], \"message\": \"We "
      "are hiring a Go Developer in Lima.\"}\n"
      "this is not json\n"
      "\n"
      "{\"id\": 7, \"message\": \"Thanks, good luck!\", \"thread\": "
      "[{\"from\": \"candidate\", \"text\": \"I accepted another offer\"}]}\n"
      "{\"id\": \"bad-from\", \"message\": \"x\", \"thread\": [{\"from\": "
      "\"martian\", \"text\": \"y\"}]}\n");
  const CliRun run = Lia("analyze --jsonl", in.string());
  EXPECT_EQ(run.exit_code, 3) << run.err;
  std::istringstream lines(run.out);
  std::string line;
  std::vector<nlohmann::json> out;
  while (std::getline(lines, line)) out.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["id"], "a");
  EXPECT_EQ(out[0]["conversation_state"], "NEW_OPPORTUNITY");
  EXPECT_TRUE(out[1].contains("error"));
  EXPECT_EQ(out[2]["id"], 7);
  EXPECT_EQ(out[2]["conversation_state"], "COURTESY_CLOSE");
  EXPECT_EQ(out[3]["id"], "bad-from");
  EXPECT_TRUE(out[3].contains("error"));
  EXPECT_NE(run.err.find("line 2"), std::string::npos) << run.err;
}

TEST_F(CliTest, BadProfileNamesFieldAndLine) {
  const fs::path profile =
      Write("profile.yaml", "name: Ana\nminimum_salary_usd: lots\n");
  const fs::path in = Write("msg.txt", "hello");
  const CliRun run = Lia("analyze --profile " + profile.string(), in.string());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("minimum_salary_usd"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("line 2"), std::string::npos) << run.err;
}

TEST_F(CliTest, ConfigFileSetsTierThresholds) {
  const fs::path in =
      Write("msg.txt", "Hi! Acme is hiring a Junior PHP Developer, on-site.");
  const CliRun plain = Lia("analyze", in.string());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(nlohmann::json::parse(plain.out)["tier"], "HIGH_PRIORITY");

  const fs::path config = Write(
      "lia.toml", "[tiers]\nhigh_priority = 0\ninteresting = 0\nlow = 0\n");
  const CliRun tuned = Lia("analyze --config " + config.string(), in.string());
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_EQ(nlohmann::json::parse(tuned.out)["tier"], "HIGH_PRIORITY");

  const fs::path bad = Write("bad.toml", "[tiers]\nlow = 500\n");
  const CliRun refused = Lia("analyze --config " + bad.string(), in.string());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("tiers.low"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("line 2"), std::string::npos) << refused.err;
}

TEST_F(CliTest, MigrateReportsTheSchemaVersionAndRefusesANewerDatabase) {
  const std::string url = "sqlite://" + (dir_ / "lia.db").string();
  const CliRun first = Lia("migrate --database " + url);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The newest migration in the source tree ("0005_work.sql" -> 5).
  int latest = 0;
  for (const auto& entry :
       fs::directory_iterator(LIA_SOURCE_DIR "/src/store/migrations")) {
    latest = std::max(latest, std::atoi(entry.path().filename().c_str()));
  }
  EXPECT_NE(first.out.find("schema version " + std::to_string(latest)),
            std::string::npos)
      << first.out;
  const CliRun again = Lia("migrate --database " + url);
  EXPECT_EQ(again.exit_code, 0);

  // A database a newer lia made.
  const std::string bump =
      "python3 -c \"import sqlite3; c = sqlite3.connect('" +
      (dir_ / "lia.db").string() +
      "'); c.execute(\\\"INSERT INTO schema_migrations "
      "VALUES (999, 'future', 'now')\\\"); c.commit()\"";
  ASSERT_EQ(std::system(bump.c_str()), 0);
  const CliRun refused = Lia("migrate --database " + url);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("newer than this lia"), std::string::npos)
      << refused.err;
}

TEST_F(CliTest, TokenCreatePrintsATokenOnce) {
  const std::string url = "sqlite://" + (dir_ / "lia.db").string();
  const CliRun a = Lia("token create laptop --database " + url);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const CliRun b = Lia("token create phone --database " + url);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out.rfind("lia_", 0), 0u);
  EXPECT_EQ(a.out.size(), 4u + 64u + 1u);  // "lia_" + 32 random bytes hex.
  EXPECT_NE(a.out, b.out);
  // Only a hash is stored: the token itself is nowhere in the file.
  std::ifstream db(dir_ / "lia.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), {});
  EXPECT_EQ(bytes.find(a.out.substr(4, 64)), std::string::npos);
}

TEST_F(CliTest, MissingInputFileIsAClearError) {
  const CliRun run = Lia("analyze /nonexistent/message.txt");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("cannot open"), std::string::npos) << run.err;
}

TEST_F(CliTest, UnknownFlagIsAUsageError) {
  const CliRun run = Lia("analyze --no-such-flag");
  EXPECT_EQ(run.exit_code, 1);
}

TEST_F(CliTest, HostileInputIsAnsweredWithValidJson) {
  std::string hostile(10 << 20, ',');
  hostile.replace(100, 6, std::string("\0\xFF\xFE$1k", 6));
  const fs::path in = Write("hostile.txt", hostile);
  const CliRun run = Lia("analyze", in.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);  // Valid UTF-8.
  EXPECT_TRUE(j.contains("conversation_state"));
}

TEST_F(CliTest, PrettyOutputIsIndented) {
  const fs::path in = Write("msg.txt", "Hi! We are hiring a QA Engineer.");
  const CliRun run = Lia("analyze --pretty", in.string());
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("\n  \""), std::string::npos);
}

}  // namespace
