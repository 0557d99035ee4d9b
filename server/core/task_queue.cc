#include "server/core/task_queue.h"

#include <thread>

namespace execd {

void TaskQueue::UpdateSizeLocked() {
  ready_count_.store(closed_ ? 1 : ready_.size(), std::memory_order_release);
}

void TaskQueue::Push(TaskPtr task) {
  Key key(task->priority, task->seq);
  absl::MutexLock lock(&mu_);
  ready_.emplace(key, std::move(task));
  UpdateSizeLocked();
  if (spinning_ == 0 && sleeping_ > 0) pushed_.Signal();
}

bool TaskQueue::Remove(const TaskRecord& task) {
  absl::MutexLock lock(&mu_);
  const bool removed = ready_.erase(Key(task.priority, task.seq)) > 0;
  UpdateSizeLocked();
  return removed;
}

TaskPtr TaskQueue::PopLocked() {
  if (closed_ || ready_.empty()) return nullptr;
  auto first = ready_.begin();
  TaskPtr task = std::move(first->second);
  ready_.erase(first);
  UpdateSizeLocked();
  // Pushes seen by a spinner woke nobody: pass the rest on.
  if (!ready_.empty() && spinning_ == 0 && sleeping_ > 0) pushed_.Signal();
  return task;
}

void TaskQueue::SpinForPush() const {
  const absl::Time give_up = absl::Now() + kSpinBeforeSleep;
  while (ready_count_.load(std::memory_order_acquire) == 0 &&
         absl::Now() < give_up) {
    std::this_thread::yield();  // the pusher may need this core
  }
}

TaskPtr TaskQueue::Pop() {
  bool spun = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (spun) --spinning_;
      // After a fruitless spin, or while another worker spins: sleep.
      while (!closed_ && ready_.empty() && (spun || spinning_ > 0)) {
        ++sleeping_;
        pushed_.Wait(&mu_);
        --sleeping_;
        spun = false;
      }
      if (closed_) return nullptr;
      if (!ready_.empty()) return PopLocked();
      ++spinning_;
    }
    SpinForPush();
    spun = true;
  }
}

TaskPtr TaskQueue::PopWithTimeout(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return closed_ || !ready_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  return PopLocked();
}

std::vector<TaskPtr> TaskQueue::PopBatch(
    absl::Duration timeout, int max_chunk, int max_plain, int sharers,
    absl::FunctionRef<void(const std::vector<TaskPtr>&)> claim) {
  std::vector<TaskPtr> tasks;
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return closed_ || !ready_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  TaskPtr head = PopLocked();
  if (head == nullptr) return tasks;
  const uint64_t group = head->map_group;
  const bool chunk = group != 0 && head->chunksize > 1;
  const size_t backlog_share = 1 + ready_.size() / std::max(sharers, 1);
  const size_t limit =
      chunk ? static_cast<size_t>(std::min(max_chunk, head->chunksize))
            : std::min(static_cast<size_t>(max_plain), backlog_share);
  // Map chunks of outcomes (TaskRecord::map_chunk) also count their items,
  // up to kMaxFrameChunkItems a frame: two chunks of 256 spare each worker
  // a wait for its next chunk and the pool a wake-up per chunk (server CPU
  // per item -13 % at chunksize 256); more would leave workers idle at the
  // end of a Map while one still runs a long frame.
  size_t chunk_items = head->map_chunk ? head->chunksize : 0;
  tasks.push_back(std::move(head));
  while (tasks.size() < limit && !ready_.empty()) {
    const TaskRecord& next = *ready_.begin()->second;
    const bool joins = chunk ? next.map_group == group
                             : next.map_group == 0 || next.chunksize <= 1;
    if (!joins) break;
    if (!chunk && next.map_chunk) {
      chunk_items += static_cast<size_t>(next.chunksize);
      if (chunk_items > kMaxFrameChunkItems) break;
    }
    tasks.push_back(std::move(ready_.begin()->second));
    ready_.erase(ready_.begin());
  }
  UpdateSizeLocked();
  claim(tasks);
  return tasks;
}

void TaskQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  UpdateSizeLocked();
  pushed_.SignalAll();
}

size_t TaskQueue::size() const {
  absl::MutexLock lock(&mu_);
  return ready_.size();
}

}  // namespace execd
