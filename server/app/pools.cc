#include "server/app/pools.h"

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
  executor.AttachPool(v1::POOL_THREAD, pools.thread_pool.get());
  // The process pool is wired here once server/pools/process lands.
  return pools;
}

}  // namespace execd
