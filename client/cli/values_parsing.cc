#include "client/cli/values_parsing.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/cpp/values.h"

namespace execd::cli {

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    if (!std::isfinite(seconds) || seconds < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a duration of zero or more seconds: ", text));
    }
    return absl::Seconds(seconds);
  }
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a duration: \"", text, "\" (use e.g. 2s, 500ms, 1m or 1.5)"));
  }
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative duration: ", text));
  }
  return duration;
}

google::protobuf::Value ParseArgumentValue(absl::string_view text) {
  absl::StatusOr<google::protobuf::Value> json = ParseJsonValue(text);
  if (json.ok()) return *std::move(json);
  return ToValue(text);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseKeyValue(
    absl::string_view text) {
  size_t equals = text.find('=');
  if (equals == absl::string_view::npos || equals == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected KEY=VALUE, got \"", text, "\""));
  }
  return std::make_pair(std::string(text.substr(0, equals)),
                        std::string(text.substr(equals + 1)));
}

absl::StatusOr<v1::Pool> ParsePool(absl::string_view text) {
  std::string name = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(name, "POOL_")) name = "POOL_" + name;
  v1::Pool pool;
  if (!v1::Pool_Parse(name, &pool) || pool == v1::POOL_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown pool \"", text, "\"; use thread or process"));
  }
  return pool;
}

absl::StatusOr<v1::TaskState> ParseTaskState(absl::string_view text) {
  std::string name = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(name, "TASK_STATE_")) name = "TASK_STATE_" + name;
  v1::TaskState state;
  if (!v1::TaskState_Parse(name, &state) ||
      state == v1::TASK_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown state \"", text,
                     "\"; use pending, running, succeeded, failed or "
                     "cancelled"));
  }
  return state;
}

absl::StatusOr<int> ParseInt(absl::string_view flag, absl::string_view text) {
  int number = 0;
  if (!absl::SimpleAtoi(text, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " needs an integer, got \"", text, "\""));
  }
  return number;
}

}  // namespace execd::cli
