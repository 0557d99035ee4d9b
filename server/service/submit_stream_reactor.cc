#include "server/service/submit_stream_reactor.h"

#include <utility>

namespace execd {

SubmitStreamReactor::SubmitStreamReactor(const ServiceContext& service,
                                         std::string owner)
    : SubmittingReactor(service, std::move(owner)) {
  outbox_->Attach([this](const v1::TaskEvent* event) { StartWrite(event); },
                  [this](grpc::Status status) { Finish(std::move(status)); });
  Open();
  StartRead(&request_);
}

void SubmitStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or left)
    ReadsEnded();
    return;
  }
  const bool kick = submitter_.Submit(std::move(request_));
  request_.Clear();
  if (kick) outbox_->Kick();
  if (!outbox_->closed()) StartRead(&request_);
}

}  // namespace execd
