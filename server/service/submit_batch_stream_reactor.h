#ifndef EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_

#include <string>

#include "execd/v1/execd.pb.h"
#include "server/core/event_encoding.h"
#include "grpcpp/grpcpp.h"
#include "server/service/service_context.h"
#include "server/service/submitting_reactor.h"

namespace execd {

// SubmitBatchStream: SubmitStream with many requests per SubmitBatch and
// many events per TaskEventBatch. Raw bytes on the wire: its events are
// encoded straight from the task records (EncodedEvent) and concatenated
// into each batch; no TaskEvent message is built for them.
class SubmitBatchStreamReactor : public SubmittingReactor {
 public:
  SubmitBatchStreamReactor(const ServiceContext& service, std::string owner);
  void OnReadDone(bool ok) override;

 private:
  v1::SubmitBatch batch_;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_
