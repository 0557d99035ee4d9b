#include "server/core/task_queue.h"

namespace execd {

void TaskQueue::Push(TaskPtr task) {
  Key key(task->priority, task->seq);
  absl::MutexLock lock(&mu_);
  ready_.emplace(key, std::move(task));
}

bool TaskQueue::Remove(const TaskRecord& task) {
  absl::MutexLock lock(&mu_);
  return ready_.erase(Key(task.priority, task.seq)) > 0;
}

TaskPtr TaskQueue::PopLocked() {
  if (closed_ || ready_.empty()) return nullptr;
  auto first = ready_.begin();
  TaskPtr task = std::move(first->second);
  ready_.erase(first);
  return task;
}

TaskPtr TaskQueue::Pop() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return closed_ || !ready_.empty();
  };
  mu_.Await(absl::Condition(&ready));
  return PopLocked();
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
  return tasks;
}

void TaskQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

size_t TaskQueue::size() const {
  absl::MutexLock lock(&mu_);
  return ready_.size();
}

}  // namespace execd
