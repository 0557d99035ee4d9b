#include "server/core/task_id.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace execd {
namespace {
constexpr size_t kTaskIdLength = 32;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

std::string FormatTaskId(uint64_t instance, uint64_t seq) {
  return absl::StrFormat("%016x%016x", instance, seq);
}

absl::StatusOr<ParsedTaskId> ParseTaskId(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("task_id is required");
  if (id.size() != kTaskIdLength || !IsLowerHex(id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed task_id \"", id.substr(0, 64),
        "\": expected 32 lowercase hex digits as returned by Submit"));
  }
  ParsedTaskId parsed;
  absl::SimpleHexAtoi(id.substr(0, 16), &parsed.instance);
  absl::SimpleHexAtoi(id.substr(16), &parsed.seq);
  return parsed;
}

}  // namespace execd
