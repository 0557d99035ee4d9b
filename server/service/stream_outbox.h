#ifndef EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_
#define EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

namespace execd {

// The outgoing side of a server stream: a bounded buffer with at most one
// write in flight. Producers (task events, with the store lock held) only
// Push; Kick, called without other locks, starts the next write or the
// Finish. A reader too slow to keep the buffer under its bound gets the
// stream ended with RESOURCE_EXHAUSTED instead of stalling the executor.
// Messages are shared and read-only: one task event built by the store goes
// to every stream reporting it without a copy per stream.
template <typename Message>
class StreamOutbox {
 public:
  using MessagePtr = std::shared_ptr<const Message>;
  using StartWrite = std::function<void(const Message*)>;
  using Finish = std::function<void(grpc::Status)>;

  StreamOutbox(size_t max_buffered, std::string resume_hint)
      : max_buffered_(max_buffered), resume_hint_(std::move(resume_hint)) {}

  void Attach(StartWrite start_write, Finish finish) {
    absl::MutexLock lock(&mu_);
    start_write_ = std::move(start_write);
    finish_ = std::move(finish);
  }

  // Returns true when the caller should Kick after releasing its locks.
  bool Push(MessagePtr message) {
    absl::MutexLock lock(&mu_);
    if (closing_.has_value() || finished_) return false;
    if (buffer_.size() >= max_buffered_) {
      buffer_.clear();
      closing_ = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("stream reader too slow: ", max_buffered_,
                       " events were waiting to be read, so the stream was "
                       "closed; ",
                       resume_hint_));
      return true;
    }
    buffer_.push_back(std::move(message));
    return !writing_;
  }

  // Ends the stream with `status` once the buffered messages are written.
  bool Close(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    if (closing_.has_value()) return false;
    closing_ = std::move(status);
    return true;
  }

  void Kick() {
    const Message* next = nullptr;
    std::optional<grpc::Status> finish_status;
    StartWrite start_write;
    Finish finish;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_ || !start_write_) return;
      if (!buffer_.empty() && !broken_) {
        in_flight_ = std::move(buffer_.front());
        buffer_.pop_front();
        writing_ = true;
        next = in_flight_.get();
        start_write = start_write_;
      } else if (closing_.has_value() || broken_) {
        finished_ = true;
        finish_status = closing_.value_or(grpc::Status::CANCELLED);
        finish = finish_;
      }
    }
    // Outside the lock: gRPC may run the reaction on this thread.
    if (next != nullptr) start_write(next);
    if (finish_status.has_value()) finish(std::move(*finish_status));
  }

  void OnWriteDone(bool ok) {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;  // the client went away
    }
    Kick();
  }

  // After OnDone: nothing may touch the reactor any more.
  void Detach() {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    start_write_ = nullptr;
    finish_ = nullptr;
    buffer_.clear();
  }

  // True once the stream is ending: start no more reads.
  bool closed() const {
    absl::MutexLock lock(&mu_);
    return closing_.has_value() || finished_;
  }

  size_t buffered() const {
    absl::MutexLock lock(&mu_);
    return buffer_.size();
  }

 private:
  const size_t max_buffered_;
  const std::string resume_hint_;
  mutable absl::Mutex mu_;
  std::deque<MessagePtr> buffer_ ABSL_GUARDED_BY(mu_);
  MessagePtr in_flight_;  // held for the write in flight (writing_ == true)
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> closing_ ABSL_GUARDED_BY(mu_);
  StartWrite start_write_ ABSL_GUARDED_BY(mu_);
  Finish finish_ ABSL_GUARDED_BY(mu_);
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_
