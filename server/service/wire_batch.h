#ifndef EXECD_SERVER_SERVICE_WIRE_BATCH_H_
#define EXECD_SERVER_SERVICE_WIRE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "server/core/event_encoding.h"
#include "server/service/stream_outbox.h"

namespace execd {

// A batch message on the wire: each encoded message as an entry of the
// batch's `repeated ... = 1` field (TaskEventBatch.events,
// MapResultBatch.results), in one gRPC slice.
grpc::ByteBuffer EncodeBatch(const std::vector<EncodedEventPtr>& messages);

// What one batch message holds at most (SubmitBatchStream, MapBatchStream):
// enough to make gRPC's per-message cost small, few enough bytes for any
// client's default 4 MiB receive limit (a single larger message still goes,
// alone).
inline constexpr StreamOutbox<EncodedEvent>::BatchLimits kWireBatchLimits = {
    /*max_messages=*/1024, /*max_bytes=*/1 << 20};

// A received message's bytes in one piece (gRPC may hold them in several
// slices).
std::string FlattenByteBuffer(const grpc::ByteBuffer& buffer);

// One encoded message alone, copied: the original may be freed once the
// write is done while gRPC's transport still holds the bytes.
grpc::ByteBuffer EncodeSingle(const EncodedEvent& message);

// The task inside an encoded TaskEvent: its serialized v1::Task and the
// task id within. Views into `event`; nullopt if the bytes hold no task.
struct EncodedTask {
  absl::string_view bytes;
  absl::string_view task_id;
};
std::optional<EncodedTask> FindEncodedTask(const EncodedEvent& event);

// A serialized v1::MapResult {index, task} around an encoded task: Map
// forwards the task's FINISHED event without parsing or copying a Task.
EncodedEventPtr EncodeMapResult(int64_t index, absl::string_view task_bytes);
// The bytes an entry of MapResultBatch.results adds to its task's: the
// entry's tag and length, the index field, the task's tag and length.
inline constexpr size_t kMaxMapResultEntryOverhead = 1 + 5 + 1 + 10 + 1 + 5;
// The same MapResult appended to `entries` as one entry of
// MapResultBatch.results (tag, length, message), for an EncodedEvent with
// batch_entries.
void AppendMapResultEntry(int64_t index, absl::string_view task_bytes,
                          std::string* entries);

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_WIRE_BATCH_H_
