#ifndef EXECD_SERVER_CORE_EXECUTOR_H_
#define EXECD_SERVER_CORE_EXECUTOR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "execd/v1/execd.pb.h"
#include "server/core/delayed_set.h"
#include "server/core/executor_metrics.h"
#include "server/core/pool_host.h"
#include "server/core/string_interner.h"
#include "server/core/task_queue.h"
#include "server/core/task_store.h"
#include "server/core/timer_service.h"
#include "server/functions/registry.h"
#include "server/pools/worker_pool.h"

namespace execd {

struct ExecutorOptions {
  int64_t queue_capacity = 100000;  // per pool, ready plus delayed
  absl::Duration result_ttl = absl::Hours(1);
  int64_t max_retained_tasks = 100000;
  absl::Duration default_task_timeout = absl::InfiniteDuration();
  FunctionLimits limits;
};

// Payload key of a RESOURCE_EXHAUSTED status carrying a retry hint; the
// service turns it into the `retry-delay-ms` trailing metadata.
inline constexpr absl::string_view kRetryDelayPayload = "retry-delay-ms";

// The task lifecycle behind every RPC: validates and admits tasks, keeps the
// per-pool queues, delays and retries, arms timeouts, routes cancellation to
// the pool running a task, and drains on shutdown. Pools plug in through
// AttachPool; the service layer only ever talks to this class.
class Executor : public PoolHost {
 public:
  Executor(ExecutorOptions options, const FunctionRegistry* registry,
           ExecutorMetrics* metrics);
  ~Executor() override;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  TaskQueue* queue(v1::Pool pool);
  // `pool` must outlive the executor's Shutdown.
  void AttachPool(v1::Pool kind, WorkerPool* pool);
  bool HasPool(v1::Pool kind) const;
  void Start();

  struct Submitted {
    TaskPtr task;
    bool duplicate = false;
  };
  // `owner` is the principal submitting ("" without auth): only it can see,
  // wait on or cancel the task, and request ids are scoped by it.
  absl::StatusOr<Submitted> Submit(v1::SubmitRequest request,
                                   const std::string& owner = "");
  // All items or none: one task per item, in item order; with
  // outcomes_only one per chunk of items (TaskRecord::map_chunk).
  // Items may be moved out of `request` (one task per item takes them).
  // `encoded_items`: the bytes of each item as received, if the caller has
  // them (see BuildMapChunks).
  absl::StatusOr<std::vector<TaskPtr>> SubmitMap(
      v1::MapRequest& request, const std::string& owner = "",
      absl::Span<const absl::string_view> encoded_items = {});

  absl::StatusOr<v1::CancelResponse> Cancel(absl::string_view task_id,
                                            absl::string_view owner = "");
  absl::StatusOr<TaskPtr> Lookup(absl::string_view task_id,
                                 absl::string_view owner = "") const {
    return store_.Lookup(task_id, owner);
  }
  // Counts a call refused before it reached the executor (e.g. by auth).
  void CountRejected(absl::string_view reason) {
    metrics_->TaskRejected(reason);
  }
  TaskStore& store() { return store_; }
  const TaskStore& store() const { return store_; }
  TimerService& timers() { return timers_; }
  const FunctionRegistry& registry() const { return *registry_; }

  v1::ListFunctionsResponse ListFunctions() const;
  v1::GetPoolsResponse GetPools() const;

  // Shutdown, in order: BeginDrain (submits get UNAVAILABLE), WaitIdle up to
  // the grace, then Shutdown (what is left ends CANCELLED/SHUTDOWN, queues
  // close, pools stop).
  void BeginDrain();
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  bool WaitIdle(absl::Time deadline);
  void Shutdown();

  // PoolHost.
  std::shared_ptr<CancellationToken> BeginAttempt(const TaskPtr& task,
                                                  std::string worker) override;
  void EndAttempt(const TaskPtr& task, const CancellationToken* token,
                  AttemptResult result) override;
  bool ReturnAttempt(const TaskPtr& task,
                     const CancellationToken* token) override;
  void WorkerRestarted(absl::string_view reason) override;

 private:
  struct PoolSlot {
    TaskQueue queue;
    WorkerPool* pool = nullptr;
    std::atomic<int64_t> waiting{0};  // PENDING tasks: ready, delayed, backoff
    std::atomic<int64_t> delayed{0};
    std::atomic<int64_t> succeeded{0};
    std::atomic<int64_t> failed{0};
    std::atomic<int64_t> cancelled{0};
  };
  PoolSlot& slot(v1::Pool pool) { return pools_[pool == v1::POOL_PROCESS]; }
  const PoolSlot& slot(v1::Pool pool) const {
    return pools_[pool == v1::POOL_PROCESS];
  }

  // Builds a validated record, not yet stored.
  absl::StatusOr<TaskPtr> BuildTask(v1::SubmitRequest& request);
  absl::Status CheckAdmission() const;
  absl::Status Reserve(v1::Pool pool, int64_t count);
  absl::Status Reject(absl::Status status);
  // Makes an admitted PENDING task runnable at its ready_time.
  void Schedule(const TaskPtr& task);
  // A delayed task whose time came.
  void OnDue(TaskPtr task);
  void OnTimeout(const TaskPtr& task,
                 const std::shared_ptr<CancellationToken>& token);
  // Stops a task that must end now (cancel, shutdown); false if terminal.
  absl::StatusOr<v1::TaskState> AbortTask(const TaskPtr& task,
                                          v1::TaskError error,
                                          AbortReason reason);
  // The store's on_finished: pool counters and execd_tasks_finished_total.
  void CountFinished(const TaskRecord& task);
  void ScheduleSweep();

  const ExecutorOptions options_;
  const FunctionRegistry* registry_;
  ExecutorMetrics* metrics_;
  TaskStore store_;
  std::array<PoolSlot, 2> pools_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> next_map_group_{1};
  StringInterner owners_;
  DelayedSet delayed_;   // arms timers_; destroyed after its thread stopped
  TimerService timers_;  // last: its thread stops before the rest goes
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_EXECUTOR_H_
