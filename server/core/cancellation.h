#ifndef EXECD_SERVER_CORE_CANCELLATION_H_
#define EXECD_SERVER_CORE_CANCELLATION_H_

#include <atomic>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace execd {

// Set once by Cancel, a timeout or shutdown; observed by running functions.
// Waiting is a condition-variable wait, so a cancelled sleeper wakes at once.
class CancellationToken {
 public:
  CancellationToken() = default;
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  void Cancel();
  bool IsCancelled() const {
    return cancelled_.load(std::memory_order_acquire);
  }
  // Returns true if cancelled before `timeout` elapsed.
  bool WaitForCancellation(absl::Duration timeout);

 private:
  std::atomic<bool> cancelled_{false};
  absl::Mutex mu_;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_CANCELLATION_H_
