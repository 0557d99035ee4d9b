#ifndef EXECD_CLIENT_CPP_MAP_STREAM_H_
#define EXECD_CLIENT_CPP_MAP_STREAM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "client/cpp/map_calls.h"
#include "execd/v1/execd.grpc.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace execd {

// The results of one Map, read lazily as the caller asks for them. Each
// call is MapBatchStream (Map's semantics, many results per message:
// gRPC's per-message cost is paid once per batch, not per item). A long Map
// is several calls (MapOptions::items_per_call), a few open at once so the
// server runs the first items while later ones are still being sent; their
// results are handed out call after call, with indexes of the whole Map.
// Each result's task may have FAILED; see TaskOutcomeStatus. Map is not
// retried: a repeated call would run the items again.
class MapStream {
 public:
  using Reader = grpc::ClientReader<v1::MapResultBatch>;
  // Starts one MapBatchStream call of the serialized MapRequest `request`
  // in `context` (see StartMapBatchStream).
  using StartCall = std::function<std::unique_ptr<Reader>(
      grpc::ClientContext* context, const grpc::ByteBuffer& request)>;

  // One call, already started.
  MapStream(std::unique_ptr<grpc::ClientContext> context,
            std::unique_ptr<Reader> reader);
  // The calls of `plan` in order, at most `calls_in_flight` of them open at
  // once.
  MapStream(StartCall start_call, MapCallPlan plan, int calls_in_flight);
  MapStream(MapStream&&) = default;
  MapStream& operator=(MapStream&&) = default;
  ~MapStream();

  // The next result (in input order unless unordered: then in completion
  // order within each call); false at the end of the stream, after which
  // status() tells whether it ended well.
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
  struct OpenCall {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<Reader> reader;
    int64_t first_index = 0;
    int items = 0;
  };

  void OpenWaitingCalls();
  // Parses the oldest open call's next batch into batch_, moving on to the
  // next call at each call's end; false once every call ended, or one failed.
  bool ReadBatch();
  // Ends the stream with `status`, cancelling the calls still open.
  void End(absl::Status status);
  // A failed call's status, saying which items it held when the Map was cut.
  absl::Status InCallTerms(absl::Status status, const OpenCall& call) const;

  StartCall start_call_;
  // None for one call started already, and once the stream ended.
  std::optional<MapCallPlan> plan_;
  size_t next_call_ = 0;  // of plan_'s calls, the next to start
  std::deque<OpenCall> open_;
  size_t calls_in_flight_ = 1;

  std::unique_ptr<char[]> arena_block_;  // outlives arena_
  std::unique_ptr<google::protobuf::Arena> arena_;
  // In arena_, of open_.front(); results not handed out yet from `next_` on.
  v1::MapResultBatch* batch_ = nullptr;
  int next_ = 0;
  bool finished_ = false;
  absl::Status status_;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_MAP_STREAM_H_
