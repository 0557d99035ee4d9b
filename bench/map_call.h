#ifndef EXECD_BENCH_MAP_CALL_H_
#define EXECD_BENCH_MAP_CALL_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/channel.h"

namespace execd::bench {

struct MapRun {
  int64_t items = 0;
  absl::Duration elapsed;
  double client_cpu_seconds = 0;  // this process's, over `elapsed`
  double items_per_second() const {
    const double seconds = absl::ToDoubleSeconds(elapsed);
    return seconds > 0 ? static_cast<double>(items) / seconds : 0;
  }
};

// A Map of `echo` over `items` one-number items (0, 1, ...); items that are
// not tasks with `outcomes_only`.
v1::MapRequest EchoMapRequest(v1::Pool pool, int64_t items, int32_t chunksize,
                              bool outcomes_only = false);

// One Map (or, `batched`, MapBatchStream) call of `echo` over `items`
// one-number items; reads every result and fails unless all of them
// SUCCEEDED.
absl::StatusOr<MapRun> RunEchoMap(const std::shared_ptr<grpc::Channel>& channel,
                                  v1::Pool pool, int64_t items,
                                  int32_t chunksize, bool batched,
                                  bool outcomes_only = false);

}  // namespace execd::bench

#endif  // EXECD_BENCH_MAP_CALL_H_
