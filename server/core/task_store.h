#ifndef EXECD_SERVER_CORE_TASK_STORE_H_
#define EXECD_SERVER_CORE_TASK_STORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "server/core/attempt_result.h"
#include "server/core/task_observer.h"
#include "server/core/task_record.h"

namespace execd {

// Owns every task record and every state change. Each transition is one hold
// of one mutex; observers are told inside it (buffer only) and kicked after
// it, so events of a task arrive in order and no stream write holds the lock.
// Terminal tasks are kept until --result_ttl or --max_retained_tasks evicts
// them, oldest first; pending and running tasks are never evicted. A Map
// chunk (TaskRecord::map_chunk) goes as soon as it ends.
class TaskStore {
 public:
  struct Options {
    absl::Duration result_ttl = absl::Hours(1);
    int64_t max_retained_tasks = 100000;
    // Runs with the store lock held as a task becomes terminal, before any
    // observer hears of it, so counters never lag behind a terminal state a
    // client has already seen. Must not block nor call the store.
    std::function<void(const TaskRecord&)> on_finished;
    // Runs likewise as an attempt ends (succeeded, failed, or to be
    // retried), with how long it ran: run-time metrics are recorded before
    // a client can see the attempt's outcome.
    std::function<void(const TaskRecord&, absl::Duration ran)>
        on_attempt_ended;
  };

  TaskStore(Options options, uint64_t instance_id);
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  // The task of `owner` already holding `request_id`, if any.
  TaskPtr FindByRequestId(absl::string_view owner,
                          absl::string_view request_id) const;

  struct Inserted {
    TaskPtr task;
    bool duplicate;
  };
  // Adds `task` (TaskRecord's first block filled in) as PENDING, assigning
  // instance, seq, submit_time and ready_time (submit_time + `delay`). If its
  // request_id is taken, returns the existing task instead.
  Inserted Insert(TaskPtr task, absl::Duration delay = absl::ZeroDuration());

  // INVALID_ARGUMENT if malformed, NOT_FOUND if unknown, evicted or owned
  // by another principal (as if absent).
  absl::StatusOr<TaskPtr> Lookup(absl::string_view task_id,
                                 absl::string_view owner = "") const;
  v1::Task Snapshot(const TaskRecord& task) const;
  v1::TaskState State(const TaskRecord& task) const;

  // PENDING -> RUNNING. Returns the attempt's token, or nullptr if the task
  // is no longer pending (cancelled meanwhile): the caller skips it.
  std::shared_ptr<CancellationToken> MarkRunning(const TaskPtr& task,
                                                 std::string worker);

  enum class AttemptEnd { kStale, kSucceeded, kFailed, kRetrying };
  struct EndedAttempt {
    AttemptEnd end = AttemptEnd::kStale;
    int32_t attempts = 0;  // attempts started so far
  };
  // Ends the attempt owning `token`: SUCCEEDED, FAILED, or back to PENDING
  // when retries are left, ready after RetryBackoff (task->ready_time). kStale
  // if that attempt was already ended (by a cancel, a timeout or shutdown).
  // RUNNING -> PENDING for an attempt that never really ran; undoes
  // MarkRunning. False if the attempt owning `token` already ended.
  bool ReturnAttempt(const TaskPtr& task, const CancellationToken* token);
  EndedAttempt EndAttempt(const TaskPtr& task, const CancellationToken* token,
                          AttemptResult result);

  // PENDING or RUNNING -> `terminal_state` with `error`; sets the attempt's
  // token. Returns the state it left, or
  // FAILED_PRECONDITION if the task was already terminal.
  // `attempt_token` receives the running attempt's token, if any.
  absl::StatusOr<v1::TaskState> Abort(
      const TaskPtr& task, v1::TaskError error, v1::TaskState terminal_state,
      std::shared_ptr<CancellationToken>* attempt_token);

  // Backoff before the retry that follows attempt number `attempts`:
  // doubles from 100 ms (100 ms, 200 ms, 400 ms...).
  static absl::Duration RetryBackoff(int32_t attempts);

  void SetTimer(TaskRecord& task, uint64_t timer_id);
  // Takes the task's pending timer id (0 if none), clearing it.
  uint64_t TakeTimer(TaskRecord& task);

  // Observers. Watch delivers FINISHED at once for a terminal task.
  absl::StatusOr<uint64_t> Watch(const TaskPtr& task,
                                 std::shared_ptr<TaskObserver> observer,
                                 bool include_started);
  void Unwatch(const TaskPtr& task, uint64_t watch_id);
  // Every task of `owner` from now on.
  uint64_t WatchAll(std::shared_ptr<TaskObserver> observer,
                    bool include_started, std::string owner = "");
  void UnwatchAll(uint64_t watch_id);

  absl::StatusOr<v1::ListTasksResponse> List(
      const v1::ListTasksRequest& request, absl::string_view owner = "") const;

  std::vector<TaskPtr> Unfinished() const;
  int64_t unfinished() const;
  int64_t retained() const;
  // Evicts terminal tasks older than --result_ttl.
  void EvictExpired(absl::Time now);

 private:
  // What a transition leaves for after mu_ is released: observers to kick,
  // and evicted records to free (often their last reference; freeing a
  // record and its result under the lock held up every submit and finish).
  // Inline room for the usual one or two: no allocation per transition.
  struct AfterUnlock {
    absl::InlinedVector<std::shared_ptr<TaskObserver>, 2> kicks;
    absl::InlinedVector<TaskPtr, 2> evicted;  // freed when this goes away
    void Run();                               // kicks the observers
  };
  void NotifyLocked(TaskRecord& task, v1::TaskEvent::Kind kind,
                    AfterUnlock& after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One event in the forms observers want, each made once per event.
  struct EventForms {
    TaskEventPtr event;
    EncodedEventPtr encoded;
  };
  // Hands `observer` the event in the form it wants; true to kick it.
  bool DeliverLocked(v1::TaskEvent::Kind kind, const TaskRecord& task,
                     TaskObserver& observer, EventForms& forms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(TaskRecord& task, v1::TaskState state, AfterUnlock& after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked(absl::Time now, absl::InlinedVector<TaskPtr, 2>& evicted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const uint64_t instance_id_;
  mutable absl::Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_watch_id_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t unfinished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::btree_map<uint64_t, TaskPtr> tasks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> by_request_id_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<absl::Time, uint64_t>> finished_order_
      ABSL_GUARDED_BY(mu_);  // (end time, seq), oldest first
  struct OwnerWatch {
    TaskRecord::Watch watch;
    std::string owner;
  };
  absl::flat_hash_map<uint64_t, OwnerWatch> all_watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_TASK_STORE_H_
