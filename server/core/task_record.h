#ifndef EXECD_SERVER_CORE_TASK_RECORD_H_
#define EXECD_SERVER_CORE_TASK_RECORD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"
#include "server/core/cancellation.h"
#include "server/core/task_event.h"
#include "server/functions/function.h"

namespace execd {

class TaskObserver;

inline bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

// What a task is called with. No-op and fan-out tasks often carry nothing,
// so a record holds this only when one of them is set.
struct TaskInputs {
  google::protobuf::ListValue args;
  google::protobuf::Struct kwargs;
  std::string input;
  // A Map chunk's items instead of args, encoded once when the Map is
  // accepted (server/functions/map_chunk.h); sent to a worker as they are.
  std::string chunk_items;
};

// Request fields that only queries read (List filters, snapshots, request-id
// dedup); held only when one is set.
struct TaskTags {
  google::protobuf::Map<std::string, std::string> labels;
  std::string request_id;
};

// What attempts produced; created when the first attempt starts.
struct TaskOutcome {
  std::string worker;  // of the latest attempt
  // Set once succeeded, never changed after: a google.protobuf.Value,
  // encoded, as the function made it (server/functions/encoded_value.h).
  std::string result;
  std::string output;
  v1::TaskError error;
};

// One task, kept lean because up to millions wait at once: the public
// v1::Task is built only when someone reads it (FillTask). The fields in the
// first block never change once the task is stored; the rest are guarded by
// TaskStore's mutex (the store owns every transition).
struct TaskRecord {
  uint64_t instance = 0;  // of the server; with seq, makes the task id
  uint64_t seq = 0;       // creation order
  std::shared_ptr<const std::string> owner;  // interned; null without auth
  const FunctionSpec* function = nullptr;
  v1::Pool pool = v1::POOL_UNSPECIFIED;
  int32_t priority = 0;
  int32_t max_retries = 0;
  int32_t chunksize = 1;   // Map items per process round trip
  // A Map chunk (MapRequest.outcomes_only) of `chunksize` items, held in
  // inputs->chunk_items; its result is the items' outcomes (server/
  // functions/map_chunk.h), not a Value, so the public view leaves it out.
  // Not retained once finished.
  bool map_chunk = false;
  uint64_t map_group = 0;  // nonzero for items of one Map call
  absl::Duration timeout = absl::InfiniteDuration();
  absl::Time submit_time;
  std::unique_ptr<TaskInputs> inputs;  // null: no args, kwargs nor input
  std::unique_ptr<TaskTags> tags;      // null: no labels nor request_id

  // --- guarded by TaskStore::mu_ ---
  v1::TaskState state = v1::TASK_STATE_UNSPECIFIED;
  int32_t attempts = 0;  // started so far
  // When it becomes runnable: submit time plus delay, or the end of a
  // retry's backoff; the start of its queue wait. Set by the store before
  // the task is scheduled, fixed while it waits (it is the DelayedSet key).
  absl::Time ready_time;
  absl::Time start_time;  // of the latest attempt
  absl::Time end_time;
  std::unique_ptr<TaskOutcome> outcome;
  uint64_t timer_id = 0;                     // pending timeout timer, 0 if none
  std::shared_ptr<CancellationToken> token;  // of the current attempt
  struct Watch {
    std::shared_ptr<TaskObserver> observer;
    bool include_started;
    uint64_t id;
  };
  std::vector<Watch> watchers;

  std::string id() const;
  absl::string_view owner_name() const {
    return owner == nullptr ? absl::string_view() : absl::string_view(*owner);
  }
  const google::protobuf::ListValue& args() const;
  const google::protobuf::Struct& kwargs() const;
  const std::string& input() const;
  const std::string& chunk_items() const;
  CallArgs call_args() const { return CallArgs{args(), kwargs(), input()}; }
  absl::string_view request_id() const;
  const google::protobuf::Map<std::string, std::string>& labels() const;
  // Create the optional block on first use (while the task is built).
  TaskInputs& mutable_inputs();
  TaskTags& mutable_tags();
};

using TaskPtr = std::shared_ptr<TaskRecord>;

// Writes the public view of `task` into `out`. The caller holds TaskStore's
// mutex, or is the only one who can reach the record.
void FillTask(const TaskRecord& task, v1::Task* out);

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_RECORD_H_
