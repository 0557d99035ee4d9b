#include "server/service/submit_stream_reactor.h"

#include <utility>

namespace execd {

SubmitStreamReactor::SubmitStreamReactor(const ServiceContext& service,
                                         std::string owner)
    : service_(service),
      outbox_(std::make_shared<StreamOutbox<v1::TaskEvent>>(
          service.max_stream_buffer, kResumeHint)),
      submitter_(service, std::move(owner), outbox_) {
  outbox_->Attach([this](const v1::TaskEvent* event) { StartWrite(event); },
                  [this](grpc::Status status) { Finish(std::move(status)); });
  stream_id_ = service_.streams->Add(CloseOnDrain(outbox_));
  StartRead(&request_);
}

void SubmitStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or left)
    if (submitter_.ReadsEnded()) outbox_->Kick();
    return;
  }
  const bool kick = submitter_.Submit(std::move(request_));
  request_.Clear();
  if (kick) outbox_->Kick();
  if (!outbox_->closed()) StartRead(&request_);
}

void SubmitStreamReactor::OnCancel() {
  if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
}

void SubmitStreamReactor::OnDone() {
  // Watches left on unfinished tasks only feed the detached outbox.
  outbox_->Detach();
  service_.streams->Remove(stream_id_);
  delete this;
}

}  // namespace execd
