#ifndef EXECD_SERVER_APP_POOLS_H_
#define EXECD_SERVER_APP_POOLS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/app/flags.h"
#include "server/core/executor.h"
#include "server/functions/registry.h"
#include "server/pools/worker_pool.h"

namespace execd {

// The pools a server runs, attached to its executor.
struct Pools {
  std::unique_ptr<WorkerPool> thread_pool;
  std::unique_ptr<WorkerPool> process_pool;  // null with --processes=0
  std::unique_ptr<FunctionLimits> limits;
};

absl::StatusOr<Pools> MakePools(const ServerConfig& config,
                                const FunctionRegistry& registry,
                                Executor& executor);

}  // namespace execd

#endif  // EXECD_SERVER_APP_POOLS_H_
