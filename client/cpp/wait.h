#ifndef EXECD_CLIENT_CPP_WAIT_H_
#define EXECD_CLIENT_CPP_WAIT_H_

#include <deque>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/cpp/task_future.h"

namespace execd {

// When Wait returns, as in concurrent.futures.wait.
enum class WaitMode {
  kFirstCompleted,  // any future ended
  kFirstException,  // any future FAILED (or its RPC failed); else all ended
  kAllCompleted,
};

struct DoneAndNotDone {
  std::vector<TaskFuture> done;
  std::vector<TaskFuture> not_done;
};

// Waits for `futures` as `mode` says or until `timeout`; never fails.
DoneAndNotDone Wait(const std::vector<TaskFuture>& futures,
                    WaitMode mode = WaitMode::kAllCompleted,
                    absl::Duration timeout = absl::InfiniteDuration());

namespace internal {
struct CompletionQueue;
}  // namespace internal

// Yields futures as they end; see AsCompleted.
class AsCompletedIterator {
 public:
  AsCompletedIterator(std::shared_ptr<internal::CompletionQueue> queue,
                      size_t total, absl::Time deadline);

  // The next future to end: OUT_OF_RANGE once all were returned,
  // DEADLINE_EXCEEDED when the timeout passes first.
  absl::StatusOr<TaskFuture> Next();

 private:
  std::shared_ptr<internal::CompletionQueue> queue_;
  size_t remaining_;
  absl::Time deadline_;
};

// Like concurrent.futures.as_completed: each distinct future once, in the
// order they end; those already ended come first. `timeout` counts from now.
AsCompletedIterator AsCompleted(
    const std::vector<TaskFuture>& futures,
    absl::Duration timeout = absl::InfiniteDuration());

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_WAIT_H_
