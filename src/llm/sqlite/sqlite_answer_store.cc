// The SQLite AnswerStore: one connection behind a mutex, every write one
// statement (autocommit is its own transaction).

#include "llm/sqlite/sqlite_answer_store.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "core/status_macros.h"
#include "store/internal/time.h"
#include "store/sqlite/connection.h"

namespace lia::llm {
namespace {

bool IsDigest(const std::string& key) {
  if (key.size() != 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

class SqliteAnswerStore final : public AnswerStore {
 public:
  explicit SqliteAnswerStore(std::unique_ptr<SQLite::Database> db)
      : conn_(std::move(db), "LLM answer store") {}

  // AnswerStore:
  absl::StatusOr<StoredAnswer> Get(const std::string& key) override {
    if (!IsDigest(key)) return absl::NotFoundError("no such answer");
    return conn_.Run([&](SQLite::Database&) -> absl::StatusOr<StoredAnswer> {
      SQLite::Statement& st = conn_.Prepared(
          "SELECT provider, model, stage, prompt_version, answer, "
          "input_tokens, output_tokens FROM llm_answers WHERE key = ?");
      st.bind(1, key);
      if (!st.executeStep()) {
        return absl::NotFoundError(absl::StrCat("no answer ", key));
      }
      StoredAnswer a;
      a.key = key;
      a.provider = st.getColumn(0).getString();
      a.model = st.getColumn(1).getString();
      a.stage = st.getColumn(2).getString();
      a.prompt_version = st.getColumn(3).getString();
      a.answer = st.getColumn(4).getString();
      a.input_tokens = st.getColumn(5).getInt64();
      a.output_tokens = st.getColumn(6).getInt64();
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
    return conn_.Run([&](SQLite::Database&) -> absl::Status {
      SQLite::Statement& st = conn_.Prepared(
          "INSERT INTO llm_answers (key, provider, model, stage, "
          "prompt_version, answer, input_tokens, output_tokens, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (key) DO UPDATE SET answer = excluded.answer, "
          "input_tokens = excluded.input_tokens, "
          "output_tokens = excluded.output_tokens, "
          "created_at = excluded.created_at");
      st.bind(1, a.key);
      st.bind(2, a.provider);
      st.bind(3, a.model);
      st.bind(4, a.stage);
      st.bind(5, a.prompt_version);
      st.bind(6, a.answer);
      st.bind(7, a.input_tokens);
      st.bind(8, a.output_tokens);
      st.bind(9, store::internal::SystemNow());
      st.exec();
      return absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override {
    // Stored timestamps are fixed-width years 0001..9999 (store/internal).
    const absl::TimeZone utc = absl::UTCTimeZone();
    if (cutoff <= absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), utc)) {
      return 0;
    }
    const bool everything =
        cutoff >= absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), utc);
    return conn_.Run([&](SQLite::Database&) -> absl::StatusOr<int64_t> {
      SQLite::Statement& st = conn_.Prepared(
          everything ? "DELETE FROM llm_answers"
                     : "DELETE FROM llm_answers WHERE created_at < ?");
      if (!everything) st.bind(1, store::internal::FormatUtc(cutoff));
      return static_cast<int64_t>(st.exec());
    });
  }

  absl::StatusOr<int64_t> Count() override {
    return conn_.Run([&](SQLite::Database&) -> absl::StatusOr<int64_t> {
      SQLite::Statement& st =
          conn_.Prepared("SELECT count(*) FROM llm_answers");
      st.executeStep();
      return st.getColumn(0).getInt64();
    });
  }

 private:
  store::sqlite_internal::ExclusiveConnection conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AnswerStore>> OpenSqliteAnswerStore(
    const SqliteAnswerStoreOptions& options) {
  LIA_ASSIGN_OR_RETURN(
      std::unique_ptr<SQLite::Database> db,
      store::sqlite_internal::OpenComponentConnection(
          options.path, options.busy_timeout_ms, "the LLM answer store"));
  return std::make_unique<SqliteAnswerStore>(std::move(db));
}

}  // namespace lia::llm
