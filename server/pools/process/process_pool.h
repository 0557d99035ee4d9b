#ifndef EXECD_SERVER_POOLS_PROCESS_PROCESS_POOL_H_
#define EXECD_SERVER_POOLS_PROCESS_PROCESS_POOL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/core/pool_host.h"
#include "server/core/task_queue.h"
#include "server/functions/function.h"
#include "server/pools/process/frame_codec.h"
#include "server/pools/process/worker_process.h"
#include "server/pools/worker_pool.h"

namespace execd {

struct ProcessPoolOptions {
  std::string worker_path;          // the execd-worker binary
  int processes = 1;                // worker processes kept running
  int64_t max_tasks_per_child = 0;  // replace a worker after N tasks; 0 = never
  int64_t memory_limit_mb = 0;      // RLIMIT_AS of each worker; 0 = none
  FunctionLimits limits;            // exec_allow, max_output_bytes
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  absl::Duration start_timeout = absl::Seconds(10);  // spawn to hello
  absl::Duration stop_grace = absl::Seconds(2);      // EOF to SIGKILL
};

// The process pool: `processes` execd-worker processes, each supervised by
// one driver thread that pops tasks (a Map chunk at a time), sends them in
// one frame, and reports each result. A worker that dies mid-task fails what
// it was running with WORKER_LOST and is replaced at once; Abort kills the
// worker running an attempt (cancel, timeout, shutdown). Workers die with
// the server (PR_SET_PDEATHSIG and EOF on their socket). Every item of a
// Map chunk begins (RUNNING, timeout armed) when the chunk is sent.
//
//   ProcessPool pool(options, executor.queue(v1::POOL_PROCESS), &executor);
//   executor.AttachPool(v1::POOL_PROCESS, &pool);
//   executor.Start();  // which calls pool.Start()
class ProcessPool : public WorkerPool {
 public:
  ProcessPool(ProcessPoolOptions options, TaskQueue* queue, PoolHost* host);
  ~ProcessPool() override;
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  // Starts the workers; returns once each has said hello or failed its
  // first start (bounded by start_timeout).
  void Start() override;
  void Abort(const TaskRecord& task, const CancellationToken* attempt,
             AbortReason reason) override;
  WorkerCounts Counts() const override;
  // Ends the drivers: idle workers get EOF and exit, busy ones (whose tasks
  // the executor has already ended) are killed; every worker is reaped.
  void Stop() override;

  // Live worker pids (for tests and diagnostics).
  std::vector<pid_t> WorkerPids() const;

 private:
  enum class SlotState { kStarting, kIdle, kBusy, kStopped };
  struct Attempt {
    TaskPtr task;
    std::shared_ptr<CancellationToken> token;
    std::string task_id;  // formatted once: replies are matched by it
  };
  // One worker position: its driver thread and what Abort and Counts see.
  struct Slot {
    explicit Slot(int index) : index(index) {}
    const int index;
    std::thread driver;
    mutable absl::Mutex mu;
    SlotState state ABSL_GUARDED_BY(mu) = SlotState::kStarting;
    // Killable while set; cleared before the driver reaps it.
    WorkerProcess* worker ABSL_GUARDED_BY(mu) = nullptr;
    pid_t child_pgid ABSL_GUARDED_BY(mu) = 0;  // its running exec child
    std::vector<Attempt> attempts ABSL_GUARDED_BY(mu);
    std::optional<AbortReason> abort_reason ABSL_GUARDED_BY(mu);
    std::string aborted_task_id ABSL_GUARDED_BY(mu);
    bool tried_to_start = false;  // driver thread only
  };
  void Drive(Slot& slot);
  // Spawns a worker for `slot`, retrying with backoff; nullptr when stopping.
  std::unique_ptr<WorkerProcess> StartWorker(Slot& slot);
  // Pops the next task and its Map chunk followers; empty on idle timeout.
  // Sets `closed` when the queue has been closed.
  std::vector<TaskPtr> NextBatch(bool* closed);
  // Runs `batch` on `worker`. Not OK if the worker did not survive it: the
  // status says why and `lost` gets the attempts it took down.
  absl::Status RunBatch(Slot& slot, WorkerProcess& worker,
                        std::vector<TaskPtr> batch, std::vector<Attempt>* lost);
  // Reaps a worker that died or must die, fails `lost` attempts with
  // WORKER_LOST, and counts the restart.
  void LoseWorker(Slot& slot, std::unique_ptr<WorkerProcess> worker,
                  const absl::Status& cause, std::vector<Attempt> lost);
  // Replaces a healthy worker after max_tasks_per_child.
  void RecycleWorker(Slot& slot, std::unique_ptr<WorkerProcess> worker);
  void SetState(Slot& slot, SlotState state, WorkerProcess* worker);
  // Lets Start return once every slot has made its first start attempt.
  void ReportStartAttempt(Slot& slot);
  void CountRestart(absl::string_view reason);
  std::string WorkerName(const Slot& slot, pid_t pid) const;

  const ProcessPoolOptions options_;
  TaskQueue* const queue_;
  PoolHost* const host_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stopping_{false};
  absl::Notification stop_requested_;
  std::atomic<int64_t> restarts_{0};

  absl::Mutex start_mu_;
  int first_starts_done_ ABSL_GUARDED_BY(start_mu_) = 0;
};

// The execd-worker to run: `flag_value` if set, else the one next to the
// running binary. FAILED_PRECONDITION if it is not an executable file.
absl::StatusOr<std::string> FindWorkerBinary(const std::string& flag_value);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_PROCESS_POOL_H_
