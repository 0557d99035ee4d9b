#include "client/cpp/client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/cpp/batch_submit.h"
#include "client/cpp/client_core.h"
#include "client/cpp/future_state.h"
#include "client/cpp/map_calls.h"

namespace execd {

Client::Client(std::shared_ptr<grpc::Channel> channel, ClientOptions options)
    : core_(std::make_shared<internal::ClientCore>(std::move(channel),
                                                   std::move(options))) {}

// Futures may keep the core alive; its hub must not outlive the Client (its
// watches hold futures, which hold the core).
Client::~Client() {
  core_->StopFollowers();
  core_->hub().Stop();
}

namespace {

// A request of everything in `options` but its request id.
v1::SubmitRequest RequestFor(absl::string_view function,
                             const SubmitOptions& options) {
  v1::SubmitRequest request;
  request.set_function(std::string(function));
  *request.mutable_kwargs() = options.kwargs;
  request.set_input(options.input);
  request.set_pool(options.pool);
  request.set_priority(options.priority);
  if (options.timeout.has_value()) {
    *request.mutable_timeout() = ToProtoDuration(*options.timeout);
  }
  if (options.delay.has_value()) {
    *request.mutable_delay() = ToProtoDuration(*options.delay);
  }
  request.mutable_labels()->insert(options.labels.begin(),
                                   options.labels.end());
  request.set_max_retries(options.max_retries);
  return request;
}

}  // namespace

absl::StatusOr<TaskFuture> Client::Submit(
    absl::string_view function, std::vector<google::protobuf::Value> args,
    SubmitOptions options) {
  v1::SubmitRequest request = RequestFor(function, options);
  for (auto& arg : args) *request.add_args() = std::move(arg);
  request.set_request_id(std::move(options.request_id));
  absl::StatusOr<v1::SubmitResponse> response =
      SubmitRequest(std::move(request));
  if (!response.ok()) return response.status();
  return FutureFor(response->task_id());
}

absl::StatusOr<std::vector<absl::StatusOr<TaskFuture>>> Client::SubmitMany(
    absl::string_view function,
    const std::vector<std::vector<google::protobuf::Value>>& items,
    const SubmitOptions& options) {
  const v1::SubmitRequest common = RequestFor(function, options);
  std::vector<v1::SubmitRequest> requests(items.size(), common);
  for (size_t i = 0; i < items.size(); ++i) {
    for (const auto& arg : items[i]) *requests[i].add_args() = arg;
    requests[i].set_request_id(options.request_id.empty()
                                   ? NewRequestId()
                                   : absl::StrCat(options.request_id, "-", i));
  }
  if (requests.empty()) return std::vector<absl::StatusOr<TaskFuture>>();
  absl::StatusOr<internal::SubmittedBatches> submitted =
      internal::SubmitInBatches(core_->stub(), core_->options(),
                                std::move(requests));
  if (!submitted.ok()) return submitted.status();
  std::vector<absl::StatusOr<TaskFuture>> futures;
  std::vector<std::shared_ptr<internal::FutureState>> accepted;
  futures.reserve(submitted->verdicts.size());
  for (const v1::TaskEvent& verdict : submitted->verdicts) {
    if (verdict.kind() == v1::TaskEvent::KIND_ACCEPTED) {
      auto state = std::make_shared<internal::FutureState>(
          verdict.task().task_id(), core_);
      state->MarkWatched();  // by the stream, until it ends
      accepted.push_back(state);
      futures.push_back(TaskFuture(std::move(state)));
    } else {
      const auto code = static_cast<absl::StatusCode>(verdict.code());
      futures.push_back(absl::Status(
          code == absl::StatusCode::kOk ? absl::StatusCode::kUnknown : code,
          verdict.message()));
    }
  }
  core_->Follow(*std::move(submitted), std::move(accepted));
  return futures;
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
  MapRequestOnArena request;
  request->set_function(std::string(function));
  for (const auto& item : items) {
    google::protobuf::ListValue* args = request->add_items();
    for (const auto& value : item) *args->add_values() = value;
  }
  *request->mutable_kwargs() = std::move(options.kwargs);
  request->set_pool(options.pool);
  request->set_chunksize(options.chunksize);
  if (options.timeout.has_value()) {
    *request->mutable_timeout() = ToProtoDuration(*options.timeout);
  }
  request->set_unordered(options.unordered);
  request->set_outcomes_only(options.outcomes_only);
  std::shared_ptr<internal::ClientCore> core = core_;  // outlives the calls
  return MapStream(
      [core](grpc::ClientContext* context, const grpc::ByteBuffer& call) {
        return StartMapBatchStream(core->channel(), context, call);
      },
      MapCallPlan(std::move(request), options.items_per_call),
      options.calls_in_flight);
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
