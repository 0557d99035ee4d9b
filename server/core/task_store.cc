#include "server/core/task_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/core/task_id.h"

namespace execd {
namespace {

constexpr int32_t kDefaultPageSize = 100;
constexpr int32_t kMaxPageSize = 1000;
constexpr absl::Duration kRetryBaseDelay = absl::Milliseconds(100);

// Request ids are scoped by owner: two principals may use the same one.
std::string RequestKey(absl::string_view owner, absl::string_view request_id) {
  return absl::StrCat(owner.size(), ":", owner, request_id);
}

bool MatchesFilter(const TaskRecord& task,
                   const v1::ListTasksRequest& request) {
  if (request.state() != v1::TASK_STATE_UNSPECIFIED &&
      task.state != request.state()) {
    return false;
  }
  if (!request.function().empty() &&
      (task.function == nullptr || task.function->name != request.function())) {
    return false;
  }
  const auto& labels = task.labels();
  for (const auto& [key, value] : request.labels()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

// The public task is built straight into the event: no copy of it.
TaskEventPtr MakeEvent(v1::TaskEvent::Kind kind, const TaskRecord& task) {
  NewTaskEvent made = MakeTaskEvent();
  made.event->set_kind(kind);
  FillTask(task, made.event->mutable_task());
  if (!made.event->task().request_id().empty()) {
    made.event->set_request_id(made.event->task().request_id());
  }
  return std::move(made.shared);
}

}  // namespace

TaskStore::TaskStore(Options options, uint64_t instance_id)
    : options_(options), instance_id_(instance_id) {}

TaskPtr TaskStore::FindByRequestId(absl::string_view owner,
                                   absl::string_view request_id) const {
  if (request_id.empty()) return nullptr;
  const std::string key = RequestKey(owner, request_id);
  absl::MutexLock lock(&mu_);
  auto it = by_request_id_.find(key);
  if (it == by_request_id_.end()) return nullptr;
  auto task = tasks_.find(it->second);
  return task == tasks_.end() ? nullptr : task->second;
}

absl::Duration TaskStore::RetryBackoff(int32_t attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 20);
  return kRetryBaseDelay * (int64_t{1} << doublings);
}

TaskStore::Inserted TaskStore::Insert(TaskPtr task, absl::Duration delay) {
  const absl::string_view request_id = task->request_id();
  const std::string key =
      request_id.empty() ? "" : RequestKey(task->owner_name(), request_id);
  absl::MutexLock lock(&mu_);
  if (!request_id.empty()) {
    auto it = by_request_id_.find(key);
    if (it != by_request_id_.end()) {
      auto existing = tasks_.find(it->second);
      if (existing != tasks_.end()) return {existing->second, true};
    }
  }
  task->instance = instance_id_;
  task->seq = next_seq_++;
  task->state = v1::TASK_STATE_PENDING;
  task->submit_time = absl::Now();
  task->ready_time = task->submit_time + delay;
  if (!request_id.empty()) by_request_id_[key] = task->seq;
  tasks_.emplace(task->seq, task);
  ++unfinished_;
  return {std::move(task), false};
}

absl::StatusOr<TaskPtr> TaskStore::Lookup(absl::string_view task_id,
                                          absl::string_view owner) const {
  absl::StatusOr<ParsedTaskId> parsed = ParseTaskId(task_id);
  if (!parsed.ok()) return parsed.status();
  if (parsed->instance == instance_id_) {
    absl::MutexLock lock(&mu_);
    auto it = tasks_.find(parsed->seq);
    if (it != tasks_.end() && it->second->owner_name() == owner)
      return it->second;
  }
  return absl::NotFoundError(absl::StrCat(
      "task ", task_id,
      " not found: unknown, expired (results are kept for --result_ttl), or "
      "owned by another server"));
}

v1::Task TaskStore::Snapshot(const TaskRecord& task) const {
  v1::Task view;
  absl::MutexLock lock(&mu_);
  FillTask(task, &view);
  return view;
}

v1::TaskState TaskStore::State(const TaskRecord& task) const {
  absl::MutexLock lock(&mu_);
  return task.state;
}

std::shared_ptr<CancellationToken> TaskStore::MarkRunning(const TaskPtr& task,
                                                          std::string worker) {
  AfterUnlock after;
  std::shared_ptr<CancellationToken> token;
  {
    absl::MutexLock lock(&mu_);
    if (task->state != v1::TASK_STATE_PENDING) return nullptr;
    token = std::make_shared<CancellationToken>();
    task->token = token;
    task->state = v1::TASK_STATE_RUNNING;
    ++task->attempts;
    if (task->outcome == nullptr) {
      task->outcome = std::make_unique<TaskOutcome>();
    }
    task->outcome->worker = std::move(worker);
    task->start_time = absl::Now();
    NotifyLocked(*task, v1::TaskEvent::KIND_STARTED, after);
  }
  after.Run();
  return token;
}

bool TaskStore::ReturnAttempt(const TaskPtr& task,
                              const CancellationToken* token) {
  absl::MutexLock lock(&mu_);
  if (task->state != v1::TASK_STATE_RUNNING || task->token.get() != token) {
    return false;
  }
  task->state = v1::TASK_STATE_PENDING;
  task->token.reset();
  --task->attempts;
  task->start_time = absl::Time();
  task->outcome->worker.clear();  // made by MarkRunning
  task->ready_time = absl::Now();
  return true;
}

TaskStore::EndedAttempt TaskStore::EndAttempt(const TaskPtr& task,
                                              const CancellationToken* token,
                                              AttemptResult result) {
  AfterUnlock after;
  EndedAttempt ended;
  {
    absl::MutexLock lock(&mu_);
    if (task->state != v1::TASK_STATE_RUNNING || task->token.get() != token) {
      return ended;
    }
    const absl::Time now = absl::Now();
    ended.attempts = task->attempts;
    if (options_.on_attempt_ended) {
      options_.on_attempt_ended(*task, now - task->start_time);
    }
    TaskOutcome& outcome = *task->outcome;  // made by MarkRunning
    if (result.ok) {
      outcome.result = std::move(result.result);
      outcome.output = std::move(result.output);
      FinishLocked(*task, v1::TASK_STATE_SUCCEEDED, after);
      ended.end = AttemptEnd::kSucceeded;
    } else if (task->attempts <= task->max_retries) {
      task->state = v1::TASK_STATE_PENDING;
      task->token.reset();
      task->ready_time = now + RetryBackoff(task->attempts);
      ended.end = AttemptEnd::kRetrying;
    } else {
      outcome.output = std::move(result.output);
      outcome.error = std::move(result.error);
      FinishLocked(*task, v1::TASK_STATE_FAILED, after);
      ended.end = AttemptEnd::kFailed;
    }
  }
  after.Run();
  return ended;
}

absl::StatusOr<v1::TaskState> TaskStore::Abort(
    const TaskPtr& task, v1::TaskError error, v1::TaskState terminal_state,
    std::shared_ptr<CancellationToken>* attempt_token) {
  AfterUnlock after;
  v1::TaskState previous;
  {
    absl::MutexLock lock(&mu_);
    previous = task->state;
    if (IsTerminal(previous)) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task->id(), " already ended ",
                       v1::TaskState_Name(previous)));
    }
    if (task->token) task->token->Cancel();
    *attempt_token = task->token;
    if (task->outcome == nullptr) {
      task->outcome = std::make_unique<TaskOutcome>();
    }
    task->outcome->error = std::move(error);
    FinishLocked(*task, terminal_state, after);
  }
  after.Run();
  return previous;
}

void TaskStore::SetTimer(TaskRecord& task, uint64_t timer_id) {
  absl::MutexLock lock(&mu_);
  task.timer_id = timer_id;
}

uint64_t TaskStore::TakeTimer(TaskRecord& task) {
  absl::MutexLock lock(&mu_);
  return std::exchange(task.timer_id, 0);
}

void TaskStore::FinishLocked(TaskRecord& task, v1::TaskState state,
                             AfterUnlock& after) {
  task.state = state;
  const absl::Time now = absl::Now();
  task.end_time = now;
  --unfinished_;
  if (options_.on_finished) options_.on_finished(task);
  NotifyLocked(task, v1::TaskEvent::KIND_FINISHED, after);
  task.watchers.clear();
  task.watchers.shrink_to_fit();
  if (task.map_chunk) {
    // Its outcomes went to its Map call: nothing of it is kept.
    auto it = tasks_.find(task.seq);
    if (it != tasks_.end()) {
      after.evicted.push_back(std::move(it->second));
      tasks_.erase(it);
    }
    return;
  }
  finished_order_.emplace_back(now, task.seq);
  EvictLocked(now, after.evicted);
}

void TaskStore::NotifyLocked(TaskRecord& task, v1::TaskEvent::Kind kind,
                             AfterUnlock& after) {
  if (task.watchers.empty() && all_watchers_.empty()) return;
  const bool started = kind == v1::TaskEvent::KIND_STARTED;
  EventForms forms;  // each built once, and only if someone wants it
  auto deliver = [&](const TaskRecord::Watch& watch) {
    if (started && !watch.include_started) return;
    if (DeliverLocked(kind, task, *watch.observer, forms)) {
      after.kicks.push_back(watch.observer);
    }
  };
  for (const auto& watch : task.watchers) deliver(watch);
  for (const auto& [id, owner_watch] : all_watchers_) {
    if (owner_watch.owner == task.owner_name()) deliver(owner_watch.watch);
  }
}

bool TaskStore::DeliverLocked(v1::TaskEvent::Kind kind, const TaskRecord& task,
                              TaskObserver& observer, EventForms& forms) {
  if (observer.wants_encoded_events()) {
    if (forms.encoded == nullptr) forms.encoded = EncodeTaskEvent(kind, task);
    return observer.OnEncodedTaskEvent(forms.encoded);
  }
  if (forms.event == nullptr) forms.event = MakeEvent(kind, task);
  return observer.OnTaskEvent(forms.event);
}

void TaskStore::AfterUnlock::Run() {
  for (const auto& observer : kicks) observer->Kick();
}

void TaskStore::EvictLocked(absl::Time now,
                            absl::InlinedVector<TaskPtr, 2>& evicted) {
  const absl::Time expired_before = now - options_.result_ttl;
  while (!finished_order_.empty()) {
    const auto [end_time, seq] = finished_order_.front();
    const bool over_count =
        static_cast<int64_t>(tasks_.size()) > options_.max_retained_tasks;
    if (!over_count && end_time >= expired_before) break;
    finished_order_.pop_front();
    auto it = tasks_.find(seq);
    if (it == tasks_.end()) continue;
    const absl::string_view request_id = it->second->request_id();
    if (!request_id.empty()) {
      by_request_id_.erase(RequestKey(it->second->owner_name(), request_id));
    }
    evicted.push_back(std::move(it->second));
    tasks_.erase(it);
  }
}

void TaskStore::EvictExpired(absl::Time now) {
  absl::InlinedVector<TaskPtr, 2> evicted;  // freed after the lock
  absl::MutexLock lock(&mu_);
  EvictLocked(now, evicted);
}

absl::StatusOr<uint64_t> TaskStore::Watch(
    const TaskPtr& task, std::shared_ptr<TaskObserver> observer,
    bool include_started) {
  bool kick = false;
  uint64_t id;
  {
    absl::MutexLock lock(&mu_);
    id = next_watch_id_++;
    const v1::TaskState state = task->state;
    EventForms forms;
    if (IsTerminal(state)) {
      kick = DeliverLocked(v1::TaskEvent::KIND_FINISHED, *task, *observer,
                           forms);
    } else {
      if (include_started && state == v1::TASK_STATE_RUNNING) {
        kick = DeliverLocked(v1::TaskEvent::KIND_STARTED, *task, *observer,
                             forms);
      }
      task->watchers.push_back({observer, include_started, id});
    }
  }
  if (kick) observer->Kick();
  return id;
}

void TaskStore::Unwatch(const TaskPtr& task, uint64_t watch_id) {
  absl::MutexLock lock(&mu_);
  auto& watchers = task->watchers;
  watchers.erase(std::remove_if(watchers.begin(), watchers.end(),
                                [watch_id](const TaskRecord::Watch& watch) {
                                  return watch.id == watch_id;
                                }),
                 watchers.end());
}

uint64_t TaskStore::WatchAll(std::shared_ptr<TaskObserver> observer,
                             bool include_started, std::string owner) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_watch_id_++;
  all_watchers_.emplace(
      id,
      OwnerWatch{{std::move(observer), include_started, id}, std::move(owner)});
  return id;
}

void TaskStore::UnwatchAll(uint64_t watch_id) {
  std::shared_ptr<TaskObserver> released;  // destroyed outside the lock
  absl::MutexLock lock(&mu_);
  auto it = all_watchers_.find(watch_id);
  if (it == all_watchers_.end()) return;
  released = std::move(it->second.watch.observer);
  all_watchers_.erase(it);
}

absl::StatusOr<v1::ListTasksResponse> TaskStore::List(
    const v1::ListTasksRequest& request, absl::string_view owner) const {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError("page_size must be >= 0");
  }
  const int32_t page_size = request.page_size() == 0
                                ? kDefaultPageSize
                                : std::min(request.page_size(), kMaxPageSize);
  uint64_t after = 0;
  if (!request.page_token().empty() &&
      !absl::SimpleAtoi(request.page_token(), &after)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed page_token \"", request.page_token(),
                     "\": pass next_page_token from the previous response"));
  }
  v1::ListTasksResponse response;
  uint64_t last_listed = 0;
  absl::MutexLock lock(&mu_);
  for (auto it = tasks_.upper_bound(after); it != tasks_.end(); ++it) {
    const TaskRecord& task = *it->second;
    if (task.owner_name() != owner || !MatchesFilter(task, request)) continue;
    if (response.tasks_size() == page_size) {
      // The token is the last listed sequence number: stable under eviction.
      response.set_next_page_token(absl::StrCat(last_listed));
      break;
    }
    FillTask(task, response.add_tasks());
    last_listed = it->first;
  }
  return response;
}

std::vector<TaskPtr> TaskStore::Unfinished() const {
  std::vector<TaskPtr> tasks;
  absl::MutexLock lock(&mu_);
  for (const auto& [seq, task] : tasks_) {
    if (!IsTerminal(task->state)) tasks.push_back(task);
  }
  return tasks;
}

int64_t TaskStore::unfinished() const {
  absl::MutexLock lock(&mu_);
  return unfinished_;
}

int64_t TaskStore::retained() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(tasks_.size());
}

}  // namespace execd
