#include "bench/stream_driver.h"

#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

}  // namespace

SubmitStreamDriver::SubmitStreamDriver(v1::Executor::Stub* stub,
                                       StreamRunOptions options)
    : stub_(stub), options_(std::move(options)) {
  result_.finished_after_end.Reserve(options_.tasks);
}

void SubmitStreamDriver::Start() {
  SetDeadline(&context_, options_.deadline);
  stub_->async()->SubmitStream(&context_, this);
  Next next;
  {
    absl::MutexLock lock(&mu_);
    start_ = absl::Now();
    next = DecideLocked();
  }
  StartRead(&event_);
  Act(next);
  StartCall();
}

SubmitStreamDriver::Next SubmitStreamDriver::DecideLocked() {
  if (writing_ || writes_done_ || broken_) return Next::kNothing;
  if (written_ == options_.tasks) {
    writes_done_ = true;
    return Next::kWritesDone;
  }
  if (written_ - settled_ >= options_.window) return Next::kNothing;
  writing_ = true;
  ++written_;
  return Next::kWrite;
}

void SubmitStreamDriver::Act(Next next) {
  // The request never changes, so one message serves every write.
  if (next == Next::kWrite) StartWrite(&options_.request);
  if (next == Next::kWritesDone) StartWritesDone();
}

void SubmitStreamDriver::OnWriteDone(bool ok) {
  Next next;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) broken_ = true;
    next = DecideLocked();
  }
  Act(next);
}

void SubmitStreamDriver::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  const absl::Time now = absl::Now();
  Next next;
  {
    absl::MutexLock lock(&mu_);
    switch (event_.kind()) {
      case v1::TaskEvent::KIND_ACCEPTED:
        ++result_.accepted;
        break;
      case v1::TaskEvent::KIND_REJECTED:
        ++result_.rejected;
        ++settled_;
        if (result_.status.ok()) {
          result_.status = absl::Status(
              static_cast<absl::StatusCode>(event_.code()), event_.message());
        }
        break;
      case v1::TaskEvent::KIND_FINISHED:
        ++result_.finished;
        ++settled_;
        if (event_.task().state() == v1::TASK_STATE_SUCCEEDED) {
          ++result_.succeeded;
        }
        result_.finished_after_end.Add(now -
                                       FromTimestamp(event_.task().end_time()));
        last_finished_ = now;
        break;
      default:
        break;
    }
    next = DecideLocked();
  }
  StartRead(&event_);
  Act(next);
}

void SubmitStreamDriver::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (!status.ok() && result_.status.ok()) {
    result_.status =
        absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                     status.error_message());
  }
  result_.elapsed = last_finished_ - start_;
  done_ = true;
}

StreamRunResult SubmitStreamDriver::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
  return std::move(result_);
}

StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options) {
  std::vector<std::unique_ptr<SubmitStreamDriver>> drivers;
  for (int i = 0; i < streams; ++i) {
    drivers.push_back(std::make_unique<SubmitStreamDriver>(stub, options));
  }
  const absl::Time start = absl::Now();
  for (auto& driver : drivers) driver->Start();
  StreamRunResult total;
  for (auto& driver : drivers) {
    StreamRunResult one = driver->Wait();
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

}  // namespace execd::bench
