#ifndef EXECD_BENCH_MAP_CALL_H_
#define EXECD_BENCH_MAP_CALL_H_

#include <cstdint>
#include <memory>
#include <string>

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

// A Map of `function` over `items` one-number items (0, 1, ...).
struct MapSpec {
  std::string function = "echo";
  v1::Pool pool = v1::POOL_PROCESS;
  int64_t items = 0;
  int32_t chunksize = 1;
  bool batched = false;        // MapBatchStream, cut as Client::Map cuts
  bool outcomes_only = false;  // items that are not tasks
};

// Sets `request` (empty) to the Map `spec` describes.
void FillMapRequest(const MapSpec& spec, v1::MapRequest* request);
v1::MapRequest MapRequestFor(const MapSpec& spec);

// One Map (or, `batched`, MapBatchStream) call as `spec` says; reads every
// result and fails unless all of them SUCCEEDED.
absl::StatusOr<MapRun> RunMap(const std::shared_ptr<grpc::Channel>& channel,
                              const MapSpec& spec);

}  // namespace execd::bench

#endif  // EXECD_BENCH_MAP_CALL_H_
