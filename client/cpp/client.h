#ifndef EXECD_CLIENT_CPP_CLIENT_H_
#define EXECD_CLIENT_CPP_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/cpp/channel.h"
#include "client/cpp/client_options.h"
#include "client/cpp/map_stream.h"
#include "client/cpp/submit_options.h"
#include "client/cpp/task_future.h"
#include "client/cpp/task_status.h"
#include "client/cpp/values.h"
#include "client/cpp/wait.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"
#include "grpcpp/channel.h"

namespace execd {

namespace internal {
class ClientCore;
}  // namespace internal

// An executor whose workers live in an execd server:
//
//   execd::Client client(execd::CreateChannel("localhost:50051"));
//   absl::StatusOr<execd::TaskFuture> future =
//       client.Submit("sleep", execd::Args(0.5));
//   absl::StatusOr<execd::v1::Task> task = future->Result();
//
// Thread-safe. Calls that fail with UNAVAILABLE or RESOURCE_EXHAUSTED are
// retried (see RetryPolicy); Submit always sends a request id, so a retry
// never runs a task twice. Futures stay usable after the Client is gone,
// except that their done callbacks no longer run.
class Client {
 public:
  explicit Client(std::shared_ptr<grpc::Channel> channel,
                  ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  absl::StatusOr<TaskFuture> Submit(
      absl::string_view function,
      std::vector<google::protobuf::Value> args = {},
      SubmitOptions options = {});

  // Submits `function` once per item (each item one call's positional
  // arguments; `options` go to every call) through one SubmitBatchStream,
  // many requests per message, and returns once every request is accepted
  // or refused: for many small tasks, an order of magnitude more tasks per
  // second than a loop of Submit. One entry per item, in order: its future,
  // or the error the server gave that request (the others run). The futures
  // are resolved from the same stream's FINISHED events, on a thread of the
  // client, with no call per future. Each request gets a request id,
  // "<options.request_id>-<index>" if one is given, so that a retried call,
  // or a repeated one with the same id, runs nothing twice.
  absl::StatusOr<std::vector<absl::StatusOr<TaskFuture>>> SubmitMany(
      absl::string_view function,
      const std::vector<std::vector<google::protobuf::Value>>& items,
      const SubmitOptions& options = {});

  // The raw call, for callers that need the whole response (e.g. duplicate).
  absl::StatusOr<v1::SubmitResponse> SubmitRequest(v1::SubmitRequest request);

  // A future for a task submitted elsewhere.
  TaskFuture FutureFor(absl::string_view task_id);

  // Calls `function` once per item (each item is one call's positional
  // arguments). A long Map goes as several calls, a few open at once (see
  // MapOptions::items_per_call).
  MapStream Map(absl::string_view function,
                const std::vector<std::vector<google::protobuf::Value>>& items,
                MapOptions options = {});

  absl::StatusOr<v1::Task> GetTask(absl::string_view task_id);
  absl::StatusOr<v1::CancelResponse> Cancel(absl::string_view task_id);
  absl::StatusOr<v1::ListTasksResponse> ListTasks(
      const v1::ListTasksRequest& request);
  absl::StatusOr<v1::ListFunctionsResponse> ListFunctions();
  absl::StatusOr<v1::GetPoolsResponse> GetPools();

  // Streams Callback events to `on_event` until the stream ends or
  // `on_event` returns false (which is then OK).
  absl::Status Watch(
      const v1::CallbackRequest& request,
      const std::function<bool(const v1::TaskEvent& event)>& on_event);

 private:
  std::shared_ptr<internal::ClientCore> core_;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_CLIENT_H_
