#ifndef EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_
#define EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
//
// A batching outbox hands every message buffered while the previous write
// was in flight (up to a count and byte budget) to one write, so a busy
// stream pays gRPC's per-message cost once per batch instead of per event.
template <typename Message>
class StreamOutbox {
 public:
  using MessagePtr = std::shared_ptr<const Message>;
  using Batch = std::vector<MessagePtr>;
  using StartWrite = std::function<void(const Message*)>;
  using StartBatchWrite = std::function<void(const Batch&)>;
  using Finish = std::function<void(grpc::Status)>;

  struct BatchLimits {
    size_t max_messages = 1;
    size_t max_bytes = 0;  // 0: no byte budget; a batch holds at least one
  };

  StreamOutbox(size_t max_buffered, std::string resume_hint,
               BatchLimits batch_limits = {})
      : max_buffered_(max_buffered),
        resume_hint_(std::move(resume_hint)),
        batch_limits_(batch_limits) {}

  // One message per write.
  void Attach(StartWrite start_write, Finish finish) {
    AttachBatched(
        [start_write = std::move(start_write)](const Batch& batch) {
          start_write(batch.front().get());
        },
        std::move(finish));
  }

  // Up to BatchLimits messages per write; the batch stays alive (and
  // unchanged) until OnWriteDone.
  void AttachBatched(StartBatchWrite start_write, Finish finish) {
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
    bool write = false;
    std::optional<grpc::Status> finish_status;
    StartBatchWrite start_write;
    Finish finish;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_ || !start_write_) return;
      if (!buffer_.empty() && !broken_) {
        TakeBatchLocked();
        writing_ = true;
        write = true;
        start_write = start_write_;
      } else if (closing_.has_value() || broken_) {
        finished_ = true;
        finish_status = closing_.value_or(grpc::Status::CANCELLED);
        finish = finish_;
      }
    }
    // Outside the lock: sizing a batch takes a while, and gRPC may run the
    // reaction on this thread. The batch is only touched again by
    // OnWriteDone.
    if (write) {
      if (batch_limits_.max_bytes != 0) FitBatchToByteBudget();
      start_write(in_flight_);
    }
    if (finish_status.has_value()) finish(std::move(*finish_status));
  }

  void OnWriteDone(bool ok) {
    Batch written;  // released after the lock
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      written.swap(in_flight_);
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
  void TakeBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    do {
      in_flight_.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    } while (!buffer_.empty() &&
             in_flight_.size() < batch_limits_.max_messages);
  }

  // Sizes the batch taken (the writer alone touches it while writing_) and
  // returns what exceeds the byte budget to the front of the buffer, in
  // order: nothing else is taken before this write is done.
  void FitBatchToByteBudget() {
    size_t bytes = 0;
    size_t keep = 0;
    for (; keep < in_flight_.size(); ++keep) {
      const size_t size = in_flight_[keep]->ByteSizeLong();
      if (keep > 0 && bytes + size > batch_limits_.max_bytes) break;
      bytes += size;
    }
    if (keep == in_flight_.size()) return;
    absl::MutexLock lock(&mu_);
    for (size_t i = in_flight_.size(); i > keep; --i) {
      buffer_.push_front(std::move(in_flight_[i - 1]));
    }
    in_flight_.resize(keep);
  }

  const size_t max_buffered_;
  const std::string resume_hint_;
  const BatchLimits batch_limits_;
  mutable absl::Mutex mu_;
  std::deque<MessagePtr> buffer_ ABSL_GUARDED_BY(mu_);
  Batch in_flight_;  // the write in flight's messages (writing_ == true)
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> closing_ ABSL_GUARDED_BY(mu_);
  StartBatchWrite start_write_ ABSL_GUARDED_BY(mu_);
  Finish finish_ ABSL_GUARDED_BY(mu_);
};

// For OpenStreams: a draining server ends the stream after what is buffered.
template <typename Message>
std::function<void(grpc::Status)> CloseOnDrain(
    std::shared_ptr<StreamOutbox<Message>> outbox) {
  return [outbox = std::move(outbox)](grpc::Status status) {
    if (outbox->Close(std::move(status))) outbox->Kick();
  };
}

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_STREAM_OUTBOX_H_
