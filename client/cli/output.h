#ifndef EXECD_CLIENT_CLI_OUTPUT_H_
#define EXECD_CLIENT_CLI_OUTPUT_H_

#include <string>
#include <vector>

#include "execd/v1/execd.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace execd::cli {

// One line of JSON (for --json).
std::string ToJson(const google::protobuf::Message& message);

// Left-aligned columns; the first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

std::string PoolName(v1::Pool pool);         // "thread"
std::string StateName(v1::TaskState state);  // "SUCCEEDED"
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);
// start..end, or start..now for a running task; "" before it started.
std::string RunTime(const v1::Task& task);

// "key: value" lines describing a task, for people.
std::string DescribeTask(const v1::Task& task);

// A one-line summary: the result, or the error.
std::string TaskSummary(const v1::Task& task);

}  // namespace execd::cli

#endif  // EXECD_CLIENT_CLI_OUTPUT_H_
