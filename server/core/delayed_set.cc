#include "server/core/delayed_set.h"

#include <vector>

namespace execd {
namespace {

// Tasks handed over per timer callback: a burst due at once is moved in
// slices, so the timer thread keeps serving timeouts and Result waits.
constexpr size_t kMaxDuePerFire = 1024;

}  // namespace

DelayedSet::DelayedSet(TimerService* timers, DueCallback on_due)
    : timers_(timers), on_due_(std::move(on_due)) {}

void DelayedSet::Add(TaskPtr task) {
  absl::MutexLock lock(&mu_);
  const Key key(task->ready_time, task->seq);
  tasks_.emplace(key, std::move(task));
  ArmLocked();
}

bool DelayedSet::Remove(const TaskRecord& task) {
  absl::MutexLock lock(&mu_);
  // The timer stays armed: firing early for nothing is cheaper than
  // re-arming on every cancel.
  return tasks_.erase(Key(task.ready_time, task.seq)) > 0;
}

size_t DelayedSet::size() const {
  absl::MutexLock lock(&mu_);
  return tasks_.size();
}

void DelayedSet::Fire(uint64_t generation) {
  std::vector<TaskPtr> due;
  {
    absl::MutexLock lock(&mu_);
    if (generation == generation_) {
      armed_for_ = absl::InfiniteFuture();
      armed_id_ = 0;
    }
    const absl::Time now = absl::Now();
    while (!tasks_.empty() && due.size() < kMaxDuePerFire &&
           tasks_.begin()->first.first <= now) {
      due.push_back(std::move(tasks_.begin()->second));
      tasks_.erase(tasks_.begin());
    }
    ArmLocked();
  }
  for (TaskPtr& task : due) on_due_(std::move(task));
}

void DelayedSet::ArmLocked() {
  if (tasks_.empty()) return;
  const absl::Time first = tasks_.begin()->first.first;
  if (first >= armed_for_) return;
  // A timer that already started running is not cancelled; its Fire sees a
  // stale generation and only hands over what is due.
  if (armed_id_ != 0) timers_->Cancel(armed_id_);
  const uint64_t generation = ++generation_;
  armed_for_ = first;
  armed_id_ =
      timers_->Schedule(first, [this, generation] { Fire(generation); });
}

}  // namespace execd
