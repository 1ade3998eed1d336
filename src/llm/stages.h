#pragma once

// The LLM engine's analysis stages (DESIGN §1.4): classify, follow-up,
// extract and draft through a Provider, for the Pipeline
// (analysis/pipeline.h) to run in place of the rules stages. Filters and
// scores stay deterministic: no LLM ever scores.
//
// Each stage sends its versioned prompt (llm/prompts/) with the JSON Schema
// of its answer, then:
//  1. parses the answer and validates it against the schema (llm/validate.h);
//  2. normalises it with the rules engine's lexicons: canonical tech names
//     ("golang" -> "Go"), ISO currency codes ("usd", "$" -> "USD"), a salary
//     range with min <= max (swapped when reversed), trimmed strings, and for
//     drafts the message's language and the profile's signature;
//  3. when 1 or 2 found problems, asks once more, quoting them back (the
//     repair prompt, llm/prompts/repair.vN.txt);
//  4. otherwise fails, and the Pipeline answers the stage with the rules
//     engine, recording "rules (fallback: <reason>)".
// Validated answers are kept in an AnswerCache under provider, model, prompt
// version, stage, profile version and the normalised input, so the same
// message is never sent twice. A message the rules classifier is certain is
// a courtesy close is never sent at all ("rules (certain courtesy close)").

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"

namespace lia::llm {

class AnswerCache;
class Provider;

// What the stages did, for metrics and cost accounting.
struct LlmStageStats {
  int64_t calls = 0;    // Provider calls made, repairs included.
  int64_t repairs = 0;  // Of which repair calls.
  int64_t cached = 0;   // Stage answers taken from the AnswerCache.
  // Stage runs left to the rules on purpose: a certain courtesy close, a
  // courtesy close to extract from, a message that needs no reply.
  int64_t left_to_rules = 0;
  int64_t invalid_answers = 0;  // Answers that did not validate.
  int64_t failures = 0;         // Stage runs that failed (fell back to rules).
  int64_t input_tokens = 0;     // As the provider reported them.
  int64_t output_tokens = 0;
};

// Thread-safe counters behind LlmStageStats.
class LlmStageCounters {
 public:
  LlmStageStats Snapshot() const;

  std::atomic<int64_t> calls{0}, repairs{0}, cached{0}, left_to_rules{0},
      invalid_answers{0}, failures{0}, input_tokens{0}, output_tokens{0};
};

struct LlmStagesOptions {
  std::string model;  // Required: "gpt-4o-mini", "claude-3-5-haiku-latest".
  // Default 0: the most repeatable answers, which is what a cache wants.
  std::optional<double> temperature = 0.0;
  int max_tokens = 1024;    // Default 1,024 per answer.
  int repair_attempts = 1;  // Default 1. Calls after an invalid answer.
  // Default 0.85. The rules classifier's confidence from which its
  // COURTESY_CLOSE is taken without asking the model (it says 0.85 for a
  // close after an exchange, 0.6 for a lone "thanks" with no thread).
  double courtesy_close_certainty = 0.85;
  // Default 16 KiB. Bytes of a message's text sent; the rest is cut.
  size_t max_message_bytes = 16 << 10;
  // Default 6: the newest thread entries sent to classify and follow-up.
  int max_thread_entries = 6;
  // Default empty: each stage's newest prompt. {"extract": 1} pins one.
  std::map<std::string, int> prompt_versions;
  // Not owned; may be null. Counts what the stages did.
  LlmStageCounters* counters = nullptr;
};

// The four stages of one provider and model; their engine() is
// "<provider>:<model>" ("openai:gpt-4o-mini"). Thread-safe. `provider` and
// `answers` are not owned and must outlive the stages. InvalidArgument
// when the model is empty or a number option is out of range; NotFound when
// a prompt is missing from the build.
absl::StatusOr<analysis::Pipeline::Stages> NewLlmStages(
    Provider& provider, AnswerCache& answers, LlmStagesOptions options);

}  // namespace lia::llm
