#include "server/service/stream_submitter.h"

#include <atomic>
#include <type_traits>
#include <utility>

#include "server/core/task_observer.h"

namespace execd {
namespace {

// A TaskEvent built on its own arena, shared as the outbox's event type.
std::shared_ptr<const v1::TaskEvent> AsOutboxEvent(
    NewTaskEvent made, std::shared_ptr<const v1::TaskEvent>*) {
  return std::move(made.shared);
}
std::shared_ptr<const EncodedEvent> AsOutboxEvent(
    NewTaskEvent made, std::shared_ptr<const EncodedEvent>*) {
  auto encoded = std::make_shared<EncodedEvent>();
  made.event->SerializeToString(&encoded->bytes);
  return encoded;
}

}  // namespace

// Forwards FINISHED events and ends the stream when nothing is owed: the
// count starts at 1 for "reads still open", +1 per accepted task.
template <typename Event>
class StreamSubmitter<Event>::Observer : public TaskObserver {
 public:
  explicit Observer(std::shared_ptr<Outbox> outbox)
      : TaskObserver(/*wants_encoded_events=*/std::is_same_v<Event,
                                                             EncodedEvent>),
        outbox_(std::move(outbox)) {}

  bool OnTaskEvent(const TaskEventPtr& event) override {
    if constexpr (std::is_same_v<Event, v1::TaskEvent>) {
      return Forward(event);
    }
    return false;  // asked for encoded events only
  }
  bool OnEncodedTaskEvent(const EncodedEventPtr& event) override {
    if constexpr (std::is_same_v<Event, EncodedEvent>) {
      return Forward(event);
    }
    return false;
  }
  void Kick() override { outbox_->Kick(); }

  void Owe() { owed_.fetch_add(1, std::memory_order_relaxed); }
  // True when this was the last thing owed: the stream is then closed.
  bool Release() {
    if (owed_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
    return outbox_->Close(grpc::Status::OK);
  }

 private:
  bool Forward(std::shared_ptr<const Event> event) {
    bool kick = outbox_->Push(std::move(event));
    return Release() || kick;
  }

  std::shared_ptr<Outbox> outbox_;
  std::atomic<int64_t> owed_{1};
};

template <typename Event>
StreamSubmitter<Event>::StreamSubmitter(const ServiceContext& service,
                                        std::string owner,
                                        std::shared_ptr<Outbox> outbox)
    : service_(service),
      owner_(std::move(owner)),
      outbox_(std::move(outbox)),
      observer_(std::make_shared<Observer>(outbox_)) {}

template <typename Event>
bool StreamSubmitter<Event>::ReadsEnded() {
  return observer_->Release();
}

template <typename Event>
bool StreamSubmitter<Event>::Submit(v1::SubmitRequest&& request) {
  constexpr std::shared_ptr<const Event>* kAs = nullptr;
  std::string request_id = request.request_id();
  absl::StatusOr<Executor::Submitted> submitted =
      service_.executor->Submit(std::move(request), owner_);
  if (!submitted.ok()) {
    NewTaskEvent made = MakeTaskEvent();
    // Empty strings are not set: each set allocates on the arena.
    if (!request_id.empty()) made.event->set_request_id(request_id);
    made.event->set_kind(v1::TaskEvent::KIND_REJECTED);
    made.event->set_code(static_cast<int>(submitted.status().code()));
    made.event->set_message(std::string(submitted.status().message()));
    return outbox_->Push(AsOutboxEvent(std::move(made), kAs));
  }
  const TaskPtr& task = submitted->task;
  std::shared_ptr<const Event> accepted;
  if (submitted->duplicate) {
    NewTaskEvent made = MakeTaskEvent();
    made.event->set_kind(v1::TaskEvent::KIND_ACCEPTED);
    if (!request_id.empty()) made.event->set_request_id(request_id);
    *made.event->mutable_task() = service_.executor->store().Snapshot(*task);
    accepted = AsOutboxEvent(std::move(made), kAs);
  } else if constexpr (std::is_same_v<Event, EncodedEvent>) {
    accepted = EncodeAcceptedEvent(*task);
  } else {
    // Fields fixed at Submit: no lock, no copy of the whole task.
    NewTaskEvent made = MakeTaskEvent();
    made.event->set_kind(v1::TaskEvent::KIND_ACCEPTED);
    if (!request_id.empty()) made.event->set_request_id(request_id);
    v1::Task* view = made.event->mutable_task();
    view->set_task_id(task->id());
    view->set_function(task->function->name);
    view->set_pool(task->pool);
    view->set_priority(task->priority);
    if (!request_id.empty()) view->set_request_id(request_id);
    view->set_state(v1::TASK_STATE_PENDING);
    accepted = AsOutboxEvent(std::move(made), kAs);
  }
  const bool kick = outbox_->Push(std::move(accepted));
  observer_->Owe();
  service_.executor->store().Watch(task, observer_, false).IgnoreError();
  return kick;
}

template class StreamSubmitter<v1::TaskEvent>;
template class StreamSubmitter<EncodedEvent>;

}  // namespace execd
