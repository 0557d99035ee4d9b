#include "server/core/task_id.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace execd {
namespace {
constexpr size_t kTaskIdLength = 32;

// 16 lowercase hex digits of `value` at `out`, most significant first.
void PutHex16(uint64_t value, char* out) {
  constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out[i] = kDigits[value & 0xf];
    value >>= 4;
  }
}

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

// By hand: ids are formatted for every event and query, and StrFormat's
// parsing of the format was a visible share of a streamed task's cost.
std::string FormatTaskId(uint64_t instance, uint64_t seq) {
  std::string id(kTaskIdLength, '0');
  PutHex16(instance, id.data());
  PutHex16(seq, id.data() + 16);
  return id;
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
