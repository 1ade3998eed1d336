#include "llm/stages.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "analysis/reply.h"
#include "analysis/tech_lexicon.h"
#include "analysis/text.h"
#include "core/json.h"
#include "core/status_macros.h"
#include "llm/answer_cache.h"
#include "llm/prompts/prompts.h"
#include "llm/provider.h"
#include "llm/validate.h"
#include "nlohmann/json.hpp"

namespace lia::llm {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxThreadEntryBytes = 2048;
constexpr size_t kMaxEchoedAnswerBytes = 8192;  // Quoted back in a repair.
constexpr size_t kMaxErrorsInStatus = 3;
constexpr char kErrorsPlaceholder[] = "{{errors}}";

std::string View(absl::string_view s) {
  return std::string(s.data(), s.size());
}

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Cuts at a UTF-8 boundary.
std::string_view Clip(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

// One line, single spaces, trimmed.
std::string NormalizeLine(std::string_view s) {
  std::string text = NormalizeInputText(s, 1024);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return NormalizeInputText(text, text.size());
}

std::string Fnv1aHex(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

// "```json\n{...}\n```" -> "{...}": models without a JSON mode often fence
// their answer.
std::string_view StripFence(std::string_view text) {
  text = analysis::Trim(text);
  if (text.substr(0, 3) != "```") return text;
  const size_t first_line_end = text.find('\n');
  if (first_line_end == std::string_view::npos) return text;
  std::string_view body = text.substr(first_line_end + 1);
  body = analysis::Trim(body);
  if (body.size() >= 3 && body.substr(body.size() - 3) == "```") {
    body = body.substr(0, body.size() - 3);
  }
  return analysis::Trim(body);
}

using Errors = std::vector<std::string>;
// Rewrites a schema-valid answer into its canonical form, adding a
// "<path>: <problem>" line per value that cannot be made right.
using Normalizer = std::function<void(Json& answer, Errors& errors)>;

// ---- The engine the four stages share ---------------------------------

struct StageSpec {
  StagePrompt prompt;
  JsonSchema schema;
};

class Engine {
 public:
  Engine(Provider& provider, AnswerCache& answers, LlmStagesOptions options,
         std::map<std::string, StageSpec> specs, std::string repair_template)
      : provider_(provider),
        answers_(answers),
        options_(std::move(options)),
        label_(absl::StrCat(provider.name(), ":", options_.model)),
        specs_(std::move(specs)),
        repair_template_(std::move(repair_template)),
        counters_(options_.counters != nullptr ? *options_.counters
                                               : own_counters_),
        rules_classifier_(analysis::NewRulesClassifier()) {}

  const std::string& label() const { return label_; }
  const LlmStagesOptions& options() const { return options_; }
  LlmStageCounters& counters() const { return counters_; }
  const analysis::Classifier& rules_classifier() const {
    return *rules_classifier_;
  }

  absl::Status LeaveToRules(std::string_view reason) const {
    ++counters_.left_to_rules;
    return analysis::LeaveToRules(reason);
  }

  // The validated, normalised answer of `stage` to `input`: from the
  // AnswerCache, else from the model, with one repair.
  absl::StatusOr<Json> Ask(const std::string& stage, const Json& input,
                           const std::string& profile_version,
                           const Normalizer& normalize) const {
    const StageSpec& spec = specs_.at(stage);
    const std::string user = Dump(input);
    AnswerKey key;
    key.provider = provider_.name();
    key.model = options_.model;
    key.stage = stage;
    key.prompt_version =
        absl::StrCat(spec.prompt.id, "+", spec.prompt.fingerprint);
    key.profile_version = profile_version;
    key.input = user;
    if (std::optional<std::string> cached = answers_.Get(key)) {
      Json answer;
      // Stored answers were valid; one that is not any more (a normaliser
      // changed) is asked again.
      if (Check(spec, *cached, "", normalize, &answer).empty()) {
        ++counters_.cached;
        return answer;
      }
    }

    // One model call per key at a time: a second identical request (two
    // workers, two lines of a batch) waits for the first's answer instead
    // of paying for it again.
    const std::string digest = key.Digest();
    std::shared_ptr<InFlight> flight;
    bool leader = false;
    {
      absl::MutexLock lock(&flights_mu_);
      std::shared_ptr<InFlight>& slot = flights_[digest];
      if (!slot) {
        slot = std::make_shared<InFlight>();
        leader = true;
      }
      flight = slot;
    }
    if (!leader) {
      flight->done.WaitForNotification();
      if (flight->result.ok()) ++counters_.cached;
      return flight->result;
    }
    flight->result = AskModel(spec, key, user, normalize);
    {
      absl::MutexLock lock(&flights_mu_);
      flights_.erase(digest);
    }
    flight->done.Notify();
    return flight->result;
  }

 private:
  struct InFlight {
    absl::Notification done;
    absl::StatusOr<Json> result = absl::UnknownError("not answered");
  };

  // The model's validated answer, with one repair; stored in the cache.
  absl::StatusOr<Json> AskModel(const StageSpec& spec, const AnswerKey& key,
                                const std::string& user,
                                const Normalizer& normalize) const {
    const std::string& stage = key.stage;
    ChatRequest request;
    request.model = options_.model;
    request.system = std::string(spec.prompt.instructions);
    request.messages.push_back({ChatMessage::Role::kUser, user});
    request.json_schema = spec.schema.text();
    request.schema_name = stage;
    request.temperature = options_.temperature;
    request.max_tokens = options_.max_tokens;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    for (int attempt = 0;; ++attempt) {
      ++counters_.calls;
      if (attempt > 0) ++counters_.repairs;
      absl::StatusOr<ChatResponse> response = provider_.Complete(request);
      if (!response.ok()) {
        ++counters_.failures;
        return absl::Status(
            response.status().code(),
            absl::StrCat(label_, ": ",
                         absl::StatusCodeToString(response.status().code()),
                         ": ", View(response.status().message())));
      }
      input_tokens += response->usage.input_tokens;
      output_tokens += response->usage.output_tokens;
      counters_.input_tokens += response->usage.input_tokens;
      counters_.output_tokens += response->usage.output_tokens;
      Json answer;
      const Errors errors = Check(spec, response->text, response->finish_reason,
                                  normalize, &answer);
      if (errors.empty()) {
        answers_.Put(key, Dump(answer), input_tokens, output_tokens);
        return answer;
      }
      ++counters_.invalid_answers;
      if (attempt >= options_.repair_attempts) {
        ++counters_.failures;
        const size_t shown = std::min(errors.size(), kMaxErrorsInStatus);
        // DataLoss: the answer came back but is unusable, like a reply that
        // is not the API's format (llm/provider.h).
        return absl::DataLossError(absl::StrCat(
            label_, ": invalid answer",
            attempt == 0 ? ""
                         : absl::StrCat(" after ", attempt, " repair",
                                        attempt == 1 ? "" : "s"),
            ": ", absl::StrJoin(errors.begin(), errors.begin() + shown, "; ")));
      }
      request.messages.push_back(
          {ChatMessage::Role::kAssistant,
           std::string(Clip(response->text, kMaxEchoedAnswerBytes))});
      request.messages.push_back({ChatMessage::Role::kUser, Repair(errors)});
    }
  }

  // Parse, schema, then normalisation; the problems found, or none and
  // *out set.
  static Errors Check(const StageSpec& spec, std::string_view text,
                      std::string_view finish_reason,
                      const Normalizer& normalize, Json* out) {
    absl::StatusOr<Json> parsed = core::ParseJson(StripFence(text));
    if (!parsed.ok()) {
      return {absl::StrCat(
          "$: not valid JSON (", View(parsed.status().message()), ")",
          finish_reason == "length"
              ? "; the answer was cut off at the token limit: be brief"
              : "")};
    }
    Errors errors = spec.schema.Validate(*parsed);
    if (!errors.empty()) return errors;
    normalize(*parsed, errors);
    if (errors.empty()) *out = *std::move(parsed);
    return errors;
  }

  std::string Repair(const Errors& errors) const {
    std::string list;
    for (const std::string& e : errors) absl::StrAppend(&list, "- ", e, "\n");
    if (!list.empty()) list.pop_back();
    return absl::StrReplaceAll(repair_template_, {{kErrorsPlaceholder, list}});
  }

  Provider& provider_;
  AnswerCache& answers_;
  const LlmStagesOptions options_;
  const std::string label_;
  const std::map<std::string, StageSpec> specs_;
  const std::string repair_template_;
  mutable LlmStageCounters own_counters_;
  LlmStageCounters& counters_;
  mutable absl::Mutex flights_mu_;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<InFlight>> flights_
      ABSL_GUARDED_BY(flights_mu_);
  const std::unique_ptr<analysis::Classifier> rules_classifier_;
};

// ---- Inputs ---------------------------------------------------------------

Json ThreadJson(const core::Message& message, const LlmStagesOptions& o) {
  Json thread = Json::array();
  const size_t n = message.thread.size();
  const size_t keep = std::min(n, static_cast<size_t>(o.max_thread_entries));
  for (size_t i = n - keep; i < n; ++i) {
    const core::ThreadEntry& e = message.thread[i];
    thread.push_back(
        {{"from", std::string(core::ToString(e.from))},
         {"text", NormalizeInputText(e.text, kMaxThreadEntryBytes)}});
  }
  return thread;
}

std::string FirstName(std::string_view sender) {
  const std::string line = NormalizeLine(sender);
  const std::string first = line.substr(0, line.find(' '));
  std::string_view trimmed = analysis::Trim(first, ",;:.!?\"'()");
  const bool letter = std::any_of(trimmed.begin(), trimmed.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
  });
  if (!letter || trimmed.size() > 40 ||
      trimmed.find('@') != std::string_view::npos) {
    return "";
  }
  return std::string(trimmed);
}

std::string Signature(const core::Profile& profile) {
  std::string signature = NormalizeLine(profile.signature);
  if (signature.empty()) signature = NormalizeLine(profile.name);
  return signature;
}

Json OptionalString(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return NormalizeLine(*s);
}

// ---- The stages -------------------------------------------------------------

class LlmClassifier final : public analysis::Classifier {
 public:
  explicit LlmClassifier(std::shared_ptr<const Engine> engine)
      : engine_(std::move(engine)) {}

  // analysis::Classifier:
  std::string_view engine() const override { return engine_->label(); }
  absl::StatusOr<core::Classification> Classify(
      const analysis::StageInput& input) const override {
    absl::StatusOr<core::Classification> rules =
        engine_->rules_classifier().Classify(input);
    if (rules.ok() && rules->state == core::ConversationState::kCourtesyClose &&
        rules->confidence >= engine_->options().courtesy_close_certainty) {
      return engine_->LeaveToRules("certain courtesy close");
    }
    const Json in = {
        {"language", std::string(core::ToString(input.language))},
        {"thread", ThreadJson(input.message, engine_->options())},
        {"message", NormalizeInputText(input.message.text,
                                       engine_->options().max_message_bytes)}};
    LIA_ASSIGN_OR_RETURN(
        Json answer, engine_->Ask("classify", in, "", [](Json&, Errors&) {}));
    core::Classification out;
    out.state = *core::ParseConversationState(
        answer["conversation_state"].get<std::string>());
    out.confidence = answer["confidence"].get<double>();
    return out;
  }

 private:
  std::shared_ptr<const Engine> engine_;
};

class LlmFollowUpAnalyzer final : public analysis::FollowUpAnalyzer {
 public:
  explicit LlmFollowUpAnalyzer(std::shared_ptr<const Engine> engine)
      : engine_(std::move(engine)) {}

  // analysis::FollowUpAnalyzer:
  std::string_view engine() const override { return engine_->label(); }
  absl::StatusOr<core::FollowUp> Analyze(
      const analysis::StageInput& input,
      const core::Profile& profile) const override {
    const Json facts = {
        {"years_of_experience", profile.years_of_experience},
        {"salary_expectations_stated",
         profile.ideal_salary_usd > 0 || profile.minimum_salary_usd > 0},
        {"currently_employed", profile.job_search_status.currently_employed},
        {"actively_looking", profile.job_search_status.actively_looking},
        {"situation",
         NormalizeInputText(profile.job_search_status.situation, 500)},
    };
    const Json in = {
        {"language", std::string(core::ToString(input.language))},
        {"thread", ThreadJson(input.message, engine_->options())},
        {"message", NormalizeInputText(input.message.text,
                                       engine_->options().max_message_bytes)},
        {"profile", facts}};
    LIA_ASSIGN_OR_RETURN(Json answer,
                         engine_->Ask("follow_up", in, Fnv1aHex(Dump(facts)),
                                      [](Json&, Errors&) {}));
    core::FollowUp out;
    out.question_type =
        *core::ParseQuestionType(answer["question_type"].get<std::string>());
    out.answerable_from_profile = answer["answerable_from_profile"].get<bool>();
    return out;
  }

 private:
  std::shared_ptr<const Engine> engine_;
};

class LlmExtractor final : public analysis::Extractor {
 public:
  explicit LlmExtractor(std::shared_ptr<const Engine> engine)
      : engine_(std::move(engine)) {}

  // analysis::Extractor:
  std::string_view engine() const override { return engine_->label(); }
  absl::StatusOr<core::Extraction> Extract(
      const analysis::StageInput& input,
      core::ConversationState state) const override {
    // A close states no job: nothing worth a call.
    if (state == core::ConversationState::kCourtesyClose) {
      return engine_->LeaveToRules("courtesy close");
    }
    const Json in = {
        {"language", std::string(core::ToString(input.language))},
        {"conversation_state", std::string(core::ToString(state))},
        {"message", NormalizeInputText(input.message.text,
                                       engine_->options().max_message_bytes)}};
    LIA_ASSIGN_OR_RETURN(
        Json answer, engine_->Ask("extract", in, "", NormalizeExtractAnswer));
    absl::StatusOr<core::Extraction> out = core::ExtractionFromJson(answer);
    if (!out.ok()) {
      return absl::DataLossError(absl::StrCat(
          engine_->label(),
          ": normalised answer unreadable: ", View(out.status().message())));
    }
    return out;
  }

 private:
  std::shared_ptr<const Engine> engine_;
};

class LlmDrafter final : public analysis::Drafter {
 public:
  explicit LlmDrafter(std::shared_ptr<const Engine> engine)
      : engine_(std::move(engine)) {}

  // analysis::Drafter:
  std::string_view engine() const override { return engine_->label(); }
  absl::StatusOr<core::Reply> Draft(
      const core::Analysis& analysis, const core::Message& message,
      const core::Profile& profile) const override {
    // What the reply does (interested, decline, answer or none) follows
    // from the filters and the tier, which are deterministic: the rules
    // decide it; the model only writes.
    const core::Reply rules = analysis::DraftReply(analysis, message, profile);
    if (rules.kind == core::ReplyKind::kNone) {
      return engine_->LeaveToRules("no reply needed");
    }
    const core::Extraction& job = analysis.extraction;
    DraftExpectations expected;
    expected.language = analysis.language;
    expected.kind = rules.kind;
    expected.signature = Signature(profile);

    Json facts = {{"signature", expected.signature}};
    Json in = {
        {"language", std::string(core::ToString(analysis.language))},
        {"reply_kind", std::string(core::ToString(rules.kind))},
        {"recipient_first_name", FirstName(message.sender)},
        {"job",
         {{"company", OptionalString(job.company)},
          {"role", OptionalString(job.role)},
          {"location", OptionalString(job.location)}}},
    };
    if (rules.kind == core::ReplyKind::kInterested) {
      // What the message left open (as the rules drafter asks it).
      Json asks = Json::array();
      if (!job.salary) asks.push_back("salary");
      if (job.work_week == core::WorkWeek::kUnknown &&
          profile.preferred_work_week == core::WorkWeekPreference::kFourDays) {
        asks.push_back("work_week");
      }
      if (job.remote_policy == core::RemotePolicy::kUnknown) {
        asks.push_back("remote_policy");
      }
      if (job.agency && !job.company) asks.push_back("company");
      in["ask_about"] = asks;
      facts["ask_about"] = asks;
    }
    if (rules.kind == core::ReplyKind::kAnswer) {
      const core::QuestionType question =
          analysis.follow_up ? analysis.follow_up->question_type
                             : core::QuestionType::kNone;
      in["question_type"] = std::string(core::ToString(question));
      // The ideal salary opens a negotiation; the minimum is said only when
      // it is all the profile has (as the rules drafter does).
      const int64_t salary = profile.ideal_salary_usd > 0
                                 ? profile.ideal_salary_usd
                                 : profile.minimum_salary_usd;
      std::vector<std::string> techs;
      for (const std::string& t : profile.preferred_technologies) {
        std::optional<std::string> c =
            analysis::DefaultTechLexicon().Canonicalize(t);
        std::string name = c ? *c : NormalizeLine(t);
        if (!name.empty() &&
            std::find(techs.begin(), techs.end(), name) == techs.end() &&
            techs.size() < 5) {
          techs.push_back(std::move(name));
        }
      }
      facts["candidate"] = {
          {"years_of_experience", profile.years_of_experience},
          {"salary_expectation_usd_per_year", salary},
          {"salary_is_a_minimum", profile.ideal_salary_usd <= 0 && salary > 0},
          {"main_technologies", techs},
          {"currently_employed", profile.job_search_status.currently_employed},
          {"looking_for_change", profile.looking_for_change},
          {"situation",
           NormalizeInputText(profile.job_search_status.situation, 500)}};
      in["candidate"] = facts["candidate"];
    }
    in["signature"] = expected.signature;
    in["message"] =
        NormalizeInputText(message.text, engine_->options().max_message_bytes);
    LIA_ASSIGN_OR_RETURN(Json answer,
                         engine_->Ask("draft", in, Fnv1aHex(Dump(facts)),
                                      [&expected](Json& a, Errors& e) {
                                        NormalizeDraftAnswer(expected, a, e);
                                      }));
    core::Reply out;
    out.kind = rules.kind;
    out.language = analysis.language;
    out.text = answer["text"].get<std::string>();
    return out;
  }

 private:
  std::shared_ptr<const Engine> engine_;
};

}  // namespace

LlmStageStats LlmStageCounters::Snapshot() const {
  LlmStageStats s;
  s.calls = calls.load();
  s.repairs = repairs.load();
  s.cached = cached.load();
  s.left_to_rules = left_to_rules.load();
  s.invalid_answers = invalid_answers.load();
  s.failures = failures.load();
  s.input_tokens = input_tokens.load();
  s.output_tokens = output_tokens.load();
  return s;
}

absl::StatusOr<analysis::Pipeline::Stages> NewLlmStages(
    Provider& provider, AnswerCache& answers, LlmStagesOptions options) {
  if (options.model.empty()) {
    return absl::InvalidArgumentError("model: required");
  }
  if (options.repair_attempts < 0 || options.repair_attempts > 3) {
    return absl::InvalidArgumentError("repair_attempts: expected 0..3");
  }
  if (options.max_tokens < 1) {
    return absl::InvalidArgumentError("max_tokens: expected at least 1");
  }
  if (options.max_thread_entries < 0) {
    return absl::InvalidArgumentError(
        "max_thread_entries: expected a non-negative number");
  }
  if (options.max_message_bytes < 1) {
    return absl::InvalidArgumentError("max_message_bytes: expected at least 1");
  }
  std::map<std::string, StageSpec> specs;
  for (const char* stage : {"classify", "follow_up", "extract", "draft"}) {
    const auto pinned = options.prompt_versions.find(stage);
    LIA_ASSIGN_OR_RETURN(
        StagePrompt prompt,
        FindStagePrompt(stage, pinned == options.prompt_versions.end()
                                   ? 0
                                   : pinned->second));
    absl::StatusOr<JsonSchema> schema = JsonSchema::Compile(prompt.schema);
    if (!schema.ok()) {
      return absl::InternalError(absl::StrCat("prompt ", prompt.id, ": ",
                                              View(schema.status().message())));
    }
    specs.emplace(stage, StageSpec{std::move(prompt), *std::move(schema)});
  }
  LIA_ASSIGN_OR_RETURN(std::string_view repair, FindPromptText("repair"));
  if (repair.find(kErrorsPlaceholder) == std::string_view::npos) {
    return absl::InternalError("the repair prompt has no {{errors}}");
  }
  auto engine =
      std::make_shared<const Engine>(provider, answers, std::move(options),
                                     std::move(specs), std::string(repair));
  analysis::Pipeline::Stages stages;
  stages.classifier = std::make_unique<LlmClassifier>(engine);
  stages.follow_up = std::make_unique<LlmFollowUpAnalyzer>(engine);
  stages.extractor = std::make_unique<LlmExtractor>(engine);
  stages.drafter = std::make_unique<LlmDrafter>(engine);
  return stages;
}

}  // namespace lia::llm
