#ifndef EXECD_CLIENT_CPP_CLIENT_CORE_H_
#define EXECD_CLIENT_CPP_CLIENT_CORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/cpp/batch_submit.h"
#include "client/cpp/callback_hub.h"
#include "client/cpp/client_options.h"
#include "client/cpp/finished_event_follower.h"
#include "client/cpp/future_state.h"
#include "client/cpp/retry.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/channel.h"

namespace execd::internal {

// The part of a Client that its futures share and may outlive it: the stub,
// the retrying unary calls and the callback hub.
class ClientCore {
 public:
  ClientCore(std::shared_ptr<grpc::Channel> channel, ClientOptions options);

  v1::Executor::Stub& stub() { return *stub_; }
  grpc::Channel* channel() const { return channel_.get(); }
  CallbackHub& hub() { return hub_; }
  const ClientOptions& options() const { return options_; }

  // Unary calls, retried per the RetryPolicy.
  absl::StatusOr<v1::SubmitResponse> Submit(v1::SubmitRequest request);
  absl::StatusOr<v1::Task> GetTask(const std::string& task_id);
  absl::StatusOr<v1::CancelResponse> Cancel(const std::string& task_id);
  absl::StatusOr<v1::ListTasksResponse> ListTasks(
      const v1::ListTasksRequest& request);
  absl::StatusOr<v1::ListFunctionsResponse> ListFunctions();
  absl::StatusOr<v1::GetPoolsResponse> GetPools();

  // The Result RPC: the task once terminal, or as it is at `deadline`.
  absl::StatusOr<v1::Task> AwaitTask(const std::string& task_id,
                                     absl::Time deadline);

  // Resolves `futures` from the FINISHED events of the SubmitMany stream
  // `submitted` (see FinishedEventFollower) until they are all resolved.
  void Follow(SubmittedBatches submitted,
              std::vector<std::shared_ptr<FutureState>> futures)
      ABSL_LOCKS_EXCLUDED(followers_mu_);
  // Ends every such stream (the Client is going away).
  void StopFollowers() ABSL_LOCKS_EXCLUDED(followers_mu_);

 private:
  template <typename Request, typename Response>
  using UnaryMethod = grpc::Status (v1::Executor::Stub::*)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*);

  template <typename Request, typename Response>
  absl::StatusOr<Response> CallUnary(UnaryMethod<Request, Response> method,
                                     const Request& request);

  const std::shared_ptr<grpc::Channel> channel_;
  const ClientOptions options_;
  const std::unique_ptr<v1::Executor::Stub> stub_;
  CallbackHub hub_;  // stops before the stub goes
  absl::Mutex followers_mu_;
  // Their futures hold this core: Client's destructor stops them all, which
  // breaks the cycle.
  std::vector<std::unique_ptr<FinishedEventFollower>> followers_
      ABSL_GUARDED_BY(followers_mu_);
};

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_CLIENT_CORE_H_
