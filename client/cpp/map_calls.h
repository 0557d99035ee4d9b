#ifndef EXECD_CLIENT_CPP_MAP_CALLS_H_
#define EXECD_CLIENT_CPP_MAP_CALLS_H_

#include <cstddef>
#include <cstdint>
#include <deque>

#include "execd/v1/execd.pb.h"

namespace execd {

// A call's items stop growing past this many bytes, well under a server's
// default 4 MiB message limit: a Map of any length fits.
inline constexpr size_t kMapCallMaxItemBytes = 1 << 20;

// One MapBatchStream call of a Map that was cut into several.
struct MapCall {
  v1::MapRequest request;
  int64_t first_index = 0;  // of its first item in the whole Map
};

// Cuts `request`'s items into calls of `items_per_call` items (rounded up to
// whole chunks of `chunksize`), a call ending early where its items would
// pass kMapCallMaxItemBytes; each call carries every other field. With
// items_per_call <= 0 the request is the one call, whatever its size.
std::deque<MapCall> SplitMapRequest(v1::MapRequest request, int items_per_call);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_MAP_CALLS_H_
