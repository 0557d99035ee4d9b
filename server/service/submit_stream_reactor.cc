#include "server/service/submit_stream_reactor.h"

#include <utility>

#include "server/service/wire_batch.h"

namespace execd {

SubmitStreamReactor::SubmitStreamReactor(const ServiceContext& service,
                                         std::string owner)
    : SubmittingReactor(service, std::move(owner)) {
  outbox_->Attach(
      [this](const EncodedEvent* event) {
        write_buffer_ = EncodeSingle(*event);
        StartWrite(&write_buffer_);
      },
      [this](grpc::Status status) { Finish(std::move(status)); });
  Open();
}

void SubmitStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or left)
    ReadsEnded();
    return;
  }
  if (!ParseRead(&request_)) return;
  const bool kick = submitter_.Submit(std::move(request_));
  request_.Clear();
  if (kick) outbox_->Kick();
  ReadNext();
}

}  // namespace execd
