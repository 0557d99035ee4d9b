#ifndef EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_
#define EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_

#include <memory>
#include <string>

#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"
#include "server/service/stream_submitter.h"

namespace execd {

// SubmitBatchStream: SubmitStream with many requests per SubmitBatch and
// many events per TaskEventBatch. Raw bytes on the wire: the events, shared
// with every other stream reporting them, are encoded into the batch
// without being copied into a TaskEventBatch first.
class SubmitBatchStreamReactor
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  SubmitBatchStreamReactor(const ServiceContext& service, std::string owner);
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  ServiceContext service_;
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox_;
  StreamSubmitter submitter_;
  grpc::ByteBuffer read_buffer_;   // owned by the read in flight
  grpc::ByteBuffer write_buffer_;  // owned by the write in flight
  v1::SubmitBatch batch_;
  uint64_t stream_id_ = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SUBMIT_BATCH_STREAM_REACTOR_H_
