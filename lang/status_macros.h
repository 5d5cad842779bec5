// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status and absl::StatusOr.
// Abseil 20220623 (Debian 12) does not ship status macros.
#ifndef ONUS_LANG_STATUS_MACROS_H_
#define ONUS_LANG_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ONUS_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status onus_status_ = (expr);        \
    if (!onus_status_.ok()) return onus_status_; \
  } while (0)

#define ONUS_STATUS_CONCAT_INNER_(a, b) a##b
#define ONUS_STATUS_CONCAT_(a, b) ONUS_STATUS_CONCAT_INNER_(a, b)

#define ONUS_ASSIGN_OR_RETURN(lhs, rexpr)                                    \
  ONUS_ASSIGN_OR_RETURN_IMPL_(ONUS_STATUS_CONCAT_(onus_statusor_, __LINE__), \
                              lhs, rexpr)

#define ONUS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (!statusor.ok()) return statusor.status();           \
  lhs = std::move(statusor).value()

#endif  // ONUS_LANG_STATUS_MACROS_H_
