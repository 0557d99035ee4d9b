#include "server/service/executor_service.h"

#include <utility>

#include "server/service/event_stream.h"
#include "server/service/map_reactor.h"
#include "server/service/refused_reactors.h"
#include "server/service/result_reactor.h"
#include "server/service/status_convert.h"
#include "server/service/submit_batch_stream_reactor.h"
#include "server/service/submit_stream_reactor.h"

namespace execd {
namespace {

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status, context));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ExecutorService::Submit(
    grpc::CallbackServerContext* context, const v1::SubmitRequest* request,
    v1::SubmitResponse* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  // gRPC owns the request and never reads it again after this handler, and
  // it was not created const: moving its payload into the task record saves
  // a copy of every argument.
  absl::StatusOr<Executor::Submitted> submitted = context_.executor->Submit(
      std::move(*const_cast<v1::SubmitRequest*>(request)), *principal);
  if (submitted.ok()) {
    response->set_task_id(submitted->task->id());
    response->set_duplicate(submitted->duplicate);
    response->set_state(
        submitted->duplicate
            ? context_.executor->store().Snapshot(*submitted->task).state()
            : v1::TASK_STATE_PENDING);
  }
  return FinishNow(context, submitted.status());
}

grpc::ServerUnaryReactor* ExecutorService::Result(
    grpc::CallbackServerContext* context, const v1::ResultRequest* request,
    v1::Task* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  return new ResultReactor(context_, context, *request, response, *principal);
}

grpc::ServerUnaryReactor* ExecutorService::Cancel(
    grpc::CallbackServerContext* context, const v1::CancelRequest* request,
    v1::CancelResponse* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  absl::StatusOr<v1::CancelResponse> cancelled =
      context_.executor->Cancel(request->task_id(), *principal);
  if (cancelled.ok()) *response = *std::move(cancelled);
  return FinishNow(context, cancelled.status());
}

grpc::ServerWriteReactor<v1::TaskEvent>* ExecutorService::Callback(
    grpc::CallbackServerContext* context, const v1::CallbackRequest* request) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) {
    return new RefusedWriteReactor<v1::TaskEvent>(
        ToGrpcStatus(principal.status()));
  }
  return new CallbackReactor(context_, *request, *principal);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
ExecutorService::SubmitStream(grpc::CallbackServerContext* context) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) {
    return new RefusedBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>(
        ToGrpcStatus(principal.status()));
  }
  return new SubmitStreamReactor(context_, *principal);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
ExecutorService::SubmitBatchStream(grpc::CallbackServerContext* context) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) {
    return new RefusedBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>(
        ToGrpcStatus(principal.status()));
  }
  return new SubmitBatchStreamReactor(context_, *principal);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ExecutorService::Map(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return StartMap(*context, *request,
                  MapReactor::Framing::kOneResultPerMessage);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ExecutorService::MapBatchStream(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return StartMap(*context, *request, MapReactor::Framing::kBatched);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ExecutorService::StartMap(
    grpc::CallbackServerContext& context, const grpc::ByteBuffer& request,
    MapReactor::Framing framing) {
  absl::StatusOr<std::string> principal = Authenticate(context_, context);
  if (!principal.ok()) {
    return new RefusedWriteReactor<grpc::ByteBuffer>(
        ToGrpcStatus(principal.status()));
  }
  return new MapReactor(context_, request, *principal, framing);
}

grpc::ServerUnaryReactor* ExecutorService::GetTask(
    grpc::CallbackServerContext* context, const v1::GetTaskRequest* request,
    v1::Task* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  absl::StatusOr<TaskPtr> task =
      context_.executor->Lookup(request->task_id(), *principal);
  if (task.ok()) *response = context_.executor->store().Snapshot(**task);
  return FinishNow(context, task.status());
}

grpc::ServerUnaryReactor* ExecutorService::ListTasks(
    grpc::CallbackServerContext* context, const v1::ListTasksRequest* request,
    v1::ListTasksResponse* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  absl::StatusOr<v1::ListTasksResponse> listed =
      context_.executor->store().List(*request, *principal);
  if (listed.ok()) *response = *std::move(listed);
  return FinishNow(context, listed.status());
}

grpc::ServerUnaryReactor* ExecutorService::ListFunctions(
    grpc::CallbackServerContext* context,
    const v1::ListFunctionsRequest* request,
    v1::ListFunctionsResponse* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  *response = context_.executor->ListFunctions();
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* ExecutorService::GetPools(
    grpc::CallbackServerContext* context, const v1::GetPoolsRequest* request,
    v1::GetPoolsResponse* response) {
  absl::StatusOr<std::string> principal = Authenticate(context_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  *response = context_.executor->GetPools();
  return FinishNow(context, absl::OkStatus());
}

}  // namespace execd
