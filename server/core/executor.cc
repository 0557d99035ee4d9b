#include "server/core/executor.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "server/core/proto_time.h"
#include "server/core/submit_validation.h"

namespace execd {
namespace {

constexpr absl::Duration kSweepInterval = absl::Seconds(1);
constexpr int kQueueFullRetryDelayMs = 100;

uint64_t RandomInstanceId() {
  absl::BitGen bits;
  return absl::Uniform<uint64_t>(bits);
}

absl::string_view RejectReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kResourceExhausted:
      return "queue_full";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    case absl::StatusCode::kUnavailable:
      return "shutting_down";
    default:
      return "invalid_argument";
  }
}

// The execd_tasks_finished_total outcome of a terminal task.
absl::string_view FinishOutcome(v1::TaskState state, absl::string_view reason) {
  if (state == v1::TASK_STATE_SUCCEEDED) return "succeeded";
  if (state == v1::TASK_STATE_CANCELLED) return "cancelled";
  if (reason == kReasonTimeout) return "timed_out";
  if (reason == kReasonWorkerLost) return "worker_lost";
  return "failed";
}

}  // namespace

Executor::Executor(ExecutorOptions options, const FunctionRegistry* registry,
                   ExecutorMetrics* metrics)
    : options_(std::move(options)),
      registry_(registry),
      metrics_(metrics),
      store_(
          TaskStore::Options{
              options_.result_ttl, options_.max_retained_tasks,
              [this](const TaskRecord& task) { CountFinished(task); },
              [this](const TaskRecord& task, absl::Duration ran) {
                metrics_->AttemptRan(task.pool, task.function->name, ran);
              }},
          RandomInstanceId()),
      delayed_(&timers_, [this](TaskPtr task) { OnDue(std::move(task)); }) {}

Executor::~Executor() { Shutdown(); }

TaskQueue* Executor::queue(v1::Pool pool) { return &slot(pool).queue; }

void Executor::AttachPool(v1::Pool kind, WorkerPool* pool) {
  slot(kind).pool = pool;
}

bool Executor::HasPool(v1::Pool kind) const {
  return slot(kind).pool != nullptr;
}

void Executor::Start() {
  for (PoolSlot& pool_slot : pools_) {
    if (pool_slot.pool != nullptr) pool_slot.pool->Start();
  }
  ScheduleSweep();
}

void Executor::ScheduleSweep() {
  timers_.Schedule(absl::Now() + kSweepInterval, [this] {
    store_.EvictExpired(absl::Now());
    if (!stopped_.load()) ScheduleSweep();
  });
}

absl::Status Executor::Reject(absl::Status status) {
  metrics_->TaskRejected(RejectReason(status.code()));
  return status;
}

absl::Status Executor::CheckAdmission() const {
  if (draining()) {
    return absl::UnavailableError(
        "server is shutting down and accepts no new tasks; retry against "
        "another replica");
  }
  return absl::OkStatus();
}

absl::Status Executor::Reserve(v1::Pool pool, int64_t count) {
  PoolSlot& pool_slot = slot(pool);
  const int64_t before = pool_slot.waiting.fetch_add(count);
  if (before + count <= options_.queue_capacity) return absl::OkStatus();
  pool_slot.waiting.fetch_sub(count);
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
      "queue of ", v1::Pool_Name(pool), " is full (", before, " of ",
      options_.queue_capacity, " pending, --queue_capacity); retry later"));
  status.SetPayload(kRetryDelayPayload,
                    absl::Cord(absl::StrCat(kQueueFullRetryDelayMs)));
  return status;
}

absl::StatusOr<TaskPtr> Executor::BuildTask(v1::SubmitRequest& request) {
  absl::StatusOr<TaskPtr> task = BuildTaskRecord(
      request, *registry_, options_.limits, options_.default_task_timeout);
  if (!task.ok()) return task.status();
  if (!HasPool((*task)->pool)) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool ", v1::Pool_Name((*task)->pool),
                     " is not enabled on this server"));
  }
  return task;
}

absl::StatusOr<Executor::Submitted> Executor::Submit(v1::SubmitRequest request,
                                                     const std::string& owner) {
  if (absl::Status status = CheckAdmission(); !status.ok()) {
    return Reject(status);
  }
  if (TaskPtr existing = store_.FindByRequestId(owner, request.request_id())) {
    return Submitted{existing, true};
  }
  const absl::Duration delay = FromProto(request.delay());
  absl::StatusOr<TaskPtr> task = BuildTask(request);
  if (!task.ok()) return Reject(task.status());
  (*task)->owner = owners_.Intern(owner);
  const v1::Pool pool = (*task)->pool;
  if (absl::Status status = Reserve(pool, 1); !status.ok()) {
    return Reject(status);
  }
  TaskStore::Inserted inserted = store_.Insert(std::move(*task), delay);
  if (inserted.duplicate) {  // lost a race with the same request_id
    slot(pool).waiting.fetch_sub(1);
    return Submitted{inserted.task, true};
  }
  metrics_->TaskSubmitted(pool);
  Schedule(inserted.task);
  return Submitted{inserted.task, false};
}

absl::StatusOr<std::vector<TaskPtr>> Executor::SubmitMap(
    v1::MapRequest& request, const std::string& owner,
    absl::Span<const absl::string_view> encoded_items) {
  if (absl::Status status = CheckAdmission(); !status.ok()) {
    return Reject(status);
  }
  absl::StatusOr<std::vector<TaskPtr>> tasks =
      request.outcomes_only()
          ? BuildMapChunks(request, *registry_, options_.limits,
                           options_.default_task_timeout, encoded_items)
          : BuildMapTasks(request, *registry_, options_.limits,
                          options_.default_task_timeout,
                          next_map_group_.fetch_add(1));
  if (!tasks.ok()) return Reject(tasks.status());
  if (tasks->empty()) return tasks;
  const v1::Pool pool = tasks->front()->pool;
  if (!HasPool(pool)) {
    return Reject(absl::InvalidArgumentError(absl::StrCat(
        "pool ", v1::Pool_Name(pool), " is not enabled on this server")));
  }
  if (absl::Status status = Reserve(pool, tasks->size()); !status.ok()) {
    return Reject(status);
  }
  std::shared_ptr<const std::string> interned_owner = owners_.Intern(owner);
  for (TaskPtr& task : *tasks) {
    task->owner = interned_owner;
    task = store_.Insert(std::move(task)).task;
    metrics_->TaskSubmitted(pool);
    Schedule(task);
  }
  return tasks;
}

void Executor::Schedule(const TaskPtr& task) {
  PoolSlot& pool_slot = slot(task->pool);
  if (task->ready_time <= absl::Now()) {
    pool_slot.queue.Push(task);
    return;
  }
  // Whoever takes the task out of the delayed set (OnDue, or a cancel)
  // settles the delayed count.
  pool_slot.delayed.fetch_add(1);
  delayed_.Add(task);
  // A cancel that ran before the Add found nothing to take out: take it out
  // here, so it does not count as delayed until its time comes.
  if (store_.State(*task) != v1::TASK_STATE_PENDING && delayed_.Remove(*task)) {
    pool_slot.delayed.fetch_sub(1);
  }
}

void Executor::OnDue(TaskPtr task) {
  PoolSlot& pool_slot = slot(task->pool);
  pool_slot.delayed.fetch_sub(1);
  pool_slot.queue.Push(std::move(task));
}

std::shared_ptr<CancellationToken> Executor::BeginAttempt(const TaskPtr& task,
                                                          std::string worker) {
  std::shared_ptr<CancellationToken> token =
      store_.MarkRunning(task, std::move(worker));
  if (token == nullptr) return nullptr;
  slot(task->pool).waiting.fetch_sub(1);
  metrics_->TaskStarted(task->pool, absl::Now() - task->ready_time);
  if (task->timeout != absl::InfiniteDuration()) {
    timers_.Schedule(
        absl::Now() + task->timeout,
        [this, task, token] { OnTimeout(task, token); },
        [this, &task](uint64_t timer_id) { store_.SetTimer(*task, timer_id); });
  }
  return token;
}

void Executor::EndAttempt(const TaskPtr& task, const CancellationToken* token,
                          AttemptResult result) {
  const TaskStore::EndedAttempt ended =
      store_.EndAttempt(task, token, std::move(result));
  if (ended.end == TaskStore::AttemptEnd::kStale) return;
  if (uint64_t timer_id = store_.TakeTimer(*task)) timers_.Cancel(timer_id);
  // Run time was recorded by the store's on_attempt_ended.
  switch (ended.end) {
    case TaskStore::AttemptEnd::kSucceeded:
    case TaskStore::AttemptEnd::kFailed:
      break;  // counted by the store's on_finished
    case TaskStore::AttemptEnd::kRetrying:
      // Backoff doubles from 100 ms: 100 ms, 200 ms, 400 ms...
      slot(task->pool).waiting.fetch_add(1);
      Schedule(task);  // after its backoff (set by the store)
      break;
    case TaskStore::AttemptEnd::kStale:
      break;
  }
}

bool Executor::ReturnAttempt(const TaskPtr& task,
                             const CancellationToken* token) {
  if (!store_.ReturnAttempt(task, token)) return false;
  if (uint64_t timer_id = store_.TakeTimer(*task)) timers_.Cancel(timer_id);
  slot(task->pool).waiting.fetch_add(1);
  return true;
}

void Executor::OnTimeout(const TaskPtr& task,
                         const std::shared_ptr<CancellationToken>& token) {
  if (store_.TakeTimer(*task) == 0) return;  // the attempt already ended
  const std::string message = absl::StrCat("task exceeded its timeout of ",
                                           absl::FormatDuration(task->timeout));
  AttemptResult timed_out;
  timed_out.error =
      MakeTaskError(kReasonTimeout, message,
                    static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  // End the attempt before waking the function, so its own report of the
  // cancellation arrives stale instead of winning the race.
  EndAttempt(task, token.get(), std::move(timed_out));
  token->Cancel();
  WorkerPool* pool = slot(task->pool).pool;
  if (pool != nullptr) pool->Abort(*task, token.get(), AbortReason::kTimeout);
}

void Executor::WorkerRestarted(absl::string_view reason) {
  metrics_->WorkerRestarted(reason);
}

void Executor::CountFinished(const TaskRecord& task) {
  PoolSlot& pool_slot = slot(task.pool);
  const absl::string_view reason =
      task.outcome != nullptr ? absl::string_view(task.outcome->error.reason())
                              : absl::string_view();
  switch (task.state) {
    case v1::TASK_STATE_SUCCEEDED:
      pool_slot.succeeded.fetch_add(1);
      break;
    case v1::TASK_STATE_FAILED:
      pool_slot.failed.fetch_add(1);
      break;
    default:
      pool_slot.cancelled.fetch_add(1);
  }
  metrics_->TaskFinished(task.pool, FinishOutcome(task.state, reason));
}

absl::StatusOr<v1::TaskState> Executor::AbortTask(const TaskPtr& task,
                                                  v1::TaskError error,
                                                  AbortReason reason) {
  std::shared_ptr<CancellationToken> token;
  absl::StatusOr<v1::TaskState> previous =
      store_.Abort(task, std::move(error), v1::TASK_STATE_CANCELLED, &token);
  if (!previous.ok()) return previous;
  const uint64_t timer_id = store_.TakeTimer(*task);
  if (timer_id != 0) timers_.Cancel(timer_id);
  PoolSlot& pool_slot = slot(task->pool);
  if (*previous == v1::TASK_STATE_PENDING) {
    pool_slot.waiting.fetch_sub(1);
    if (delayed_.Remove(*task)) {
      pool_slot.delayed.fetch_sub(1);
    } else if (!pool_slot.queue.Remove(*task) && pool_slot.pool != nullptr) {
      // A worker has taken it without beginning it (a process batch).
      pool_slot.pool->Withdraw(*task, reason);
    }
  } else if (pool_slot.pool != nullptr) {
    pool_slot.pool->Abort(*task, token.get(), reason);
  }
  return previous;
}

absl::StatusOr<v1::CancelResponse> Executor::Cancel(absl::string_view task_id,
                                                    absl::string_view owner) {
  absl::StatusOr<TaskPtr> task = store_.Lookup(task_id, owner);
  if (!task.ok()) return task.status();
  absl::StatusOr<v1::TaskState> previous =
      AbortTask(*task,
                MakeTaskError(kReasonCancelled, "cancelled by a Cancel request",
                              static_cast<int>(absl::StatusCode::kCancelled)),
                AbortReason::kCancel);
  v1::CancelResponse response;
  response.set_cancelled(previous.ok());
  *response.mutable_task() = store_.Snapshot(**task);
  return response;
}

v1::ListFunctionsResponse Executor::ListFunctions() const {
  v1::ListFunctionsResponse response;
  for (const auto& [name, spec] : registry_->functions()) {
    v1::FunctionInfo* info = response.add_functions();
    info->set_name(name);
    info->set_description(spec.description);
    info->set_default_pool(spec.default_pool);
    for (v1::Pool pool : spec.pools) info->add_pools(pool);
    info->set_signature(spec.signature);
  }
  return response;
}

v1::GetPoolsResponse Executor::GetPools() const {
  v1::GetPoolsResponse response;
  for (v1::Pool kind : {v1::POOL_THREAD, v1::POOL_PROCESS}) {
    const PoolSlot& pool_slot = slot(kind);
    if (pool_slot.pool == nullptr) continue;
    const WorkerCounts counts = pool_slot.pool->Counts();
    v1::PoolStatus* status = response.add_pools();
    status->set_pool(kind);
    status->set_workers(counts.workers);
    status->set_idle(counts.idle);
    status->set_busy(counts.busy);
    status->set_starting(counts.starting);
    status->set_queue_depth(static_cast<int64_t>(pool_slot.queue.size()));
    status->set_queue_capacity(options_.queue_capacity);
    status->set_delayed(pool_slot.delayed.load());
    status->set_succeeded(pool_slot.succeeded.load());
    status->set_failed(pool_slot.failed.load());
    status->set_cancelled(pool_slot.cancelled.load());
    status->set_worker_restarts(counts.restarts);
  }
  return response;
}

void Executor::BeginDrain() { draining_.store(true); }

bool Executor::WaitIdle(absl::Time deadline) {
  while (store_.unfinished() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

void Executor::Shutdown() {
  if (stopped_.exchange(true)) return;
  draining_.store(true);
  // Closed first, so that a worker freed by an abort takes nothing new.
  for (PoolSlot& pool_slot : pools_) pool_slot.queue.Close();
  for (const TaskPtr& task : store_.Unfinished()) {
    AbortTask(task,
              MakeTaskError(kReasonShutdown,
                            "server shut down before the task finished",
                            static_cast<int>(absl::StatusCode::kCancelled)),
              AbortReason::kShutdown)
        .IgnoreError();
  }
  for (PoolSlot& pool_slot : pools_) {
    if (pool_slot.pool != nullptr) pool_slot.pool->Stop();
  }
}

}  // namespace execd
