#include "client/cpp/task_future.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cpp/client_core.h"
#include "client/cpp/future_state.h"
#include "client/cpp/task_status.h"

namespace execd {

TaskFuture::TaskFuture(std::shared_ptr<internal::FutureState> state)
    : state_(std::move(state)) {}

const std::string& TaskFuture::task_id() const { return state_->task_id(); }

absl::StatusOr<v1::Task> TaskFuture::Result(absl::Duration timeout) const {
  absl::StatusOr<v1::Task> task = FinishedTask(timeout);
  if (!task.ok()) return task;
  absl::Status outcome = TaskOutcomeStatus(*task);
  if (!outcome.ok()) return outcome;
  return task;
}

absl::StatusOr<v1::Task> TaskFuture::FinishedTask(
    absl::Duration timeout) const {
  if (auto outcome = state_->outcome()) return *std::move(outcome);
  const absl::Time deadline = timeout == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + timeout;
  absl::StatusOr<v1::Task> task =
      state_->core().AwaitTask(state_->task_id(), deadline);
  if (!task.ok()) {
    if (task.status().code() == absl::StatusCode::kNotFound) {
      state_->Resolve(task.status());
    }
    return task;
  }
  if (!IsTerminal(task->state())) {
    return absl::DeadlineExceededError(absl::StrFormat(
        "task %s is still %s after %s", task_id(),
        v1::TaskState_Name(task->state()), absl::FormatDuration(timeout)));
  }
  state_->Resolve(*std::move(task));
  // Whoever resolved first (this call or the callback hub) decides.
  return *state_->outcome();
}

absl::StatusOr<v1::Task> TaskFuture::Refresh() const {
  if (auto outcome = state_->outcome()) return *std::move(outcome);
  absl::StatusOr<v1::Task> task = state_->core().GetTask(task_id());
  if (task.ok() && IsTerminal(task->state())) state_->Resolve(*task);
  if (!task.ok() && task.status().code() == absl::StatusCode::kNotFound) {
    state_->Resolve(task.status());
  }
  return task;
}

absl::StatusOr<bool> TaskFuture::Done() const {
  absl::StatusOr<v1::Task> task = Refresh();
  if (!task.ok()) return task.status();
  return IsTerminal(task->state());
}

absl::StatusOr<bool> TaskFuture::Running() const {
  absl::StatusOr<v1::Task> task = Refresh();
  if (!task.ok()) return task.status();
  return task->state() == v1::TASK_STATE_RUNNING;
}

absl::StatusOr<bool> TaskFuture::Cancelled() const {
  absl::StatusOr<v1::Task> task = Refresh();
  if (!task.ok()) return task.status();
  return task->state() == v1::TASK_STATE_CANCELLED;
}

absl::StatusOr<bool> TaskFuture::Cancel() const {
  if (auto outcome = state_->outcome()) {
    return outcome->ok() && (*outcome)->state() == v1::TASK_STATE_CANCELLED;
  }
  absl::StatusOr<v1::CancelResponse> response =
      state_->core().Cancel(task_id());
  if (!response.ok()) return response.status();
  if (IsTerminal(response->task().state())) state_->Resolve(response->task());
  return response->cancelled() ||
         response->task().state() == v1::TASK_STATE_CANCELLED;
}

void TaskFuture::AddDoneCallback(DoneCallback callback) const {
  // A weak reference: the state must not keep itself alive through its own
  // callbacks; it is alive whenever it runs them.
  std::weak_ptr<internal::FutureState> weak_state = state_;
  auto run = [callback = std::move(callback), weak_state] {
    if (auto state = weak_state.lock()) callback(TaskFuture(std::move(state)));
  };
  if (!state_->AddCallback(run)) {
    run();
    return;
  }
  if (state_->MarkWatched()) state_->core().hub().Watch(state_);
}

std::optional<absl::StatusOr<v1::Task>> TaskFuture::KnownOutcome() const {
  return state_->outcome();
}

}  // namespace execd
