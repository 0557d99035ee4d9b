#include "server/worker/worker_loop.h"

#include <stdio.h>
#include <unistd.h>

#include <exception>
#include <memory>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "server/core/cancellation.h"
#include "server/functions/map_chunk.h"
#include "server/pools/process/frame_codec.h"

namespace execd {
namespace {

using v1::worker::WorkerReply;

constexpr size_t kFrameArenaBytes = 256 << 10;

// As the thread pool reports a failed run.
void SetError(const absl::Status& status, WorkerReply::CallDone& done) {
  *done.mutable_error() = TaskErrorOf(status);
}

}  // namespace

int WorkerLoop::Run() {
  WorkerReply hello;
  hello.mutable_hello()->set_pid(getpid());
  if (!Send(hello)) return 0;
  FrameReader reader(config_->socket_fd, config_->max_frame_bytes);
  // Each frame is parsed into an arena whose first block every frame
  // reuses: a Map chunk's items would otherwise cost a few mallocs and
  // frees each.
  auto first_block = std::make_unique<char[]>(kFrameArenaBytes);
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = first_block.get();
  arena_options.initial_block_size = kFrameArenaBytes;
  google::protobuf::Arena arena(arena_options);
  WorkerReply reply;
  while (true) {
    arena.Reset();
    auto& request =
        *google::protobuf::Arena::CreateMessage<v1::worker::WorkerRequest>(
            &arena);
    absl::Status read = reader.Read(&request);
    if (IsEndOfStream(read)) return 0;
    if (read.ok() && request.calls_size() > CallGates::kMaxCalls) {
      read = absl::InvalidArgumentError("more calls than there are gates");
    }
    if (!read.ok()) {
      fprintf(stderr, "execd-worker %d: bad request frame: %s\n", getpid(),
              std::string(read.message()).c_str());
      return kWorkerExitProtocolError;
    }
    for (int i = 0; i < request.calls_size(); ++i) {
      const v1::worker::WorkerCall& call = request.calls(i);
      WorkerReply::CallDone* done = reply.mutable_done();
      if (gates_->Start(i)) {
        RunCall(call, done);
      } else if (gates_->state(i) == GateState::kWithdrawn) {
        done->Clear();
        done->set_task_id(call.task_id());
        done->set_skipped(true);
      } else {
        break;  // fenced: the server is about to kill this process
      }
      if (!SendDone(reply)) return 0;
    }
  }
}

bool WorkerLoop::ReportChildGroup(pid_t pgid) {
  WorkerReply reply;
  reply.mutable_child()->set_pgid(pgid);
  return Send(reply);
}

void WorkerLoop::RunCall(const v1::worker::WorkerCall& call,
                         WorkerReply::CallDone* done) const {
  done->Clear();
  done->set_task_id(call.task_id());
  absl::StatusOr<const FunctionSpec*> function =
      registry_->Find(call.function());
  if (!function.ok()) {
    SetError(function.status(), *done);
    return;
  }
  // Never cancelled here: the server stops a run by killing this process.
  CancellationToken token;
  TaskContext context(&token, &config_->limits);
  if (call.map_chunk()) {
    done->set_ok(true);
    done->set_result(
        RunMapChunk(**function, call.args(), call.kwargs(), context));
    return;
  }
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
    SetError(outcome.status(), *done);
    return;
  }
  done->set_ok(true);
  done->set_result(std::move(outcome->result));
  *done->mutable_output() = std::move(outcome->output);
}

bool WorkerLoop::SendDone(WorkerReply& reply) {
  absl::Status encoded = EncodeFrameTo(reply, config_->max_frame_bytes, &out_);
  if (absl::IsResourceExhausted(encoded)) {
    // Sized once, by the encoding: only a result too big for a frame pays
    // for a second pass.
    WorkerReply::CallDone* done = reply.mutable_done();
    const size_t size = done->ByteSizeLong();
    std::string task_id = std::move(*done->mutable_task_id());
    done->Clear();
    done->set_task_id(std::move(task_id));
    SetError(absl::ResourceExhaustedError(
                 absl::StrCat("the result and output of ", size,
                              " bytes exceed the worker frame limit of ",
                              config_->max_frame_bytes, " bytes")),
             *done);
    encoded = EncodeFrameTo(reply, config_->max_frame_bytes, &out_);
  }
  return Write(encoded);
}

bool WorkerLoop::Send(const WorkerReply& reply) {
  return Write(EncodeFrameTo(reply, config_->max_frame_bytes, &out_));
}

bool WorkerLoop::Write(absl::Status encoded) {
  absl::Status written = std::move(encoded);
  if (written.ok()) written = WriteAll(config_->socket_fd, out_);
  if (!written.ok() && !absl::IsUnavailable(written)) {
    fprintf(stderr, "execd-worker %d: cannot send a reply: %s\n", getpid(),
            std::string(written.message()).c_str());
  }
  return written.ok();
}

}  // namespace execd
