#ifndef EXECD_CLIENT_CPP_MAP_STREAM_H_
#define EXECD_CLIENT_CPP_MAP_STREAM_H_

#include <memory>

#include "absl/status/status.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace execd {

// The results of one Map call, read lazily as the caller asks for them.
// The call is MapBatchStream (Map's semantics, many results per message:
// gRPC's per-message cost is paid once per batch, not per item). Each
// result's task may have FAILED; see TaskOutcomeStatus. Map is not
// retried: a repeated call would run the items again.
class MapStream {
 public:
  MapStream(std::unique_ptr<grpc::ClientContext> context,
            std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> reader);
  MapStream(MapStream&&) = default;
  MapStream& operator=(MapStream&&) = default;
  ~MapStream();

  // The next result (in input order unless unordered); false at the end of
  // the stream, after which status() tells whether it ended well.
  bool Next(v1::MapResult* result);

  absl::Status status() const { return status_; }

  // Stops reading; the server cancels what it has not finished.
  void Cancel();

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> reader_;
  v1::MapResultBatch batch_;  // results not handed out yet from `next_` on
  int next_ = 0;
  bool finished_ = false;
  absl::Status status_;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_MAP_STREAM_H_
