// Retries: queue full (RESOURCE_EXHAUSTED + retry-delay-ms), a server
// restarted between attempts, and the shared callback stream reopening.
#include <signal.h>

#include <atomic>
#include <thread>

#include "client/cpp/client.h"
#include "client/cpp/retry.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

ClientOptions PatientOptions() {
  ClientOptions options;
  options.retry.max_attempts = 20;
  options.retry.max_backoff = absl::Milliseconds(500);
  return options;
}

TEST(CallWithRetryTest, RetriesOnlyRetryableCodesAndStops) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = absl::Milliseconds(1);
  int attempts = 0;
  absl::Status status =
      CallWithRetry(policy, absl::InfiniteFuture(), [&](grpc::ClientContext&) {
        ++attempts;
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "down");
  EXPECT_EQ(attempts, 3);

  attempts = 0;
  status =
      CallWithRetry(policy, absl::InfiniteFuture(), [&](grpc::ClientContext&) {
        ++attempts;
        return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(attempts, 1);

  attempts = 0;
  status =
      CallWithRetry(policy, absl::InfiniteFuture(), [&](grpc::ClientContext&) {
        return ++attempts < 2
                   ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full")
                   : grpc::Status::OK;
      });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 2);
}

TEST(CallWithRetryTest, GivesUpAtTheDeadline) {
  RetryPolicy policy;
  policy.max_attempts = 100;
  policy.initial_backoff = absl::Milliseconds(50);
  const absl::Time start = absl::Now();
  absl::Status status = CallWithRetry(
      policy, start + absl::Milliseconds(300), [](grpc::ClientContext&) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(NewRequestIdTest, IsRandomHex) {
  std::string first = NewRequestId();
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(first, NewRequestId());
}

TEST(ClientRetryTest, SubmitWaitsOutAFullQueue) {
  auto server = ServerProcess::Start({"--threads=1", "--queue_capacity=1"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();

  // Fill the one thread and the one queue slot until the server refuses.
  bool refused = false;
  for (int i = 0; i < 10 && !refused; ++i) {
    grpc::ClientContext context;
    v1::SubmitRequest request;
    request.set_function("sleep");
    request.add_args()->set_number_value(0.5);
    v1::SubmitResponse response;
    grpc::Status status = stub->Submit(&context, request, &response);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      refused = true;
      EXPECT_GT(RetryDelayHint(context), absl::ZeroDuration())
          << "no retry-delay-ms trailer";
    } else {
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }
  ASSERT_TRUE(refused) << "the queue never filled up";

  Client client(CreateChannel((*server)->target()), PatientOptions());
  absl::StatusOr<TaskFuture> future = client.Submit("echo", Args("late"));
  ASSERT_TRUE(future.ok()) << future.status();
  absl::StatusOr<v1::Task> task = future->Result(absl::Seconds(60));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->state(), v1::TASK_STATE_SUCCEEDED);
}

// Starts a server on `port` after `delay`, on another thread.
class DelayedServer {
 public:
  DelayedServer(int port, absl::Duration delay)
      : thread_([this, port, delay] {
          absl::SleepFor(delay);
          server_ = ServerProcess::Start(
              {"--threads=2", absl::StrCat("--grpc_address=127.0.0.1:", port)});
        }) {}
  ~DelayedServer() {
    if (thread_.joinable()) thread_.join();
  }
  absl::StatusOr<std::unique_ptr<ServerProcess>>& Get() {
    if (thread_.joinable()) thread_.join();
    return server_;
  }

 private:
  absl::StatusOr<std::unique_ptr<ServerProcess>> server_ =
      absl::UnknownError("not started");
  std::thread thread_;
};

TEST(ClientRetryTest, SubmitSurvivesAServerRestart) {
  auto first = ServerProcess::Start({"--threads=2"});
  ASSERT_TRUE(first.ok()) << first.status();
  const int port = (*first)->grpc_port();
  Client client(CreateChannel((*first)->target()), PatientOptions());
  ASSERT_TRUE(client.Submit("echo").ok());  // connected once

  (*first)->Signal(SIGKILL);
  ASSERT_TRUE((*first)->WaitForExit(absl::Seconds(10)).ok());
  DelayedServer second(port, absl::Milliseconds(800));

  SubmitOptions options;
  options.request_id = "submitted-across-a-restart";
  absl::StatusOr<TaskFuture> future =
      client.Submit("echo", Args("again"), options);
  ASSERT_TRUE(second.Get().ok()) << second.Get().status();
  ASSERT_TRUE(future.ok()) << future.status();
  absl::StatusOr<v1::Task> task = future->Result(absl::Seconds(30));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->request_id(), "submitted-across-a-restart");

  // The request id made it exactly one task on the new server.
  v1::ListTasksRequest request;
  request.set_function("echo");
  absl::StatusOr<v1::ListTasksResponse> tasks = client.ListTasks(request);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  EXPECT_EQ(tasks->tasks_size(), 1);
}

TEST(ClientRetryTest, CallbackStreamReopensAfterAServerRestart) {
  // Declared before the client: its callbacks may run until it is gone.
  std::atomic<int> lost_calls{0};
  std::atomic<int> fresh_calls{0};
  auto first = ServerProcess::Start({"--threads=2"});
  ASSERT_TRUE(first.ok()) << first.status();
  const int port = (*first)->grpc_port();
  Client client(CreateChannel((*first)->target()), PatientOptions());
  absl::StatusOr<TaskFuture> lost = client.Submit("sleep", Args(60));
  ASSERT_TRUE(lost.ok()) << lost.status();
  lost->AddDoneCallback([&](const TaskFuture&) { ++lost_calls; });
  absl::SleepFor(absl::Milliseconds(200));  // let the stream open

  (*first)->Signal(SIGKILL);
  ASSERT_TRUE((*first)->WaitForExit(absl::Seconds(10)).ok());
  DelayedServer second(port, absl::Milliseconds(300));
  ASSERT_TRUE(second.Get().ok()) << second.Get().status();

  // The new server never heard of the task: the future ends NOT_FOUND.
  ASSERT_TRUE(
      Eventually([&] { return lost_calls.load() > 0; }, absl::Seconds(20)));
  ASSERT_TRUE(lost->KnownOutcome().has_value());
  EXPECT_EQ(lost->KnownOutcome()->status().code(), absl::StatusCode::kNotFound);

  // And tasks of the new server get their callbacks from a new stream.
  absl::StatusOr<TaskFuture> fresh = client.Submit("sleep", Args(0.2));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  fresh->AddDoneCallback([&](const TaskFuture&) { ++fresh_calls; });
  ASSERT_TRUE(Eventually([&] { return fresh_calls.load() > 0; }));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(lost_calls.load(), 1);
  EXPECT_EQ(fresh_calls.load(), 1);
}

}  // namespace
}  // namespace execd::testing
