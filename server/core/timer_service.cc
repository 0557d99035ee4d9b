#include "server/core/timer_service.h"

namespace execd {

TimerService::TimerService() : thread_([this] { Loop(); }) {}

TimerService::~TimerService() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

TimerService::TimerId TimerService::Schedule(absl::Time when,
                                             std::function<void()> callback) {
  return Schedule(when, std::move(callback), [](TimerId) {});
}

TimerService::TimerId TimerService::Schedule(
    absl::Time when, std::function<void()> callback,
    const std::function<void(TimerId)>& record) {
  absl::MutexLock lock(&mu_);
  TimerId id = next_id_++;
  record(id);
  timers_.emplace(std::make_pair(when, id), std::move(callback));
  deadlines_.emplace(id, when);
  return id;
}

bool TimerService::Cancel(TimerId id) {
  absl::MutexLock lock(&mu_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  deadlines_.erase(it);
  return true;
}

size_t TimerService::pending() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

void TimerService::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time next =
        timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first.first;
    absl::Time now = absl::Now();
    if (next > now) {
      // Woken early by any change (a new earlier timer, or stop).
      auto changed = [this, next] {
        return stopping_ ||
               (!timers_.empty() && timers_.begin()->first.first < next);
      };
      mu_.AwaitWithDeadline(absl::Condition(&changed), next);
      continue;
    }
    auto first = timers_.begin();
    std::function<void()> callback = std::move(first->second);
    deadlines_.erase(first->first.second);
    timers_.erase(first);
    mu_.Unlock();
    callback();
    mu_.Lock();
  }
}

}  // namespace execd
