#ifndef EXECD_BENCH_STREAM_DRIVER_H_
#define EXECD_BENCH_STREAM_DRIVER_H_

#include <algorithm>
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
#include "client/cpp/task_status.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace execd::bench {

struct StreamRunOptions {
  v1::SubmitRequest request;  // sent `tasks` times
  int64_t tasks = 0;
  int window = 256;  // written but not yet FINISHED, at most
  // Above 1: SubmitBatchStream with up to this many requests per message
  // (as many as the window allows); else SubmitStream, one per message.
  int batch = 1;
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
// thread can pipeline many per stream. A write carries up to `per_write`
// requests. Subclasses say how a write carries n requests and what a reply
// settles.
template <typename Request, typename Reply>
class PipelinedStream : public grpc::ClientBidiReactor<Request, Reply> {
 public:
  using StartCallFn =
      std::function<void(grpc::ClientContext*, PipelinedStream*)>;

  PipelinedStream(int64_t count, int window, int per_write,
                  absl::Duration deadline)
      : count_(count),
        window_(window),
        per_write_(per_write),
        deadline_(deadline) {}

  void Start(const StartCallFn& start_call) {
    SetDeadline(&context_, deadline_);
    start_call(&context_, this);
    int64_t next;
    {
      absl::MutexLock lock(&mu_);
      start_ = absl::Now();
      next = DecideLocked();
    }
    reply_in_flight_ = NextReply();
    this->StartRead(reply_in_flight_);
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
    int64_t next;
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
    int64_t next;
    {
      absl::MutexLock lock(&mu_);
      const int64_t settled = Account(*reply_in_flight_, now, result_);
      if (settled > 0) {
        settled_ += settled;
        last_settled_ = now;
      }
      next = DecideLocked();
    }
    reply_in_flight_ = NextReply();
    this->StartRead(reply_in_flight_);
    Act(next);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && result_.status.ok()) {
      result_.status = FromGrpcStatus(status);
    }
    result_.elapsed = last_settled_ - start_;
    done_ = true;
  }

 protected:
  // The message carrying `n` requests (1 <= n <= per_write); it must stay
  // unchanged until the write is done, i.e. until the next call.
  virtual const Request& WriteOf(int n) = 0;
  // Counts `reply` into `result` (lock held); returns requests it settles.
  virtual int64_t Account(const Reply& reply, absl::Time now,
                          StreamRunResult& result) = 0;
  // The message the next read fills; the one before is no longer used.
  virtual Reply* NextReply() { return &reply_; }

 private:
  static constexpr int64_t kWritesDone = -1;

  // Requests to write now (0: nothing, kWritesDone: half-close).
  int64_t DecideLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || writes_done_ || broken_) return 0;
    if (written_ == count_) {
      writes_done_ = true;
      return kWritesDone;
    }
    const int64_t n = std::min({count_ - written_,
                                window_ - (written_ - settled_),
                                static_cast<int64_t>(per_write_)});
    if (n <= 0) return 0;
    writing_ = true;
    written_ += n;
    return n;
  }

  void Act(int64_t next) {
    if (next > 0) this->StartWrite(&WriteOf(static_cast<int>(next)));
    if (next == kWritesDone) this->StartWritesDone();
  }

  const int64_t count_;
  const int64_t window_;
  const int per_write_;
  const absl::Duration deadline_;
  grpc::ClientContext context_;
  Reply reply_;                       // the default NextReply
  Reply* reply_in_flight_ = nullptr;  // owned by the read in flight

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

// Runs `streams` SubmitStream calls (SubmitBatchStream when options.batch
// > 1) at once on one stub, `options.tasks` each.
StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options);

// The bare gRPC floor of the same message pattern: `streams` EchoStream
// calls, `options.tasks` requests each, two replies per request (as
// SubmitStream sends ACCEPTED then FINISHED); `finished` counts requests.
StreamRunResult RunEchoStreams(BenchEcho::Stub* stub, int streams,
                               const StreamRunOptions& options);

}  // namespace execd::bench

#endif  // EXECD_BENCH_STREAM_DRIVER_H_
