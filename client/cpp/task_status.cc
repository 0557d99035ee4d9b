#include "client/cpp/task_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace execd {
namespace {

// google.rpc.Code and absl::StatusCode share numbers 0..16.
absl::StatusCode CodeFromNumber(int code) {
  if (code <= 0 || code > 16) return absl::StatusCode::kUnknown;
  return static_cast<absl::StatusCode>(code);
}

}  // namespace

bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

absl::Status TaskOutcomeStatus(const v1::Task& task) {
  switch (task.state()) {
    case v1::TASK_STATE_SUCCEEDED:
      return absl::OkStatus();
    case v1::TASK_STATE_FAILED:
    case v1::TASK_STATE_CANCELLED: {
      const v1::TaskError& error = task.error();
      absl::StatusCode code = task.state() == v1::TASK_STATE_CANCELLED
                                  ? absl::StatusCode::kCancelled
                                  : CodeFromNumber(error.code());
      std::string reason = error.reason().empty()
                               ? v1::TaskState_Name(task.state())
                               : error.reason();
      absl::Status status(code,
                          error.message().empty()
                              ? reason
                              : absl::StrCat(reason, ": ", error.message()));
      status.SetPayload(kTaskErrorPayloadUrl,
                        absl::Cord(error.SerializeAsString()));
      return status;
    }
    default:
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task.task_id(), " has not finished; state ",
                       v1::TaskState_Name(task.state())));
  }
}

std::optional<v1::TaskError> GetTaskError(const absl::Status& status) {
  auto payload = status.GetPayload(kTaskErrorPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::TaskError error;
  if (!error.ParseFromString(std::string(*payload))) return std::nullopt;
  return error;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace execd
