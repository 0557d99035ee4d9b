#ifndef EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_

#include <memory>
#include <string>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"
#include "server/service/stream_submitter.h"

namespace execd {

// SubmitStream: per request, in order, ACCEPTED or REJECTED; later one
// FINISHED per accepted task. The stream ends (OK) once the client has
// half-closed and every accepted task has been reported.
class SubmitStreamReactor
    : public grpc::ServerBidiReactor<v1::SubmitRequest, v1::TaskEvent> {
 public:
  SubmitStreamReactor(const ServiceContext& service, std::string owner);
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  ServiceContext service_;
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox_;
  StreamSubmitter submitter_;
  v1::SubmitRequest request_;
  uint64_t stream_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMIT_STREAM_REACTOR_H_
