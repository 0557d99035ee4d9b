#include "bench/round_trip.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/target.h"

namespace execd::bench {

absl::StatusOr<std::string> SubmitOne(v1::Executor::Stub* stub,
                                      const v1::SubmitRequest& request) {
  v1::SubmitResponse response;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = stub->Submit(&context, request, &response);
  if (!status.ok()) {
    return CallFailed("Submit", status);
  }
  return response.task_id();
}

absl::StatusOr<v1::Task> AwaitSucceeded(v1::Executor::Stub* stub,
                                        const std::string& task_id) {
  v1::ResultRequest request;
  request.set_task_id(task_id);
  v1::Task task;
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = stub->Result(&context, request, &task);
  if (!status.ok()) {
    return CallFailed("Result", status);
  }
  if (task.state() != v1::TASK_STATE_SUCCEEDED) {
    return absl::InternalError(absl::StrCat("task ", task_id, " ended ",
                                            v1::TaskState_Name(task.state()),
                                            ": ", task.error().message()));
  }
  return task;
}

absl::StatusOr<RoundTrip> TimedRoundTrip(v1::Executor::Stub* stub,
                                         const v1::SubmitRequest& request) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> task_id = SubmitOne(stub, request);
  if (!task_id.ok()) return task_id.status();
  const absl::Time submitted = absl::Now();
  absl::StatusOr<v1::Task> task = AwaitSucceeded(stub, *task_id);
  if (!task.ok()) return task.status();
  return RoundTrip{submitted - start, absl::Now() - start, *task_id};
}

}  // namespace execd::bench
