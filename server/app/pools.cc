#include "server/app/pools.h"

#include <algorithm>
#include <string>
#include <utility>

#ifdef EXECD_HAS_PROCESS_POOL
#include "server/pools/process/process_pool.h"
#endif
#include "server/pools/thread_pool.h"

namespace execd {

absl::StatusOr<Pools> MakePools(const ServerConfig& config,
                                const FunctionRegistry& registry,
                                Executor& executor) {
  Pools pools;
  pools.limits = std::make_unique<FunctionLimits>();
  pools.limits->exec_allow = config.exec_allow;
  pools.limits->max_output_bytes = config.max_message_bytes;
  pools.thread_pool = std::make_unique<ThreadPool>(
      config.threads, executor.queue(v1::POOL_THREAD), &executor,
      pools.limits.get());
#ifdef EXECD_HAS_PROCESS_POOL
  if (config.processes > 0) {
    absl::StatusOr<std::string> worker_path =
        FindWorkerBinary(config.worker_path);
    if (!worker_path.ok()) return worker_path.status();
    ProcessPoolOptions options;
    options.worker_path = *worker_path;
    // A frame carries a whole request (or a Map chunk) or one result.
    options.max_frame_bytes =
        std::max<size_t>(kDefaultMaxFrameBytes,
                         2 * static_cast<size_t>(config.max_message_bytes));
    options.processes = config.processes;
    options.max_tasks_per_child = config.max_tasks_per_child;
    options.memory_limit_mb = config.worker_memory_limit_mb;
    options.limits = *pools.limits;
    pools.process_pool = std::make_unique<ProcessPool>(
        std::move(options), executor.queue(v1::POOL_PROCESS), &executor);
  }
#endif
  // Attached only once everything exists: a failure above must not leave
  // the executor pointing at pools that are gone.
  executor.AttachPool(v1::POOL_THREAD, pools.thread_pool.get());
  if (pools.process_pool != nullptr) {
    executor.AttachPool(v1::POOL_PROCESS, pools.process_pool.get());
  }
  return pools;
}

}  // namespace execd
