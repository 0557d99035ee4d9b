#ifndef EXECD_CLIENT_CPP_CALLBACK_STREAM_H_
#define EXECD_CLIENT_CPP_CALLBACK_STREAM_H_

#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"

namespace execd::internal {

class CallbackStream;

// Receives what one Callback stream reports; called on gRPC threads.
class CallbackStreamListener {
 public:
  virtual ~CallbackStreamListener() = default;
  // The server answered: from now on no task ending is missed.
  virtual void OnStreamConfirmed(CallbackStream* stream) = 0;
  virtual void OnStreamEvent(CallbackStream* stream,
                             const v1::TaskEvent& event) = 0;
  // Last call. The listener owns the stream and deletes it afterwards, on a
  // thread of its own (never inside this call).
  virtual void OnStreamDone(CallbackStream* stream,
                            const grpc::Status& status) = 0;
};

// One `Callback(all_tasks=true)` call read with gRPC's callback API.
class CallbackStream : public grpc::ClientReadReactor<v1::TaskEvent> {
 public:
  CallbackStream(v1::Executor::Stub* stub, CallbackStreamListener* listener);

  void Start();
  void Cancel() { context_.TryCancel(); }

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  v1::Executor::Stub* const stub_;
  CallbackStreamListener* const listener_;
  grpc::ClientContext context_;
  v1::CallbackRequest request_;
  v1::TaskEvent event_;
  bool confirmed_ = false;  // only touched by the reactor's serial callbacks
};

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_CALLBACK_STREAM_H_
