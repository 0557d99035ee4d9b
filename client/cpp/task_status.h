#ifndef EXECD_CLIENT_CPP_TASK_STATUS_H_
#define EXECD_CLIENT_CPP_TASK_STATUS_H_

#include <optional>

#include "absl/status/status.h"
#include "execd/v1/execd.pb.h"
#include "grpcpp/support/status.h"

namespace execd {

// Type URL under which a failed task's TaskError rides in an absl::Status.
inline constexpr char kTaskErrorPayloadUrl[] =
    "type.googleapis.com/execd.v1.TaskError";

bool IsTerminal(v1::TaskState state);

// OK for a SUCCEEDED task; for FAILED or CANCELLED the TaskError as a status
// ("REASON: message", its code, the TaskError as payload); FAILED_PRECONDITION
// for a task that has not finished.
absl::Status TaskOutcomeStatus(const v1::Task& task);

// The TaskError a TaskOutcomeStatus carries, if any.
std::optional<v1::TaskError> GetTaskError(const absl::Status& status);

absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_TASK_STATUS_H_
