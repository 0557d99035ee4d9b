#include "client/cpp/wait.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/task_status.h"

namespace execd {
namespace internal {

// Filled by done callbacks, drained by waiters; shared because callbacks may
// run after the waiter gave up.
struct CompletionQueue {
  absl::Mutex mu;
  std::deque<TaskFuture> ended ABSL_GUARDED_BY(mu);
  bool failure_seen ABSL_GUARDED_BY(mu) = false;
};

}  // namespace internal
namespace {

bool EndedBadly(const TaskFuture& future) {
  std::optional<absl::StatusOr<v1::Task>> outcome = future.KnownOutcome();
  if (!outcome.has_value()) return false;
  // As in Python, a cancelled future is not an exception here.
  return !outcome->ok() || (*outcome)->state() == v1::TASK_STATE_FAILED;
}

std::vector<TaskFuture> Distinct(const std::vector<TaskFuture>& futures) {
  std::vector<TaskFuture> distinct;
  for (const TaskFuture& future : futures) {
    if (std::find(distinct.begin(), distinct.end(), future) == distinct.end()) {
      distinct.push_back(future);
    }
  }
  return distinct;
}

std::shared_ptr<internal::CompletionQueue> Subscribe(
    const std::vector<TaskFuture>& futures) {
  auto queue = std::make_shared<internal::CompletionQueue>();
  for (const TaskFuture& future : futures) {
    future.AddDoneCallback([queue](const TaskFuture& ended) {
      absl::MutexLock lock(&queue->mu);
      queue->ended.push_back(ended);
      if (EndedBadly(ended)) queue->failure_seen = true;
    });
  }
  return queue;
}

absl::Time DeadlineAfter(absl::Duration timeout) {
  return timeout == absl::InfiniteDuration() ? absl::InfiniteFuture()
                                             : absl::Now() + timeout;
}

}  // namespace

DoneAndNotDone Wait(const std::vector<TaskFuture>& futures, WaitMode mode,
                    absl::Duration timeout) {
  const absl::Time deadline = DeadlineAfter(timeout);
  std::vector<TaskFuture> distinct = Distinct(futures);
  auto queue = Subscribe(distinct);
  {
    absl::MutexLock lock(&queue->mu);
    auto finished = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu) {
      const size_t ended = queue->ended.size();
      switch (mode) {
        case WaitMode::kFirstCompleted:
          return ended > 0 || distinct.empty();
        case WaitMode::kFirstException:
          return queue->failure_seen || ended == distinct.size();
        case WaitMode::kAllCompleted:
          return ended == distinct.size();
      }
      return true;
    };
    queue->mu.AwaitWithDeadline(absl::Condition(&finished), deadline);
  }
  DoneAndNotDone result;
  for (TaskFuture& future : distinct) {
    (future.KnownOutcome().has_value() ? result.done : result.not_done)
        .push_back(std::move(future));
  }
  return result;
}

AsCompletedIterator::AsCompletedIterator(
    std::shared_ptr<internal::CompletionQueue> queue, size_t total,
    absl::Time deadline)
    : queue_(std::move(queue)), remaining_(total), deadline_(deadline) {}

absl::StatusOr<TaskFuture> AsCompletedIterator::Next() {
  if (remaining_ == 0) return absl::OutOfRangeError("all futures returned");
  absl::MutexLock lock(&queue_->mu);
  auto has_ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_->mu) {
    return !queue_->ended.empty();
  };
  if (!queue_->mu.AwaitWithDeadline(absl::Condition(&has_ended), deadline_)) {
    return absl::DeadlineExceededError(
        absl::StrFormat("%d futures still unfinished", remaining_));
  }
  TaskFuture next = std::move(queue_->ended.front());
  queue_->ended.pop_front();
  --remaining_;
  return next;
}

AsCompletedIterator AsCompleted(const std::vector<TaskFuture>& futures,
                                absl::Duration timeout) {
  const absl::Time deadline = DeadlineAfter(timeout);
  std::vector<TaskFuture> distinct = Distinct(futures);
  return AsCompletedIterator(Subscribe(distinct), distinct.size(), deadline);
}

}  // namespace execd
