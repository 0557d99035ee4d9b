#ifndef EXECD_CLIENT_CPP_MAP_STREAM_H_
#define EXECD_CLIENT_CPP_MAP_STREAM_H_

#include <memory>

#include "absl/status/status.h"
#include "execd/v1/execd.grpc.pb.h"
#include "google/protobuf/arena.h"
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
  // The same without a copy: valid until the next call of either (each
  // batch is parsed into an arena that the next batch reuses: a result is
  // then a few bumps of a pointer instead of a dozen mallocs and frees);
  // nullptr at the end of the stream.
  const v1::MapResult* NextResult();

  absl::Status status() const { return status_; }

  // Stops reading; the server cancels what it has not finished.
  void Cancel();

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> reader_;
  std::unique_ptr<char[]> arena_block_;  // outlives arena_
  std::unique_ptr<google::protobuf::Arena> arena_;
  // In arena_; results not handed out yet from `next_` on.
  v1::MapResultBatch* batch_ = nullptr;
  int next_ = 0;
  bool finished_ = false;
  absl::Status status_;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_MAP_STREAM_H_
