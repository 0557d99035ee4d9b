#ifndef EXECD_BENCH_ROUND_TRIP_H_
#define EXECD_BENCH_ROUND_TRIP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::bench {

// Unary Submit; returns the task id.
absl::StatusOr<std::string> SubmitOne(v1::Executor::Stub* stub,
                                      const v1::SubmitRequest& request);
// Unary Result (waits until terminal); fails unless the task SUCCEEDED.
absl::StatusOr<v1::Task> AwaitSucceeded(v1::Executor::Stub* stub,
                                        const std::string& task_id);

struct RoundTrip {
  absl::Duration submit;  // Submit answered
  absl::Duration total;   // then Result answered
  std::string task_id;
};
// Submit then Result of one task, timed.
absl::StatusOr<RoundTrip> TimedRoundTrip(v1::Executor::Stub* stub,
                                         const v1::SubmitRequest& request);

}  // namespace execd::bench

#endif  // EXECD_BENCH_ROUND_TRIP_H_
