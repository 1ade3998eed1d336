#pragma once

// For tests of the PostgreSQL implementations: options naming a fresh schema
// on the server of LIA_TEST_POSTGRES_URL (started by scripts/with-services
// under `make test`), so every test starts from an empty, migrated schema
// while suites run in parallel on one server. Header-only; tests only.
//
//   std::optional<store::PostgresOptions> options = FreshPostgresSchema();
//   if (!options) GTEST_SKIP() << kNoPostgres;

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "store/postgres.h"

namespace lia::store::testing {

inline constexpr char kNoPostgres[] =
    "LIA_TEST_POSTGRES_URL is not set (make test sets it through "
    "scripts/with-services)";

// The server's URL, or nullopt when the tests run without one.
inline std::optional<std::string> TestPostgresUrl() {
  const char* url = std::getenv("LIA_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// A schema name no other test process or test uses: pid, a counter and the
// time (schemas outlive a crashed test; the server is thrown away after).
inline std::string UniqueSchemaName() {
  static std::atomic<int> counter{0};
  return absl::AsciiStrToLower(
      absl::StrCat("t_", getpid(), "_", counter.fetch_add(1), "_",
                   absl::ToUnixMicros(absl::Now()) % 1000000000));
}

inline std::optional<PostgresOptions> FreshPostgresSchema(int pool_size = 4) {
  std::optional<std::string> url = TestPostgresUrl();
  if (!url) return std::nullopt;
  PostgresOptions options;
  options.url = *url;
  options.schema = UniqueSchemaName();
  options.pool_size = pool_size;
  return options;
}

}  // namespace lia::store::testing
