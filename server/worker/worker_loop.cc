#include "server/worker/worker_loop.h"

#include <stdio.h>
#include <unistd.h>

#include <exception>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/attempt_result.h"
#include "server/core/cancellation.h"
#include "server/pools/process/frame_codec.h"

namespace execd {
namespace {

using v1::worker::WorkerReply;

// As the thread pool reports a failed run.
void SetError(const absl::Status& status, WorkerReply::CallDone& done) {
  const bool invalid = status.code() == absl::StatusCode::kInvalidArgument;
  v1::TaskError* error = done.mutable_error();
  error->set_reason(
      std::string(invalid ? kReasonInvalidArgument : kReasonTaskError));
  error->set_message(std::string(status.message()));
  error->set_code(static_cast<int>(status.code()));
}

}  // namespace

int WorkerLoop::Run() {
  WorkerReply hello;
  hello.mutable_hello()->set_pid(getpid());
  if (!Send(hello)) return 0;
  while (true) {
    v1::worker::WorkerRequest request;
    absl::Status read =
        ReadFrame(config_->socket_fd, config_->max_frame_bytes, &request);
    if (IsEndOfStream(read)) return 0;
    if (!read.ok()) {
      fprintf(stderr, "execd-worker %d: bad request frame: %s\n", getpid(),
              std::string(read.message()).c_str());
      return kWorkerExitProtocolError;
    }
    for (const v1::worker::WorkerCall& call : request.calls()) {
      WorkerReply reply;
      *reply.mutable_done() = RunCall(call);
      if (!Send(reply)) return 0;
    }
  }
}

bool WorkerLoop::ReportChildGroup(pid_t pgid) {
  WorkerReply reply;
  reply.mutable_child()->set_pgid(pgid);
  return Send(reply);
}

WorkerReply::CallDone WorkerLoop::RunCall(
    const v1::worker::WorkerCall& call) const {
  WorkerReply::CallDone done;
  done.set_task_id(call.task_id());
  absl::StatusOr<const FunctionSpec*> function =
      registry_->Find(call.function());
  if (!function.ok()) {
    SetError(function.status(), done);
    return done;
  }
  // Never cancelled here: the server stops a run by killing this process.
  CancellationToken token;
  TaskContext context(&token, &config_->limits);
  absl::StatusOr<CallResult> outcome;
  try {
    outcome = (*function)->run(
        CallArgs{call.args(), call.kwargs(), call.input()}, context);
  } catch (const std::bad_alloc&) {
    throw;  // main turns it into kWorkerExitMemoryLimit
  } catch (const std::exception& error) {
    outcome = absl::InternalError(
        absl::StrCat("function threw an exception: ", error.what()));
  }
  if (!outcome.ok()) {
    SetError(outcome.status(), done);
    return done;
  }
  done.set_ok(true);
  *done.mutable_result() = std::move(outcome->result);
  *done.mutable_output() = std::move(outcome->output);
  if (done.ByteSizeLong() > config_->max_frame_bytes) {
    WorkerReply::CallDone too_big;
    too_big.set_task_id(call.task_id());
    SetError(absl::ResourceExhaustedError(
                 absl::StrCat("the result and output of ", done.ByteSizeLong(),
                              " bytes exceed the worker frame limit of ",
                              config_->max_frame_bytes, " bytes")),
             too_big);
    return too_big;
  }
  return done;
}

bool WorkerLoop::Send(const WorkerReply& reply) {
  absl::Status written =
      WriteFrame(config_->socket_fd, reply, config_->max_frame_bytes);
  if (!written.ok() && !absl::IsUnavailable(written)) {
    fprintf(stderr, "execd-worker %d: cannot send a reply: %s\n", getpid(),
            std::string(written.message()).c_str());
  }
  return written.ok();
}

}  // namespace execd
