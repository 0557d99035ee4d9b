#include "server/service/map_result_release.h"

#include <utility>

namespace execd {

MapResultRelease::MapResultRelease(std::shared_ptr<Outbox> outbox,
                                   const std::vector<TaskPtr>& slots,
                                   bool unordered)
    : outbox_(std::move(outbox)),
      unordered_(unordered),
      finished_(slots.size()) {
  slot_of_.reserve(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) slot_of_.emplace(slots[i]->id(), i);
}

std::optional<size_t> MapResultRelease::SlotOf(
    absl::string_view task_id) const {
  auto it = slot_of_.find(task_id);
  if (it == slot_of_.end()) return std::nullopt;
  return it->second;
}

bool MapResultRelease::Done(size_t slot, Results results) {
  absl::MutexLock lock(&mu_);
  bool kick = false;
  auto push = [this, &kick](Results& ready) {
    for (EncodedEventPtr& result : ready) {
      kick = outbox_->Push(std::move(result)) || kick;
    }
    ready.clear();
  };
  if (unordered_) {
    push(results);
  } else {
    finished_[slot] = std::move(results);
    while (next_ < finished_.size() && !finished_[next_].empty()) {
      push(finished_[next_]);
      ++next_;
    }
  }
  if (++emitted_ == finished_.size()) {
    kick = outbox_->Close(grpc::Status::OK) || kick;
  }
  return kick;
}

}  // namespace execd
