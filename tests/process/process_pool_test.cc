// ProcessPool with real execd-worker processes, a real TaskQueue and a fake
// executor (FakePoolHost).
#include "server/pools/process/process_pool.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/functions/encoded_value.h"
#include "tests/process/fake_pool_host.h"
#include "tests/support/process_cpu.h"

namespace execd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ProcessPoolTest : public PoolFixture {};

// The first argument an echo task returned.
std::string EchoedArg(const std::string& encoded_result) {
  const google::protobuf::Value result = DecodedValue(encoded_result);
  const auto& fields = result.struct_value().fields();
  auto args = fields.find("args");
  if (args == fields.end() || args->second.list_value().values_size() == 0) {
    return "";
  }
  return args->second.list_value().values(0).string_value();
}

TEST_F(ProcessPoolTest, StartsIdleWorkersAndRunsPrimes) {
  StartPool(Options(2));
  WorkerCounts counts = pool_->Counts();
  EXPECT_EQ(counts.workers, 2);
  EXPECT_EQ(counts.idle, 2);
  EXPECT_EQ(pool_->WorkerPids().size(), 2u);

  TaskPtr task = Submit(MakeTask("primes", {Number(100000)}));
  AttemptResult result = Await(task);
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(DecodedValue(result.result).number_value(), 9592);
  EXPECT_THAT(host_.WaitWorker(task, absl::Seconds(1)),
              MatchesRegex("process-[0-9]+/pid-[0-9]+"));
}

TEST_F(ProcessPoolTest, FunctionErrorsComeBackAsTaskErrors) {
  StartPool(Options(1));
  TaskPtr task = Submit(MakeTask("fail", {String("boom")}));
  AttemptResult result = Await(task);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.reason(), "TASK_ERROR");
  EXPECT_EQ(result.error.message(), "boom");
  EXPECT_EQ(pool_->Counts().restarts, 0);
}

class CrashTest : public PoolFixture,
                  public ::testing::WithParamInterface<
                      std::pair<std::string, std::string>> {};

TEST_P(CrashTest, FailsOnlyThatTaskAndReplacesTheWorker) {
  const auto& [how, expected] = GetParam();
  StartPool(Options(1));
  TaskPtr crash = Submit(MakeTask("crash", {String(how)}));
  AttemptResult result = Await(crash);
  const pid_t crashed_pid =
      PidOfWorker(host_.WaitWorker(crash, absl::Seconds(1)));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.reason(), "WORKER_LOST");
  EXPECT_EQ(result.error.code(), 14);
  EXPECT_EQ(result.error.message(),
            absl::StrCat("worker pid ", crashed_pid, " ", expected));

  TaskPtr next = Submit(MakeTask("primes", {Number(1000)}));
  AttemptResult next_result = Await(next);
  EXPECT_TRUE(next_result.ok) << next_result.error.message();
  EXPECT_NE(PidOfWorker(host_.WaitWorker(next, absl::Seconds(1))), crashed_pid);
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("crash"));
  EXPECT_TRUE(ProcessGone(crashed_pid));
}

INSTANTIATE_TEST_SUITE_P(
    EachWay, CrashTest,
    ::testing::Values(std::make_pair("abort", "killed by signal 6 (SIGABRT)"),
                      std::make_pair("segv", "killed by signal 11 (SIGSEGV)"),
                      std::make_pair("exit", "exited with code 3")),
    [](const auto& info) { return info.param.first; });

TEST_F(ProcessPoolTest, AbortKillsTheWorkerWithinASecond) {
  StartPool(Options(1));
  TaskPtr task = Submit(MakeTask("primes", {Number(1e9)}));
  const pid_t pid = PidOfWorker(host_.WaitWorker(task, absl::Seconds(10)));
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitBusy(1, absl::Seconds(10)));
  // Computing in the worker, not just sent (a call that has not started is
  // withdrawn instead, without a kill).
  ASSERT_TRUE(WaitForCpuUse(pid, absl::Milliseconds(30), absl::Seconds(10)));
  const absl::Time aborted = absl::Now();
  pool_->Abort(*task, host_.CancelAttempt(task), AbortReason::kCancel);
  EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(1)));
  ASSERT_TRUE(host_.WaitRestarts(1, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - aborted, absl::Seconds(2));
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("cancel"));

  TaskPtr next = Submit(MakeTask("echo", {String("after")}));
  EXPECT_TRUE(Await(next).ok);
  EXPECT_NE(PidOfWorker(host_.WaitWorker(next, absl::Seconds(1))), pid);
}

TEST_F(ProcessPoolTest, AbortOfATimedOutTaskCountsATimeoutRestart) {
  StartPool(Options(1));
  TaskPtr task = Submit(MakeTask("sleep", {Number(60)}));
  const pid_t pid = PidOfWorker(host_.WaitWorker(task, absl::Seconds(10)));
  ASSERT_TRUE(WaitBusy(1, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(200));  // started, not just sent
  pool_->Abort(*task, host_.CancelAttempt(task), AbortReason::kTimeout);
  EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(1)));
  ASSERT_TRUE(host_.WaitRestarts(1, absl::Seconds(5)));
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("timeout"));
  EXPECT_TRUE(WaitIdle(1, absl::Seconds(10)));
}

TEST_F(ProcessPoolTest, AbortOfAnotherAttemptKillsNothing) {
  StartPool(Options(1));
  TaskPtr task = Submit(MakeTask("echo", {String("x")}));
  ASSERT_TRUE(Await(task).ok);
  const pid_t pid = PidOfWorker(host_.WaitWorker(task, absl::Seconds(1)));
  CancellationToken stale;
  pool_->Abort(*task, &stale, AbortReason::kCancel);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(ProcessGone(pid));
  EXPECT_TRUE(host_.restarts().empty());
}

TEST_F(ProcessPoolTest, RecyclesAWorkerAfterMaxTasksPerChild) {
  ProcessPoolOptions options = Options(1);
  options.max_tasks_per_child = 2;
  StartPool(options);
  std::vector<pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    TaskPtr task = Submit(MakeTask("echo", {Number(i)}));
    ASSERT_TRUE(Await(task).ok);
    pids.push_back(PidOfWorker(host_.WaitWorker(task, absl::Seconds(1))));
  }
  EXPECT_EQ(pids[0], pids[1]);
  EXPECT_NE(pids[1], pids[2]);
  EXPECT_TRUE(ProcessGone(pids[0]));
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("recycle"));
}

TEST_F(ProcessPoolTest, MemoryLimitFailsTheRunawayTaskAlone) {
  ProcessPoolOptions options = Options(1);
  options.memory_limit_mb = 128;
  StartPool(options);
  TaskPtr small = Submit(MakeTask("allocate", {Number(16)}));
  AttemptResult small_result = Await(small);
  ASSERT_TRUE(small_result.ok) << small_result.error.message();

  TaskPtr runaway = Submit(MakeTask("allocate", {Number(512)}));
  AttemptResult result = Await(runaway);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.reason(), "WORKER_LOST");
  EXPECT_THAT(result.error.message(), HasSubstr("memory limit of 128 MiB"));
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("memory"));

  TaskPtr after = Submit(MakeTask("primes", {Number(1000)}));
  EXPECT_TRUE(Await(after).ok);
}

TEST_F(ProcessPoolTest, RunsAMapChunkOnOneWorkerWithPerItemResults) {
  StartPool(Options(1));
  std::vector<TaskPtr> items;
  for (int i = 0; i < 7; ++i) {
    TaskPtr item = MakeTask("primes", {Number(100 * (i + 1))});
    item->map_group = 42;
    item->chunksize = 3;
    items.push_back(Submit(item));
  }
  const int expected[] = {25, 46, 62, 78, 95, 109, 125};
  std::set<std::string> workers;
  for (int i = 0; i < 7; ++i) {
    AttemptResult result = Await(items[i]);
    ASSERT_TRUE(result.ok) << result.error.message();
    EXPECT_EQ(DecodedValue(result.result).number_value(), expected[i])
        << "item " << i;
    workers.insert(host_.WaitWorker(items[i], absl::Seconds(1)));
  }
  EXPECT_EQ(workers.size(), 1u);
}

TEST_F(ProcessPoolTest, ACrashInAChunkFailsOnlyTheRunningItem) {
  StartPool(Options(1));
  TaskPtr first = MakeTask("echo", {String("a")});
  TaskPtr crash = MakeTask("crash", {String("exit")});
  TaskPtr third = MakeTask("echo", {String("c")});
  for (const TaskPtr& item : {first, crash, third}) {
    item->map_group = 7;
    item->chunksize = 3;
    Submit(item);
  }
  TaskPtr later = Submit(MakeTask("echo", {String("later")}));
  EXPECT_TRUE(Await(first).ok);
  EXPECT_EQ(Await(crash).error.reason(), "WORKER_LOST");
  // Never started on the worker that died: back in the queue, run once.
  AttemptResult third_result = Await(third);
  EXPECT_TRUE(third_result.ok) << third_result.error.message();
  EXPECT_EQ(EchoedArg(third_result.result), "c");
  EXPECT_EQ(host_.Begun(third), 1);
  EXPECT_NE(host_.WaitWorker(third, absl::Seconds(1)),
            host_.WaitWorker(first, absl::Seconds(1)));
  EXPECT_TRUE(Await(later).ok);
}

// Tasks queued before the workers start form a backlog: they go out in
// batches, and each result still comes back on its own.
TEST_F(ProcessPoolTest, ABacklogRunsInBatchesWithPerTaskResults) {
  std::vector<TaskPtr> tasks;
  for (int i = 0; i < 40; ++i) {
    tasks.push_back(Submit(MakeTask("echo", {String(absl::StrCat(i))})));
  }
  StartPool(Options(2));
  for (int i = 0; i < 40; ++i) {
    AttemptResult result = Await(tasks[i]);
    ASSERT_TRUE(result.ok) << result.error.message();
    EXPECT_EQ(EchoedArg(result.result), absl::StrCat(i));
    EXPECT_EQ(host_.Begun(tasks[i]), 1);
  }
  EXPECT_TRUE(host_.restarts().empty());
}

// A crash in the middle of a batch: the running task fails, the tasks
// behind it that never started run on the replacement, none is lost.
TEST_F(ProcessPoolTest, ACrashMidBatchRequeuesTheTasksThatNeverStarted) {
  TaskPtr before = Submit(MakeTask("echo", {String("before")}));
  TaskPtr crash = Submit(MakeTask("crash", {String("segv")}));
  std::vector<TaskPtr> after;
  for (int i = 0; i < 5; ++i) {
    after.push_back(Submit(MakeTask("echo", {String(absl::StrCat(i))})));
  }
  StartPool(Options(1));  // one worker: all seven go out in one frame
  EXPECT_TRUE(Await(before).ok);
  AttemptResult crashed = Await(crash);
  EXPECT_EQ(crashed.error.reason(), "WORKER_LOST");
  EXPECT_THAT(crashed.error.message(), HasSubstr("SIGSEGV"));
  for (int i = 0; i < 5; ++i) {
    AttemptResult result = Await(after[i]);
    ASSERT_TRUE(result.ok) << result.error.message();
    EXPECT_EQ(EchoedArg(result.result), absl::StrCat(i));
    EXPECT_EQ(host_.Begun(after[i]), 1);
  }
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("crash"));
}

// Cancelling a task that waits in a batch behind a running one: it never
// starts, the worker survives, and the rest of the batch runs.
TEST_F(ProcessPoolTest, WithdrawingAQueuedCallSkipsItWithoutAKill) {
  TaskPtr slow = Submit(MakeTask("sleep", {Number(0.5)}));
  TaskPtr cancelled = Submit(MakeTask("echo", {String("never")}));
  TaskPtr last = Submit(MakeTask("echo", {String("last")}));
  StartPool(Options(1));
  const pid_t pid = PidOfWorker(host_.WaitWorker(slow, absl::Seconds(10)));
  ASSERT_GT(pid, 0);
  host_.EndPending(cancelled);
  pool_->Withdraw(*cancelled, AbortReason::kCancel);
  EXPECT_TRUE(Await(slow).ok);
  AttemptResult result = Await(last);
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(PidOfWorker(host_.WaitWorker(last, absl::Seconds(1))), pid);
  EXPECT_FALSE(host_.WaitResult(cancelled, absl::Milliseconds(100)));
  EXPECT_TRUE(host_.restarts().empty());
  EXPECT_FALSE(ProcessGone(pid));
}

// Aborting the running task of a batch kills the worker; the tasks behind
// it never started and run on the replacement.
TEST_F(ProcessPoolTest, AbortMidBatchRequeuesTheTasksBehind) {
  TaskPtr slow = Submit(MakeTask("sleep", {Number(60)}));
  std::vector<TaskPtr> behind;
  for (int i = 0; i < 3; ++i) {
    behind.push_back(Submit(MakeTask("echo", {String(absl::StrCat(i))})));
  }
  StartPool(Options(1));
  const pid_t pid = PidOfWorker(host_.WaitWorker(slow, absl::Seconds(10)));
  ASSERT_GT(pid, 0);
  absl::SleepFor(absl::Milliseconds(200));  // started, not just sent
  pool_->Abort(*slow, host_.CancelAttempt(slow), AbortReason::kCancel);
  EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(2)));
  for (int i = 0; i < 3; ++i) {
    AttemptResult result = Await(behind[i]);
    ASSERT_TRUE(result.ok) << result.error.message();
    EXPECT_NE(PidOfWorker(host_.WaitWorker(behind[i], absl::Seconds(1))), pid);
  }
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("cancel"));
}

// With another worker idle, a task queued behind a slow one is not batched
// behind it.
TEST_F(ProcessPoolTest, ALoneTaskIsNotHeldBehindASlowOne) {
  StartPool(Options(2));
  TaskPtr slow = Submit(MakeTask("sleep", {Number(3)}));
  TaskPtr quick = Submit(MakeTask("echo", {String("quick")}));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(Await(quick).ok);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_NE(host_.WaitWorker(quick, absl::Seconds(1)),
            host_.WaitWorker(slow, absl::Seconds(1)));
}

TEST_F(ProcessPoolTest, ReplacesAWorkerKilledWhileIdle) {
  StartPool(Options(2));
  std::vector<pid_t> before = pool_->WorkerPids();
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(kill(before[0], SIGKILL), 0);  // our own child
  ASSERT_TRUE(host_.WaitRestarts(1, absl::Seconds(5)));
  EXPECT_TRUE(WaitIdle(2, absl::Seconds(10)));
  std::vector<pid_t> after = pool_->WorkerPids();
  EXPECT_EQ(after.size(), 2u);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 0);
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("crash"));
}

TEST_F(ProcessPoolTest, StopReapsEveryWorker) {
  StartPool(Options(3));
  std::vector<pid_t> pids = pool_->WorkerPids();
  ASSERT_EQ(pids.size(), 3u);
  TaskPtr busy = Submit(MakeTask("sleep", {Number(60)}));
  ASSERT_GT(PidOfWorker(host_.WaitWorker(busy, absl::Seconds(10))), 0);
  const absl::Time start = absl::Now();
  queue_.Close();
  host_.CancelAttempt(busy);  // what the executor's shutdown does first
  pool_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  for (pid_t pid : pids) {
    // Reaped by the pool: waitpid finds no such child of ours.
    EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << pid;
    EXPECT_TRUE(ProcessGone(pid)) << pid;
  }
  EXPECT_EQ(pool_->Counts().workers, 0);
}

TEST_F(ProcessPoolTest, AMissingWorkerBinaryKeepsTasksQueued) {
  ProcessPoolOptions options = Options(1);
  options.worker_path = "/nonexistent/execd-worker";
  pool_ = std::make_unique<ProcessPool>(options, &queue_, &host_);
  pool_->Start();
  TaskPtr task = Submit(MakeTask("echo", {}));
  EXPECT_FALSE(host_.WaitResult(task, absl::Milliseconds(500)).has_value());
  EXPECT_EQ(queue_.size(), 1u);
  EXPECT_EQ(pool_->Counts().starting, 1);
}

// A "worker" that answers its start with an oversized frame header.
TEST_F(ProcessPoolTest, AWorkerSendingAMalformedFrameIsKilledNotTheServer) {
  char dir[] = "/tmp/execd-fake-worker-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string script = absl::StrCat(dir, "/worker.sh");
  {
    std::ofstream out(script);
    out << "#!/bin/sh\nprintf '\\377\\377\\377\\377' >&3\nexec sleep 30\n";
  }
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  ProcessPoolOptions options = Options(1);
  options.worker_path = script;
  pool_ = std::make_unique<ProcessPool>(options, &queue_, &host_);
  pool_->Start();  // returns after the first (failed) start
  EXPECT_EQ(pool_->Counts().idle, 0);
  EXPECT_EQ(pool_->Counts().starting, 1);
  queue_.Close();
  pool_->Stop();
  // Every fake worker was killed and reaped: none is left as our child.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  unlink(script.c_str());
  rmdir(dir);
}

TEST(FindWorkerBinaryTest, ExplainsAMissingBinary) {
  absl::StatusOr<std::string> path = FindWorkerBinary("/nonexistent/worker");
  EXPECT_EQ(path.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(path.status().message()), HasSubstr("--worker_path"));
  EXPECT_TRUE(FindWorkerBinary(BinaryPath("execd-worker")).ok());
}

}  // namespace
}  // namespace execd::testing
