#ifndef EXECD_CLIENT_CPP_TASK_FUTURE_H_
#define EXECD_CLIENT_CPP_TASK_FUTURE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"

namespace execd {

namespace internal {
class FutureState;
}  // namespace internal

// A task submitted to execd, like Python's concurrent.futures.Future. Cheap
// to copy; copies share what they learn. Methods other than Result,
// FinishedTask and Cancel never wait for the task.
class TaskFuture {
 public:
  using DoneCallback = std::function<void(const TaskFuture& future)>;

  explicit TaskFuture(std::shared_ptr<internal::FutureState> state);

  const std::string& task_id() const;

  // The SUCCEEDED task, or: for a FAILED/CANCELLED task a status carrying its
  // TaskError (see GetTaskError), DEADLINE_EXCEEDED if the task is still
  // running after `timeout`, or the RPC's error.
  absl::StatusOr<v1::Task> Result(
      absl::Duration timeout = absl::InfiniteDuration()) const;

  // Like Result, but a FAILED or CANCELLED task is returned too.
  absl::StatusOr<v1::Task> FinishedTask(
      absl::Duration timeout = absl::InfiniteDuration()) const;

  absl::StatusOr<bool> Done() const;
  absl::StatusOr<bool> Running() const;
  absl::StatusOr<bool> Cancelled() const;

  // Asks the server to cancel the task, even a running one; true when the
  // task is (or already was) cancelled.
  absl::StatusOr<bool> Cancel() const;

  // Calls `callback` exactly once when the task ends, on a thread of the
  // client; at once in this thread if it already ended. Fed by the client's
  // one shared Callback stream (or, for a future of SubmitMany, by that
  // call's own stream while it lasts). Callbacks of a destroyed Client's
  // unfinished tasks never run.
  void AddDoneCallback(DoneCallback callback) const;

  // The final outcome if this future already knows it; never calls the
  // server.
  std::optional<absl::StatusOr<v1::Task>> KnownOutcome() const;

  friend bool operator==(const TaskFuture& a, const TaskFuture& b) {
    return a.state_ == b.state_;
  }

 private:
  // GetTask; resolves this future when the task turns out to be terminal.
  absl::StatusOr<v1::Task> Refresh() const;

  std::shared_ptr<internal::FutureState> state_;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_TASK_FUTURE_H_
