#ifndef EXECD_BENCH_STREAM_DRIVER_H_
#define EXECD_BENCH_STREAM_DRIVER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/latency_stats.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace execd::bench {

struct StreamRunOptions {
  v1::SubmitRequest request;  // sent `tasks` times
  int64_t tasks = 0;
  int window = 256;  // written but not yet FINISHED, at most
  absl::Duration deadline = absl::Seconds(120);
};

struct StreamRunResult {
  int64_t accepted = 0;
  int64_t rejected = 0;
  int64_t finished = 0;
  int64_t succeeded = 0;
  absl::Duration elapsed;  // first write to last FINISHED event
  // Client receipt time minus Task.end_time of each FINISHED event.
  LatencyRecorder finished_after_end;
  absl::Status status;

  double tasks_per_second() const {
    const double seconds = absl::ToDoubleSeconds(elapsed);
    return seconds > 0 ? static_cast<double>(finished) / seconds : 0;
  }
};

// One SubmitStream call driven by the callback API: keeps up to `window`
// tasks in flight (one write and one read outstanding at a time), so one
// client thread can pipeline many tasks per stream.
class SubmitStreamDriver
    : public grpc::ClientBidiReactor<v1::SubmitRequest, v1::TaskEvent> {
 public:
  SubmitStreamDriver(v1::Executor::Stub* stub, StreamRunOptions options);
  void Start();
  // Blocks until the call is done.
  StreamRunResult Wait();

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  enum class Next { kNothing, kWrite, kWritesDone };
  Next DecideLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Act(Next next);

  v1::Executor::Stub* const stub_;
  const StreamRunOptions options_;
  grpc::ClientContext context_;
  v1::TaskEvent event_;  // owned by the read in flight

  absl::Mutex mu_;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t settled_ ABSL_GUARDED_BY(mu_) = 0;  // FINISHED or REJECTED
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  absl::Time last_finished_ ABSL_GUARDED_BY(mu_);
  StreamRunResult result_ ABSL_GUARDED_BY(mu_);
};

// Runs `streams` SubmitStream calls at once on one stub, `options.tasks`
// each; sums their counts (elapsed: start of all to end of the last).
StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options);

}  // namespace execd::bench

#endif  // EXECD_BENCH_STREAM_DRIVER_H_
