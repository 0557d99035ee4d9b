#ifndef EXECD_SERVER_SERVICE_OPEN_STREAMS_H_
#define EXECD_SERVER_SERVICE_OPEN_STREAMS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"

namespace execd {

// The long-lived streams (Callback, SubmitStream) open right now: counted for
// execd_callback_streams and ended together when the server drains.
class OpenStreams {
 public:
  using Closer = std::function<void(grpc::Status)>;

  uint64_t Add(Closer closer) {
    absl::MutexLock lock(&mu_);
    const uint64_t id = next_id_++;
    closers_.emplace(id, std::move(closer));
    count_.store(static_cast<int64_t>(closers_.size()));
    return id;
  }
  void Remove(uint64_t id) {
    absl::MutexLock lock(&mu_);
    closers_.erase(id);
    count_.store(static_cast<int64_t>(closers_.size()));
  }
  // Asks every open stream to end with `status` after its buffered events.
  void CloseAll(const grpc::Status& status) {
    std::vector<Closer> closers;
    {
      absl::MutexLock lock(&mu_);
      for (auto& [id, closer] : closers_) closers.push_back(closer);
    }
    for (auto& closer : closers) closer(status);
  }
  const std::atomic<int64_t>* count() const { return &count_; }

 private:
  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Closer> closers_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> count_{0};
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_OPEN_STREAMS_H_
