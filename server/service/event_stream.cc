#include "server/service/event_stream.h"

#include "absl/container/flat_hash_set.h"
#include "server/service/status_convert.h"

namespace execd {

// Turns task events into stream messages; counts down the listed tasks.
class CallbackReactor::Observer : public TaskObserver {
 public:
  Observer(std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox, int64_t awaited)
      : outbox_(std::move(outbox)), awaited_(awaited) {}

  bool OnTaskEvent(const TaskEventPtr& event) override {
    bool kick = outbox_->Push(event);
    if (event->kind() == v1::TaskEvent::KIND_FINISHED && awaited_ > 0 &&
        awaited_.fetch_sub(1) == 1) {
      kick = outbox_->Close(grpc::Status::OK) || kick;
    }
    return kick;
  }
  void Kick() override { outbox_->Kick(); }

 private:
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox_;
  std::atomic<int64_t> awaited_;  // 0: all_tasks, never ends by itself
};

CallbackReactor::CallbackReactor(const ServiceContext& service,
                                 const v1::CallbackRequest& request,
                                 const std::string& owner)
    : service_(service),
      outbox_(std::make_shared<StreamOutbox<v1::TaskEvent>>(
          service.max_stream_buffer, kResumeHint)) {
  // Resolve every id first: one bad id fails the call before any event.
  std::vector<TaskPtr> tasks;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : request.task_ids()) {
    if (!seen.insert(id).second) continue;
    absl::StatusOr<TaskPtr> task = service_.executor->Lookup(id, owner);
    if (!task.ok()) {
      outbox_->Close(ToGrpcStatus(task.status()));
      Launch();
      return;
    }
    tasks.push_back(*std::move(task));
  }
  if (!request.all_tasks() && tasks.empty()) {
    outbox_->Close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "Callback needs task_ids or all_tasks"));
    Launch();
    return;
  }
  stream_id_ = service_.streams->Add(CloseOnDrain(outbox_));
  TaskStore& store = service_.executor->store();
  if (request.all_tasks()) {
    observer_ = std::make_shared<Observer>(outbox_, 0);
    all_watch_id_ = store.WatchAll(observer_, request.include_started(), owner);
    // Listed tasks that already ended are reported too; running ones
    // report through the all-tasks watch.
    for (const TaskPtr& task : tasks) {
      v1::Task snapshot = store.Snapshot(*task);
      if (!IsTerminal(snapshot.state())) continue;
      auto event = std::make_shared<v1::TaskEvent>();
      event->set_kind(v1::TaskEvent::KIND_FINISHED);
      event->set_request_id(snapshot.request_id());
      *event->mutable_task() = std::move(snapshot);
      outbox_->Push(std::move(event));
    }
    Launch();
    return;
  }
  observer_ = std::make_shared<Observer>(outbox_, tasks.size());
  for (const TaskPtr& task : tasks) {
    absl::StatusOr<uint64_t> watch_id =
        store.Watch(task, observer_, request.include_started());
    if (watch_id.ok()) watches_.emplace_back(task, *watch_id);
  }
  Launch();
}

void CallbackReactor::Launch() {
  // Headers go out at once: a client learns its subscription is live before
  // the first event, so it need not poll meanwhile.
  StartSendInitialMetadata();
  // Writes start only now: a Finish before the constructor is done could
  // let OnDone delete the reactor under it.
  outbox_->Attach([this](const v1::TaskEvent* event) { StartWrite(event); },
                  [this](grpc::Status status) { Finish(std::move(status)); });
  std::shared_ptr<StreamOutbox<v1::TaskEvent>> outbox = outbox_;
  outbox->Kick();  // may end in Finish: touch no member after it
}

void CallbackReactor::OnCancel() {
  if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
}

void CallbackReactor::OnDone() {
  outbox_->Detach();
  TaskStore& store = service_.executor->store();
  if (all_watch_id_ != 0) store.UnwatchAll(all_watch_id_);
  for (const auto& [task, watch_id] : watches_) store.Unwatch(task, watch_id);
  if (stream_id_ != 0) service_.streams->Remove(stream_id_);
  delete this;
}

}  // namespace execd
