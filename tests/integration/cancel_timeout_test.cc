// Timeouts and Cancel on the thread pool: pending, delayed, running and
// terminal tasks; threads are freed promptly.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace execd::integration {
namespace {

class CancelTimeoutTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {"--threads=2"}) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(CancelTimeoutTest, TimeoutEndsFailedWithReasonTimeout) {
  StartServer();
  v1::SubmitRequest request = MakeSleep(10);
  *request.mutable_timeout() = Millis(200);
  const absl::Time start = absl::Now();
  v1::Task task = AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED) << task.ShortDebugString();
  EXPECT_EQ(task.error().reason(), "TIMEOUT");
  EXPECT_EQ(task.error().code(), 4);
  EXPECT_FALSE(task.error().message().empty());
  EXPECT_GE(ToTime(task.end_time()) - ToTime(task.start_time()),
            absl::Milliseconds(200));
  // The thread observes the cancellation and frees up.
  EXPECT_TRUE(PollUntil([&] { return ThreadPoolStatus(*stub_).busy() == 0; },
                        absl::Seconds(2)));
  EXPECT_EQ(ThreadPoolStatus(*stub_).failed(), 1);
}

// A timeout shorter than the time the server takes to record its timer must
// still end the task (the timer can fire before its id is stored).
TEST_F(CancelTimeoutTest, TinyTimeoutStillFires) {
  StartServer({"--threads=8"});
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    v1::SubmitRequest request = MakeSleep(3);
    request.mutable_timeout()->set_nanos(1 + i % 3 * 1000);
    ids.push_back(SubmitOk(*stub_, request));
  }
  for (const std::string& id : ids) {
    v1::Task task = AwaitTerminal(*stub_, id);
    EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED) << task.ShortDebugString();
    EXPECT_EQ(task.error().reason(), "TIMEOUT") << task.ShortDebugString();
  }
}

TEST_F(CancelTimeoutTest, TimedOutAttemptsAreRetried) {
  StartServer();
  v1::SubmitRequest request = MakeSleep(10);
  *request.mutable_timeout() = Millis(100);
  request.set_max_retries(1);
  v1::Task task = AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), "TIMEOUT");
  EXPECT_EQ(task.attempts(), 2);
}

TEST_F(CancelTimeoutTest, DefaultTaskTimeoutApplies) {
  StartServer({"--threads=2", "--default_task_timeout=300ms"});
  v1::Task task = AwaitTerminal(*stub_, SubmitOk(*stub_, MakeSleep(10)));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), "TIMEOUT");
  // A task's own timeout wins over the default.
  v1::SubmitRequest longer = MakeSleep(0.6);
  *longer.mutable_timeout() = Millis(5000);
  EXPECT_EQ(AwaitTerminal(*stub_, SubmitOk(*stub_, longer)).state(),
            v1::TASK_STATE_SUCCEEDED);
}

TEST_F(CancelTimeoutTest, CancelRunningTaskFreesTheThread) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, id, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  ASSERT_EQ(ThreadPoolStatus(*stub_).busy(), 1);
  const absl::Time start = absl::Now();
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, id, &response).ok());
  EXPECT_TRUE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(response.task().error().reason(), "CANCELLED");
  EXPECT_EQ(response.task().error().code(), 1);
  EXPECT_TRUE(response.task().has_end_time());
  // Built-ins observe the token within 100 ms; allow for a noisy machine.
  EXPECT_TRUE(PollUntil([&] { return ThreadPoolStatus(*stub_).busy() == 0; },
                        absl::Seconds(1)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  v1::Task task = AwaitTerminal(*stub_, id);
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ThreadPoolStatus(*stub_).cancelled(), 1);
  // The freed thread takes new work.
  EXPECT_EQ(AwaitTerminal(*stub_, SubmitOk(*stub_, MakeSubmit("echo"))).state(),
            v1::TASK_STATE_SUCCEEDED);
}

TEST_F(CancelTimeoutTest, CancelPendingTaskNeverRuns) {
  StartServer({"--threads=1"});
  const std::string blocker = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, blocker, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  const std::string queued = SubmitOk(*stub_, MakeSubmit("echo"));
  EXPECT_EQ(ThreadPoolStatus(*stub_).queue_depth(), 1);
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, queued, &response).ok());
  EXPECT_TRUE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ThreadPoolStatus(*stub_).queue_depth(), 0);

  ASSERT_TRUE(Cancel(*stub_, blocker, &response).ok());
  // Give the thread the chance to (wrongly) pick the cancelled task up.
  const std::string after = SubmitOk(*stub_, MakeSubmit("echo"));
  EXPECT_EQ(AwaitTerminal(*stub_, after).state(), v1::TASK_STATE_SUCCEEDED);
  v1::Task task;
  ASSERT_TRUE(GetTask(*stub_, queued, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(task.attempts(), 0);
  EXPECT_FALSE(task.has_start_time());
  EXPECT_FALSE(task.has_result());
}

TEST_F(CancelTimeoutTest, CancelDelayedTask) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("echo");
  *request.mutable_delay() = Millis(10000);
  const std::string id = SubmitOk(*stub_, request);
  EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 1);
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, id, &response).ok());
  EXPECT_TRUE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 0);
  EXPECT_EQ(ThreadPoolStatus(*stub_).queue_depth(), 0);
}

TEST_F(CancelTimeoutTest, CancelTerminalTaskChangesNothing) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSubmit("echo", {Number(7)}));
  v1::Task done = AwaitTerminal(*stub_, id);
  ASSERT_EQ(done.state(), v1::TASK_STATE_SUCCEEDED);
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, id, &response).ok());
  EXPECT_FALSE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_FALSE(response.task().has_error());
  EXPECT_EQ(response.task().end_time().seconds(), done.end_time().seconds());
  EXPECT_EQ(response.task().end_time().nanos(), done.end_time().nanos());
  // Cancelling twice: the second call reports nothing cancelled.
  const std::string running = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(Cancel(*stub_, running, &response).ok());
  EXPECT_TRUE(response.cancelled());
  ASSERT_TRUE(Cancel(*stub_, running, &response).ok());
  EXPECT_FALSE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ThreadPoolStatus(*stub_).cancelled(), 1);
}

TEST_F(CancelTimeoutTest, CancelledTaskIsNotRetried) {
  StartServer();
  v1::SubmitRequest request = MakeSleep(30);
  request.set_max_retries(3);
  const std::string id = SubmitOk(*stub_, request);
  ASSERT_TRUE(WaitForState(*stub_, id, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, id, &response).ok());
  EXPECT_TRUE(response.cancelled());
  absl::SleepFor(absl::Milliseconds(500));  // longer than the first backoff
  v1::Task task;
  ASSERT_TRUE(GetTask(*stub_, id, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(task.attempts(), 1);
  EXPECT_EQ(ThreadPoolStatus(*stub_).busy(), 0);
}

TEST_F(CancelTimeoutTest, CancelDuringRetryBackoff) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("fail", {Str("x")});
  request.set_max_retries(10);  // backoff reaches seconds: time to cancel
  const std::string id = SubmitOk(*stub_, request);
  ASSERT_TRUE(PollUntil(
      [&] {
        v1::Task task;
        return GetTask(*stub_, id, &task).ok() && task.attempts() >= 3 &&
               task.state() == v1::TASK_STATE_PENDING;
      },
      absl::Seconds(5)));
  v1::CancelResponse response;
  ASSERT_TRUE(Cancel(*stub_, id, &response).ok());
  EXPECT_TRUE(response.cancelled());
  EXPECT_EQ(response.task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 0);
  const int attempts = response.task().attempts();
  absl::SleepFor(absl::Seconds(1));
  v1::Task task;
  ASSERT_TRUE(GetTask(*stub_, id, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(task.attempts(), attempts);
}

}  // namespace
}  // namespace execd::integration
