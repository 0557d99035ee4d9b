#ifndef EXECD_SERVER_CORE_TIMER_SERVICE_H_
#define EXECD_SERVER_CORE_TIMER_SERVICE_H_

#include <cstdint>
#include <functional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace execd {

// One thread that runs callbacks at given times: delays and retry backoff
// (through DelayedSet's single timer), run-time limits, Result waits and
// retention sweeps all share it, so no task ever costs a thread of its own
// and no waiting task a timer of its own. Callbacks must be short.
class TimerService {
 public:
  using TimerId = uint64_t;

  TimerService();
  ~TimerService();  // stops; pending callbacks are dropped
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Runs `callback` on the timer thread at `when` (at once if in the past).
  // Never returns 0.
  TimerId Schedule(absl::Time when, std::function<void()> callback);
  // Like Schedule, but hands the id to `record` before the timer can fire,
  // so a callback due at once still finds its id recorded. `record` runs
  // under the timer lock: it may take other locks, never call this service.
  TimerId Schedule(absl::Time when, std::function<void()> callback,
                   const std::function<void(TimerId)>& record);
  // True if the timer was pending and will not run.
  bool Cancel(TimerId id);
  size_t pending() const;

 private:
  void Loop();

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::btree_map<std::pair<absl::Time, TimerId>, std::function<void()>> timers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TimerId, absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TIMER_SERVICE_H_
