#include "client/cpp/callback_stream.h"

namespace execd::internal {

CallbackStream::CallbackStream(v1::Executor::Stub* stub,
                               CallbackStreamListener* listener)
    : stub_(stub), listener_(listener) {
  request_.set_all_tasks(true);
}

void CallbackStream::Start() {
  stub_->async()->Callback(&context_, &request_, this);
  StartRead(&event_);
  StartCall();
}

void CallbackStream::OnReadInitialMetadataDone(bool ok) {
  if (ok && !confirmed_) {
    confirmed_ = true;
    listener_->OnStreamConfirmed(this);
  }
}

void CallbackStream::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  // A server that sends no early metadata confirms with its first event.
  if (!confirmed_) {
    confirmed_ = true;
    listener_->OnStreamConfirmed(this);
  }
  listener_->OnStreamEvent(this, event_);
  StartRead(&event_);
}

void CallbackStream::OnDone(const grpc::Status& status) {
  // The listener owns and later deletes this object on its own thread: our
  // ClientContext may hold the channel's last reference, and a channel
  // released on a gRPC callback thread tears down the callback completion
  // queue from inside itself (a crash in gRPC 1.51).
  listener_->OnStreamDone(this, status);
}

}  // namespace execd::internal
