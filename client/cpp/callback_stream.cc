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
  listener_->OnStreamDone(this, status);
  delete this;
}

}  // namespace execd::internal
