#ifndef EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "server/core/event_encoding.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"
#include "server/service/stream_submitter.h"

namespace execd {

// What SubmitStream and SubmitBatchStream share: their outbox of encoded
// task events and submitter, registration with OpenStreams (a draining
// server ends them), and how they end. Both work on raw bytes: requests are
// parsed here, and events go out as the wire bytes encoded from the task
// records, with no TaskEvent message in between. Subclasses attach the
// outbox to their writes, call Open, and read requests in OnReadDone.
class SubmittingReactor
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  using Outbox = StreamSubmitter::Outbox;

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
                    Outbox::BatchLimits batch_limits = {})
      : service_(service),
        outbox_(std::make_shared<Outbox>(service.max_stream_buffer,
                                         kResumeHint, batch_limits)),
        submitter_(service, std::move(owner), outbox_) {}

  // Once the outbox is attached: counted among open streams, reading.
  void Open() {
    stream_id_ = service_.streams->Add(CloseOnDrain(outbox_));
    StartRead(&read_buffer_);
  }
  // The client half-closed (or left): end once every task is reported.
  void ReadsEnded() {
    if (submitter_.ReadsEnded()) outbox_->Kick();
  }
  // Parses the message just read; else ends the stream INVALID_ARGUMENT
  // (tasks already accepted run on) and returns false.
  template <typename Message>
  bool ParseRead(Message* message) {
    grpc::Status parsed =
        grpc::SerializationTraits<Message>::Deserialize(&read_buffer_, message);
    if (parsed.ok()) return true;
    if (outbox_->Close(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("malformed ", Message::descriptor()->name(), ": ",
                         parsed.error_message())))) {
      outbox_->Kick();
    }
    return false;
  }
  void ReadNext() {
    if (!outbox_->closed()) StartRead(&read_buffer_);
  }

  ServiceContext service_;
  std::shared_ptr<Outbox> outbox_;
  StreamSubmitter submitter_;
  grpc::ByteBuffer write_buffer_;  // owned by the write in flight

 private:
  grpc::ByteBuffer read_buffer_;  // owned by the read in flight
  uint64_t stream_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMITTING_REACTOR_H_
