#ifndef EXECD_SERVER_SERVICE_MAP_RESULT_RELEASE_H_
#define EXECD_SERVER_SERVICE_MAP_RESULT_RELEASE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "server/core/event_encoding.h"
#include "server/core/task_record.h"
#include "server/service/stream_outbox.h"

namespace execd {

// What both Map collectors share. A Map watches one record per slot (a task
// per item, or a chunk of items with outcomes_only); as each slot ends, its
// encoded MapResults go to the call's outbox, in input order unless
// `unordered`, and the stream ends after the last slot. Called with the
// store lock held (TaskObserver), so it only buffers.
class MapResultRelease {
 public:
  using Outbox = StreamOutbox<EncodedEvent>;
  // A slot's results: one for a task, one or a few for a chunk.
  using Results = absl::InlinedVector<EncodedEventPtr, 1>;

  MapResultRelease(std::shared_ptr<Outbox> outbox,
                   const std::vector<TaskPtr>& slots, bool unordered);

  // The slot of the watched record with `task_id`, if it is one.
  std::optional<size_t> SlotOf(absl::string_view task_id) const;
  // Slot `slot` ended with `results` (at least one). True to kick.
  bool Done(size_t slot, Results results);
  // Ends the call with `status` instead (a bug: results that cannot be
  // made); the client is not left waiting. True to kick.
  bool Fail(grpc::Status status) { return outbox_->Close(std::move(status)); }
  void Kick() { outbox_->Kick(); }

 private:
  const std::shared_ptr<Outbox> outbox_;
  const bool unordered_;
  absl::flat_hash_map<std::string, size_t> slot_of_;  // by id; fixed
  absl::Mutex mu_;
  // Ordered: results that wait for an earlier slot.
  std::vector<Results> finished_ ABSL_GUARDED_BY(mu_);
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  size_t emitted_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_MAP_RESULT_RELEASE_H_
