#ifndef EXECD_SERVER_POOLS_WORKER_POOL_H_
#define EXECD_SERVER_POOLS_WORKER_POOL_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "server/core/cancellation.h"
#include "server/core/task_record.h"

namespace execd {

struct WorkerCounts {
  int32_t workers = 0;
  int32_t idle = 0;
  int32_t busy = 0;
  int32_t starting = 0;
  int64_t restarts = 0;
};

enum class AbortReason { kCancel, kTimeout, kShutdown };

// A pool of workers that takes tasks from its ready queue (TaskQueue), runs
// them, and reports to the executor through PoolHost. The executor owns all
// state changes; a pool only runs, and stops runs when asked.
class WorkerPool {
 public:
  virtual ~WorkerPool() = default;
  virtual void Start() = 0;
  // Stops the attempt owning `attempt` if it still runs: the executor has
  // already set its token and ended the task; a process pool kills the
  // worker (and counts a restart with `reason`), unless the worker has not
  // started the call yet.
  virtual void Abort(const TaskRecord& task, const CancellationToken* attempt,
                     AbortReason reason) = 0;
  // `task` ended while still pending but no longer in the queue: a worker
  // has taken it without beginning it (a process worker's batch). The pool
  // makes sure it never runs.
  virtual void Withdraw(const TaskRecord& task, AbortReason reason) {}
  virtual WorkerCounts Counts() const = 0;
  // Called after the queue is closed; returns when every worker is gone.
  virtual void Stop() = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_WORKER_POOL_H_
