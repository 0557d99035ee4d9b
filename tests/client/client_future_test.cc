// TaskFuture against a real server: results, errors, state queries, cancel.
#include "absl/strings/match.h"
#include "client/cpp/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

using ::testing::HasSubstr;

class ClientFutureTest : public ClientTestBase {
 protected:
  static void SetUpTestSuite() { StartServer({"--threads=5"}); }
};

TEST_F(ClientFutureTest, ResultReturnsTheSucceededTask) {
  SubmitOptions options;
  options.kwargs = Kwargs({{"key", ToValue("value")}});
  TaskFuture future = SubmitOrDie("echo", Args(2, "two", true), options);
  EXPECT_EQ(future.task_id().size(), 32u);

  absl::StatusOr<v1::Task> task = future.Result(absl::Seconds(30));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(task->task_id(), future.task_id());
  const auto& fields = task->result().struct_value().fields();
  ASSERT_TRUE(fields.contains("args") && fields.contains("kwargs"));
  EXPECT_EQ(ValueToJson(fields.at("args")), R"([2,"two",true])");
  EXPECT_EQ(ValueToJson(fields.at("kwargs")), R"({"key":"value"})");
}

TEST_F(ClientFutureTest, OptionsReachTheServer) {
  SubmitOptions options;
  options.input = "raw bytes";
  options.labels = {{"team", "client"}};
  options.priority = 3;
  options.pool = v1::POOL_THREAD;
  options.request_id = "options-test-request";
  absl::StatusOr<v1::Task> task =
      SubmitOrDie("echo", {}, options).Result(absl::Seconds(30));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->output(), "raw bytes");
  EXPECT_EQ(task->labels().at("team"), "client");
  EXPECT_EQ(task->priority(), 3);
  EXPECT_EQ(task->pool(), v1::POOL_THREAD);
  EXPECT_EQ(task->request_id(), "options-test-request");
}

TEST_F(ClientFutureTest, EverySubmitCarriesARequestId) {
  absl::StatusOr<v1::Task> task = SubmitOrDie("echo").Result(absl::Seconds(30));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->request_id().size(), 32u);
}

TEST_F(ClientFutureTest, RepeatedRequestIdReturnsTheSameTask) {
  v1::SubmitRequest request;
  request.set_function("echo");
  request.set_request_id("same-key-twice");
  absl::StatusOr<v1::SubmitResponse> first = client_->SubmitRequest(request);
  absl::StatusOr<v1::SubmitResponse> second = client_->SubmitRequest(request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->task_id(), second->task_id());
  EXPECT_FALSE(first->duplicate());
  EXPECT_TRUE(second->duplicate());
}

TEST_F(ClientFutureTest, FailedTaskGivesItsTaskError) {
  TaskFuture future = SubmitOrDie("fail", Args("boom"));
  absl::StatusOr<v1::Task> result = future.Result(absl::Seconds(30));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("TASK_ERROR"));
  EXPECT_THAT(result.status().message(), HasSubstr("boom"));
  std::optional<v1::TaskError> error = GetTaskError(result.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason(), "TASK_ERROR");
  EXPECT_THAT(error->message(), HasSubstr("boom"));

  absl::StatusOr<v1::Task> finished = future.FinishedTask();
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(finished->state(), v1::TASK_STATE_FAILED);
}

TEST_F(ClientFutureTest, ResultTimesOutWhileTheTaskRuns) {
  TaskFuture future = SubmitOrDie("sleep", Args(30));
  absl::StatusOr<v1::Task> result = future.Result(absl::Milliseconds(200));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded)
      << result.status();
  EXPECT_FALSE(future.KnownOutcome().has_value());
  ASSERT_TRUE(future.Cancel().ok());
}

TEST_F(ClientFutureTest, StateQueriesFollowTheTask) {
  TaskFuture future = SubmitOrDie("sleep", Args(0.5));
  EXPECT_TRUE(Eventually([&] { return future.Running().value_or(false); }));
  EXPECT_FALSE(future.Done().value_or(false));
  EXPECT_FALSE(future.Cancelled().value_or(false));

  ASSERT_TRUE(future.Result(absl::Seconds(30)).ok());
  EXPECT_TRUE(future.Done().value_or(false));
  EXPECT_FALSE(future.Running().value_or(false));
  EXPECT_FALSE(future.Cancelled().value_or(false));
}

TEST_F(ClientFutureTest, CancelsAPendingTask) {
  SubmitOptions options;
  options.delay = absl::Seconds(60);
  TaskFuture future = SubmitOrDie("echo", {}, options);
  EXPECT_FALSE(future.Running().value_or(false));

  absl::StatusOr<bool> cancelled = future.Cancel();
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(*cancelled);
  EXPECT_TRUE(future.Cancelled().value_or(false));
  EXPECT_TRUE(future.Done().value_or(false));
  absl::StatusOr<v1::Task> result = future.Result(absl::Seconds(10));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ClientFutureTest, CancelsARunningTask) {
  TaskFuture future = SubmitOrDie("sleep", Args(60));
  ASSERT_TRUE(Eventually([&] { return future.Running().value_or(false); }));

  absl::StatusOr<bool> cancelled = future.Cancel();
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(*cancelled);
  absl::StatusOr<v1::Task> result = future.Result(absl::Seconds(10));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled)
      << result.status();
  EXPECT_TRUE(future.Cancelled().value_or(false));
}

TEST_F(ClientFutureTest, CannotCancelAFinishedTask) {
  TaskFuture future = SubmitOrDie("echo");
  ASSERT_TRUE(future.Result(absl::Seconds(30)).ok());
  absl::StatusOr<bool> cancelled = future.Cancel();
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_FALSE(*cancelled);
  EXPECT_FALSE(future.Cancelled().value_or(false));
}

TEST_F(ClientFutureTest, UnknownFunctionIsNotFound) {
  absl::StatusOr<TaskFuture> future = client_->Submit("no_such_function");
  EXPECT_EQ(future.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(future.status().message(), HasSubstr("no_such_function"));
}

TEST_F(ClientFutureTest, FutureForAnUnknownTaskIsNotFound) {
  TaskFuture future = client_->FutureFor(std::string(32, 'a'));
  EXPECT_EQ(future.Result(absl::Seconds(5)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(future.Done().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClientFutureTest, FutureForATaskSubmittedElsewhere) {
  TaskFuture original = SubmitOrDie("echo", Args("elsewhere"));
  TaskFuture found = client_->FutureFor(original.task_id());
  absl::StatusOr<v1::Task> task = found.Result(absl::Seconds(30));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), original.task_id());
}

TEST_F(ClientFutureTest, ListsFunctionsPoolsAndTasks) {
  absl::StatusOr<v1::ListFunctionsResponse> functions =
      client_->ListFunctions();
  ASSERT_TRUE(functions.ok()) << functions.status();
  std::vector<std::string> names;
  for (const auto& function : functions->functions()) {
    names.push_back(function.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"echo", "sleep", "fail"}));

  absl::StatusOr<v1::GetPoolsResponse> pools = client_->GetPools();
  ASSERT_TRUE(pools.ok()) << pools.status();
  EXPECT_GE(pools->pools_size(), 1);

  TaskFuture future = SubmitOrDie("echo", {}, [] {
    SubmitOptions options;
    options.labels = {{"list-test", "yes"}};
    return options;
  }());
  ASSERT_TRUE(future.Result(absl::Seconds(30)).ok());
  v1::ListTasksRequest request;
  (*request.mutable_labels())["list-test"] = "yes";
  absl::StatusOr<v1::ListTasksResponse> tasks = client_->ListTasks(request);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->tasks_size(), 1);
  EXPECT_EQ(tasks->tasks(0).task_id(), future.task_id());
}

}  // namespace
}  // namespace execd::testing
