#include "llm/answer_cache.h"

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cache/cache.h"

namespace lia::llm {
namespace {

// A cache-backend value: "<input tokens> <output tokens>\n<answer>", so a
// hit in either tier knows what it saved.
std::string EncodeValue(std::string_view answer, int64_t in, int64_t out) {
  return absl::StrCat(in, " ", out, "\n",
                      absl::string_view(answer.data(), answer.size()));
}

struct Decoded {
  std::string answer;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

std::optional<Decoded> DecodeValue(std::string_view value) {
  const size_t nl = value.find('\n');
  const size_t sp = value.find(' ');
  if (nl == std::string_view::npos || sp == std::string_view::npos || sp > nl ||
      nl + 1 == value.size()) {
    return std::nullopt;
  }
  Decoded d;
  if (!absl::SimpleAtoi(absl::string_view(value.data(), sp), &d.input_tokens) ||
      !absl::SimpleAtoi(absl::string_view(value.data() + sp + 1, nl - sp - 1),
                        &d.output_tokens)) {
    return std::nullopt;
  }
  d.answer = std::string(value.substr(nl + 1));
  return d;
}

}  // namespace

std::string AnswerKey::Digest() const {
  crypto_generichash_state state;
  unsigned char out[crypto_generichash_BYTES];  // 32
  crypto_generichash_init(&state, nullptr, 0, sizeof out);
  for (const std::string* field :
       {&provider, &model, &stage, &prompt_version, &profile_version, &input}) {
    const std::string prefix = absl::StrCat(field->size(), ":");
    crypto_generichash_update(
        &state, reinterpret_cast<const unsigned char*>(prefix.data()),
        prefix.size());
    crypto_generichash_update(
        &state, reinterpret_cast<const unsigned char*>(field->data()),
        field->size());
  }
  crypto_generichash_final(&state, out, sizeof out);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * sizeof out, '0');
  for (size_t i = 0; i < sizeof out; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 0xF];
  }
  return hex;
}

AnswerCache::AnswerCache(cache::Cache* cache, AnswerStore* store,
                         AnswerCacheOptions options)
    : cache_(cache), store_(store), options_(std::move(options)) {}

std::optional<std::string> AnswerCache::Get(const AnswerKey& key) {
  const std::string digest = key.Digest();
  const std::string cache_key = options_.key_prefix + digest;
  if (cache_ != nullptr) {
    if (std::optional<std::string> value = cache_->Get(cache_key)) {
      if (std::optional<Decoded> d = DecodeValue(*value)) {
        ++cache_hits_;
        saved_input_tokens_ += d->input_tokens;
        saved_output_tokens_ += d->output_tokens;
        return std::move(d->answer);
      }
    }
  }
  if (store_ != nullptr) {
    absl::StatusOr<StoredAnswer> stored = store_->Get(digest);
    if (stored.ok()) {
      ++store_hits_;
      saved_input_tokens_ += stored->input_tokens;
      saved_output_tokens_ += stored->output_tokens;
      if (cache_ != nullptr) {
        cache_->Set(cache_key,
                    EncodeValue(stored->answer, stored->input_tokens,
                                stored->output_tokens),
                    options_.cache_ttl);
      }
      return std::move(stored->answer);
    }
    if (!absl::IsNotFound(stored.status())) ++store_errors_;
  }
  ++misses_;
  return std::nullopt;
}

void AnswerCache::Put(const AnswerKey& key, std::string_view answer,
                      int64_t input_tokens, int64_t output_tokens) {
  const std::string digest = key.Digest();
  ++puts_;
  if (cache_ != nullptr) {
    cache_->Set(options_.key_prefix + digest,
                EncodeValue(answer, input_tokens, output_tokens),
                options_.cache_ttl);
  }
  if (store_ != nullptr) {
    StoredAnswer stored;
    stored.key = digest;
    stored.provider = key.provider;
    stored.model = key.model;
    stored.stage = key.stage;
    stored.prompt_version = key.prompt_version;
    stored.answer = std::string(answer);
    stored.input_tokens = input_tokens;
    stored.output_tokens = output_tokens;
    if (!store_->Put(stored).ok()) ++store_errors_;
  }
}

AnswerCacheStats AnswerCache::stats() const {
  AnswerCacheStats s;
  s.cache_hits = cache_hits_.load();
  s.store_hits = store_hits_.load();
  s.misses = misses_.load();
  s.puts = puts_.load();
  s.store_errors = store_errors_.load();
  s.saved_input_tokens = saved_input_tokens_.load();
  s.saved_output_tokens = saved_output_tokens_.load();
  return s;
}

}  // namespace lia::llm
