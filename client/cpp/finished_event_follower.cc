#include "client/cpp/finished_event_follower.h"

#include <utility>

namespace execd::internal {

FinishedEventFollower::FinishedEventFollower(
    SubmittedBatches submitted,
    std::vector<std::shared_ptr<FutureState>> futures, CallbackHub* hub)
    : submitted_(std::move(submitted)), hub_(hub) {
  for (std::shared_ptr<FutureState>& future : futures) {
    unresolved_[future->task_id()].push_back(std::move(future));
  }
  thread_ = std::thread([this] { Run(); });
}

FinishedEventFollower::~FinishedEventFollower() { Stop(); }

void FinishedEventFollower::Stop() {
  stopping_.store(true);
  submitted_.context->TryCancel();
  if (thread_.joinable()) thread_.join();
}

void FinishedEventFollower::Run() {
  // Tasks that ended while the verdicts were still coming in.
  for (const v1::Task& task : submitted_.finished) Resolve(task);
  submitted_.finished.clear();
  // Read to the end: the server ends the stream with OK once every
  // accepted task was reported (the writes are done), which leaves no
  // cancelled call in its metrics.
  v1::TaskEventBatch reply;
  while (submitted_.stream->Read(&reply)) {
    for (const v1::TaskEvent& event : reply.events()) {
      if (event.kind() == v1::TaskEvent::KIND_FINISHED) Resolve(event.task());
    }
  }
  submitted_.stream->Finish().IgnoreError();
  if (!stopping_.load()) HandOverToHub();
  unresolved_.clear();
  done_.store(true);
}

void FinishedEventFollower::Resolve(const v1::Task& task) {
  auto it = unresolved_.find(task.task_id());
  if (it == unresolved_.end()) return;
  for (const std::shared_ptr<FutureState>& future : it->second) {
    future->Resolve(task);
  }
  unresolved_.erase(it);
}

void FinishedEventFollower::HandOverToHub() {
  for (const auto& [task_id, futures] : unresolved_) {
    for (const std::shared_ptr<FutureState>& future : futures) {
      // Callbacks added from now on go to the hub by themselves.
      if (future->ReleaseWatch() && future->MarkWatched()) hub_->Watch(future);
    }
  }
}

}  // namespace execd::internal
