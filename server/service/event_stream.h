#ifndef EXECD_SERVER_SERVICE_EVENT_STREAM_H_
#define EXECD_SERVER_SERVICE_EVENT_STREAM_H_

#include <atomic>
#include <memory>
#include <vector>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/core/task_observer.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"

namespace execd {

// Callback: FINISHED (and optionally STARTED) events of the listed tasks,
// ending once all listed tasks are terminal; or of every task with
// all_tasks, until the client leaves or the server drains.
class CallbackReactor : public grpc::ServerWriteReactor<v1::TaskEvent> {
 public:
  CallbackReactor(const ServiceContext& service,
                  const v1::CallbackRequest& request, const std::string& owner);
  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  class Observer;
  void Launch();

  ServiceContext service_;
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox_;
  std::shared_ptr<Observer> observer_;
  std::vector<std::pair<TaskPtr, uint64_t>> watches_;
  uint64_t all_watch_id_ = 0;
  uint64_t stream_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_EVENT_STREAM_H_
