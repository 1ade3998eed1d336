// llm_standin: an OpenAI Chat Completions stand-in whose "model" is lia's
// own rules engine, for end-to-end tests and benchmarks of the LLM engine
// with the real `lia` binary (tests/llm_e2e_test.cc,
// bench/llm_cache_bench.py).
//
//   llm_standin [--port N] [--delay-ms N] [--api-key KEY]
//
// Listens on 127.0.0.1 (port 0: any free port) and prints, as its first
// line on standard output,
//   llm_standin: listening on http://127.0.0.1:PORT/v1
// which is what OPENAI_BASE_URL should be. Runs until SIGTERM or SIGINT.
//
//   POST /v1/chat/completions  OpenAI's request and response. The stage is
//       read from response_format.json_schema.name (or, in JSON mode, from
//       the fields of the user turn); the user turn (the first user message,
//       the JSON object llm/stages.cc sends) is answered by the matching
//       rules stage, shaped as that stage's schema
//       (src/llm/prompts/<stage>.v1.schema.json), in
//       choices[0].message.content, with usage estimated at 4 bytes a
//       token. With --api-key, anything but "Authorization: Bearer KEY" is
//       401. --delay-ms holds every answer that long (a slow model, so a
//       test can kill a client half-way).
//   GET /stats  {"requests": N, "by_stage": {"classify": n, ...},
//       "errors": n}: completion requests received, and those answered
//       with an error.
//
// Because the answers are the rules engine's, `lia analyze --engine
// openai:MODEL` against this server must score what `lia analyze` scores:
// any difference is the LLM engine's plumbing (what the stages send, the
// normalisation, the cache), not a model.

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "analysis/pipeline.h"
#include "analysis/reply.h"
#include "core/json.h"
#include "core/status_macros.h"
#include "core/types.h"
#include "nlohmann/json.hpp"

namespace lia::standin {
namespace {

using Json = nlohmann::json;

struct Options {
  int port = 0;         // Default 0: any free port.
  int delay_ms = 0;     // Default 0. Wait before each completion answer.
  std::string api_key;  // Default "": any Authorization (or none) accepted.
};

constexpr char kUsage[] =
    "usage: llm_standin [--port N] [--delay-ms N] [--api-key KEY]\n";

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    if (arg == "--port") {
      if (!absl::SimpleAtoi(value, &options.port) || options.port < 0 ||
          options.port > 65535) {
        return std::nullopt;
      }
    } else if (arg == "--delay-ms") {
      if (!absl::SimpleAtoi(value, &options.delay_ms) || options.delay_ms < 0) {
        return std::nullopt;
      }
    } else if (arg == "--api-key") {
      options.api_key = value;
    } else {
      return std::nullopt;
    }
  }
  return options;
}

// ---- The stages' user turns, answered by the rules engine -------------------

// in[key] as a string; "" when absent or null.
std::string Str(const Json& in, const char* key) {
  const auto it = in.find(key);
  return it != in.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<std::string> OptionalStr(const Json& in, const char* key) {
  const auto it = in.find(key);
  if (it == in.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

absl::StatusOr<core::Language> LanguageOf(const Json& in) {
  std::optional<core::Language> language =
      core::ParseLanguage(Str(in, "language"));
  if (!language) {
    return absl::InvalidArgumentError("user turn: bad \"language\"");
  }
  return *language;
}

// The message (and thread) as classify and follow_up send them.
absl::StatusOr<core::Message> MessageOf(const Json& in) {
  core::Message message;
  message.text = Str(in, "message");
  if (const auto thread = in.find("thread");
      thread != in.end() && thread->is_array()) {
    for (const Json& entry : *thread) {
      std::optional<core::Speaker> from =
          core::ParseSpeaker(Str(entry, "from"));
      if (!from) return absl::InvalidArgumentError("thread: bad \"from\"");
      message.thread.push_back({*from, Str(entry, "text"), ""});
    }
  }
  return message;
}

class RulesAnswers {
 public:
  RulesAnswers()
      : classifier_(analysis::NewRulesClassifier()),
        follow_up_(analysis::NewRulesFollowUpAnalyzer()),
        extractor_(analysis::NewRulesExtractor()) {}

  // The answer of `stage` to its user turn `in`, as the stage's schema
  // says. Thread-safe (the rules stages are stateless).
  absl::StatusOr<Json> Answer(std::string_view stage, const Json& in) const {
    if (stage == "classify") return Classify(in);
    if (stage == "follow_up") return FollowUp(in);
    if (stage == "extract") return Extract(in);
    if (stage == "draft") return Draft(in);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown stage \"", std::string(stage), "\""));
  }

 private:
  absl::StatusOr<Json> Classify(const Json& in) const {
    LIA_ASSIGN_OR_RETURN(core::Language language, LanguageOf(in));
    LIA_ASSIGN_OR_RETURN(core::Message message, MessageOf(in));
    const analysis::StageInput input{message, language};
    LIA_ASSIGN_OR_RETURN(core::Classification c, classifier_->Classify(input));
    return Json{{"conversation_state", std::string(core::ToString(c.state))},
                {"confidence", c.confidence}};
  }

  absl::StatusOr<Json> FollowUp(const Json& in) const {
    LIA_ASSIGN_OR_RETURN(core::Language language, LanguageOf(in));
    LIA_ASSIGN_OR_RETURN(core::Message message, MessageOf(in));
    // The profile facts the stage sends stand for the profile.
    const Json facts = in.value("profile", Json::object());
    core::Profile profile;
    profile.years_of_experience = facts.value("years_of_experience", 0);
    profile.ideal_salary_usd =
        facts.value("salary_expectations_stated", false) ? 1 : 0;
    profile.job_search_status.currently_employed =
        facts.value("currently_employed", true);
    profile.job_search_status.actively_looking =
        facts.value("actively_looking", false);
    profile.job_search_status.situation = Str(facts, "situation");
    const analysis::StageInput input{message, language};
    LIA_ASSIGN_OR_RETURN(core::FollowUp f, follow_up_->Analyze(input, profile));
    return Json{{"question_type", std::string(core::ToString(f.question_type))},
                {"answerable_from_profile", f.answerable_from_profile}};
  }

  absl::StatusOr<Json> Extract(const Json& in) const {
    LIA_ASSIGN_OR_RETURN(core::Language language, LanguageOf(in));
    std::optional<core::ConversationState> state =
        core::ParseConversationState(Str(in, "conversation_state"));
    if (!state) {
      return absl::InvalidArgumentError("user turn: bad conversation_state");
    }
    core::Message message;
    message.text = Str(in, "message");
    const analysis::StageInput input{message, language};
    LIA_ASSIGN_OR_RETURN(core::Extraction e,
                         extractor_->Extract(input, *state));
    Json answer = core::ToJson(e);
    // The schema's salary is the offer as written, without the yearly USD
    // figures the pipeline adds.
    if (answer["salary"].is_object()) {
      answer["salary"].erase("yearly_usd_min");
      answer["salary"].erase("yearly_usd_max");
    }
    return answer;
  }

  // The rules drafter, on an analysis rebuilt from what the stage sends: the
  // reply kind, the job, what to ask about, the candidate's facts.
  static absl::StatusOr<Json> Draft(const Json& in) {
    LIA_ASSIGN_OR_RETURN(core::Language language, LanguageOf(in));
    std::optional<core::ReplyKind> kind =
        core::ParseReplyKind(Str(in, "reply_kind"));
    if (!kind || *kind == core::ReplyKind::kNone) {
      return absl::InvalidArgumentError("user turn: bad reply_kind");
    }
    core::Analysis analysis;
    analysis.language = language;
    core::Profile profile;
    profile.signature = Str(in, "signature");
    const Json job = in.value("job", Json::object());
    analysis.extraction.company = OptionalStr(job, "company");
    analysis.extraction.role = OptionalStr(job, "role");
    analysis.extraction.location = OptionalStr(job, "location");

    switch (*kind) {
      case core::ReplyKind::kAnswer: {
        analysis.classification.state = core::ConversationState::kFollowUp;
        core::FollowUp follow_up;
        follow_up.question_type =
            core::ParseQuestionType(Str(in, "question_type"))
                .value_or(core::QuestionType::kNone);
        analysis.follow_up = follow_up;
        const Json c = in.value("candidate", Json::object());
        profile.years_of_experience = c.value("years_of_experience", 0);
        const int64_t salary =
            c.value("salary_expectation_usd_per_year", int64_t{0});
        (c.value("salary_is_a_minimum", false) ? profile.minimum_salary_usd
                                               : profile.ideal_salary_usd) =
            salary;
        profile.preferred_technologies =
            c.value("main_technologies", std::vector<std::string>{});
        profile.job_search_status.currently_employed =
            c.value("currently_employed", true);
        profile.looking_for_change = c.value("looking_for_change", true);
        profile.job_search_status.situation = Str(c, "situation");
        break;
      }
      case core::ReplyKind::kInterested: {
        analysis.classification.state =
            core::ConversationState::kNewOpportunity;
        analysis.tier = core::Tier::kInteresting;
        const Json asks = in.value("ask_about", Json::array());
        auto asked = [&asks](std::string_view what) {
          for (const Json& a : asks) {
            if (a.is_string() && a.get<std::string>() == what) return true;
          }
          return false;
        };
        if (!asked("salary")) analysis.extraction.salary = core::Salary{};
        analysis.extraction.work_week = core::WorkWeek::kFiveDays;
        if (asked("work_week")) {
          analysis.extraction.work_week = core::WorkWeek::kUnknown;
          profile.preferred_work_week = core::WorkWeekPreference::kFourDays;
        }
        analysis.extraction.remote_policy = asked("remote_policy")
                                                ? core::RemotePolicy::kUnknown
                                                : core::RemotePolicy::kRemote;
        analysis.extraction.agency = asked("company");
        break;
      }
      case core::ReplyKind::kDecline:
        analysis.classification.state =
            core::ConversationState::kNewOpportunity;
        analysis.tier = core::Tier::kNotInterested;
        break;
      case core::ReplyKind::kNone:
        break;
    }
    core::Message message;
    message.sender = Str(in, "recipient_first_name");
    message.text = Str(in, "message");
    const core::Reply reply = analysis::DraftReply(analysis, message, profile);
    return Json{{"language", std::string(core::ToString(language))},
                {"text", reply.text}};
  }

  std::unique_ptr<analysis::Classifier> classifier_;
  std::unique_ptr<analysis::FollowUpAnalyzer> follow_up_;
  std::unique_ptr<analysis::Extractor> extractor_;
};

// ---- The HTTP side
// -------------------------------------------------------------

std::string ErrorBody(std::string_view message, std::string_view type,
                      std::string_view code = "") {
  Json error = {{"message", std::string(message)},
                {"type", std::string(type)},
                {"param", nullptr}};
  error["code"] = code.empty() ? Json(nullptr) : Json(std::string(code));
  return Json{{"error", error}}.dump();
}

// The stage a request is for: the schema's name ("classify"...), or in JSON
// mode (no schema name), the field only that stage's user turn has.
std::string StageOf(const Json& request, const Json& user_turn) {
  const Json* name = nullptr;
  if (const auto rf = request.find("response_format");
      rf != request.end() && rf->is_object()) {
    if (const auto schema = rf->find("json_schema");
        schema != rf->end() && schema->is_object()) {
      if (const auto n = schema->find("name"); n != schema->end()) {
        name = &*n;
      }
    }
  }
  if (name != nullptr && name->is_string()) return name->get<std::string>();
  if (user_turn.contains("reply_kind")) return "draft";
  if (user_turn.contains("profile")) return "follow_up";
  if (user_turn.contains("conversation_state")) return "extract";
  return "classify";
}

int64_t Tokens(size_t bytes) { return static_cast<int64_t>(bytes / 4 + 1); }

class Server {
 public:
  explicit Server(Options options) : options_(std::move(options)) {
    // lia keeps 4 calls in flight per provider; a benchmark may run a few
    // clients at once.
    http_.new_task_queue = [] { return new httplib::ThreadPool(16); };
    http_.Post("/v1/chat/completions",
               [this](const httplib::Request& req, httplib::Response& res) {
                 Complete(req, res);
               });
    http_.Get("/stats",
              [this](const httplib::Request&, httplib::Response& res) {
                Json by_stage = Json::object();
                {
                  std::lock_guard<std::mutex> lock(mu_);
                  for (const auto& [stage, n] : by_stage_) by_stage[stage] = n;
                }
                res.set_content(Json{{"requests", requests_.load()},
                                     {"by_stage", by_stage},
                                     {"errors", errors_.load()}}
                                    .dump(),
                                "application/json");
              });
  }

  // The bound port, or -1.
  int Bind() {
    if (options_.port == 0) return http_.bind_to_any_port("127.0.0.1");
    return http_.bind_to_port("127.0.0.1", options_.port) ? options_.port : -1;
  }
  void Listen() { http_.listen_after_bind(); }
  void Stop() { http_.stop(); }

 private:
  void Fail(httplib::Response& res, int status, std::string body) {
    ++errors_;
    res.status = status;
    res.set_content(std::move(body), "application/json");
  }

  // nlohmann throws on a field of the wrong type: that is a bad request.
  void Complete(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    try {
      Answer(req, res);
    } catch (const Json::exception& e) {
      Fail(res, 400, ErrorBody(e.what(), "invalid_request_error"));
    }
  }

  void Answer(const httplib::Request& req, httplib::Response& res) {
    if (!options_.api_key.empty() &&
        req.get_header_value("Authorization") != "Bearer " + options_.api_key) {
      Fail(res, 401,
           ErrorBody("Incorrect API key provided.", "invalid_request_error",
                     "invalid_api_key"));
      return;
    }
    const Json request = Json::parse(req.body, nullptr, false);
    if (request.is_discarded() || !request.is_object() ||
        !request.contains("model") || !request["model"].is_string() ||
        !request.contains("messages") || !request["messages"].is_array()) {
      Fail(res, 400,
           ErrorBody("expected {\"model\": string, \"messages\": [...]}",
                     "invalid_request_error"));
      return;
    }
    // The stages' first user turn is their JSON input; later turns are a
    // repair's, which this model answers the same way.
    std::string user;
    size_t prompt_bytes = 0;
    for (const Json& m : request["messages"]) {
      const std::string content = Str(m, "content");
      prompt_bytes += content.size();
      if (user.empty() && Str(m, "role") == "user") user = content;
    }
    const Json in = Json::parse(user, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      Fail(res, 400,
           ErrorBody("the user turn is not a stage's JSON input",
                     "invalid_request_error"));
      return;
    }
    const std::string stage = StageOf(request, in);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++by_stage_[stage];
    }
    absl::StatusOr<Json> answer = rules_.Answer(stage, in);
    if (!answer.ok()) {
      Fail(res, 400,
           ErrorBody(std::string(answer.status().message()),
                     "invalid_request_error"));
      return;
    }
    if (options_.delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
    }
    const std::string content = answer->dump();
    const int64_t prompt_tokens = Tokens(prompt_bytes);
    const int64_t completion_tokens = Tokens(content.size());
    const Json body = {
        {"id", absl::StrCat("chatcmpl-standin-", requests_.load())},
        {"object", "chat.completion"},
        {"created", static_cast<int64_t>(std::time(nullptr))},
        {"model", request["model"]},
        {"choices", Json::array({{{"index", 0},
                                  {"message",
                                   {{"role", "assistant"},
                                    {"content", content},
                                    {"refusal", nullptr}}},
                                  {"logprobs", nullptr},
                                  {"finish_reason", "stop"}}})},
        {"usage",
         {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}}},
    };
    res.set_content(body.dump(), "application/json");
  }

  const Options options_;
  const RulesAnswers rules_;
  httplib::Server http_;
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> errors_{0};
  std::mutex mu_;
  std::map<std::string, int64_t> by_stage_;  // Guarded by mu_.
};

int Main(int argc, char** argv) {
  std::optional<Options> options = ParseArgs(argc, argv);
  if (!options) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // SIGTERM and SIGINT are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Server server(*std::move(options));
  const int port = server.Bind();
  if (port <= 0) {
    std::fputs("llm_standin: cannot listen on 127.0.0.1\n", stderr);
    return 1;
  }
  std::printf("llm_standin: listening on http://127.0.0.1:%d/v1\n", port);
  std::fflush(stdout);
  std::thread listener([&server] { server.Listen(); });
  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  listener.join();
  return 0;
}

}  // namespace
}  // namespace lia::standin

int main(int argc, char** argv) { return lia::standin::Main(argc, argv); }
