#include "server/service/map_reactor.h"

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/core/task_observer.h"
#include "server/service/status_convert.h"

namespace execd {

// Collects FINISHED events of the Map's tasks and releases them in order.
class MapReactor::Collector : public TaskObserver {
 public:
  Collector(std::shared_ptr<StreamOutbox<v1::MapResult>> outbox,
            const std::vector<TaskPtr>& tasks, bool unordered)
      : outbox_(std::move(outbox)),
        unordered_(unordered),
        total_(static_cast<int64_t>(tasks.size())),
        finished_(tasks.size()) {
    index_of_.reserve(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) {
      index_of_.emplace(tasks[i]->id(), i);
    }
  }

  bool OnTaskEvent(const TaskEventPtr& event) override {
    if (event->kind() != v1::TaskEvent::KIND_FINISHED) return false;
    absl::MutexLock lock(&mu_);
    auto it = index_of_.find(event->task().task_id());
    if (it == index_of_.end()) return false;
    const int64_t index = it->second;
    bool kick = false;
    if (unordered_) {
      kick = Emit(index, event->task());
    } else {
      finished_[index] = event;
      while (next_ < total_ && finished_[next_] != nullptr) {
        kick = Emit(next_, finished_[next_]->task()) || kick;
        finished_[next_].reset();
        ++next_;
      }
    }
    if (++emitted_ == total_) kick = outbox_->Close(grpc::Status::OK) || kick;
    return kick;
  }
  void Kick() override { outbox_->Kick(); }

 private:
  bool Emit(int64_t index, const v1::Task& task) {
    auto result = std::make_shared<v1::MapResult>();
    result->set_index(index);
    *result->mutable_task() = task;
    return outbox_->Push(std::move(result));
  }

  std::shared_ptr<StreamOutbox<v1::MapResult>> outbox_;
  const bool unordered_;
  const int64_t total_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> index_of_;  // fixed after ctor
  std::vector<TaskEventPtr> finished_ ABSL_GUARDED_BY(mu_);
  int64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t emitted_ ABSL_GUARDED_BY(mu_) = 0;
};

MapReactor::MapReactor(const ServiceContext& service,
                       const v1::MapRequest& request, const std::string& owner)
    : service_(service), owner_(owner) {
  const size_t items = static_cast<size_t>(request.items_size());
  // Every item's result must fit: the request itself bounds this.
  outbox_ = std::make_shared<StreamOutbox<v1::MapResult>>(
      std::max(items + 1, service.max_stream_buffer), kResumeHint);
  absl::StatusOr<std::vector<TaskPtr>> tasks =
      service_.executor->SubmitMap(request, owner);
  if (!tasks.ok()) {
    outbox_->Close(ToGrpcStatus(tasks.status()));
    Launch();
    return;
  }
  if (tasks->empty()) {
    outbox_->Close(grpc::Status::OK);
    Launch();
    return;
  }
  auto collector =
      std::make_shared<Collector>(outbox_, *tasks, request.unordered());
  for (const TaskPtr& task : *tasks) {
    service_.executor->store().Watch(task, collector, false).IgnoreError();
  }
  tasks_ = *std::move(tasks);
  Launch();
}

void MapReactor::Launch() {
  outbox_->Attach([this](const v1::MapResult* result) { StartWrite(result); },
                  [this](grpc::Status status) { Finish(std::move(status)); });
  std::shared_ptr<StreamOutbox<v1::MapResult>> outbox = outbox_;
  outbox->Kick();  // may end in Finish: touch no member after it
}

void MapReactor::OnCancel() {
  for (const TaskPtr& task : tasks_) {
    // Already finished items answer "not cancelled": nothing to do.
    service_.executor->Cancel(task->id(), owner_).IgnoreError();
  }
  if (outbox_->Close(grpc::Status::CANCELLED)) outbox_->Kick();
}

void MapReactor::OnDone() {
  outbox_->Detach();
  delete this;
}

}  // namespace execd
