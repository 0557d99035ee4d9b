#ifndef EXECD_CLIENT_CLI_VALUES_PARSING_H_
#define EXECD_CLIENT_CLI_VALUES_PARSING_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"

namespace execd::cli {

// "2s", "500ms", "1m30s", or plain seconds such as "1.5".
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

// JSON when `text` is valid JSON ("2" -> 2, "[1,2]" -> list), else the
// string itself ("boom" -> "boom").
google::protobuf::Value ParseArgumentValue(absl::string_view text);

// "key=value" -> {key, value}.
absl::StatusOr<std::pair<std::string, std::string>> ParseKeyValue(
    absl::string_view text);

// "thread" or "process" (or the enum names).
absl::StatusOr<v1::Pool> ParsePool(absl::string_view text);

// "running", "RUNNING" or "TASK_STATE_RUNNING".
absl::StatusOr<v1::TaskState> ParseTaskState(absl::string_view text);

absl::StatusOr<int> ParseInt(absl::string_view flag, absl::string_view text);

}  // namespace execd::cli

#endif  // EXECD_CLIENT_CLI_VALUES_PARSING_H_
