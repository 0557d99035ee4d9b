#ifndef EXECD_BENCH_STREAM_DRIVER_H_
#define EXECD_BENCH_STREAM_DRIVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_echo.grpc.pb.h"
#include "bench/latency_stats.h"
#include "bench/target.h"
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

// One bidi call driven by the callback API: keeps up to `window` requests
// unsettled (one write and one read outstanding at a time), so one client
// thread can pipeline many per stream. Subclasses say what a reply settles.
template <typename Request, typename Reply>
class PipelinedStream : public grpc::ClientBidiReactor<Request, Reply> {
 public:
  using StartCallFn =
      std::function<void(grpc::ClientContext*, PipelinedStream*)>;

  PipelinedStream(Request request, int64_t count, int window,
                  absl::Duration deadline)
      : request_(std::move(request)),
        count_(count),
        window_(window),
        deadline_(deadline) {}

  void Start(const StartCallFn& start_call) {
    SetDeadline(&context_, deadline_);
    start_call(&context_, this);
    Next next;
    {
      absl::MutexLock lock(&mu_);
      start_ = absl::Now();
      next = DecideLocked();
    }
    this->StartRead(&reply_);
    Act(next);
    this->StartCall();
  }

  // Blocks until the call is done.
  StreamRunResult Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return std::move(result_);
  }

  void OnWriteDone(bool ok) override {
    Next next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;
      next = DecideLocked();
    }
    Act(next);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    const absl::Time now = absl::Now();
    Next next;
    {
      absl::MutexLock lock(&mu_);
      if (Account(reply_, now, result_)) {
        ++settled_;
        last_settled_ = now;
      }
      next = DecideLocked();
    }
    this->StartRead(&reply_);
    Act(next);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && result_.status.ok()) {
      result_.status =
          absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                       status.error_message());
    }
    result_.elapsed = last_settled_ - start_;
    done_ = true;
  }

 protected:
  // Counts `reply` into `result` (lock held); true if it settles a request.
  virtual bool Account(const Reply& reply, absl::Time now,
                       StreamRunResult& result) = 0;

 private:
  enum class Next { kNothing, kWrite, kWritesDone };

  Next DecideLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || writes_done_ || broken_) return Next::kNothing;
    if (written_ == count_) {
      writes_done_ = true;
      return Next::kWritesDone;
    }
    if (written_ - settled_ >= window_) return Next::kNothing;
    writing_ = true;
    ++written_;
    return Next::kWrite;
  }

  void Act(Next next) {
    // The request never changes, so one message serves every write.
    if (next == Next::kWrite) this->StartWrite(&request_);
    if (next == Next::kWritesDone) this->StartWritesDone();
  }

  const Request request_;
  const int64_t count_;
  const int window_;
  const absl::Duration deadline_;
  grpc::ClientContext context_;
  Reply reply_;  // owned by the read in flight

  absl::Mutex mu_;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t settled_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  absl::Time last_settled_ ABSL_GUARDED_BY(mu_);
  StreamRunResult result_ ABSL_GUARDED_BY(mu_);
};

// Starts every stream, waits for all, sums their counts (elapsed: start of
// all to end of the last).
template <typename Stream>
StreamRunResult RunAll(std::vector<std::unique_ptr<Stream>>& streams,
                       const typename Stream::StartCallFn& start_call) {
  const absl::Time start = absl::Now();
  for (auto& stream : streams) stream->Start(start_call);
  StreamRunResult total;
  for (auto& stream : streams) {
    StreamRunResult one = stream->Wait();
    total.accepted += one.accepted;
    total.rejected += one.rejected;
    total.finished += one.finished;
    total.succeeded += one.succeeded;
    total.finished_after_end.Merge(one.finished_after_end);
    if (total.status.ok()) total.status = one.status;
  }
  total.elapsed = absl::Now() - start;
  return total;
}

// Runs `streams` SubmitStream calls at once on one stub, `options.tasks`
// each.
StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options);

// The bare gRPC floor of the same message pattern: `streams` EchoStream
// calls, `options.tasks` requests each, two replies per request (as
// SubmitStream sends ACCEPTED then FINISHED); `finished` counts requests.
StreamRunResult RunEchoStreams(BenchEcho::Stub* stub, int streams,
                               const StreamRunOptions& options);

}  // namespace execd::bench

#endif  // EXECD_BENCH_STREAM_DRIVER_H_
