#ifndef EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_

#include <memory>
#include <string>
#include <utility>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"
#include "server/service/stream_submitter.h"

namespace execd {

// What SubmitStream and SubmitBatchStream share: their outbox of task
// events and submitter, registration with OpenStreams (a draining server
// ends them), and how they end. Subclasses attach the outbox to their own
// writes, then call Open, and read requests in OnReadDone. `Event` is the
// outbox's event type (see StreamSubmitter).
template <typename Request, typename Response, typename Event>
class SubmittingReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  using Outbox = StreamOutbox<Event>;

  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override {
    if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
  }
  void OnDone() override {
    // Watches left on unfinished tasks only feed the detached outbox.
    outbox_->Detach();
    service_.streams->Remove(stream_id_);
    delete this;
  }

 protected:
  SubmittingReactor(const ServiceContext& service, std::string owner,
                    typename Outbox::BatchLimits batch_limits = {})
      : service_(service),
        outbox_(std::make_shared<Outbox>(service.max_stream_buffer,
                                         kResumeHint, batch_limits)),
        submitter_(service, std::move(owner), outbox_) {}

  // Once the outbox is attached: counted among open streams from now on.
  void Open() { stream_id_ = service_.streams->Add(CloseOnDrain(outbox_)); }
  // The client half-closed (or left): end once every task is reported.
  void ReadsEnded() {
    if (submitter_.ReadsEnded()) outbox_->Kick();
  }

  ServiceContext service_;
  std::shared_ptr<Outbox> outbox_;
  StreamSubmitter<Event> submitter_;

 private:
  uint64_t stream_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_
