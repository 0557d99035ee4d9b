#include "server/service/submit_batch_stream_reactor.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/service/wire_batch.h"

namespace execd {

SubmitBatchStreamReactor::SubmitBatchStreamReactor(
    const ServiceContext& service, std::string owner)
    : SubmittingReactor(service, std::move(owner), kWireBatchLimits) {
  outbox_->AttachBatched(
      [this](const Outbox::Batch& events) {
        write_buffer_ = EncodeBatch(events);
        StartWrite(&write_buffer_);
      },
      [this](grpc::Status status) { Finish(std::move(status)); });
  Open();
}

void SubmitBatchStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or left)
    ReadsEnded();
    return;
  }
  if (!ParseRead(&batch_)) return;
  // Each request can owe two events (ACCEPTED, then FINISHED), all pushed
  // before the client can read any: a batch must fit in the stream's buffer
  // however fast its reader is.
  const size_t most_requests = service_.max_stream_buffer / 2;
  if (static_cast<size_t>(batch_.requests_size()) > most_requests) {
    if (outbox_->Close(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("SubmitBatch of ", batch_.requests_size(),
                         " requests is over the limit of ", most_requests,
                         " (half of --max_stream_buffer); split it")))) {
      outbox_->Kick();
    }
    batch_.Clear();
    return;
  }
  bool kick = false;
  for (v1::SubmitRequest& request : *batch_.mutable_requests()) {
    kick = submitter_.Submit(std::move(request)) || kick;
  }
  batch_.Clear();
  if (kick) outbox_->Kick();
  ReadNext();
}

}  // namespace execd
