#ifndef EXECD_CLIENT_CPP_FUTURE_STATE_H_
#define EXECD_CLIENT_CPP_FUTURE_STATE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "execd/v1/execd.pb.h"

namespace execd::internal {

class ClientCore;

// What one TaskFuture (and its copies) knows locally about a task: its final
// outcome once seen, and the callbacks waiting for it.
class FutureState : public std::enable_shared_from_this<FutureState> {
 public:
  FutureState(std::string task_id, std::shared_ptr<ClientCore> core)
      : task_id_(std::move(task_id)), core_(std::move(core)) {}

  const std::string& task_id() const { return task_id_; }
  ClientCore& core() const { return *core_; }

  // Records the outcome (a terminal task, or an error such as NOT_FOUND for a
  // task the server forgot) the first time; later calls are ignored. Runs the
  // callbacks in the calling thread, each exactly once.
  void Resolve(absl::StatusOr<v1::Task> outcome) ABSL_LOCKS_EXCLUDED(mu_);

  std::optional<absl::StatusOr<v1::Task>> outcome() const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until resolved or `deadline`; true when resolved.
  bool AwaitResolved(absl::Time deadline) const ABSL_LOCKS_EXCLUDED(mu_);

  // Keeps `callback` for Resolve; false when already resolved, in which case
  // the caller runs it.
  bool AddCallback(std::function<void()> callback) ABSL_LOCKS_EXCLUDED(mu_);

  // True only the first time: the callback hub then starts watching.
  bool MarkWatched() ABSL_LOCKS_EXCLUDED(mu_);
  // Gives up the watch MarkWatched took. True when callbacks wait for a
  // task not resolved yet: the caller must find them another watcher.
  bool ReleaseWatch() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string task_id_;
  const std::shared_ptr<ClientCore> core_;
  mutable absl::Mutex mu_;
  std::optional<absl::StatusOr<v1::Task>> outcome_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
  bool watched_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_FUTURE_STATE_H_
