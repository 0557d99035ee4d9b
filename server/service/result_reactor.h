#ifndef EXECD_SERVER_SERVICE_RESULT_REACTOR_H_
#define EXECD_SERVER_SERVICE_RESULT_REACTOR_H_

#include <memory>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/core/task_record.h"
#include "server/service/service_context.h"

namespace execd {

// Result: answers when the task is terminal, or with the task as it is when
// the wait (request timeout, or just before the RPC deadline) runs out. No
// thread waits: a store watch and a timer race to finish the call.
class ResultReactor : public grpc::ServerUnaryReactor {
 public:
  ResultReactor(const ServiceContext& service,
                grpc::CallbackServerContext* context,
                const v1::ResultRequest& request, v1::Task* response,
                const std::string& owner);
  void OnCancel() override;
  void OnDone() override;

 private:
  class Waiter;

  ServiceContext service_;
  TaskPtr task_;
  std::shared_ptr<Waiter> waiter_;
  uint64_t watch_id_ = 0;
  uint64_t timer_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_RESULT_REACTOR_H_
