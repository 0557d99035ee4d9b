// The exec built-in as the process pool runs it: real programs, no shell.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/functions/encoded_value.h"
#include "server/pools/process_info.h"
#include "tests/process/fake_pool_host.h"

namespace execd::testing {
namespace {

using ::testing::HasSubstr;

class ExecPoolTest : public PoolFixture {
 protected:
  // Waits until `task` runs on a worker that has started its exec child.
  void AwaitWorkerAndChild(const TaskPtr& task, pid_t* worker,
                           std::vector<pid_t>* children) {
    *worker = PidOfWorker(host_.WaitWorker(task, absl::Seconds(10)));
    ASSERT_GT(*worker, 0);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while ((*children = ChildProcesses(*worker)).empty() &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(children->size(), 1u);
  }
  void SetUp() override {
    ProcessPoolOptions options = Options(1);
    options.limits.exec_allow = {
        "/bin/cat",   "/usr/bin/env", "/bin/pwd", "/bin/ls",
        "/bin/sleep", "/usr/bin/yes", "/bin/sh",  "/nonexistent/program"};
    options.limits.max_output_bytes = 1 << 20;
    StartPool(options);
  }
  TaskPtr Exec(std::vector<std::string> argv, const std::string& input = "") {
    std::vector<google::protobuf::Value> args;
    for (const std::string& arg : argv) args.push_back(String(arg));
    return MakeTask("exec", std::move(args), input);
  }
  static double ExitCode(const AttemptResult& result) {
    return DecodedValue(result.result)
        .struct_value()
        .fields()
        .at("exit_code")
        .number_value();
  }
  static std::string Stderr(const AttemptResult& result) {
    return DecodedValue(result.result)
        .struct_value()
        .fields()
        .at("stderr")
        .string_value();
  }
};

TEST_F(ExecPoolTest, FeedsInputToStdinAndCapturesStdout) {
  TaskPtr task = Submit(Exec({"/bin/cat"}, "line one\nline two\n"));
  AttemptResult result = Await(task);
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(result.output, "line one\nline two\n");
  EXPECT_EQ(ExitCode(result), 0);
  EXPECT_EQ(Stderr(result), "");
}

TEST_F(ExecPoolTest, LargeInputAndOutputDoNotDeadlock) {
  const std::string big(600000, 'z');  // over any pipe buffer
  TaskPtr task = Submit(Exec({"/bin/cat"}, big));
  AttemptResult result = Await(task);
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(result.output.size(), big.size());
}

TEST_F(ExecPoolTest, ReportsANonZeroExitAndStderr) {
  TaskPtr task = Submit(Exec({"/bin/ls", "/nonexistent-dir"}));
  AttemptResult result = Await(task);
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(ExitCode(result), 2);
  EXPECT_THAT(Stderr(result), HasSubstr("No such file"));
}

// A Value whose strings are not UTF-8 does not parse: bytes that are not
// become U+FFFD, so the result still reaches every reader.
TEST_F(ExecPoolTest, StderrThatIsNotUtf8ComesBackAsValidText) {
  AttemptResult result = Await(Submit(Exec(
      {"/bin/sh", "-c", "printf 'a\\377b\\303\\251\\355\\240\\200' >&2"})));
  ASSERT_TRUE(result.ok) << result.error.message();
  google::protobuf::Value value;
  ASSERT_TRUE(DecodeValue(result.result, &value));
  // \377 alone, and the surrogate \355\240\200 byte by byte; é is kept.
  EXPECT_EQ(value.struct_value().fields().at("stderr").string_value(),
            "a\xEF\xBF\xBD"
            "b\xC3\xA9"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_F(ExecPoolTest, GivesOnlyTheRequestedEnvironment) {
  TaskPtr task = Exec({"/usr/bin/env"});
  google::protobuf::Value env;
  (*env.mutable_struct_value()->mutable_fields())["GREETING"].set_string_value(
      "hi there");
  (*task->mutable_inputs().kwargs.mutable_fields())["env"] = env;
  AttemptResult result = Await(Submit(task));
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(result.output, "GREETING=hi there\n");
}

TEST_F(ExecPoolTest, RunsInTheRequestedDirectory) {
  TaskPtr task = Exec({"/bin/pwd"});
  (*task->mutable_inputs().kwargs.mutable_fields())["cwd"].set_string_value(
      "/tmp");
  AttemptResult result = Await(Submit(task));
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(result.output, "/tmp\n");

  TaskPtr missing = Exec({"/bin/pwd"});
  (*missing->mutable_inputs().kwargs.mutable_fields())["cwd"].set_string_value(
      "/nonexistent");
  AttemptResult failed = Await(Submit(missing));
  EXPECT_FALSE(failed.ok);
  EXPECT_THAT(failed.error.message(), HasSubstr("/nonexistent"));
}

TEST_F(ExecPoolTest, FailsClearlyPastTheOutputLimit) {
  TaskPtr task = Submit(Exec({"/usr/bin/yes"}));
  AttemptResult result = Await(task);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.reason(), "TASK_ERROR");
  EXPECT_THAT(result.error.message(), HasSubstr("more than 1048576 bytes"));
  // The worker survives its child's overflow.
  EXPECT_TRUE(host_.restarts().empty());
  EXPECT_TRUE(Await(Submit(Exec({"/bin/cat"}, "ok"))).ok);
}

TEST_F(ExecPoolTest, RefusesAProgramOutsideTheAllowList) {
  AttemptResult result = Await(Submit(Exec({"/bin/echo", "hi"})));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error.code(), 7);  // PERMISSION_DENIED
  EXPECT_THAT(result.error.message(), HasSubstr("not allowed"));
}

TEST_F(ExecPoolTest, AMissingProgramExitsWith127) {
  AttemptResult result = Await(Submit(Exec({"/nonexistent/program"})));
  ASSERT_TRUE(result.ok) << result.error.message();
  EXPECT_EQ(ExitCode(result), 127);
  EXPECT_THAT(Stderr(result), HasSubstr("cannot execute /nonexistent/program"));
}

TEST_F(ExecPoolTest, AbortKillsTheWorkerAndItsChild) {
  TaskPtr task = Submit(Exec({"/bin/sleep", "30"}));
  pid_t worker = 0;
  std::vector<pid_t> children;
  ASSERT_NO_FATAL_FAILURE(AwaitWorkerAndChild(task, &worker, &children));
  ASSERT_TRUE(WaitBusy(1, absl::Seconds(10)));
  pool_->Abort(*task, host_.CancelAttempt(task), AbortReason::kTimeout);
  EXPECT_TRUE(WaitProcessGone(worker, absl::Seconds(1)));
  EXPECT_TRUE(WaitProcessGone(children[0], absl::Seconds(1)));
  ASSERT_TRUE(host_.WaitRestarts(1, absl::Seconds(5)));
  EXPECT_THAT(host_.restarts(), ::testing::ElementsAre("timeout"));
}

TEST_F(ExecPoolTest, AChildDiesWithItsWorkerEvenWhenOnlyTheWorkerIsKilled) {
  TaskPtr task = Submit(Exec({"/bin/sleep", "30"}));
  pid_t worker = 0;
  std::vector<pid_t> children;
  ASSERT_NO_FATAL_FAILURE(AwaitWorkerAndChild(task, &worker, &children));
  ASSERT_EQ(kill(worker, SIGKILL), 0);  // not its group: PDEATHSIG's job
  EXPECT_TRUE(WaitProcessGone(children[0], absl::Seconds(2)));
  AttemptResult result = Await(task);
  EXPECT_EQ(result.error.reason(), "WORKER_LOST");
  EXPECT_THAT(result.error.message(),
              HasSubstr("killed by signal 9 (SIGKILL)"));
}

}  // namespace
}  // namespace execd::testing
