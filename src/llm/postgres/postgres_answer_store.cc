// The PostgreSQL AnswerStore: every call one statement in its own
// transaction on a pooled connection. Two replicas putting the same key at
// once both succeed (ON CONFLICT ... DO UPDATE): the later answer stays,
// as on SQLite.

#include "llm/postgres/postgres_answer_store.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "store/internal/time.h"
#include "store/postgres/pool.h"

namespace lia::llm {
namespace {

constexpr char kGet[] = "lia_llm_answers_get";
constexpr char kPut[] = "lia_llm_answers_put";
constexpr char kDeleteBefore[] = "lia_llm_answers_delete_before";
constexpr char kDeleteAll[] = "lia_llm_answers_delete_all";
constexpr char kCount[] = "lia_llm_answers_count";

bool IsDigest(const std::string& key) {
  if (key.size() != 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

class PostgresAnswerStore final : public AnswerStore {
 public:
  explicit PostgresAnswerStore(std::shared_ptr<store::postgres::Pool> pool)
      : pool_(std::move(pool)) {
    pool_->Prepare(kGet,
                   "SELECT provider, model, stage, prompt_version, answer, "
                   "input_tokens, output_tokens FROM llm_answers "
                   "WHERE key = $1");
    pool_->Prepare(
        kPut,
        "INSERT INTO llm_answers (key, provider, model, stage, "
        "prompt_version, answer, input_tokens, output_tokens, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (key) DO UPDATE SET answer = excluded.answer, "
        "input_tokens = excluded.input_tokens, "
        "output_tokens = excluded.output_tokens, "
        "created_at = excluded.created_at");
    pool_->Prepare(kDeleteBefore,
                   "DELETE FROM llm_answers WHERE created_at < $1");
    pool_->Prepare(kDeleteAll, "DELETE FROM llm_answers");
    pool_->Prepare(kCount, "SELECT count(*) FROM llm_answers");
  }

  // AnswerStore:
  absl::StatusOr<StoredAnswer> Get(const std::string& key) override {
    if (!IsDigest(key)) return absl::NotFoundError("no such answer");
    return pool_->Transact<StoredAnswer>(
        "read an LLM answer",
        [&](pqxx::work& tx) -> absl::StatusOr<StoredAnswer> {
          const pqxx::result rows = tx.exec_prepared(kGet, key);
          if (rows.empty()) {
            return absl::NotFoundError(absl::StrCat("no answer ", key));
          }
          const pqxx::row& row = rows[0];
          StoredAnswer a;
          a.key = key;
          a.provider = row[0].as<std::string>();
          a.model = row[1].as<std::string>();
          a.stage = row[2].as<std::string>();
          a.prompt_version = row[3].as<std::string>();
          a.answer = row[4].as<std::string>();
          a.input_tokens = row[5].as<int64_t>();
          a.output_tokens = row[6].as<int64_t>();
          return a;
        });
  }

  absl::Status Put(const StoredAnswer& a) override {
    if (!IsDigest(a.key)) {
      return absl::InvalidArgumentError("key: expected 64 hex digits");
    }
    if (a.answer.empty()) {
      return absl::InvalidArgumentError("answer: expected JSON text");
    }
    if (a.input_tokens < 0 || a.output_tokens < 0) {
      return absl::InvalidArgumentError("tokens: expected non-negative");
    }
    return pool_->TransactStatus(
        "store an LLM answer", [&](pqxx::work& tx) -> absl::Status {
          tx.exec_prepared(kPut, a.key, a.provider, a.model, a.stage,
                           a.prompt_version, a.answer, a.input_tokens,
                           a.output_tokens, pool_->Now());
          return absl::OkStatus();
        });
  }

  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override {
    // The range the SQLite store can hold (years 0001..9999), so both
    // stores delete the same rows for any cutoff.
    const absl::TimeZone utc = absl::UTCTimeZone();
    if (cutoff <= absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), utc)) {
      return 0;
    }
    const bool everything =
        cutoff >= absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), utc);
    return pool_->Transact<int64_t>(
        "delete old LLM answers",
        [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          const pqxx::result deleted =
              everything ? tx.exec_prepared(kDeleteAll)
                         : tx.exec_prepared(kDeleteBefore,
                                            store::internal::FormatUtc(cutoff));
          return static_cast<int64_t>(deleted.affected_rows());
        });
  }

  absl::StatusOr<int64_t> Count() override {
    return pool_->Transact<int64_t>(
        "count LLM answers", [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
          return tx.exec_prepared1(kCount)[0].as<int64_t>();
        });
  }

 private:
  const std::shared_ptr<store::postgres::Pool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AnswerStore>> OpenPostgresAnswerStore(
    std::shared_ptr<store::postgres::Pool> pool) {
  if (pool == nullptr) {
    return absl::InvalidArgumentError(
        "the LLM answer store needs a PostgreSQL pool");
  }
  return std::make_unique<PostgresAnswerStore>(std::move(pool));
}

}  // namespace lia::llm
