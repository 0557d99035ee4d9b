#include "server/service/stream_submitter.h"

#include <atomic>
#include <utility>

#include "server/core/task_observer.h"

namespace execd {
namespace {

// Rare events (REJECTED, a duplicate's ACCEPTED) are built as messages.
EncodedEventPtr Encode(const v1::TaskEvent& event) {
  auto encoded = std::make_shared<EncodedEvent>();
  event.SerializeToString(&encoded->bytes);
  return encoded;
}

}  // namespace

// Forwards FINISHED events and ends the stream when nothing is owed: the
// count starts at 1 for "reads still open", +1 per accepted task.
class StreamSubmitter::Observer : public TaskObserver {
 public:
  explicit Observer(std::shared_ptr<Outbox> outbox)
      : TaskObserver(/*wants_encoded_events=*/true),
        outbox_(std::move(outbox)) {}

  bool OnTaskEvent(const TaskEventPtr&) override {
    return false;  // asked for encoded events only
  }
  bool OnEncodedTaskEvent(const EncodedEventPtr& event) override {
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
  if (!submitted.ok()) {
    v1::TaskEvent rejected;
    rejected.set_kind(v1::TaskEvent::KIND_REJECTED);
    rejected.set_request_id(std::move(request_id));
    rejected.set_code(static_cast<int>(submitted.status().code()));
    rejected.set_message(std::string(submitted.status().message()));
    return outbox_->Push(Encode(rejected));
  }
  const TaskPtr& task = submitted->task;
  EncodedEventPtr accepted;
  if (submitted->duplicate) {  // the task as it is now
    v1::TaskEvent event;
    event.set_kind(v1::TaskEvent::KIND_ACCEPTED);
    event.set_request_id(std::move(request_id));
    *event.mutable_task() = service_.executor->store().Snapshot(*task);
    accepted = Encode(event);
  } else {
    accepted = EncodeAcceptedEvent(*task);  // fields fixed at Submit
  }
  const bool kick = outbox_->Push(std::move(accepted));
  observer_->Owe();
  service_.executor->store().Watch(task, observer_, false).IgnoreError();
  return kick;
}

}  // namespace execd
