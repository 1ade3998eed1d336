#pragma once

// Fewer LLM calls: the validated answers of the LLM stages, kept in two
// tiers. The cache backend (cache/cache.h: in-process, or Redis shared by
// every replica) answers first; the persistent store (table llm_answers,
// migration 0006, llm/sqlite/sqlite_answer_store.h) survives restarts and
// evictions. A message analysed once by a model is never sent to it again
// while provider, model, prompt, stage, input and profile stay the same.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::cache {
class Cache;
}

namespace lia::llm {

// What an answer depends on, hence what it is cached under.
struct AnswerKey {
  std::string provider;        // "openai"
  std::string model;           // "gpt-4o-mini"
  std::string stage;           // "extract"
  std::string prompt_version;  // "extract.v1+<fingerprint of its text>"
  // A hash of the profile facts the stage's prompt carries; empty for
  // stages that do not read the profile (classify, extract), so editing the
  // profile does not throw their answers away.
  std::string profile_version;
  std::string input;  // The normalised input: the user turn, as sent.

  // 64 hex digits: BLAKE2b-256 of the fields above, each length-prefixed.
  std::string Digest() const;
};

// One answer as the persistent store keeps it.
struct StoredAnswer {
  std::string key;  // AnswerKey::Digest().
  std::string provider;
  std::string model;
  std::string stage;
  std::string prompt_version;
  std::string answer;  // JSON text, validated and normalised.
  // What producing it cost, the repair included.
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// The persistent tier. Thread-safe.
class AnswerStore {
 public:
  virtual ~AnswerStore() = default;
  // NotFound when absent; Unavailable and others on database errors.
  virtual absl::StatusOr<StoredAnswer> Get(const std::string& key) = 0;
  // Inserts, or replaces the answer stored under the same key.
  // InvalidArgument when the key is not 64 hex digits or the answer is
  // empty.
  virtual absl::Status Put(const StoredAnswer& answer) = 0;
  // Deletes the answers stored before `cutoff`; returns how many.
  virtual absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) = 0;
  virtual absl::StatusOr<int64_t> Count() = 0;
};

struct AnswerCacheOptions {
  // Default 7 days. TTL in the cache backend; the store keeps answers until
  // DeleteBefore.
  std::chrono::milliseconds cache_ttl = std::chrono::hours(24 * 7);
  std::string key_prefix = "llm:";  // Default "llm:". In the cache backend.
};

// Counters since construction.
struct AnswerCacheStats {
  int64_t cache_hits = 0;  // Answered by the cache backend.
  int64_t store_hits = 0;  // Answered by the persistent store.
  int64_t misses = 0;
  int64_t puts = 0;
  int64_t store_errors = 0;  // Store reads or writes that failed.
  // Tokens that hits saved: what their answers cost to produce.
  int64_t saved_input_tokens = 0;
  int64_t saved_output_tokens = 0;
};

// Thread-safe. Like cache::Cache it never fails a caller: a tier that errs
// answers as a miss, and a write that fails is counted and dropped.
class AnswerCache {
 public:
  // Either tier may be null (skipped). Not owned; both must outlive this.
  AnswerCache(cache::Cache* cache, AnswerStore* store,
              AnswerCacheOptions options = {});
  AnswerCache(const AnswerCache&) = delete;
  AnswerCache& operator=(const AnswerCache&) = delete;

  // The answer stored under `key`: the cache backend, else the store (and
  // then copied into the cache backend).
  std::optional<std::string> Get(const AnswerKey& key);

  // Keeps `answer` (JSON text, already validated) in both tiers.
  void Put(const AnswerKey& key, std::string_view answer, int64_t input_tokens,
           int64_t output_tokens);

  AnswerCacheStats stats() const;

 private:
  cache::Cache* const cache_;
  AnswerStore* const store_;
  const AnswerCacheOptions options_;
  std::atomic<int64_t> cache_hits_{0}, store_hits_{0}, misses_{0}, puts_{0},
      store_errors_{0}, saved_input_tokens_{0}, saved_output_tokens_{0};
};

}  // namespace lia::llm
