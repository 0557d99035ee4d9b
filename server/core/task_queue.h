#ifndef EXECD_SERVER_CORE_TASK_QUEUE_H_
#define EXECD_SERVER_CORE_TASK_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/task_record.h"

namespace execd {

// The ready queue of one pool: lower priority value first, submit order
// among equals. Pool workers block in Pop; Remove takes out a cancelled task
// in O(log n). Capacity is enforced by the executor, which also counts
// delayed tasks, so this queue itself never refuses a push.
//
// Pop lets one idle worker at a time spin briefly before sleeping: under a
// steady stream of short tasks the next one arrives within microseconds, and
// a sleeping worker costs the pusher a futex wake and the machine two context
// switches per task. Push wakes a sleeper only when nobody spins.
class TaskQueue {
 public:
  // How long the spinning worker polls before it sleeps.
  static constexpr absl::Duration kSpinBeforeSleep = absl::Microseconds(50);
  // Items of Map chunks of outcomes that one PopBatch takes together: two
  // chunks of the common 256.
  static constexpr size_t kMaxFrameChunkItems = 512;

  TaskQueue() = default;
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  void Push(TaskPtr task);
  bool Remove(const TaskRecord& task);

  // Blocks until a task is ready or the queue is closed (then nullptr).
  TaskPtr Pop();
  // Like Pop, but gives up after `timeout`.
  TaskPtr PopWithTimeout(absl::Duration timeout);
  // Like PopWithTimeout, but also takes the tasks next in line that may go
  // to a process worker in the same trip: the rest of a Map chunk (up to its
  // chunksize), or behind a plain task up to 1/`sharers` of the backlog, so
  // a lone task goes alone and idle workers keep their share. At most
  // `max_chunk` tasks of a chunk, or `max_plain` other tasks, whose Map
  // chunks of outcomes hold kMaxFrameChunkItems items in all (a larger one
  // goes alone). `claim` runs under the queue's lock with the tasks taken:
  // once a Remove of one of them has failed, the claimant has recorded it.
  // Empty on timeout or when closed.
  std::vector<TaskPtr> PopBatch(
      absl::Duration timeout, int max_chunk, int max_plain, int sharers,
      absl::FunctionRef<void(const std::vector<TaskPtr>&)> claim);

  // Wakes every blocked Pop with nullptr, now and from now on.
  void Close();
  size_t size() const;

 private:
  using Key = std::pair<int32_t, uint64_t>;  // (priority, seq)
  TaskPtr PopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateSizeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Polls, without the lock, until a task is pushed or the spin time ends.
  void SpinForPush() const;

  mutable absl::Mutex mu_;
  absl::CondVar pushed_;  // signalled for sleepers in Pop
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int spinning_ ABSL_GUARDED_BY(mu_) = 0;
  int sleeping_ ABSL_GUARDED_BY(mu_) = 0;
  absl::btree_map<Key, TaskPtr> ready_ ABSL_GUARDED_BY(mu_);
  // ready_.size() (or 1 once closed), readable without the lock.
  std::atomic<size_t> ready_count_{0};
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_QUEUE_H_
