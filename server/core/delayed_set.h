#ifndef EXECD_SERVER_CORE_DELAYED_SET_H_
#define EXECD_SERVER_CORE_DELAYED_SET_H_

#include <cstdint>
#include <functional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/task_record.h"
#include "server/core/timer_service.h"

namespace execd {

// PENDING tasks waiting for their ready_time (a Submit delay or a retry's
// backoff), in due order, behind a single timer armed for the earliest: a
// million delayed tasks cost a million btree entries, not a million timers
// and callbacks. Remove takes out a cancelled task in O(log n).
class DelayedSet {
 public:
  // Runs on the timer thread, outside the set's lock, for each task whose
  // ready_time came; the task has already left the set.
  using DueCallback = std::function<void(TaskPtr)>;

  // `timers` must outlive the set's last Add; the set never calls it after.
  DelayedSet(TimerService* timers, DueCallback on_due);
  DelayedSet(const DelayedSet&) = delete;
  DelayedSet& operator=(const DelayedSet&) = delete;

  // Holds `task` until its ready_time, which must not change while it is
  // here (it is the task's key).
  void Add(TaskPtr task);
  // False if `task` is not here (never added, or already due).
  bool Remove(const TaskRecord& task);
  size_t size() const;

 private:
  using Key = std::pair<absl::Time, uint64_t>;  // (ready_time, seq)

  // The armed timer's callback; `generation` tells a stale timer (replaced by
  // an earlier one but already running) from the current one.
  void Fire(uint64_t generation);
  // Arms the timer for the earliest task unless it already fires by then.
  void ArmLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  TimerService* const timers_;
  const DueCallback on_due_;
  mutable absl::Mutex mu_;
  absl::btree_map<Key, TaskPtr> tasks_ ABSL_GUARDED_BY(mu_);
  absl::Time armed_for_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  TimerService::TimerId armed_id_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_DELAYED_SET_H_
