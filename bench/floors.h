#ifndef EXECD_BENCH_FLOORS_H_
#define EXECD_BENCH_FLOORS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "bench/bench_echo.grpc.pb.h"
#include "bench/latency_stats.h"
#include "bench/report.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::bench {

// Floors: execd's message patterns on the bare gRPC server, with no
// executor behind them, so a figure can be set against what gRPC allows on
// this machine, not only against Python.

// HandOff then Collect, timed as one: the floor under Submit + Result.
absl::Status HandOffRoundTrip(BenchEcho::Stub* stub, LatencyRecorder* recorder);

// MapBatchStream's floor. A real MapBatchStream of `echo` over 1,024 items
// on `pool` gives execd's own result bytes; the bare server replays them in
// batches of 1,024 until `items` results went by, read through the C++
// client's MapStream as execd's are. Fills `items_per_second`, and
// `client_parse_us_per_item`: parsing the batch alone, no gRPC; then the
// same for results stripped to index, state and result.
absl::Status MeasureMapFloor(v1::Executor::Stub* execd, BenchEcho::Stub* bare,
                             v1::Pool pool, int64_t items, Section* out);

}  // namespace execd::bench

#endif  // EXECD_BENCH_FLOORS_H_
