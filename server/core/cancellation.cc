#include "server/core/cancellation.h"

namespace execd {

void CancellationToken::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_.store(true, std::memory_order_release);
}

bool CancellationToken::WaitForCancellation(absl::Duration timeout) {
  if (IsCancelled()) return true;
  absl::MutexLock lock(&mu_);
  auto cancelled = [this] { return IsCancelled(); };
  return mu_.AwaitWithTimeout(absl::Condition(&cancelled), timeout);
}

}  // namespace execd
