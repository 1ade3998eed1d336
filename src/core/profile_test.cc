#include "core/profile.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace lia::core {
namespace {

using Strings = std::vector<std::string>;

constexpr char kExamplePath[] = LIA_SOURCE_DIR "/config/profile.example.yaml";

TEST(ProfileTest, ExampleFileParses) {
  absl::StatusOr<Profile> p = LoadProfileFile(kExamplePath);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "Jordan Rivera");
  EXPECT_EQ(p->signature, "Jordan");
  EXPECT_EQ(p->current_seniority, Seniority::kSenior);
  EXPECT_EQ(p->preferred_remote_policy, RemotePolicy::kRemote);
  EXPECT_EQ(p->preferred_work_week, WorkWeekPreference::kFourDays);
  EXPECT_EQ(p->minimum_salary_usd, 140000);
  EXPECT_EQ(p->ideal_salary_usd, 180000);
  EXPECT_EQ(p->years_of_experience, 9);
  EXPECT_EQ(p->job_search_status.reject_if, (Strings{"crypto", "pre_seed"}));
  EXPECT_FALSE(p->job_search_status.situation.empty());
  EXPECT_TRUE(ValidateProfile(*p).ok());
}

// The example documents every field: each one must differ from its default,
// or the file would not show that the field is read.
TEST(ProfileTest, ExampleFileSetsEveryField) {
  absl::StatusOr<Profile> p = LoadProfileFile(kExamplePath);
  ASSERT_TRUE(p.ok()) << p.status();
  const Profile d;
  EXPECT_NE(p->name, d.name);
  EXPECT_NE(p->preferred_technologies, d.preferred_technologies);
  EXPECT_NE(p->years_of_experience, d.years_of_experience);
  EXPECT_NE(p->current_seniority, d.current_seniority);
  EXPECT_NE(p->minimum_salary_usd, d.minimum_salary_usd);
  EXPECT_NE(p->ideal_salary_usd, d.ideal_salary_usd);
  EXPECT_NE(p->preferred_remote_policy, d.preferred_remote_policy);
  EXPECT_NE(p->preferred_work_week, d.preferred_work_week);
  EXPECT_NE(p->preferred_locations, d.preferred_locations);
  EXPECT_NE(p->preferred_company_size, d.preferred_company_size);
  EXPECT_NE(p->industry_preferences, d.industry_preferences);
  EXPECT_NE(p->preferred_companies, d.preferred_companies);
  EXPECT_NE(p->avoided_companies, d.avoided_companies);
  EXPECT_NE(p->job_search_status.urgency, d.job_search_status.urgency);
  EXPECT_NE(p->job_search_status.situation, d.job_search_status.situation);
  EXPECT_NE(p->job_search_status.must_have, d.job_search_status.must_have);
  EXPECT_NE(p->job_search_status.nice_to_have,
            d.job_search_status.nice_to_have);
  EXPECT_NE(p->job_search_status.reject_if, d.job_search_status.reject_if);
  EXPECT_NE(p->signature, d.signature);
}

TEST(ProfileTest, ParsesEveryField) {
  absl::StatusOr<Profile> p = ParseProfileYaml(R"(
name: Sam Lee
preferred_technologies: [Go, "C++", Postgres]
years_of_experience: 12
current_seniority: staff
minimum_salary_usd: 150000
ideal_salary_usd: 200000
preferred_remote_policy: on-site
preferred_work_week: 5 days
preferred_locations: [Berlin]
preferred_company_size: enterprise
industry_preferences: [health]
preferred_companies: [Acme]
avoided_companies: [Initech, Globex]
open_to_relocation: yes
looking_for_change: false
job_search_status:
  currently_employed: false
  actively_looking: true
  urgency: high
  situation: Between jobs.
  must_have: [visa sponsorship]
  nice_to_have: [gym]
  reject_if: [Pre-Seed, part time, 5-day-week, agency]
signature: "Sam"
)");
  ASSERT_TRUE(p.ok()) << p.status();
  Profile want;
  want.name = "Sam Lee";
  want.preferred_technologies = {"Go", "C++", "Postgres"};
  want.years_of_experience = 12;
  want.current_seniority = Seniority::kStaff;
  want.minimum_salary_usd = 150000;
  want.ideal_salary_usd = 200000;
  want.preferred_remote_policy = RemotePolicy::kOnsite;
  want.preferred_work_week = WorkWeekPreference::kFiveDays;
  want.preferred_locations = {"Berlin"};
  want.preferred_company_size = "enterprise";
  want.industry_preferences = {"health"};
  want.preferred_companies = {"Acme"};
  want.avoided_companies = {"Initech", "Globex"};
  want.open_to_relocation = true;
  want.looking_for_change = false;
  want.job_search_status.currently_employed = false;
  want.job_search_status.actively_looking = true;
  want.job_search_status.urgency = "high";
  want.job_search_status.situation = "Between jobs.";
  want.job_search_status.must_have = {"visa sponsorship"};
  want.job_search_status.nice_to_have = {"gym"};
  want.job_search_status.reject_if = {"pre_seed", "part_time", "five_day_week",
                                      "agency"};
  want.signature = "Sam";
  EXPECT_EQ(*p, want);
}

TEST(ProfileTest, MissingAndNullFieldsKeepDefaults) {
  absl::StatusOr<Profile> p = ParseProfileYaml(
      "name: Kim\n"
      "preferred_technologies:\n"
      "minimum_salary_usd: ~\n"
      "job_search_status:\n");
  ASSERT_TRUE(p.ok()) << p.status();
  Profile want;
  want.name = "Kim";
  want.signature = "Kim";  // Defaults to the name.
  EXPECT_EQ(*p, want);

  absl::StatusOr<Profile> empty = ParseProfileYaml("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, Profile{});
  absl::StatusOr<Profile> comments = ParseProfileYaml("# nothing yet\n");
  ASSERT_TRUE(comments.ok()) << comments.status();
}

struct ErrorCase {
  std::string_view yaml;
  std::string_view message;  // The whole status message.
};

TEST(ProfileTest, ErrorsNameTheLineAndField) {
  const ErrorCase kCases[] = {
      {"name: A\n"
       "years_of_experience: 5\n"
       "current_seniority: Senior\n"
       "\n"
       "# salary\n"
       "\n"
       "minimum_salary_usd: abc\n",
       "profile line 7: minimum_salary_usd: expected a non-negative integer, "
       "got \"abc\""},
      {"name: A\n"
       "\n"
       "prefered_technologies: [Go]\n",
       "profile line 3: unknown field 'prefered_technologies'"},
      {"minimum_salary_usd: -5\n",
       "profile line 1: minimum_salary_usd: expected a non-negative integer, "
       "got \"-5\""},
      {"minimum_salary_usd: 120000.5\n",
       "profile line 1: minimum_salary_usd: expected a non-negative integer, "
       "got \"120000.5\""},
      {"minimum_salary_usd: [1]\n",
       "profile line 1: minimum_salary_usd: expected a non-negative integer"},
      {"name: A\n"
       "minimum_salary_usd: 150000\n"
       "ideal_salary_usd: 100000\n",
       "profile line 3: ideal_salary_usd: must be >= minimum_salary_usd "
       "(150000), got 100000"},
      {"years_of_experience: 71\n",
       "profile line 1: years_of_experience: must be between 0 and 70, got 71"},
      {"name:\n"
       "  first: A\n",
       "profile line 2: name: expected a string"},
      {"open_to_relocation: maybe\n",
       "profile line 1: open_to_relocation: expected true or false, got "
       "\"maybe\""},
      {"current_seniority: Guru\n",
       "profile line 1: current_seniority: expected one of Unknown, Intern, "
       "Junior, Mid, Senior, Lead, Staff, Principal, got \"Guru\""},
      {"preferred_remote_policy: sometimes\n",
       "profile line 1: preferred_remote_policy: expected one of Unknown, "
       "Remote, Hybrid, Onsite, got \"sometimes\""},
      {"preferred_work_week: 3-days\n",
       "profile line 1: preferred_work_week: expected one of flexible, "
       "4-days, 5-days, got \"3-days\""},
      {"preferred_technologies: Python\n",
       "profile line 1: preferred_technologies: expected a list of strings"},
      {"preferred_technologies:\n"
       "  - Python\n"
       "  - Go\n"
       "  - {name: Rust}\n",
       "profile line 4: preferred_technologies[2]: expected a string"},
      {"name: A\n"
       "job_search_status:\n"
       "  urgency: low\n"
       "  rejectif: [crypto]\n",
       "profile line 4: unknown field 'job_search_status.rejectif'"},
      {"job_search_status:\n"
       "  reject_if:\n"
       "    - crypto\n"
       "    - blockchain\n",
       "profile line 4: job_search_status.reject_if[1]: unknown rule "
       "\"blockchain\" (known: agency, crypto, pre_seed, onsite, hybrid, "
       "contract, freelance, part_time, no_salary, five_day_week)"},
      {"job_search_status:\n"
       "  currently_employed: sure\n",
       "profile line 2: job_search_status.currently_employed: expected true "
       "or false, got \"sure\""},
      {"job_search_status: [a]\n",
       "profile line 1: job_search_status: expected a mapping of fields"},
      {"name: A\n"
       "name: B\n",
       "profile line 2: duplicate field 'name'"},
      {"- name: A\n", "profile line 1: expected a mapping of fields"},
      {"just text\n", "profile line 1: expected a mapping of fields"},
      {"[a, b]: c\n", "profile line 1: expected a field name"},
      {"name: \"x\xff\"\nopen_to_relocation: \"x\xff\"\n",
       "profile line 2: open_to_relocation: expected true or false, got "
       "\"x\\377\""},
  };
  for (const ErrorCase& c : kCases) {
    absl::StatusOr<Profile> p = ParseProfileYaml(c.yaml);
    ASSERT_FALSE(p.ok()) << c.yaml;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_EQ(std::string(p.status().message()), c.message) << c.yaml;
  }
}

TEST(ProfileTest, SyntaxErrorsReportYamlCppsLine) {
  const ErrorCase kCases[] = {
      {"name: A\n"
       "preferred_technologies: [Python, Go\n"
       "years_of_experience: 3\n",
       "profile line 3: invalid YAML: end of sequence flow not found"},
      {"name: A\n"
       "job_search_status:\n"
       "  urgency: low\n"
       " situation: x\n",
       "profile line 4: invalid YAML: end of map not found"},
      {"name: A\n"
       "years_of_experience: 3\n"
       "\tsignature: A\n",
       "profile line 3: invalid YAML: illegal tab when looking for "
       "indentation"},
      {"name: A\n"
       "signature: *who\n",
       "profile line 2: invalid YAML: the referenced anchor is not defined"},
      {"name: A: B\n", "profile line 1: invalid YAML: illegal map value"},
  };
  for (const ErrorCase& c : kCases) {
    absl::StatusOr<Profile> p = ParseProfileYaml(c.yaml);
    ASSERT_FALSE(p.ok()) << c.yaml;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(p.status().message()), c.message) << c.yaml;
  }
}

// Truncation produces most of the malformed shapes a hand-edited file takes;
// every one must come back as a status, never as an exception or a crash.
TEST(ProfileTest, EveryPrefixOfTheExampleParsesOrFailsCleanly) {
  std::ifstream in(kExamplePath, std::ios::binary);
  std::string example((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  ASSERT_FALSE(example.empty());
  for (size_t n = 0; n <= example.size(); ++n) {
    absl::StatusOr<Profile> p = ParseProfileYaml(example.substr(0, n));
    if (!p.ok()) {
      ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << n;
      ASSERT_TRUE(absl::StartsWith(p.status().message(), "profile"))
          << n << ": " << p.status();
    }
  }
}

TEST(ProfileTest, LongValuesAreShortenedInErrors) {
  std::string yaml = "minimum_salary_usd: " + std::string(500, '9') + "\n";
  absl::StatusOr<Profile> p = ParseProfileYaml(yaml);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(std::string(p.status().message()),
            "profile line 1: minimum_salary_usd: expected a non-negative "
            "integer, got \"" +
                std::string(40, '9') + "...\"");
}

TEST(ProfileTest, LoadMissingFileIsNotFound) {
  absl::StatusOr<Profile> p =
      LoadProfileFile(LIA_SOURCE_DIR "/config/no-such-profile.yaml");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound) << p.status();
}

// A temporary file removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents)
      : path_(testing::TempDir() + "lia_profile_test_" +
              testing::UnitTest::GetInstance()->current_test_info()->name() +
              ".yaml") {
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ProfileTest, LoadPrefixesErrorsWithThePath) {
  TempFile file("name: A\nyears: 3\n");
  absl::StatusOr<Profile> p = LoadProfileFile(file.path());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(p.status().message()),
            file.path() + ": profile line 2: unknown field 'years'");
}

TEST(ProfileTest, LoadRefusesFilesOverOneMebibyte) {
  std::string yaml = "name: A\n# " + std::string(1 << 20, 'x') + "\n";
  TempFile file(yaml);
  absl::StatusOr<Profile> p = LoadProfileFile(file.path());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(p.status().message(), "larger than"))
      << p.status();
  EXPECT_EQ(ParseProfileYaml(yaml).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProfileTest, LoadDirectoryIsAnError) {
  absl::StatusOr<Profile> p = LoadProfileFile(LIA_SOURCE_DIR "/config");
  EXPECT_FALSE(p.ok());
  EXPECT_NE(p.status().code(), absl::StatusCode::kNotFound);
}

struct ValidateCase {
  std::string_view name;
  void (*edit)(Profile&);
  std::string_view message;  // Empty: valid.
};

TEST(ProfileTest, ValidateProfile) {
  const ValidateCase kCases[] = {
      {"default", [](Profile&) {}, ""},
      {"ideal equal to minimum",
       [](Profile& p) { p.ideal_salary_usd = p.minimum_salary_usd; }, ""},
      {"ideal unknown", [](Profile& p) { p.ideal_salary_usd = 0; }, ""},
      {"no minimum",
       [](Profile& p) {
         p.minimum_salary_usd = 0;
         p.ideal_salary_usd = 10;
       },
       ""},
      {"ideal below minimum", [](Profile& p) { p.ideal_salary_usd = 100000; },
       "ideal_salary_usd: must be >= minimum_salary_usd (120000), got 100000"},
      {"negative minimum", [](Profile& p) { p.minimum_salary_usd = -1; },
       "minimum_salary_usd: must be >= 0, got -1"},
      {"negative ideal", [](Profile& p) { p.ideal_salary_usd = -1; },
       "ideal_salary_usd: must be >= 0, got -1"},
      {"70 years", [](Profile& p) { p.years_of_experience = 70; }, ""},
      {"negative years", [](Profile& p) { p.years_of_experience = -1; },
       "years_of_experience: must be between 0 and 70, got -1"},
      {"every known rule",
       [](Profile& p) {
         p.job_search_status.reject_if = {
             "agency",    "crypto",       "pre_seed",  "onsite",
             "hybrid",    "contract",     "freelance", "part_time",
             "no_salary", "five_day_week"};
       },
       ""},
      {"rule spelling variants",
       [](Profile& p) {
         p.job_search_status.reject_if = {"pre-seed", "Part-Time", "5-day-week",
                                          "five day week", "on-site"};
       },
       ""},
      {"unknown rule",
       [](Profile& p) { p.job_search_status.reject_if = {"web3"}; },
       "job_search_status.reject_if[0]: unknown rule \"web3\" (known: agency, "
       "crypto, pre_seed, onsite, hybrid, contract, freelance, part_time, "
       "no_salary, five_day_week)"},
  };
  for (const ValidateCase& c : kCases) {
    Profile p = DefaultProfile();
    c.edit(p);
    absl::Status status = ValidateProfile(p);
    if (c.message.empty()) {
      EXPECT_TRUE(status.ok()) << c.name << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_EQ(std::string(status.message()), c.message) << c.name;
    }
  }
}

TEST(ProfileTest, DefaultProfileIsASeniorRemoteBackendEngineer) {
  Profile p = DefaultProfile();
  EXPECT_EQ(p.name, "Alex Doe");
  EXPECT_EQ(p.signature, "Alex Doe");
  EXPECT_EQ(p.preferred_technologies,
            (Strings{"Python", "Go", "PostgreSQL", "Kubernetes", "AWS"}));
  EXPECT_EQ(p.current_seniority, Seniority::kSenior);
  EXPECT_EQ(p.minimum_salary_usd, 120000);
  EXPECT_EQ(p.ideal_salary_usd, 160000);
  EXPECT_EQ(p.preferred_remote_policy, RemotePolicy::kRemote);
  EXPECT_EQ(p.preferred_work_week, WorkWeekPreference::kFlexible);
  EXPECT_TRUE(p.job_search_status.reject_if.empty());
  EXPECT_TRUE(ValidateProfile(p).ok());
}

}  // namespace
}  // namespace lia::core
