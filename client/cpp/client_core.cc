#include "client/cpp/client_core.h"

#include <algorithm>
#include <utility>

#include "client/cpp/task_status.h"
#include "client/cpp/values.h"

namespace execd::internal {
namespace {

// Extra time granted to the Result RPC beyond its own wait.
constexpr absl::Duration kResultGrace = absl::Seconds(10);

}  // namespace

ClientCore::ClientCore(std::shared_ptr<grpc::Channel> channel,
                       ClientOptions options)
    : channel_(std::move(channel)),
      options_(std::move(options)),
      stub_(v1::Executor::NewStub(channel_)),
      hub_(stub_.get(),
           [this](const std::string& task_id) { return GetTask(task_id); }) {}

template <typename Request, typename Response>
absl::StatusOr<Response> ClientCore::CallUnary(
    UnaryMethod<Request, Response> method, const Request& request) {
  Response response;
  absl::Status status = CallWithRetry(
      options_.retry, absl::InfiniteFuture(),
      [&](grpc::ClientContext& context) {
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + options_.call_timeout));
        return ((*stub_).*method)(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::SubmitResponse> ClientCore::Submit(
    v1::SubmitRequest request) {
  // The same key on every attempt makes the retries idempotent.
  if (request.request_id().empty()) request.set_request_id(NewRequestId());
  return CallUnary(&v1::Executor::Stub::Submit, request);
}

absl::StatusOr<v1::Task> ClientCore::GetTask(const std::string& task_id) {
  v1::GetTaskRequest request;
  request.set_task_id(task_id);
  return CallUnary(&v1::Executor::Stub::GetTask, request);
}

absl::StatusOr<v1::CancelResponse> ClientCore::Cancel(
    const std::string& task_id) {
  v1::CancelRequest request;
  request.set_task_id(task_id);
  return CallUnary(&v1::Executor::Stub::Cancel, request);
}

absl::StatusOr<v1::ListTasksResponse> ClientCore::ListTasks(
    const v1::ListTasksRequest& request) {
  return CallUnary(&v1::Executor::Stub::ListTasks, request);
}

absl::StatusOr<v1::ListFunctionsResponse> ClientCore::ListFunctions() {
  return CallUnary(&v1::Executor::Stub::ListFunctions,
                   v1::ListFunctionsRequest());
}

absl::StatusOr<v1::GetPoolsResponse> ClientCore::GetPools() {
  return CallUnary(&v1::Executor::Stub::GetPools, v1::GetPoolsRequest());
}

absl::StatusOr<v1::Task> ClientCore::AwaitTask(const std::string& task_id,
                                               absl::Time deadline) {
  v1::Task task;
  // The server may end a long wait early; ask again until the deadline.
  while (true) {
    absl::Status status = CallWithRetry(
        options_.retry, deadline, [&](grpc::ClientContext& context) {
          v1::ResultRequest request;
          request.set_task_id(task_id);
          if (deadline != absl::InfiniteFuture()) {
            absl::Duration wait =
                std::max(absl::ZeroDuration(), deadline - absl::Now());
            *request.mutable_timeout() = ToProtoDuration(wait);
            context.set_deadline(
                absl::ToChronoTime(absl::Now() + wait + kResultGrace));
          }
          return stub_->Result(&context, request, &task);
        });
    if (!status.ok()) return status;
    if (IsTerminal(task.state()) || absl::Now() >= deadline) return task;
  }
}

void ClientCore::Follow(SubmittedBatches submitted,
                        std::vector<std::shared_ptr<FutureState>> futures) {
  absl::MutexLock lock(&followers_mu_);
  followers_.erase(
      std::remove_if(followers_.begin(), followers_.end(),
                     [](const std::unique_ptr<FinishedEventFollower>& f) {
                       return f->done();
                     }),
      followers_.end());
  followers_.push_back(std::make_unique<FinishedEventFollower>(
      std::move(submitted), std::move(futures), &hub_));
}

void ClientCore::StopFollowers() {
  std::vector<std::unique_ptr<FinishedEventFollower>> followers;
  {
    absl::MutexLock lock(&followers_mu_);
    followers.swap(followers_);
  }
  for (const auto& follower : followers) follower->Stop();
}

}  // namespace execd::internal
