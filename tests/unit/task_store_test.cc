#include "server/core/task_store.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "server/core/task_id.h"
#include "server/functions/encoded_value.h"
#include "server/functions/registry.h"

namespace execd {
namespace {

constexpr uint64_t kInstance = 0xabc;

const FunctionSpec* Function(const std::string& name) {
  static const FunctionRegistry& registry =
      *new FunctionRegistry(FunctionRegistry::WithBuiltins());
  return *registry.Find(name);
}

TaskPtr NewTask(const std::string& function = "echo",
                const std::string& request_id = "", int max_retries = 0) {
  auto task = std::make_shared<TaskRecord>();
  task->pool = v1::POOL_THREAD;
  task->max_retries = max_retries;
  task->function = Function(function);
  if (!request_id.empty()) task->mutable_tags().request_id = request_id;
  return task;
}

AttemptResult Succeeded() {
  AttemptResult result;
  result.ok = true;
  result.result = EncodeNumber(42);
  return result;
}

AttemptResult Failed() {
  AttemptResult result;
  result.error = MakeTaskError(kReasonTaskError, "boom", 2);
  return result;
}

class RecordingObserver : public TaskObserver {
 public:
  bool OnTaskEvent(const TaskEventPtr& event) override {
    absl::MutexLock lock(&mu_);
    events_.push_back({event->kind(), event->task().state()});
    return true;
  }
  void Kick() override { kicks_.fetch_add(1); }
  std::vector<std::pair<v1::TaskEvent::Kind, v1::TaskState>> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  int kicks() const { return kicks_.load(); }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<v1::TaskEvent::Kind, v1::TaskState>> events_;
  std::atomic<int> kicks_{0};
};

TEST(TaskStoreTest, InsertAssignsIdsAndPending) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  EXPECT_EQ(task->state, v1::TASK_STATE_PENDING);
  EXPECT_EQ(task->id(), FormatTaskId(kInstance, task->seq));
  const v1::Task view = store.Snapshot(*task);
  EXPECT_EQ(view.task_id(), task->id());
  EXPECT_EQ(view.function(), "echo");
  EXPECT_EQ(view.state(), v1::TASK_STATE_PENDING);
  EXPECT_TRUE(view.has_submit_time());
  EXPECT_FALSE(view.has_start_time());
  EXPECT_FALSE(view.has_result());
  EXPECT_FALSE(view.has_error());
  absl::StatusOr<TaskPtr> found = store.Lookup(task->id());
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, task);
}

TEST(TaskStoreTest, LookupErrors) {
  TaskStore store({}, kInstance);
  EXPECT_EQ(store.Lookup("nope").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Lookup("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Lookup(FormatTaskId(kInstance, 99)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Lookup(FormatTaskId(kInstance + 1, 1)).status().code(),
            absl::StatusCode::kNotFound);  // another server's id
}

TEST(TaskStoreTest, RequestIdIsIdempotent) {
  TaskStore store({}, kInstance);
  TaskStore::Inserted first = store.Insert(NewTask("echo", "req-1"));
  TaskStore::Inserted again = store.Insert(NewTask("echo", "req-1"));
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(first.task, again.task);
  EXPECT_EQ(store.FindByRequestId("", "req-1"), first.task);
  EXPECT_EQ(store.FindByRequestId("", "other"), nullptr);
  EXPECT_EQ(store.retained(), 1);
}

TEST(TaskStoreTest, StateMachineRunsOnceAndTerminalNeverChanges) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  auto token = store.MarkRunning(task, "thread-0");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(store.MarkRunning(task, "thread-1"), nullptr);  // not pending
  v1::Task running = store.Snapshot(*task);
  EXPECT_EQ(running.state(), v1::TASK_STATE_RUNNING);
  EXPECT_EQ(running.attempts(), 1);
  EXPECT_EQ(running.worker(), "thread-0");

  EXPECT_EQ(store.EndAttempt(task, token.get(), Succeeded()).end,
            TaskStore::AttemptEnd::kSucceeded);
  // Anything after a terminal state is refused.
  EXPECT_EQ(store.EndAttempt(task, token.get(), Failed()).end,
            TaskStore::AttemptEnd::kStale);
  std::shared_ptr<CancellationToken> ignored;
  EXPECT_EQ(store
                .Abort(task, MakeTaskError(kReasonCancelled, "x", 1),
                       v1::TASK_STATE_CANCELLED, &ignored)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  v1::Task done = store.Snapshot(*task);
  EXPECT_EQ(done.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(done.result().number_value(), 42);
  EXPECT_TRUE(done.has_end_time());
  EXPECT_EQ(store.unfinished(), 0);
}

TEST(TaskStoreTest, ReturnedAttemptIsPendingAgainAsIfNeverBegun) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  auto token = store.MarkRunning(task, "process-0/pid-1");
  ASSERT_TRUE(store.ReturnAttempt(task, token.get()));
  v1::Task returned = store.Snapshot(*task);
  EXPECT_EQ(returned.state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(returned.attempts(), 0);
  EXPECT_EQ(returned.worker(), "");
  EXPECT_FALSE(returned.has_start_time());
  // That attempt is over: it can be neither returned nor ended again.
  EXPECT_FALSE(store.ReturnAttempt(task, token.get()));
  EXPECT_EQ(store.EndAttempt(task, token.get(), Succeeded()).end,
            TaskStore::AttemptEnd::kStale);
  auto again = store.MarkRunning(task, "process-1/pid-2");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(store.Snapshot(*task).attempts(), 1);
  std::shared_ptr<CancellationToken> cancelled;
  ASSERT_TRUE(store
                  .Abort(task, MakeTaskError(kReasonCancelled, "x", 1),
                         v1::TASK_STATE_CANCELLED, &cancelled)
                  .ok());
  // An attempt a cancel ended stays ended.
  EXPECT_FALSE(store.ReturnAttempt(task, again.get()));
  EXPECT_EQ(store.Snapshot(*task).state(), v1::TASK_STATE_CANCELLED);
}

TEST(TaskStoreTest, StaleAttemptIsIgnoredAfterRetry) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask("fail", "", /*max_retries=*/1)).task;
  auto first = store.MarkRunning(task, "thread-0");
  EXPECT_EQ(store.EndAttempt(task, first.get(), Failed()).end,
            TaskStore::AttemptEnd::kRetrying);
  EXPECT_EQ(store.Snapshot(*task).state(), v1::TASK_STATE_PENDING);
  auto second = store.MarkRunning(task, "thread-1");
  // A late report from the first attempt does not touch the second.
  EXPECT_EQ(store.EndAttempt(task, first.get(), Succeeded()).end,
            TaskStore::AttemptEnd::kStale);
  const TaskStore::EndedAttempt ended =
      store.EndAttempt(task, second.get(), Failed());
  EXPECT_EQ(ended.end, TaskStore::AttemptEnd::kFailed);
  EXPECT_EQ(ended.attempts, 2);
  v1::Task done = store.Snapshot(*task);
  EXPECT_EQ(done.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(done.error().reason(), "TASK_ERROR");
}

TEST(TaskStoreTest, AbortSetsTokenAndReportsPreviousState) {
  TaskStore store({}, kInstance);
  TaskPtr pending = store.Insert(NewTask()).task;
  TaskPtr running = store.Insert(NewTask()).task;
  auto token = store.MarkRunning(running, "thread-0");
  std::shared_ptr<CancellationToken> attempt;
  EXPECT_EQ(*store.Abort(pending, MakeTaskError(kReasonCancelled, "c", 1),
                         v1::TASK_STATE_CANCELLED, &attempt),
            v1::TASK_STATE_PENDING);
  EXPECT_EQ(attempt, nullptr);
  EXPECT_EQ(*store.Abort(running, MakeTaskError(kReasonCancelled, "c", 1),
                         v1::TASK_STATE_CANCELLED, &attempt),
            v1::TASK_STATE_RUNNING);
  EXPECT_EQ(attempt, token);
  EXPECT_TRUE(token->IsCancelled());
  EXPECT_EQ(store.Snapshot(*running).error().reason(), "CANCELLED");
}

TEST(TaskStoreTest, ObserversSeeEventsInOrderAndTerminalAtOnce) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  auto with_started = std::make_shared<RecordingObserver>();
  auto finished_only = std::make_shared<RecordingObserver>();
  auto everything = std::make_shared<RecordingObserver>();
  ASSERT_TRUE(store.Watch(task, with_started, true).ok());
  ASSERT_TRUE(store.Watch(task, finished_only, false).ok());
  const uint64_t all_id = store.WatchAll(everything, true);
  auto token = store.MarkRunning(task, "thread-0");
  store.EndAttempt(task, token.get(), Succeeded());

  using Kind = v1::TaskEvent;
  EXPECT_EQ(with_started->events(),
            (std::vector<std::pair<v1::TaskEvent::Kind, v1::TaskState>>{
                {Kind::KIND_STARTED, v1::TASK_STATE_RUNNING},
                {Kind::KIND_FINISHED, v1::TASK_STATE_SUCCEEDED}}));
  EXPECT_EQ(finished_only->events().size(), 1u);
  EXPECT_EQ(everything->events().size(), 2u);
  EXPECT_EQ(with_started->kicks(), 2);

  // Watching a finished task reports it at once.
  auto late = std::make_shared<RecordingObserver>();
  ASSERT_TRUE(store.Watch(task, late, false).ok());
  EXPECT_EQ(late->events().size(), 1u);
  EXPECT_EQ(late->kicks(), 1);

  store.UnwatchAll(all_id);
  TaskPtr other = store.Insert(NewTask()).task;
  store.MarkRunning(other, "thread-0");
  EXPECT_EQ(everything->events().size(), 2u);
}

TEST(TaskStoreTest, UnwatchStopsDelivery) {
  TaskStore store({}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  auto observer = std::make_shared<RecordingObserver>();
  const uint64_t id = *store.Watch(task, observer, true);
  store.Unwatch(task, id);
  store.MarkRunning(task, "thread-0");
  EXPECT_TRUE(observer->events().empty());
}

TEST(TaskStoreTest, EvictsOldestFinishedFirstAndNeverUnfinished) {
  TaskStore store({absl::Hours(1), /*max_retained_tasks=*/3}, kInstance);
  TaskPtr running = store.Insert(NewTask()).task;
  auto token = store.MarkRunning(running, "thread-0");
  TaskPtr pending = store.Insert(NewTask()).task;
  std::vector<TaskPtr> finished;
  for (int i = 0; i < 3; ++i) {
    TaskPtr task = store.Insert(NewTask("echo", "r" + std::to_string(i))).task;
    auto attempt = store.MarkRunning(task, "thread-1");
    store.EndAttempt(task, attempt.get(), Succeeded());
    finished.push_back(task);
  }
  // 5 tasks, limit 3: the two oldest finished ones go; active ones stay.
  EXPECT_EQ(store.retained(), 3);
  EXPECT_TRUE(store.Lookup(running->id()).ok());
  EXPECT_TRUE(store.Lookup(pending->id()).ok());
  EXPECT_FALSE(store.Lookup(finished[0]->id()).ok());
  EXPECT_FALSE(store.Lookup(finished[1]->id()).ok());
  EXPECT_TRUE(store.Lookup(finished[2]->id()).ok());
  // An evicted request id may be used again.
  EXPECT_EQ(store.FindByRequestId("", "r0"), nullptr);
}

TEST(TaskStoreTest, MapChunkGoesAsSoonAsItEndsAndShowsNoResult) {
  TaskStore store({absl::Hours(1), /*max_retained_tasks=*/100}, kInstance);
  TaskPtr kept = store.Insert(NewTask()).task;
  auto kept_attempt = store.MarkRunning(kept, "thread-0");
  store.EndAttempt(kept, kept_attempt.get(), Succeeded());
  TaskPtr chunk = NewTask();
  chunk->map_chunk = true;
  chunk = store.Insert(std::move(chunk)).task;
  auto observer = std::make_shared<RecordingObserver>();
  ASSERT_TRUE(store.Watch(chunk, observer, false).ok());
  auto attempt = store.MarkRunning(chunk, "thread-0");
  // Running, it is a task like any other.
  EXPECT_TRUE(store.Lookup(chunk->id()).ok());
  EXPECT_EQ(store.retained(), 2);
  AttemptResult outcomes;
  outcomes.ok = true;
  outcomes.result = "not a Value";  // the items' outcomes
  store.EndAttempt(chunk, attempt.get(), std::move(outcomes));
  EXPECT_EQ(observer->events().size(), 1u);
  // Its outcomes went to the observer's Map call: nothing is kept.
  EXPECT_FALSE(store.Lookup(chunk->id()).ok());
  EXPECT_EQ(store.retained(), 1);
  EXPECT_TRUE(store.Lookup(kept->id()).ok());
  const v1::Task view = store.Snapshot(*chunk);
  EXPECT_EQ(view.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_FALSE(view.has_result());
}

TEST(TaskStoreTest, EvictsFinishedTasksAfterTtl) {
  TaskStore store({absl::Seconds(10), 1000}, kInstance);
  TaskPtr task = store.Insert(NewTask()).task;
  auto token = store.MarkRunning(task, "thread-0");
  store.EndAttempt(task, token.get(), Succeeded());
  TaskPtr unfinished = store.Insert(NewTask()).task;
  store.EvictExpired(absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(store.Lookup(task->id()).ok());
  store.EvictExpired(absl::Now() + absl::Seconds(11));
  EXPECT_EQ(store.Lookup(task->id()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store.Lookup(unfinished->id()).ok());
}

TEST(TaskStoreTest, ListFiltersAndPages) {
  TaskStore store({}, kInstance);
  for (int i = 0; i < 7; ++i) {
    TaskPtr task = NewTask(i % 2 == 0 ? "echo" : "sleep");
    task->mutable_tags().labels["team"] = i < 5 ? "a" : "b";
    store.Insert(task);
  }
  v1::ListTasksRequest request;
  request.set_function("echo");
  request.set_page_size(2);
  std::vector<std::string> ids;
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<v1::ListTasksResponse> response = store.List(request);
    ASSERT_TRUE(response.ok());
    for (const v1::Task& task : response->tasks()) {
      EXPECT_EQ(task.function(), "echo");
      ids.push_back(task.task_id());
    }
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  EXPECT_EQ(ids.size(), 4u);  // tasks 0, 2, 4, 6
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

  v1::ListTasksRequest by_label;
  (*by_label.mutable_labels())["team"] = "b";
  EXPECT_EQ(store.List(by_label)->tasks_size(), 2);
  v1::ListTasksRequest by_state;
  by_state.set_state(v1::TASK_STATE_RUNNING);
  EXPECT_EQ(store.List(by_state)->tasks_size(), 0);

  v1::ListTasksRequest bad_token;
  bad_token.set_page_token("zzz");
  EXPECT_EQ(store.List(bad_token).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::ListTasksRequest bad_size;
  bad_size.set_page_size(-1);
  EXPECT_EQ(store.List(bad_size).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace execd

namespace execd {
namespace {

TEST(TaskStoreOwnerTest, OtherPrincipalsSeeNothing) {
  TaskStore store({}, kInstance);
  TaskPtr alice_task = NewTask("echo", "same-id");
  alice_task->owner = std::make_shared<const std::string>("alice");
  TaskPtr bob_task = NewTask("echo", "same-id");
  bob_task->owner = std::make_shared<const std::string>("bob");
  TaskStore::Inserted alice = store.Insert(alice_task);
  TaskStore::Inserted bob = store.Insert(bob_task);
  // Request ids are scoped per principal: no false duplicate.
  EXPECT_FALSE(bob.duplicate);
  EXPECT_NE(alice.task, bob.task);
  EXPECT_EQ(store.FindByRequestId("alice", "same-id"), alice.task);

  const std::string alice_id = alice.task->id();
  EXPECT_TRUE(store.Lookup(alice_id, "alice").ok());
  EXPECT_EQ(store.Lookup(alice_id, "bob").status().code(),
            absl::StatusCode::kNotFound);  // as if absent
  EXPECT_EQ(store.Lookup(alice_id).status().code(),
            absl::StatusCode::kNotFound);

  v1::ListTasksRequest all;
  absl::StatusOr<v1::ListTasksResponse> listed = store.List(all, "bob");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->tasks_size(), 1);
  EXPECT_EQ(listed->tasks(0).task_id(), bob.task->id());

  auto bobs_stream = std::make_shared<RecordingObserver>();
  store.WatchAll(bobs_stream, true, "bob");
  store.MarkRunning(alice.task, "thread-0");
  EXPECT_TRUE(bobs_stream->events().empty());
  store.MarkRunning(bob.task, "thread-1");
  EXPECT_EQ(bobs_stream->events().size(), 1u);
}

}  // namespace
}  // namespace execd
