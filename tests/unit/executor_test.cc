// The executor with a real thread pool, without gRPC.
#include "server/core/executor.h"

#include <memory>

#include "gtest/gtest.h"
#include "server/pools/thread_pool.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::Eventually;
using testing::MakeSubmit;
using testing::Number;
using testing::SetDuration;
using testing::String;

class CountingMetrics : public ExecutorMetrics {
 public:
  void TaskRejected(absl::string_view reason) override {
    absl::MutexLock lock(&mu_);
    rejected_.push_back(std::string(reason));
  }
  void TaskFinished(v1::Pool, absl::string_view outcome) override {
    absl::MutexLock lock(&mu_);
    finished_.push_back(std::string(outcome));
  }
  std::vector<std::string> rejected() {
    absl::MutexLock lock(&mu_);
    return rejected_;
  }
  std::vector<std::string> finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> rejected_;
  std::vector<std::string> finished_;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void StartExecutor(int threads, int64_t capacity = 1000) {
    ExecutorOptions options;
    options.queue_capacity = capacity;
    executor_ = std::make_unique<Executor>(options, &registry_, &metrics_);
    pool_ = std::make_unique<ThreadPool>(
        threads, executor_->queue(v1::POOL_THREAD), executor_.get(), &limits_);
    executor_->AttachPool(v1::POOL_THREAD, pool_.get());
    executor_->Start();
  }
  void TearDown() override {
    if (executor_) executor_->Shutdown();
  }

  TaskPtr Submit(v1::SubmitRequest request) {
    request.set_pool(v1::POOL_THREAD);
    absl::StatusOr<Executor::Submitted> submitted =
        executor_->Submit(std::move(request));
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    return submitted.ok() ? submitted->task : nullptr;
  }
  v1::Task Snapshot(const TaskPtr& task) {
    return executor_->store().Snapshot(*task);
  }
  bool WaitTerminal(const TaskPtr& task,
                    absl::Duration timeout = absl::Seconds(10)) {
    return Eventually([&] { return IsTerminal(Snapshot(task).state()); },
                      timeout);
  }

  FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
  FunctionLimits limits_;
  CountingMetrics metrics_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<ThreadPool> pool_;
};

TEST_F(ExecutorTest, RunsEchoToSuccess) {
  StartExecutor(2);
  v1::SubmitRequest request = MakeSubmit("echo", {Number(1), String("x")});
  request.set_input("payload");
  TaskPtr task = Submit(request);
  ASSERT_TRUE(WaitTerminal(task));
  v1::Task done = Snapshot(task);
  EXPECT_EQ(done.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(done.output(), "payload");
  EXPECT_EQ(done.result()
                .struct_value()
                .fields()
                .at("args")
                .list_value()
                .values(1)
                .string_value(),
            "x");
  EXPECT_EQ(done.attempts(), 1);
  EXPECT_EQ(metrics_.finished(), std::vector<std::string>{"succeeded"});
}

TEST_F(ExecutorTest, ThreadsRunConcurrently) {
  StartExecutor(5);
  const absl::Time start = absl::Now();
  std::vector<TaskPtr> tasks;
  for (int i = 0; i < 10; ++i) {
    tasks.push_back(Submit(MakeSubmit("sleep", {Number(0.3)})));
  }
  for (const TaskPtr& task : tasks) ASSERT_TRUE(WaitTerminal(task));
  // 10 x 0.3 s on 5 threads is two rounds (0.6 s), not ten (3 s).
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(600));
}

TEST_F(ExecutorTest, TimeoutEndsTaskAndFreesThread) {
  StartExecutor(1);
  v1::SubmitRequest request = MakeSubmit("sleep", {Number(30)});
  SetDuration(absl::Milliseconds(100), request.mutable_timeout());
  TaskPtr task = Submit(request);
  ASSERT_TRUE(WaitTerminal(task, absl::Seconds(5)));
  v1::Task done = Snapshot(task);
  EXPECT_EQ(done.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(done.error().reason(), "TIMEOUT");
  EXPECT_EQ(done.error().code(), 4);
  // The sleeping thread observed its token: the next task runs.
  TaskPtr next = Submit(MakeSubmit("echo"));
  ASSERT_TRUE(WaitTerminal(next, absl::Seconds(2)));
  EXPECT_EQ(metrics_.finished(),
            (std::vector<std::string>{"timed_out", "succeeded"}));
}

TEST_F(ExecutorTest, CancelRunningStopsBuiltinWithin100ms) {
  StartExecutor(1);
  TaskPtr task = Submit(MakeSubmit("sleep", {Number(30)}));
  ASSERT_TRUE(Eventually(
      [&] { return Snapshot(task).state() == v1::TASK_STATE_RUNNING; }));
  absl::StatusOr<v1::CancelResponse> response = executor_->Cancel(task->id());
  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->cancelled());
  EXPECT_EQ(response->task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(Eventually([&] { return pool_->Counts().busy == 0; },
                         absl::Milliseconds(100)));
}

TEST_F(ExecutorTest, CancelPendingNeverRuns) {
  StartExecutor(1);
  TaskPtr blocker = Submit(MakeSubmit("sleep", {Number(0.3)}));
  TaskPtr queued = Submit(MakeSubmit("echo"));
  ASSERT_TRUE(executor_->Cancel(queued->id())->cancelled());
  ASSERT_TRUE(WaitTerminal(blocker));
  absl::SleepFor(absl::Milliseconds(50));
  v1::Task cancelled = Snapshot(queued);
  EXPECT_EQ(cancelled.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(cancelled.attempts(), 0);
  EXPECT_EQ(executor_->GetPools().pools(0).queue_depth(), 0);
  // Cancelling again changes nothing.
  EXPECT_FALSE(executor_->Cancel(queued->id())->cancelled());
}

// A pool that takes tasks off its queue without beginning them (as a
// process pool's batch does) and records what it is asked to withdraw.
class HoldingPool : public WorkerPool {
 public:
  explicit HoldingPool(TaskQueue* queue) : queue_(queue) {}
  void Start() override {}
  void Abort(const TaskRecord&, const CancellationToken*,
             AbortReason) override {}
  void Withdraw(const TaskRecord& task, AbortReason) override {
    absl::MutexLock lock(&mu_);
    withdrawn_.push_back(task.id());
  }
  WorkerCounts Counts() const override { return {}; }
  void Stop() override {}

  TaskPtr Take() { return queue_->PopWithTimeout(absl::Seconds(1)); }
  std::vector<std::string> withdrawn() {
    absl::MutexLock lock(&mu_);
    return withdrawn_;
  }

 private:
  TaskQueue* const queue_;
  absl::Mutex mu_;
  std::vector<std::string> withdrawn_ ABSL_GUARDED_BY(mu_);
};

TEST(ExecutorWithdrawTest, CancelOfATakenButUnbegunTaskAsksThePool) {
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  CountingMetrics metrics;
  Executor executor(ExecutorOptions(), &registry, &metrics);
  HoldingPool pool(executor.queue(v1::POOL_PROCESS));
  executor.AttachPool(v1::POOL_PROCESS, &pool);
  executor.Start();
  v1::SubmitRequest request = MakeSubmit("echo");
  request.set_pool(v1::POOL_PROCESS);
  absl::StatusOr<Executor::Submitted> taken = executor.Submit(request);
  absl::StatusOr<Executor::Submitted> queued = executor.Submit(request);
  ASSERT_TRUE(taken.ok() && queued.ok());
  ASSERT_EQ(pool.Take(), taken->task);

  const std::string taken_id = taken->task->id();
  EXPECT_TRUE(executor.Cancel(taken_id)->cancelled());
  EXPECT_TRUE(executor.Cancel(queued->task->id())->cancelled());
  // Only the task the pool holds; the queued one simply left the queue.
  EXPECT_EQ(pool.withdrawn(), std::vector<std::string>{taken_id});
  EXPECT_EQ(executor.queue(v1::POOL_PROCESS)->size(), 0u);
  executor.Shutdown();
}

TEST(ExecutorWithdrawTest, ReturnedAttemptCountsAsWaitingAndRunsAgain) {
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  CountingMetrics metrics;
  ExecutorOptions options;
  options.queue_capacity = 1;
  Executor executor(options, &registry, &metrics);
  HoldingPool pool(executor.queue(v1::POOL_PROCESS));
  executor.AttachPool(v1::POOL_PROCESS, &pool);
  executor.Start();
  v1::SubmitRequest request = MakeSubmit("echo");
  request.set_pool(v1::POOL_PROCESS);
  request.mutable_timeout()->set_nanos(30'000'000);
  absl::StatusOr<Executor::Submitted> submitted = executor.Submit(request);
  ASSERT_TRUE(submitted.ok());
  const TaskPtr& task = submitted->task;
  ASSERT_EQ(pool.Take(), task);
  std::shared_ptr<CancellationToken> token =
      executor.BeginAttempt(task, "process-0/pid-1");
  ASSERT_NE(token, nullptr);

  ASSERT_TRUE(executor.ReturnAttempt(task, token.get()));
  EXPECT_FALSE(executor.ReturnAttempt(task, token.get()));
  EXPECT_EQ(executor.store().Snapshot(*task).state(), v1::TASK_STATE_PENDING);
  // Waiting again, so it takes the queue's capacity.
  absl::StatusOr<Executor::Submitted> refused = executor.Submit(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  // The next attempt gets its own timeout: the first one's timer went with
  // the returned attempt instead of firing into this one.
  ASSERT_NE(executor.BeginAttempt(task, "process-1/pid-2"), nullptr);
  ASSERT_TRUE(Eventually([&] {
    return executor.store().Snapshot(*task).state() == v1::TASK_STATE_FAILED;
  }));
  EXPECT_EQ(executor.store().Snapshot(*task).error().reason(), kReasonTimeout);
  executor.Shutdown();
}

TEST_F(ExecutorTest, QueueCapacityCountsQueuedAndDelayed) {
  StartExecutor(1, /*capacity=*/2);
  Submit(MakeSubmit("sleep", {Number(0.5)}));  // running: not counted
  ASSERT_TRUE(Eventually([&] { return pool_->Counts().busy == 1; }));
  Submit(MakeSubmit("echo"));
  v1::SubmitRequest delayed = MakeSubmit("echo");
  SetDuration(absl::Seconds(30), delayed.mutable_delay());
  Submit(delayed);
  v1::SubmitRequest extra = MakeSubmit("echo");
  extra.set_pool(v1::POOL_THREAD);
  absl::StatusOr<Executor::Submitted> refused = executor_->Submit(extra);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(refused.status().GetPayload(kRetryDelayPayload).has_value());
  EXPECT_EQ(metrics_.rejected(), std::vector<std::string>{"queue_full"});
  v1::PoolStatus status = executor_->GetPools().pools(0);
  EXPECT_EQ(status.delayed(), 1);
  EXPECT_EQ(status.queue_capacity(), 2);
}

TEST_F(ExecutorTest, DelayHoldsTaskBack) {
  StartExecutor(1);
  v1::SubmitRequest request = MakeSubmit("echo");
  SetDuration(absl::Milliseconds(200), request.mutable_delay());
  TaskPtr task = Submit(request);
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 1);
  ASSERT_TRUE(WaitTerminal(task));
  v1::Task done = Snapshot(task);
  const int64_t waited_ms =
      (done.start_time().seconds() - done.submit_time().seconds()) * 1000 +
      (done.start_time().nanos() - done.submit_time().nanos()) / 1000000;
  EXPECT_GE(waited_ms, 199);
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 0);
}

TEST_F(ExecutorTest, CancelDelayedSettlesCountsAtOnce) {
  StartExecutor(1, /*capacity=*/3);
  std::vector<TaskPtr> tasks;
  for (int i = 0; i < 3; ++i) {
    v1::SubmitRequest request = MakeSubmit("echo");
    SetDuration(absl::Hours(1), request.mutable_delay());
    tasks.push_back(Submit(request));
  }
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 3);
  ASSERT_TRUE(executor_->Cancel(tasks[1]->id())->cancelled());
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 2);
  EXPECT_EQ(Snapshot(tasks[1]).state(), v1::TASK_STATE_CANCELLED);
  // Its capacity is free again, and only for one task.
  v1::SubmitRequest another = MakeSubmit("echo");
  SetDuration(absl::Hours(1), another.mutable_delay());
  Submit(another);
  another.set_pool(v1::POOL_THREAD);
  EXPECT_EQ(executor_->Submit(another).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 3);
  executor_->Shutdown();
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 0);
}

TEST_F(ExecutorTest, OwnersAreSharedAndScopeEveryLookup) {
  StartExecutor(1);
  v1::SubmitRequest request = MakeSubmit("echo");
  request.set_pool(v1::POOL_THREAD);
  SetDuration(absl::Hours(1), request.mutable_delay());
  request.set_request_id("same");
  absl::StatusOr<Executor::Submitted> alice =
      executor_->Submit(request, "alice");
  absl::StatusOr<Executor::Submitted> bob = executor_->Submit(request, "bob");
  request.set_request_id("other");
  absl::StatusOr<Executor::Submitted> alice2 =
      executor_->Submit(request, "alice");
  ASSERT_TRUE(alice.ok() && bob.ok() && alice2.ok());
  EXPECT_FALSE(bob->duplicate);  // request ids are scoped by owner
  EXPECT_EQ(alice->task->owner_name(), "alice");
  // One copy of a principal's name, however many tasks it owns.
  EXPECT_EQ(alice->task->owner.get(), alice2->task->owner.get());
  const std::string id = alice->task->id();
  EXPECT_TRUE(executor_->Lookup(id, "alice").ok());
  EXPECT_EQ(executor_->Lookup(id, "bob").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(executor_->Cancel(id, "bob").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(executor_->Cancel(id, "alice")->cancelled());
  EXPECT_EQ(executor_->GetPools().pools(0).delayed(), 2);
}

TEST_F(ExecutorTest, RetriesWithDoublingBackoff) {
  StartExecutor(1);
  v1::SubmitRequest request = MakeSubmit("fail", {String("nope")});
  request.set_max_retries(2);
  const absl::Time start = absl::Now();
  TaskPtr task = Submit(request);
  ASSERT_TRUE(WaitTerminal(task));
  v1::Task done = Snapshot(task);
  EXPECT_EQ(done.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(done.attempts(), 3);
  EXPECT_EQ(done.error().message(), "nope");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));  // 100 + 200
}

TEST_F(ExecutorTest, ShutdownCancelsWhatIsLeftWithReasonShutdown) {
  StartExecutor(1);
  TaskPtr running = Submit(MakeSubmit("sleep", {Number(30)}));
  TaskPtr queued = Submit(MakeSubmit("echo"));
  ASSERT_TRUE(Eventually([&] { return pool_->Counts().busy == 1; }));
  executor_->BeginDrain();
  EXPECT_EQ(executor_->Submit(MakeSubmit("echo")).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(executor_->WaitIdle(absl::Now() + absl::Milliseconds(50)));
  const absl::Time start = absl::Now();
  executor_->Shutdown();  // joins the pool: the sleep must stop at once
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  for (const TaskPtr& task : {running, queued}) {
    v1::Task done = Snapshot(task);
    EXPECT_EQ(done.state(), v1::TASK_STATE_CANCELLED);
    EXPECT_EQ(done.error().reason(), "SHUTDOWN");
  }
}

TEST_F(ExecutorTest, ValidationErrorsAreClear) {
  StartExecutor(1);
  auto code_of = [&](v1::SubmitRequest request) {
    return executor_->Submit(std::move(request)).status();
  };
  absl::Status unknown = code_of(MakeSubmit("primez"));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.message().find("known: "), std::string::npos);
  EXPECT_NE(unknown.message().find("echo"), std::string::npos);

  absl::Status bad_arg = code_of(MakeSubmit("sleep", {String("x")}));
  EXPECT_EQ(bad_arg.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_arg.message().find("seconds"), std::string::npos);

  v1::SubmitRequest negative = MakeSubmit("echo");
  negative.mutable_timeout()->set_seconds(-1);
  EXPECT_EQ(code_of(negative).code(), absl::StatusCode::kInvalidArgument);

  v1::SubmitRequest wrong_pool = MakeSubmit("crash");
  wrong_pool.set_pool(v1::POOL_THREAD);
  EXPECT_EQ(code_of(wrong_pool).code(), absl::StatusCode::kInvalidArgument);

  v1::SubmitRequest exec = MakeSubmit("exec", {String("/bin/true")});
  exec.set_pool(v1::POOL_PROCESS);
  EXPECT_EQ(code_of(exec).code(), absl::StatusCode::kPermissionDenied);

  EXPECT_EQ(code_of(MakeSubmit("")).code(), absl::StatusCode::kInvalidArgument);
  v1::SubmitRequest bad_enum = MakeSubmit("echo");
  bad_enum.set_pool(static_cast<v1::Pool>(7));
  EXPECT_EQ(code_of(bad_enum).code(), absl::StatusCode::kInvalidArgument);
  v1::SubmitRequest bad_retries = MakeSubmit("echo");
  bad_retries.set_max_retries(-1);
  EXPECT_EQ(code_of(bad_retries).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecutorTest, MapKeepsItemOrderInOneGroup) {
  StartExecutor(2);
  v1::MapRequest request;
  request.set_function("echo");
  request.set_pool(v1::POOL_THREAD);
  request.set_chunksize(4);
  for (int i = 0; i < 10; ++i) {
    request.add_items()->add_values()->set_number_value(i);
  }
  v1::MapRequest bad = request;  // SubmitMap moves the items out
  absl::StatusOr<std::vector<TaskPtr>> tasks = executor_->SubmitMap(request);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 10u);
  for (size_t i = 0; i < tasks->size(); ++i) {
    EXPECT_EQ((*tasks)[i]->map_group, (*tasks)[0]->map_group);
    EXPECT_EQ((*tasks)[i]->chunksize, 4);
    EXPECT_EQ((*tasks)[i]->args().values(0).number_value(), i);
  }
  bad.mutable_items(3)->mutable_values(0)->set_string_value("x");
  bad.set_function("sleep");
  absl::Status status = executor_->SubmitMap(bad).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("item 3"), std::string::npos);
}

}  // namespace
}  // namespace execd
