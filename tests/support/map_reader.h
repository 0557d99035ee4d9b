#ifndef EXECD_TESTS_SUPPORT_MAP_READER_H_
#define EXECD_TESTS_SUPPORT_MAP_READER_H_

#include <memory>

#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace execd::testing {

// Which RPC a Map test calls: results are the same, only their framing
// differs (Map: one MapResult per message; MapBatchStream: MapResultBatch).
enum class MapRpc { kMap, kMapBatchStream };

inline const char* MapRpcName(MapRpc rpc) {
  return rpc == MapRpc::kMap ? "Map" : "MapBatchStream";
}

// Reads the results of either RPC one MapResult at a time, counting the
// messages they came in.
class MapReader {
 public:
  MapReader(v1::Executor::Stub& stub, grpc::ClientContext* context,
            const v1::MapRequest& request, MapRpc rpc) {
    if (rpc == MapRpc::kMap) {
      single_ = stub.Map(context, request);
    } else {
      batched_ = stub.MapBatchStream(context, request);
    }
  }

  bool Read(v1::MapResult* result) {
    if (single_ != nullptr) {
      if (!single_->Read(result)) return false;
      ++messages_;
      return true;
    }
    while (next_ >= batch_.results_size()) {
      if (!batched_->Read(&batch_)) return false;
      ++messages_;
      next_ = 0;
    }
    *result = batch_.results(next_++);
    return true;
  }

  grpc::Status Finish() {
    return single_ != nullptr ? single_->Finish() : batched_->Finish();
  }

  int messages() const { return messages_; }

 private:
  std::unique_ptr<grpc::ClientReader<v1::MapResult>> single_;
  std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> batched_;
  v1::MapResultBatch batch_;
  int next_ = 0;
  int messages_ = 0;
};

}  // namespace execd::testing

#endif  // EXECD_TESTS_SUPPORT_MAP_READER_H_
