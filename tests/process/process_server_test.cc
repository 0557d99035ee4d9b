// The process pool on a real server: results, crash isolation, kill on
// cancel and timeout, recycling, memory limits, Map chunks, no leftovers.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/pools/process_info.h"
#include "tests/process/process_test_util.h"
#include "tests/support/process_cpu.h"

namespace execd::process_testing {
namespace {

using integration::AwaitTerminal;
using integration::Context;
using integration::Number;
using integration::PollUntil;
using integration::Str;
using integration::SubmitOk;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ProcessServerTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        StartProcessServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }
  v1::Task Run(const v1::SubmitRequest& request) {
    return AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(ProcessServerTest, CountsPrimesInAWorkerProcess) {
  Start({"--processes=2"});
  v1::PoolStatus pool = ProcessPoolStatus(*stub_);
  EXPECT_EQ(pool.workers(), 2);
  EXPECT_EQ(pool.idle(), 2);
  v1::Task task = Run(ProcessSubmit("primes", {Number(100000)}));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.DebugString();
  EXPECT_EQ(task.result().number_value(), 9592);
  EXPECT_EQ(task.pool(), v1::POOL_PROCESS);
  EXPECT_THAT(task.worker(), MatchesRegex("process-[0-9]+/pid-[0-9]+"));
  const std::vector<pid_t> children = ChildProcesses(server_->pid());
  EXPECT_THAT(children, ::testing::Contains(WorkerPid(task)));
}

class CrashServerTest : public ProcessServerTest,
                        public ::testing::WithParamInterface<
                            std::pair<std::string, std::string>> {};

TEST_P(CrashServerTest, FailsOnlyThatTaskAndTheNextOneSucceeds) {
  const auto& [how, expected] = GetParam();
  Start({"--processes=1"});
  v1::Task crashed = Run(ProcessSubmit("crash", {Str(how)}));
  ASSERT_EQ(crashed.state(), v1::TASK_STATE_FAILED) << crashed.DebugString();
  const pid_t pid = WorkerPid(crashed);
  EXPECT_EQ(crashed.error().reason(), "WORKER_LOST");
  EXPECT_EQ(crashed.error().code(), 14);
  EXPECT_EQ(crashed.error().message(),
            absl::StrCat("worker pid ", pid, " ", expected));
  EXPECT_TRUE(ProcessGone(pid));

  v1::Task next = Run(ProcessSubmit("primes", {Number(100000)}));
  ASSERT_EQ(next.state(), v1::TASK_STATE_SUCCEEDED) << next.DebugString();
  EXPECT_NE(WorkerPid(next), pid);
  EXPECT_GE(ProcessPoolStatus(*stub_).worker_restarts(), 1);
  const std::string metrics = integration::ScrapeMetrics(*server_);
  EXPECT_EQ(integration::MetricValue(metrics, "execd_worker_restarts_total",
                                     {"reason=\"crash\""}),
            1);
  EXPECT_EQ(
      integration::MetricValue(metrics, "execd_tasks_finished_total",
                               {"pool=\"process\"", "outcome=\"worker_lost\""}),
      1);
}

INSTANTIATE_TEST_SUITE_P(
    EachWay, CrashServerTest,
    ::testing::Values(std::make_pair("abort", "killed by signal 6 (SIGABRT)"),
                      std::make_pair("segv", "killed by signal 11 (SIGSEGV)"),
                      std::make_pair("exit", "exited with code 3")),
    [](const auto& info) { return info.param.first; });

TEST_F(ProcessServerTest, CancelKillsTheRunningWorkerWithinASecond) {
  Start({"--processes=1"});
  const std::string id =
      SubmitOk(*stub_, ProcessSubmit("primes", {Number(1e9)}));
  v1::Task running = WaitRunning(*stub_, id);
  ASSERT_EQ(running.state(), v1::TASK_STATE_RUNNING);
  const pid_t pid = WorkerPid(running);
  ASSERT_GT(pid, 0);
  // Computing, not just handed over: a call its worker has not reached yet
  // is withdrawn without a kill (CancellingATaskWaitingInABatchKillsNothing).
  ASSERT_TRUE(execd::testing::WaitForCpuUse(pid, absl::Milliseconds(30),
                                            absl::Seconds(10)));

  const absl::Time cancelled_at = absl::Now();
  v1::CancelResponse response;
  ASSERT_TRUE(integration::Cancel(*stub_, id, &response).ok());
  EXPECT_TRUE(response.cancelled());
  v1::Task task = AwaitTerminal(*stub_, id, absl::Seconds(1));
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(1)));
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(2));

  v1::Task next = Run(ProcessSubmit("echo", {Str("after")}));
  EXPECT_EQ(next.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_NE(WorkerPid(next), pid);
}

// Tasks queued behind a running one go to the worker as one batch; a
// cancelled one of them never runs, and nobody kills the worker for it.
TEST_F(ProcessServerTest, CancellingATaskWaitingInABatchKillsNothing) {
  Start({"--processes=1"});
  const std::string first =
      SubmitOk(*stub_, ProcessSubmit("sleep", {Number(0.5)}));
  ASSERT_EQ(WaitRunning(*stub_, first).state(), v1::TASK_STATE_RUNNING);
  const std::string slow =
      SubmitOk(*stub_, ProcessSubmit("sleep", {Number(1)}));
  const std::string cancelled =
      SubmitOk(*stub_, ProcessSubmit("echo", {Str("never")}));
  const std::string last =
      SubmitOk(*stub_, ProcessSubmit("echo", {Str("last")}));
  ASSERT_EQ(WaitRunning(*stub_, slow).state(), v1::TASK_STATE_RUNNING);
  v1::CancelResponse response;
  ASSERT_TRUE(integration::Cancel(*stub_, cancelled, &response).ok());
  EXPECT_TRUE(response.cancelled());

  v1::Task cancelled_task = AwaitTerminal(*stub_, cancelled);
  EXPECT_EQ(cancelled_task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(cancelled_task.attempts(), 0);
  v1::Task slow_task = AwaitTerminal(*stub_, slow);
  v1::Task last_task = AwaitTerminal(*stub_, last);
  EXPECT_EQ(slow_task.state(), v1::TASK_STATE_SUCCEEDED);
  ASSERT_EQ(last_task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(last_task.result()
                .struct_value()
                .fields()
                .at("args")
                .list_value()
                .values(0)
                .string_value(),
            "last");
  EXPECT_EQ(WorkerPid(last_task), WorkerPid(slow_task));
  EXPECT_EQ(ProcessPoolStatus(*stub_).worker_restarts(), 0);
}

TEST_F(ProcessServerTest, TimeoutKillsTheRunningWorker) {
  Start({"--processes=1"});
  v1::SubmitRequest request = ProcessSubmit("primes", {Number(1e9)});
  *request.mutable_timeout() = integration::Millis(500);
  const std::string id = SubmitOk(*stub_, request);
  v1::Task running = WaitRunning(*stub_, id);
  const pid_t pid = WorkerPid(running);
  ASSERT_GT(pid, 0);
  v1::Task task = AwaitTerminal(*stub_, id, absl::Seconds(5));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), "TIMEOUT");
  EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(1)));
  EXPECT_TRUE(PollUntil([&] { return ProcessPoolStatus(*stub_).idle() == 1; },
                        absl::Seconds(10)));
}

TEST_F(ProcessServerTest, MaxTasksPerChildGivesANewPidOnTheThirdTask) {
  Start({"--processes=1", "--max_tasks_per_child=2"});
  std::vector<pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    v1::Task task = Run(ProcessSubmit("echo", {Number(i)}));
    ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
    pids.push_back(WorkerPid(task));
  }
  EXPECT_EQ(pids[0], pids[1]);
  EXPECT_NE(pids[1], pids[2]);
  EXPECT_TRUE(WaitProcessGone(pids[0], absl::Seconds(2)));
}

TEST_F(ProcessServerTest, MemoryLimitFailsTheRunawayTaskAlone) {
  Start({"--processes=1", "--worker_memory_limit_mb=128"});
  v1::Task small = Run(ProcessSubmit("allocate", {Number(16)}));
  EXPECT_EQ(small.state(), v1::TASK_STATE_SUCCEEDED) << small.DebugString();
  v1::Task runaway = Run(ProcessSubmit("allocate", {Number(1024)}));
  ASSERT_EQ(runaway.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(runaway.error().reason(), "WORKER_LOST");
  EXPECT_THAT(runaway.error().message(), HasSubstr("memory limit of 128 MiB"));
  v1::Task after = Run(ProcessSubmit("primes", {Number(1000)}));
  EXPECT_EQ(after.state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(ProcessServerTest, MapWithChunksizeGivesEveryResultInOrder) {
  Start({"--processes=2"});
  v1::MapRequest request;
  request.set_function("primes");
  request.set_pool(v1::POOL_PROCESS);
  request.set_chunksize(4);
  const int ns[] = {10, 100, 1000, 10000, 100000, 2, 3, 5, 7, 11};
  const int expected[] = {4, 25, 168, 1229, 9592, 0, 1, 2, 3, 4};
  for (int n : ns) *request.add_items()->add_values() = Number(n);
  auto context = Context(absl::Seconds(30));
  auto reader = stub_->Map(context.get(), request);
  v1::MapResult result;
  int index = 0;
  while (reader->Read(&result)) {
    ASSERT_LT(index, 10);
    EXPECT_EQ(result.index(), index);
    EXPECT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_EQ(result.task().result().number_value(), expected[index])
        << "item " << index;
    EXPECT_EQ(result.task().pool(), v1::POOL_PROCESS);
    ++index;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(index, 10);
}

TEST_F(ProcessServerTest, WorkersDieWithAKilledServer) {
  Start({"--processes=3"});
  std::vector<pid_t> workers = ChildProcesses(server_->pid());
  ASSERT_EQ(workers.size(), 3u);
  server_->Signal(SIGKILL);
  ASSERT_TRUE(server_->WaitForExit(absl::Seconds(5)).ok());
  for (pid_t pid : workers) {
    EXPECT_TRUE(WaitProcessGone(pid, absl::Seconds(2))) << pid;
  }
}

TEST_F(ProcessServerTest, GracefulShutdownLeavesNoWorker) {
  Start({"--processes=2", "--shutdown_grace=2s"});
  std::vector<pid_t> workers = ChildProcesses(server_->pid());
  ASSERT_EQ(workers.size(), 2u);
  const std::string id =
      SubmitOk(*stub_, ProcessSubmit("primes", {Number(1e9)}));
  ASSERT_EQ(WaitRunning(*stub_, id).state(), v1::TASK_STATE_RUNNING);
  server_->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = server_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << server_->Log();
  for (pid_t pid : workers) EXPECT_TRUE(ProcessGone(pid)) << pid;
}

}  // namespace
}  // namespace execd::process_testing
