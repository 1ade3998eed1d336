#pragma once

// The SQL migrations of src/store/postgres/migrations/, embedded at build time
// by embed_migrations.cmake so the binary needs no files beside it.

#include <span>
#include <string_view>

namespace lia::store::postgres_internal {

struct Migration {
  int version;            // 1, 2, ... from the file name "0001_init.sql".
  std::string_view name;  // The file name.
  std::string_view sql;   // Its contents: statements separated by ';'.
};

// Every migration, by version, contiguous from 1 (the build checks).
std::span<const Migration> Migrations();

}  // namespace lia::store::postgres_internal
