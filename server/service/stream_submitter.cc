#include "server/service/stream_submitter.h"

#include <atomic>
#include <utility>

#include "server/core/task_observer.h"

namespace execd {

// Forwards FINISHED events and ends the stream when nothing is owed: the
// count starts at 1 for "reads still open", +1 per accepted task.
class StreamSubmitter::Observer : public TaskObserver {
 public:
  explicit Observer(std::shared_ptr<Outbox> outbox)
      : outbox_(std::move(outbox)) {}

  bool OnTaskEvent(const TaskEventPtr& event) override {
    bool kick = outbox_->Push(event);
    return Release() || kick;
  }
  void Kick() override { outbox_->Kick(); }

  void Owe() { owed_.fetch_add(1, std::memory_order_relaxed); }
  // True when this was the last thing owed: the stream is then closed.
  bool Release() {
    if (owed_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
    return outbox_->Close(grpc::Status::OK);
  }

 private:
  std::shared_ptr<Outbox> outbox_;
  std::atomic<int64_t> owed_{1};
};

StreamSubmitter::StreamSubmitter(const ServiceContext& service,
                                 std::string owner,
                                 std::shared_ptr<Outbox> outbox)
    : service_(service),
      owner_(std::move(owner)),
      outbox_(std::move(outbox)),
      observer_(std::make_shared<Observer>(outbox_)) {}

bool StreamSubmitter::ReadsEnded() { return observer_->Release(); }

bool StreamSubmitter::Submit(v1::SubmitRequest&& request) {
  std::string request_id = request.request_id();
  absl::StatusOr<Executor::Submitted> submitted =
      service_.executor->Submit(std::move(request), owner_);
  NewTaskEvent made = MakeTaskEvent();
  v1::TaskEvent* event = made.event;
  // Empty strings are not set: each set allocates on the arena.
  if (!request_id.empty()) event->set_request_id(request_id);
  if (!submitted.ok()) {
    event->set_kind(v1::TaskEvent::KIND_REJECTED);
    event->set_code(static_cast<int>(submitted.status().code()));
    event->set_message(std::string(submitted.status().message()));
    return outbox_->Push(std::move(made.shared));
  }
  const TaskPtr& task = submitted->task;
  event->set_kind(v1::TaskEvent::KIND_ACCEPTED);
  if (submitted->duplicate) {
    *event->mutable_task() = service_.executor->store().Snapshot(*task);
  } else {
    // Fields fixed at Submit: no lock, no copy of the whole task.
    v1::Task* accepted = event->mutable_task();
    accepted->set_task_id(task->id());
    accepted->set_function(task->function->name);
    accepted->set_pool(task->pool);
    accepted->set_priority(task->priority);
    if (!request_id.empty()) accepted->set_request_id(request_id);
    accepted->set_state(v1::TASK_STATE_PENDING);
  }
  const bool kick = outbox_->Push(std::move(made.shared));
  observer_->Owe();
  service_.executor->store().Watch(task, observer_, false).IgnoreError();
  return kick;
}

}  // namespace execd
