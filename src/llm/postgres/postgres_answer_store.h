#pragma once

// The AnswerStore (llm/answer_cache.h) on PostgreSQL: table llm_answers
// (migration 0006) on the process's connection pool, so every replica
// shares the answers its engines paid for.

#include <memory>

#include "absl/status/statusor.h"
#include "llm/answer_cache.h"

namespace lia::store::postgres {
class Pool;  // store/postgres/pool.h
}  // namespace lia::store::postgres

namespace lia::llm {

// A store on `pool` (shared ownership), which OpenPostgresPool migrated.
// created_at is stamped with the pool's clock (PostgresOptions::now).
// InvalidArgument for a null pool.
absl::StatusOr<std::unique_ptr<AnswerStore>> OpenPostgresAnswerStore(
    std::shared_ptr<store::postgres::Pool> pool);

}  // namespace lia::llm
