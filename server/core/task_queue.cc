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

std::vector<TaskPtr> TaskQueue::PopGroupFollowers(uint64_t group, int max) {
  std::vector<TaskPtr> tasks;
  absl::MutexLock lock(&mu_);
  while (static_cast<int>(tasks.size()) < max && !ready_.empty() &&
         ready_.begin()->second->map_group == group) {
    tasks.push_back(std::move(ready_.begin()->second));
    ready_.erase(ready_.begin());
  }
  UpdateSizeLocked();
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
