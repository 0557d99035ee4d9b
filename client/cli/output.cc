#include "client/cli/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/cpp/values.h"
#include "google/protobuf/util/json_util.h"

namespace execd::cli {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

bool IsSet(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() != 0 || timestamp.nanos() != 0;
}

std::string FormatSeconds(absl::Duration duration) {
  return absl::StrCat(absl::Trunc(duration, absl::Milliseconds(1)) /
                          absl::Milliseconds(1) / 1000.0,
                      "s");
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  // The proto field names of API.md (task_id), not JSON camelCase.
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string table;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    absl::StrAppend(&table, line, "\n");
  }
  return table;
}

std::string PoolName(v1::Pool pool) {
  switch (pool) {
    case v1::POOL_THREAD:
      return "thread";
    case v1::POOL_PROCESS:
      return "process";
    default:
      return "-";
  }
}

std::string StateName(v1::TaskState state) {
  std::string name = v1::TaskState_Name(state);
  constexpr absl::string_view kPrefix = "TASK_STATE_";
  return name.size() > kPrefix.size() ? name.substr(kPrefix.size()) : name;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (!IsSet(timestamp)) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S", ToTime(timestamp),
                          absl::LocalTimeZone());
}

std::string RunTime(const v1::Task& task) {
  if (!IsSet(task.start_time())) return "-";
  absl::Time end =
      IsSet(task.end_time()) ? ToTime(task.end_time()) : absl::Now();
  return FormatSeconds(end - ToTime(task.start_time()));
}

std::string TaskSummary(const v1::Task& task) {
  switch (task.state()) {
    case v1::TASK_STATE_SUCCEEDED:
      return absl::StrCat("result=", ValueToJson(task.result()));
    case v1::TASK_STATE_FAILED:
    case v1::TASK_STATE_CANCELLED:
      return absl::StrCat("error=", task.error().reason(), ": ",
                          task.error().message());
    default:
      return "";
  }
}

std::string DescribeTask(const v1::Task& task) {
  std::vector<std::vector<std::string>> rows = {
      {"task:", task.task_id()},
      {"function:", task.function()},
      {"state:", StateName(task.state())},
      {"pool:", PoolName(task.pool())},
  };
  if (!task.worker().empty()) rows.push_back({"worker:", task.worker()});
  rows.push_back({"attempts:", absl::StrCat(task.attempts())});
  rows.push_back({"submitted:", FormatTimestamp(task.submit_time())});
  rows.push_back({"run time:", RunTime(task)});
  if (!task.labels().empty()) {
    std::vector<std::string> labels;
    for (const auto& [key, value] : task.labels()) {
      labels.push_back(absl::StrCat(key, "=", value));
    }
    std::sort(labels.begin(), labels.end());
    rows.push_back({"labels:", absl::StrJoin(labels, ",")});
  }
  if (task.state() == v1::TASK_STATE_SUCCEEDED) {
    rows.push_back({"result:", ValueToJson(task.result())});
  }
  if (task.has_error()) {
    rows.push_back({"error:", absl::StrCat(task.error().reason(), ": ",
                                           task.error().message())});
  }
  std::string text = FormatTable(rows);
  if (!task.output().empty()) {
    absl::StrAppend(&text, "output:\n", task.output());
    if (task.output().back() != '\n') text += "\n";
  }
  return text;
}

}  // namespace execd::cli
