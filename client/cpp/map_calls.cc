#include "client/cpp/map_calls.h"

#include <algorithm>
#include <utility>

namespace execd {
namespace {

int64_t ItemsPerCall(int items_per_call, int32_t chunksize) {
  const int64_t chunk = std::max<int64_t>(chunksize, 1);
  return (items_per_call + chunk - 1) / chunk * chunk;
}

}  // namespace

std::deque<MapCall> SplitMapRequest(v1::MapRequest request,
                                    int items_per_call) {
  std::deque<MapCall> calls;
  if (items_per_call <= 0 || request.items_size() == 0) {
    calls.push_back(MapCall{std::move(request), 0});
    return calls;
  }
  const int64_t per_call = ItemsPerCall(items_per_call, request.chunksize());
  google::protobuf::RepeatedPtrField<google::protobuf::ListValue> items;
  items.Swap(request.mutable_items());
  size_t call_bytes = 0;
  for (int index = 0; index < items.size(); ++index) {
    const size_t item_bytes = items.Get(index).ByteSizeLong();
    const bool starts_call = calls.empty() ||
                             calls.back().request.items_size() >= per_call ||
                             call_bytes + item_bytes > kMapCallMaxItemBytes;
    if (starts_call) {
      calls.push_back(MapCall{request, index});  // every field but items
      call_bytes = 0;
    }
    calls.back().request.add_items()->Swap(items.Mutable(index));
    call_bytes += item_bytes;
  }
  return calls;
}

}  // namespace execd
