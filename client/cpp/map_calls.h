#ifndef EXECD_CLIENT_CPP_MAP_CALLS_H_
#define EXECD_CLIENT_CPP_MAP_CALLS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "execd/v1/execd.pb.h"
#include "google/protobuf/arena.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"

namespace execd {

// A call's items stop growing past this many bytes, well under a server's
// default 4 MiB message limit: a Map of any length fits.
inline constexpr size_t kMapCallMaxItemBytes = 1 << 20;

// One MapBatchStream call of a Map that was cut into several.
struct MapCall {
  int64_t first_index = 0;  // of its first item in the whole Map
  int items = 0;
};

// A MapRequest on an arena of its own: a long Map's items are made and freed
// in a few large blocks, not three allocations each (freeing 20,000
// one-number items one by one was a sixth of a Map's client CPU).
class MapRequestOnArena {
 public:
  MapRequestOnArena();
  // Moved from, it holds nothing.
  MapRequestOnArena(MapRequestOnArena&& other) noexcept
      : arena_(std::move(other.arena_)),
        request_(std::exchange(other.request_, nullptr)) {}
  MapRequestOnArena& operator=(MapRequestOnArena&& other) noexcept {
    arena_ = std::move(other.arena_);
    request_ = std::exchange(other.request_, nullptr);
    return *this;
  }

  v1::MapRequest& operator*() { return *request_; }
  const v1::MapRequest& operator*() const { return *request_; }
  v1::MapRequest* operator->() { return request_; }
  const v1::MapRequest* operator->() const { return request_; }

 private:
  std::unique_ptr<google::protobuf::Arena> arena_;
  v1::MapRequest* request_;  // on *arena_, freed with it
};

// A Map's request cut into calls. The items stay in the one request: each
// call's MapRequest is serialized straight from them when the call starts,
// so no item is copied, nor freed, per call (freeing a call's 4,096 small
// items as messages of their own took longer than serializing them).
class MapCallPlan {
 public:
  // Cuts `request`'s items into calls of `items_per_call` items (rounded up
  // to whole chunks of `chunksize`), a call ending early where its items
  // would pass kMapCallMaxItemBytes. With items_per_call <= 0 the request is
  // the one call, whatever its size.
  MapCallPlan(MapRequestOnArena request, int items_per_call);
  // The same for a request built on the heap, which is copied first.
  MapCallPlan(const v1::MapRequest& request, int items_per_call);

  const std::vector<MapCall>& calls() const { return calls_; }

  // `call` as a MapRequest on the wire: every field of the request but its
  // items, then the call's items.
  grpc::ByteBuffer Serialize(const MapCall& call) const;

 private:
  MapRequestOnArena request_;
  std::string fields_;  // request_ without its items, serialized
  std::vector<MapCall> calls_;
};

// Starts one MapBatchStream call of a request already serialized: what the
// generated stub does with a v1::MapRequest, which the wire cannot tell
// apart.
std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> StartMapBatchStream(
    grpc::ChannelInterface* channel, grpc::ClientContext* context,
    const grpc::ByteBuffer& request);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_MAP_CALLS_H_
