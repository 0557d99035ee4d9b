#ifndef EXECD_SERVER_CORE_POOL_HOST_H_
#define EXECD_SERVER_CORE_POOL_HOST_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "server/core/attempt_result.h"
#include "server/core/cancellation.h"
#include "server/core/task_record.h"

namespace execd {

// What a pool calls on the executor around each run of a task.
class PoolHost {
 public:
  virtual ~PoolHost() = default;
  // Marks `task` RUNNING on `worker` and arms its timeout. Returns the
  // attempt's token, or nullptr if the task is no longer pending: skip it.
  virtual std::shared_ptr<CancellationToken> BeginAttempt(
      const TaskPtr& task, std::string worker) = 0;
  // Reports how the attempt owning `token` ended. Stale reports (the task was
  // cancelled or timed out meanwhile) are ignored.
  virtual void EndAttempt(const TaskPtr& task, const CancellationToken* token,
                          AttemptResult result) = 0;
  // Takes back the attempt owning `token` when its task never started
  // running (its worker died first, e.g. killed for another task of its
  // frame): the task is PENDING again and the caller puts it back in its
  // queue. False if that attempt has already ended.
  virtual bool ReturnAttempt(const TaskPtr& task,
                             const CancellationToken* token) = 0;
  // A worker process was replaced; `reason` is a label of
  // execd_worker_restarts_total (crash, timeout, cancel, recycle, memory).
  virtual void WorkerRestarted(absl::string_view reason) = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_POOL_HOST_H_
