#include "server/service/submit_stream_reactor.h"

#include <utility>

#include "server/core/task_observer.h"
#include "server/service/status_convert.h"

namespace execd {

// Forwards FINISHED events and ends the stream when nothing is owed: the
// count starts at 1 for "reads still open", +1 per accepted task.
class SubmitStreamReactor::Observer : public TaskObserver {
 public:
  explicit Observer(std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox)
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
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox_;
  std::atomic<int64_t> owed_{1};
};

SubmitStreamReactor::SubmitStreamReactor(const ServiceContext& service,
                                         std::string owner)
    : service_(service),
      outbox_(std::make_shared<StreamOutbox<v1::TaskEvent>>(
          service.max_stream_buffer, kResumeHint)),
      observer_(std::make_shared<Observer>(outbox_)),
      owner_(std::move(owner)) {
  outbox_->Attach([this](const v1::TaskEvent* event) { StartWrite(event); },
                  [this](grpc::Status status) { Finish(std::move(status)); });
  stream_id_ = service_.streams->Add([outbox = outbox_](grpc::Status status) {
    if (outbox->Close(std::move(status))) outbox->Kick();
  });
  StartRead(&request_);
}

void SubmitStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed (or left)
    if (observer_->Release()) outbox_->Kick();
    return;
  }
  const std::string request_id = request_.request_id();
  absl::StatusOr<Executor::Submitted> submitted =
      service_.executor->Submit(std::move(request_), owner_);
  request_.Clear();
  auto event = std::make_shared<v1::TaskEvent>();
  event->set_request_id(request_id);
  if (!submitted.ok()) {
    event->set_kind(v1::TaskEvent::KIND_REJECTED);
    event->set_code(static_cast<int>(submitted.status().code()));
    event->set_message(std::string(submitted.status().message()));
    if (outbox_->Push(std::move(event))) outbox_->Kick();
    if (!outbox_->closed()) StartRead(&request_);
    return;
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
    accepted->set_request_id(request_id);
    accepted->set_state(v1::TASK_STATE_PENDING);
  }
  const bool kick = outbox_->Push(std::move(event));
  observer_->Owe();
  service_.executor->store().Watch(task, observer_, false).IgnoreError();
  if (kick) outbox_->Kick();
  if (!outbox_->closed()) StartRead(&request_);
}

void SubmitStreamReactor::OnCancel() {
  if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
}

void SubmitStreamReactor::OnDone() {
  // Watches left on unfinished tasks only feed the detached outbox.
  outbox_->Detach();
  service_.streams->Remove(stream_id_);
  delete this;
}

}  // namespace execd
