#ifndef EXECD_TESTS_OBSERVABILITY_OBS_UTIL_H_
#define EXECD_TESTS_OBSERVABILITY_OBS_UTIL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"

// Helpers shared by the observability tests: task requests, /metrics
// parsing, logfmt parsing and running the Prometheus tools.
namespace execd::observability {

v1::SubmitRequest EchoRequest();
v1::SubmitRequest SleepRequest(double seconds);
v1::SubmitRequest FailRequest(const std::string& message);

// Submits with a 10 s deadline; the task id, or the RPC error.
absl::StatusOr<std::string> SubmitTask(v1::Executor::Stub& stub,
                                       const v1::SubmitRequest& request);
// Waits (up to `wait`) until the task is terminal; returns its final state.
absl::StatusOr<v1::TaskState> AwaitTerminal(v1::Executor::Stub& stub,
                                            const std::string& task_id,
                                            absl::Duration wait);

// The value of the sample `name{labels}` in a text exposition; `labels` are
// `key="value"` strings that must all appear in the sample's label set.
std::optional<double> MetricValue(const std::string& body,
                                  const std::string& name,
                                  const std::vector<std::string>& labels = {});

// One logfmt line as key -> value (quotes removed); an error when the line
// is not logfmt.
absl::StatusOr<std::map<std::string, std::string>> ParseLogfmt(
    const std::string& line);

// Absolute path of a tool from the Debian `prometheus` package (promtool,
// prometheus); an error that says how to install it when missing.
absl::StatusOr<std::string> PrometheusTool(const std::string& name);

struct ToolResult {
  int exit_code;       // -N when killed by signal N
  std::string output;  // stdout and stderr together
};
// Runs argv (stdin from `stdin_path` if not empty), killing it by pid after
// `timeout`.
absl::StatusOr<ToolResult> RunTool(const std::vector<std::string>& argv,
                                   const std::string& stdin_path,
                                   absl::Duration timeout);

// A fresh directory under /tmp, and a file written into it.
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix);
bool WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLocalPort();

}  // namespace execd::observability

#endif  // EXECD_TESTS_OBSERVABILITY_OBS_UTIL_H_
