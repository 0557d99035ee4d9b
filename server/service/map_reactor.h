#ifndef EXECD_SERVER_SERVICE_MAP_REACTOR_H_
#define EXECD_SERVER_SERVICE_MAP_REACTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "execd/v1/execd.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/core/event_encoding.h"
#include "server/core/task_record.h"
#include "server/service/service_context.h"
#include "server/service/stream_outbox.h"

namespace execd {

// Map and MapBatchStream: one task per item; one MapResult per item, in
// input order (or as they finish with `unordered`); the stream ends after
// the last one. Map writes one MapResult per message, MapBatchStream packs
// the results that are ready into one MapResultBatch. Raw bytes on the
// wire: each result wraps its task's encoded FINISHED event, with no Task
// message built or copied. Like closing Python's map iterator, a cancelled
// call (client gone, deadline) cancels the items that have not finished.
// With outcomes_only the tasks are chunks of items (MapChunkCollector).
class MapReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  enum class Framing { kOneResultPerMessage, kBatched };

  MapReactor(const ServiceContext& service, const grpc::ByteBuffer& request,
             const std::string& owner, Framing framing);
  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override;
  void OnDone() override;

 private:
  using Outbox = StreamOutbox<EncodedEvent>;
  class Collector;
  // `request`'s items move into the tasks; `encoded_items` are their bytes
  // as received, for an outcomes Map (empty: serialize them again).
  void Start(v1::MapRequest& request,
             absl::Span<const absl::string_view> encoded_items,
             Framing framing);
  void Launch(Framing framing);

  ServiceContext service_;
  std::shared_ptr<Outbox> outbox_;
  std::string owner_;
  std::vector<TaskPtr> tasks_;     // fixed once the constructor is done
  grpc::ByteBuffer write_buffer_;  // owned by the write in flight
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_MAP_REACTOR_H_
