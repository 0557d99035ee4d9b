#ifndef EXECD_SERVER_POOLS_THREAD_POOL_H_
#define EXECD_SERVER_POOLS_THREAD_POOL_H_

#include <atomic>
#include <thread>
#include <vector>

#include "server/core/pool_host.h"
#include "server/core/task_queue.h"
#include "server/functions/function.h"
#include "server/pools/worker_pool.h"

namespace execd {

// In-process worker threads that run functions directly. A running task
// cannot be killed; cancel and timeout set its token, which the built-ins
// observe within 100 ms (the executor has already ended the task by then).
class ThreadPool : public WorkerPool {
 public:
  ThreadPool(int threads, TaskQueue* queue, PoolHost* host,
             const FunctionLimits* limits);
  ~ThreadPool() override;

  void Start() override;
  void Abort(const TaskRecord& task, const CancellationToken* attempt,
             AbortReason reason) override {}
  WorkerCounts Counts() const override;
  void Stop() override;

 private:
  void WorkerLoop(int index);

  const int thread_count_;
  TaskQueue* queue_;
  PoolHost* host_;
  const FunctionLimits* limits_;
  std::atomic<int32_t> busy_{0};
  std::vector<std::thread> threads_;
};

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_THREAD_POOL_H_
