#ifndef EXECD_SERVER_FUNCTIONS_MAP_CHUNK_H_
#define EXECD_SERVER_FUNCTIONS_MAP_CHUNK_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"
#include "server/functions/function.h"

namespace execd {

// A Map chunk (MapRequest.outcomes_only) runs as one call, on one pool
// thread or worker process: the function once per item, in order. What it
// returns is the items' outcomes, each a lean v1::Task (state, then result
// or error, and output), written as the entries of a `repeated v1.Task = 1`
// field: the server turns them into MapResults without parsing them, and
// no item costs a task record, an event or a frame of its own.

// Appends `item` (one item's arguments) to a chunk's items as they travel:
// the encoding of a ListValue holding one list value per item (what
// WorkerCall.args carries for a chunk), built once when the Map is
// accepted.
void AppendChunkItem(const google::protobuf::ListValue& item,
                     std::string* chunk_items);
// The same from the item's serialized ListValue, as it came on the wire:
// copied, not parsed and serialized again.
void AppendEncodedChunkItem(absl::string_view item_bytes,
                            std::string* chunk_items);

// Runs the chunk whose items are the list values of `items` (each one
// item's arguments). A failing item does not stop the rest. Stops early if
// `context` is cancelled: the chunk has ended then and nobody reads what
// it returns. std::bad_alloc goes through (a worker exits for it).
std::string RunMapChunk(const FunctionSpec& function,
                        const google::protobuf::ListValue& items,
                        const google::protobuf::Struct& kwargs,
                        TaskContext& context);

// Appends the outcome of one run as one entry.
void AppendOutcome(const absl::StatusOr<CallResult>& run,
                   std::string* outcomes);
// Appends the outcome of an item that ended in `state` with `error` without
// a run of its own (its chunk failed, timed out or was cancelled).
void AppendEndedOutcome(v1::TaskState state, const v1::TaskError& error,
                        std::string* outcomes);

// Calls `visit` with each entry's serialized v1::Task, in order; false if
// `outcomes` are not a list of such entries.
bool ForEachOutcome(absl::string_view outcomes,
                    absl::FunctionRef<void(absl::string_view task)> visit);

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_MAP_CHUNK_H_
