#ifndef EXECD_SERVER_CORE_TASK_RECORD_H_
#define EXECD_SERVER_CORE_TASK_RECORD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"
#include "server/core/cancellation.h"

namespace execd {

struct FunctionSpec;
class TaskObserver;

// One task event (kind, a copy of the task, its request id), built once and
// shared read-only by every observer and stream that reports it.
using TaskEventPtr = std::shared_ptr<const v1::TaskEvent>;

inline bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

// One task. The fields in the first block never change after Submit; the
// rest are guarded by TaskStore's mutex (the store owns every transition).
struct TaskRecord {
  uint64_t seq = 0;   // creation order; also encoded in the task id
  std::string owner;  // the principal that submitted it ("" without auth)
  const FunctionSpec* function = nullptr;
  v1::Pool pool = v1::POOL_UNSPECIFIED;
  int32_t priority = 0;
  absl::Duration timeout = absl::InfiniteDuration();
  int32_t max_retries = 0;
  uint64_t map_group = 0;  // nonzero for items of one Map call
  int32_t chunksize = 1;   // Map items per process round trip
  google::protobuf::ListValue args;
  google::protobuf::Struct kwargs;
  std::string input;

  // --- guarded by TaskStore::mu_ ---
  v1::Task task;  // the public view: state, result, error, timestamps...
  absl::Time ready_time;  // when it last entered its queue (wait histogram)
  uint64_t timer_id = 0;  // pending delay/retry/timeout timer, 0 if none
  bool queued = false;    // sits in its pool's ready queue
  std::shared_ptr<CancellationToken> token;  // of the current attempt
  struct Watch {
    std::shared_ptr<TaskObserver> observer;
    bool include_started;
    uint64_t id;
  };
  std::vector<Watch> watchers;
};

using TaskPtr = std::shared_ptr<TaskRecord>;

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_RECORD_H_
