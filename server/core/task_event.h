#ifndef EXECD_SERVER_CORE_TASK_EVENT_H_
#define EXECD_SERVER_CORE_TASK_EVENT_H_

#include <memory>

#include "execd/v1/execd.pb.h"

namespace execd {

// One task event (kind, the task as it was, its request id), built once and
// shared read-only by every observer and stream that reports it.
using TaskEventPtr = std::shared_ptr<const v1::TaskEvent>;

// A new, empty event for the caller to fill before sharing it. The event
// and its parts (task, timestamps, result) live in one protobuf arena whose
// first block is part of the same allocation: building a typical event
// costs one malloc instead of a dozen, and the reader that drops it last
// (usually another thread) frees it all at once. glibc's per-thread caches
// handle such hand-offs badly, so every allocation saved counts twice.
struct NewTaskEvent {
  v1::TaskEvent* event;  // to fill; owned by `shared`
  TaskEventPtr shared;
};
NewTaskEvent MakeTaskEvent();

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_EVENT_H_
