#ifndef EXECD_BENCH_PIPELINED_SUBMIT_H_
#define EXECD_BENCH_PIPELINED_SUBMIT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::bench {

struct SubmitBatchResult {
  int64_t ok = 0;
  int64_t failed = 0;
  absl::Duration elapsed;
  absl::Status first_error;

  double per_second() const {
    const double seconds = absl::ToDoubleSeconds(elapsed);
    return seconds > 0 ? static_cast<double>(ok) / seconds : 0;
  }
};

// Sends `count` unary Submit calls of `request`, at most `window` in flight
// (callback API), and waits for every answer. No watch is left behind on
// the tasks, unlike a SubmitStream that is cancelled early.
SubmitBatchResult SubmitPipelined(v1::Executor::Stub* stub,
                                  const v1::SubmitRequest& request,
                                  int64_t count, int window);

}  // namespace execd::bench

#endif  // EXECD_BENCH_PIPELINED_SUBMIT_H_
