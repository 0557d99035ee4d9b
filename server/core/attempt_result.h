#ifndef EXECD_SERVER_CORE_ATTEMPT_RESULT_H_
#define EXECD_SERVER_CORE_ATTEMPT_RESULT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "execd/v1/execd.pb.h"

namespace execd {

// Stable TaskError reasons of API.md.
inline constexpr absl::string_view kReasonTaskError = "TASK_ERROR";
inline constexpr absl::string_view kReasonInvalidArgument = "INVALID_ARGUMENT";
inline constexpr absl::string_view kReasonTimeout = "TIMEOUT";
inline constexpr absl::string_view kReasonCancelled = "CANCELLED";
inline constexpr absl::string_view kReasonWorkerLost = "WORKER_LOST";
inline constexpr absl::string_view kReasonShutdown = "SHUTDOWN";

// How one run of a task ended, as a pool reports it.
struct AttemptResult {
  bool ok = false;
  std::string result;  // a google.protobuf.Value, encoded
  std::string output;
  v1::TaskError error;  // when !ok
};

v1::TaskError MakeTaskError(absl::string_view reason, absl::string_view message,
                            int code);

}  // namespace execd

#endif  // EXECD_SERVER_CORE_ATTEMPT_RESULT_H_
