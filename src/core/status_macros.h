#pragma once

// The two macros that propagate absl::Status values (STYLE habit 2).
//
//   LIA_RETURN_IF_ERROR(store.Put(x));
//   LIA_ASSIGN_OR_RETURN(Profile profile, LoadProfile(path));

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LIA_STATUS_CONCAT_INNER_(a, b) a##b
#define LIA_STATUS_CONCAT_(a, b) LIA_STATUS_CONCAT_INNER_(a, b)

#define LIA_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status lia_status_ = (expr);       \
    if (!lia_status_.ok()) return lia_status_; \
  } while (false)

#define LIA_ASSIGN_OR_RETURN(lhs, expr)                                        \
  LIA_ASSIGN_OR_RETURN_IMPL_(LIA_STATUS_CONCAT_(lia_statusor_, __LINE__), lhs, \
                             expr)

#define LIA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()
