#include "client/cpp/client.h"

#include <utility>

#include "client/cpp/client_core.h"
#include "client/cpp/future_state.h"

namespace execd {

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : core_(std::make_shared<internal::ClientCore>(std::move(channel),
                                                   std::move(options))) {}

// Futures may keep the core alive; its hub must not outlive the Client (its
// watches hold futures, which hold the core).
Client::~Client() { core_->hub().Stop(); }

absl::StatusOr<TaskFuture> Client::Submit(
    absl::string_view function, std::vector<google::protobuf::Value> args,
    SubmitOptions options) {
  v1::SubmitRequest request;
  request.set_function(std::string(function));
  for (auto& arg : args) *request.add_args() = std::move(arg);
  *request.mutable_kwargs() = std::move(options.kwargs);
  request.set_input(std::move(options.input));
  request.set_pool(options.pool);
  request.set_priority(options.priority);
  if (options.timeout.has_value()) {
    *request.mutable_timeout() = ToProtoDuration(*options.timeout);
  }
  if (options.delay.has_value()) {
    *request.mutable_delay() = ToProtoDuration(*options.delay);
  }
  request.set_request_id(std::move(options.request_id));
  request.mutable_labels()->insert(options.labels.begin(),
                                   options.labels.end());
  request.set_max_retries(options.max_retries);
  absl::StatusOr<v1::SubmitResponse> response =
      SubmitRequest(std::move(request));
  if (!response.ok()) return response.status();
  return FutureFor(response->task_id());
}

absl::StatusOr<v1::SubmitResponse> Client::SubmitRequest(
    v1::SubmitRequest request) {
  return core_->Submit(std::move(request));
}

TaskFuture Client::FutureFor(absl::string_view task_id) {
  return TaskFuture(
      std::make_shared<internal::FutureState>(std::string(task_id), core_));
}

MapStream Client::Map(
    absl::string_view function,
    const std::vector<std::vector<google::protobuf::Value>>& items,
    MapOptions options) {
  v1::MapRequest request;
  request.set_function(std::string(function));
  for (const auto& item : items) {
    google::protobuf::ListValue* args = request.add_items();
    for (const auto& value : item) *args->add_values() = value;
  }
  *request.mutable_kwargs() = std::move(options.kwargs);
  request.set_pool(options.pool);
  request.set_chunksize(options.chunksize);
  if (options.timeout.has_value()) {
    *request.mutable_timeout() = ToProtoDuration(*options.timeout);
  }
  request.set_unordered(options.unordered);
  auto context = std::make_unique<grpc::ClientContext>();
  auto reader = core_->stub().Map(context.get(), request);
  return MapStream(std::move(context), std::move(reader));
}

absl::StatusOr<v1::Task> Client::GetTask(absl::string_view task_id) {
  return core_->GetTask(std::string(task_id));
}

absl::StatusOr<v1::CancelResponse> Client::Cancel(absl::string_view task_id) {
  return core_->Cancel(std::string(task_id));
}

absl::StatusOr<v1::ListTasksResponse> Client::ListTasks(
    const v1::ListTasksRequest& request) {
  return core_->ListTasks(request);
}

absl::StatusOr<v1::ListFunctionsResponse> Client::ListFunctions() {
  return core_->ListFunctions();
}

absl::StatusOr<v1::GetPoolsResponse> Client::GetPools() {
  return core_->GetPools();
}

absl::Status Client::Watch(
    const v1::CallbackRequest& request,
    const std::function<bool(const v1::TaskEvent& event)>& on_event) {
  grpc::ClientContext context;
  auto reader = core_->stub().Callback(&context, request);
  v1::TaskEvent event;
  bool stopped_early = false;
  while (reader->Read(&event)) {
    if (!on_event(event)) {
      stopped_early = true;
      context.TryCancel();
      break;
    }
  }
  if (stopped_early) {
    while (reader->Read(&event)) {
    }
  }
  absl::Status status = FromGrpcStatus(reader->Finish());
  return stopped_early ? absl::OkStatus() : status;
}

}  // namespace execd
