// The exec built-in through a real server: allow list, stdin/stdout, exit
// codes, env and cwd, and a timeout that kills the child too.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/pools/process_info.h"
#include "tests/process/process_test_util.h"

namespace execd::process_testing {
namespace {

using integration::AwaitTerminal;
using integration::Str;
using integration::SubmitOk;
using ::testing::HasSubstr;

class ExecServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = StartProcessServer(
        {"--processes=2",
         "--exec_allow=/bin/cat,/bin/sleep,/usr/bin/env,/bin/pwd,/bin/ls"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }
  static v1::SubmitRequest Exec(std::vector<std::string> argv,
                                const std::string& input = "") {
    std::vector<google::protobuf::Value> args;
    for (const std::string& arg : argv) args.push_back(Str(arg));
    v1::SubmitRequest request = ProcessSubmit("exec", std::move(args));
    request.set_input(input);
    return request;
  }
  v1::Task Run(const v1::SubmitRequest& request) {
    return AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  }
  static double ExitCode(const v1::Task& task) {
    return task.result().struct_value().fields().at("exit_code").number_value();
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(ExecServerTest, RefusesAProgramOutsideTheAllowListAtSubmit) {
  v1::SubmitResponse response;
  grpc::Status status =
      integration::Submit(*stub_, Exec({"/bin/echo", "hi"}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("/bin/cat"));
}

TEST_F(ExecServerTest, IsNotAllowedOnTheThreadPool) {
  v1::SubmitRequest request = Exec({"/bin/cat"});
  request.set_pool(v1::POOL_THREAD);
  v1::SubmitResponse response;
  EXPECT_EQ(integration::Submit(*stub_, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ExecServerTest, FeedsStdinAndReturnsStdout) {
  v1::Task task = Run(Exec({"/bin/cat"}, "hello\nworld\n"));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.DebugString();
  EXPECT_EQ(task.output(), "hello\nworld\n");
  EXPECT_EQ(ExitCode(task), 0);
}

TEST_F(ExecServerTest, ReportsANonZeroExitWithStderr) {
  v1::Task task = Run(Exec({"/bin/ls", "/nonexistent-dir"}));
  ASSERT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.DebugString();
  EXPECT_EQ(ExitCode(task), 2);
  EXPECT_THAT(task.result().struct_value().fields().at("stderr").string_value(),
              HasSubstr("No such file"));
}

TEST_F(ExecServerTest, UsesOnlyTheGivenEnvAndCwd) {
  v1::SubmitRequest env = Exec({"/usr/bin/env"});
  google::protobuf::Value vars;
  (*vars.mutable_struct_value()->mutable_fields())["A"].set_string_value("1");
  (*env.mutable_kwargs()->mutable_fields())["env"] = vars;
  v1::Task env_task = Run(env);
  ASSERT_EQ(env_task.state(), v1::TASK_STATE_SUCCEEDED)
      << env_task.DebugString();
  EXPECT_EQ(env_task.output(), "A=1\n");

  v1::SubmitRequest pwd = Exec({"/bin/pwd"});
  (*pwd.mutable_kwargs()->mutable_fields())["cwd"].set_string_value("/tmp");
  v1::Task pwd_task = Run(pwd);
  ASSERT_EQ(pwd_task.state(), v1::TASK_STATE_SUCCEEDED)
      << pwd_task.DebugString();
  EXPECT_EQ(pwd_task.output(), "/tmp\n");
}

TEST_F(ExecServerTest, TimeoutKillsTheChildAndItsWorker) {
  v1::SubmitRequest request = Exec({"/bin/sleep", "30"});
  *request.mutable_timeout() = integration::Millis(1000);
  const std::string id = SubmitOk(*stub_, request);
  v1::Task running = WaitRunning(*stub_, id);
  const pid_t worker = WorkerPid(running);
  ASSERT_GT(worker, 0);
  std::vector<pid_t> children;
  integration::PollUntil(
      [&] { return !(children = ChildProcesses(worker)).empty(); },
      absl::Seconds(5));
  ASSERT_EQ(children.size(), 1u);
  v1::Task task = AwaitTerminal(*stub_, id, absl::Seconds(10));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), "TIMEOUT");
  EXPECT_TRUE(WaitProcessGone(worker, absl::Seconds(1)));
  EXPECT_TRUE(WaitProcessGone(children[0], absl::Seconds(1)));
}

TEST_F(ExecServerTest, CancelKillsTheChild) {
  const std::string id = SubmitOk(*stub_, Exec({"/bin/sleep", "30"}));
  const pid_t worker = WorkerPid(WaitRunning(*stub_, id));
  ASSERT_GT(worker, 0);
  std::vector<pid_t> children;
  integration::PollUntil(
      [&] { return !(children = ChildProcesses(worker)).empty(); },
      absl::Seconds(5));
  ASSERT_EQ(children.size(), 1u);
  v1::CancelResponse response;
  ASSERT_TRUE(integration::Cancel(*stub_, id, &response).ok());
  EXPECT_EQ(AwaitTerminal(*stub_, id, absl::Seconds(1)).state(),
            v1::TASK_STATE_CANCELLED);
  EXPECT_TRUE(WaitProcessGone(children[0], absl::Seconds(1)));
}

}  // namespace
}  // namespace execd::process_testing
