#ifndef EXECD_SERVER_POOLS_PROCESS_CALL_FRAME_H_
#define EXECD_SERVER_POOLS_PROCESS_CALL_FRAME_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/core/task_record.h"

namespace execd {

// Encodes the frame that sends `tasks` to a worker: one WorkerRequest with a
// WorkerCall per task, written straight from the task records (no copy of
// their arguments into a request message). Reuses `frame`'s capacity.
// RESOURCE_EXHAUSTED if the payload is over `max_frame_bytes`.
absl::Status EncodeCallFrame(const std::vector<TaskPtr>& tasks,
                             size_t max_frame_bytes, std::string* frame);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_CALL_FRAME_H_
