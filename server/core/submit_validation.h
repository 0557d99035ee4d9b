#ifndef EXECD_SERVER_CORE_SUBMIT_VALIDATION_H_
#define EXECD_SERVER_CORE_SUBMIT_VALIDATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "execd/v1/execd.pb.h"
#include "server/core/task_record.h"
#include "server/functions/registry.h"

namespace execd {

// Request limits that keep one call from costing the server too much.
inline constexpr int32_t kMaxRetries = 100;
inline constexpr size_t kMaxRequestIdLength = 256;
inline constexpr int32_t kMaxChunksize = 10000;
inline constexpr int kMaxArgs = 1000;
inline constexpr int kMaxKwargs = 1000;
// Lists and objects inside one argument; also bounds the recursion of
// everything that walks a protobuf Value later.
inline constexpr int kMaxValueDepth = 32;
// Kubernetes-like label limits.
inline constexpr int kMaxLabels = 64;
inline constexpr size_t kMaxLabelKeyBytes = 63;
inline constexpr size_t kMaxLabelValueBytes = 256;

// Validates `request` (moving its payload out) into a PENDING record that is
// not yet stored: NOT_FOUND for an unknown function, INVALID_ARGUMENT or
// PERMISSION_DENIED with a message saying what is allowed.
absl::StatusOr<TaskPtr> BuildTaskRecord(v1::SubmitRequest& request,
                                        const FunctionRegistry& registry,
                                        const FunctionLimits& limits,
                                        absl::Duration default_timeout);

// One record per Map item, all in Map group `group`.
absl::StatusOr<std::vector<TaskPtr>> BuildMapTasks(
    v1::MapRequest& request, const FunctionRegistry& registry,
    const FunctionLimits& limits, absl::Duration default_timeout,
    uint64_t group);

// MapRequest.outcomes_only: one record per chunk of `chunksize` items
// (server/functions/map_chunk.h), in item order, with the chunk's items as
// its args and a timeout of its item count times the per-item timeout.
// `encoded_items`, if not empty, are the bytes `request`'s items were
// parsed from, one per item in order (see EncodedMapItems): the chunks copy
// them instead of serializing the parsed items again.
absl::StatusOr<std::vector<TaskPtr>> BuildMapChunks(
    const v1::MapRequest& request, const FunctionRegistry& registry,
    const FunctionLimits& limits, absl::Duration default_timeout,
    absl::Span<const absl::string_view> encoded_items = {});

}  // namespace execd

#endif  // EXECD_SERVER_CORE_SUBMIT_VALIDATION_H_
