#ifndef EXECD_SERVER_CORE_TASK_ID_H_
#define EXECD_SERVER_CORE_TASK_ID_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace execd {

// Task ids are 32 lowercase hex digits: 16 naming this server instance (so an
// id from another replica or an earlier run is NOT_FOUND, never confused with
// a local task) and 16 for the creation sequence number.
std::string FormatTaskId(uint64_t instance, uint64_t seq);

struct ParsedTaskId {
  uint64_t instance;
  uint64_t seq;
};
// INVALID_ARGUMENT naming the expected form when `id` is malformed.
absl::StatusOr<ParsedTaskId> ParseTaskId(absl::string_view id);

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_ID_H_
