#include "server/service/result_reactor.h"

#include <algorithm>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/core/proto_time.h"
#include "server/core/task_observer.h"
#include "server/service/status_convert.h"

namespace execd {
namespace {

// Answer this long before the client's deadline so the task, not
// DEADLINE_EXCEEDED, reaches it.
absl::Duration DeadlineMargin(absl::Duration remaining) {
  return std::min(absl::Milliseconds(50), remaining / 10);
}

}  // namespace

// Finishes the call exactly once: with the terminal task (from the watch),
// with the current task (timer), or CANCELLED (client left).
class ResultReactor::Waiter : public TaskObserver {
 public:
  Waiter(ResultReactor* reactor, v1::Task* response)
      : reactor_(reactor), response_(response) {}

  bool OnTaskEvent(const TaskEventPtr& event) override {
    if (event->kind() != v1::TaskEvent::KIND_FINISHED) return false;
    absl::MutexLock lock(&mu_);
    terminal_ = event;
    return true;
  }
  void Kick() override {
    absl::MutexLock lock(&mu_);
    if (armed_ && terminal_ != nullptr) {
      FinishLocked(terminal_->task(), grpc::Status::OK);
    }
  }
  bool ended() {
    absl::MutexLock lock(&mu_);
    return terminal_ != nullptr;
  }
  // Until armed (the reactor's constructor is done) events only record.
  void Arm() {
    absl::MutexLock lock(&mu_);
    armed_ = true;
    if (terminal_ != nullptr) {
      FinishLocked(terminal_->task(), grpc::Status::OK);
    } else if (expired_.has_value()) {
      FinishLocked(*expired_, grpc::Status::OK);
    } else if (cancelled_) {
      FinishLocked(v1::Task(), grpc::Status::CANCELLED);
    }
  }
  // `current` is taken before the lock: the store lock is never taken
  // inside ours (OnTaskEvent runs in the opposite order).
  void Expire(const v1::Task& current) {
    absl::MutexLock lock(&mu_);
    if (!armed_) {
      expired_ = current;
      return;
    }
    FinishLocked(terminal_ != nullptr ? terminal_->task() : current,
                 grpc::Status::OK);
  }
  void Cancelled() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (armed_) FinishLocked(v1::Task(), grpc::Status::CANCELLED);
  }

 private:
  void FinishLocked(const v1::Task& task, grpc::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    if (status.ok()) *response_ = task;
    reactor_->Finish(std::move(status));
  }

  absl::Mutex mu_;
  ResultReactor* reactor_;
  v1::Task* response_;
  TaskEventPtr terminal_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::Task> expired_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

ResultReactor::ResultReactor(const ServiceContext& service,
                             grpc::CallbackServerContext* context,
                             const v1::ResultRequest& request,
                             v1::Task* response, const std::string& owner)
    : service_(service) {
  absl::StatusOr<TaskPtr> task =
      service_.executor->Lookup(request.task_id(), owner);
  if (!task.ok()) {
    Finish(ToGrpcStatus(task.status()));
    return;
  }
  if (request.timeout().seconds() < 0 || request.timeout().nanos() < 0) {
    Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "timeout must not be negative"));
    return;
  }
  task_ = *std::move(task);
  waiter_ = std::make_shared<Waiter>(this, response);

  absl::Time wait_until = absl::InfiniteFuture();
  if (request.has_timeout())
    wait_until = absl::Now() + FromProto(request.timeout());
  const absl::Time rpc_deadline = absl::FromChrono(context->deadline());
  if (rpc_deadline < absl::InfiniteFuture()) {
    const absl::Duration remaining = rpc_deadline - absl::Now();
    wait_until = std::min(wait_until, rpc_deadline - DeadlineMargin(remaining));
  }
  TaskStore& store = service_.executor->store();
  watch_id_ = store.Watch(task_, waiter_, /*include_started=*/false).value();
  // A task that already ended answers at once: no timer to arm and cancel.
  if (wait_until < absl::InfiniteFuture() && !waiter_->ended()) {
    timer_id_ = service_.executor->timers().Schedule(
        wait_until, [waiter = waiter_, task = task_, &store] {
          waiter->Expire(store.Snapshot(*task));
        });
  }
  std::shared_ptr<Waiter> waiter = waiter_;
  waiter->Arm();  // may Finish: touch no member after it
}

void ResultReactor::OnCancel() {
  if (waiter_ != nullptr) waiter_->Cancelled();
}

void ResultReactor::OnDone() {
  if (task_ != nullptr) {
    service_.executor->store().Unwatch(task_, watch_id_);
    if (timer_id_ != 0) service_.executor->timers().Cancel(timer_id_);
  }
  delete this;
}

}  // namespace execd
