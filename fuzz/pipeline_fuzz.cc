// Arbitrary bytes through the whole analysis pipeline: message (or message
// JSON) -> NewRulesPipeline()->Analyze -> core::ToJson -> strict UTF-8 dump.
//
// Input: byte 0 is a mode, the rest the payload.
//   mode & 0x02  parse the payload as message JSON first (core::ParseJson,
//                core::MessageFromJson); when that fails, go on as below.
//   mode & 0x01  the payload is chunks split at 0x1E (ASCII record separator):
//                the last chunk is the message text, the earlier ones thread
//                entries, oldest first, speakers alternating (mode & 0x04
//                starts with the candidate).
//   mode & 0x08  the first chunk is the sender's name instead (raw bytes).
//   mode & 0x10  a demanding profile (every reject_if rule, a minimum salary,
//                remote only, four-day week) instead of core::DefaultProfile().
//   mode & 0x20  a pipeline with a small max_message_bytes, so messages are
//                truncated (anywhere, mid-character too).
//   otherwise    the payload is the message text.
// The seeds `make fuzz` writes are mode 0 + a corpus message text and mode 2 +
// a corpus case as JSON.
//
// Fails (aborts) when: Analyze returns an error (it "never fails for any input
// bytes"); a string of the analysis is not valid UTF-8 (nlohmann's strict
// error handler throws type_error 316, uncaught on purpose); a documented
// invariant of core/types.h does not hold.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/pipeline.h"
#include "core/json.h"
#include "core/profile.h"
#include "core/types.h"
#include "fuzz_check.h"
#include "nlohmann/json.hpp"

namespace {

using lia::analysis::NewRulesPipeline;
using lia::analysis::Pipeline;
using lia::analysis::PipelineOptions;
namespace core = lia::core;

constexpr char kChunkSeparator = '\x1e';
constexpr size_t kSmallMaxMessageBytes = 257;

core::Profile DemandingProfile() {
  core::Profile profile = core::DefaultProfile();
  profile.minimum_salary_usd = 150000;
  profile.ideal_salary_usd = 200000;
  profile.preferred_remote_policy = core::RemotePolicy::kRemote;
  profile.preferred_work_week = core::WorkWeekPreference::kFourDays;
  profile.avoided_companies = {"Acme", "Globex"};
  profile.preferred_companies = {"Initech"};
  profile.job_search_status.reject_if = {
      "agency",   "crypto",    "pre_seed",  "onsite",    "hybrid",
      "contract", "freelance", "part_time", "no_salary", "five_day_week"};
  return profile;
}

std::vector<std::string_view> SplitChunks(std::string_view payload) {
  std::vector<std::string_view> chunks;
  size_t begin = 0;
  for (size_t i = 0; i <= payload.size(); ++i) {
    if (i == payload.size() || payload[i] == kChunkSeparator) {
      chunks.push_back(payload.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  return chunks;
}

core::Message RawMessage(uint8_t mode, std::string_view payload) {
  core::Message message;
  message.id = "fuzz";
  if ((mode & 0x09) == 0) {
    message.text = std::string(payload);
    return message;
  }
  std::vector<std::string_view> chunks = SplitChunks(payload);
  size_t first = 0;
  if ((mode & 0x08) != 0 && chunks.size() > 1) {
    message.sender = std::string(chunks[0]);
    first = 1;
  }
  message.text = std::string(chunks.back());
  if ((mode & 0x01) != 0) {
    bool candidate = (mode & 0x04) != 0;
    for (size_t i = first; i + 1 < chunks.size(); ++i) {
      core::ThreadEntry entry;
      entry.from =
          candidate ? core::Speaker::kCandidate : core::Speaker::kRecruiter;
      entry.text = std::string(chunks[i]);
      message.thread.push_back(std::move(entry));
      candidate = !candidate;
    }
  }
  return message;
}

void CheckInvariants(const core::Analysis& analysis) {
  const core::Scores& s = analysis.scores;
  LIA_FUZZ_CHECK(s.tech >= 0 && s.tech <= 40, std::to_string(s.tech));
  LIA_FUZZ_CHECK(s.salary >= 0 && s.salary <= 30, std::to_string(s.salary));
  LIA_FUZZ_CHECK(s.seniority >= 0 && s.seniority <= 20,
                 std::to_string(s.seniority));
  LIA_FUZZ_CHECK(s.company >= 0 && s.company <= 10, std::to_string(s.company));
  LIA_FUZZ_CHECK(s.total >= 0 && s.total <= 100, std::to_string(s.total));
  const double confidence = analysis.classification.confidence;
  LIA_FUZZ_CHECK(confidence >= 0.0 && confidence <= 1.0,
                 std::to_string(confidence));
  LIA_FUZZ_CHECK(
      analysis.follow_up.has_value() ==
          (analysis.classification.state == core::ConversationState::kFollowUp),
      "follow_up is set for FOLLOW_UP only");
  if (const auto& salary = analysis.extraction.salary) {
    LIA_FUZZ_CHECK(
        salary->min <= salary->max,
        std::to_string(salary->min) + " > " + std::to_string(salary->max));
    if (salary->yearly_usd_min && salary->yearly_usd_max) {
      LIA_FUZZ_CHECK(*salary->yearly_usd_min <= *salary->yearly_usd_max,
                     "yearly_usd_min <= yearly_usd_max");
    }
  }
  if (analysis.reply.kind == core::ReplyKind::kNone) {
    LIA_FUZZ_CHECK(analysis.reply.text.empty(), analysis.reply.text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<Pipeline> pipeline = NewRulesPipeline();
  static const std::unique_ptr<Pipeline> truncating_pipeline = [] {
    PipelineOptions options;
    options.max_message_bytes = kSmallMaxMessageBytes;
    return NewRulesPipeline(options);
  }();
  static const core::Profile default_profile = core::DefaultProfile();
  static const core::Profile demanding_profile = DemandingProfile();

  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1,
                                 size - 1);

  core::Message message;
  bool from_json = false;
  if ((mode & 0x02) != 0) {
    absl::StatusOr<nlohmann::json> json = core::ParseJson(payload);
    if (json.ok()) {
      absl::StatusOr<core::Message> parsed = core::MessageFromJson(*json);
      if (parsed.ok()) {
        message = *std::move(parsed);
        from_json = true;
      }
    }
  }
  if (!from_json) message = RawMessage(mode, payload);

  const core::Profile& profile =
      (mode & 0x10) != 0 ? demanding_profile : default_profile;
  const Pipeline& engine =
      (mode & 0x20) != 0 ? *truncating_pipeline : *pipeline;

  absl::StatusOr<core::Analysis> analysis = engine.Analyze(message, profile);
  LIA_FUZZ_CHECK(analysis.ok(), analysis.status().ToString());
  CheckInvariants(*analysis);

  // Throws nlohmann type_error 316 on invalid UTF-8: left uncaught so the
  // fuzzer reports the input.
  const std::string out = core::ToJson(*analysis).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::strict);
  LIA_FUZZ_CHECK(!out.empty(), "empty JSON");
  return 0;
}
