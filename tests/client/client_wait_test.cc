// AsCompleted and Wait, like concurrent.futures.as_completed and wait.
#include "client/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

class ClientWaitTest : public ClientTestBase {
 protected:
  static void SetUpTestSuite() { StartServer({"--threads=5"}); }

  void TearDown() override {
    for (const TaskFuture& future : to_cancel_) (void)future.Cancel();
  }
  TaskFuture LongSleep() {
    to_cancel_.push_back(SubmitOrDie("sleep", Args(60)));
    return to_cancel_.back();
  }
  std::vector<TaskFuture> to_cancel_;
};

TEST_F(ClientWaitTest, AsCompletedYieldsInCompletionOrder) {
  TaskFuture slow = SubmitOrDie("sleep", Args(1.6));
  TaskFuture fast = SubmitOrDie("sleep", Args(0.1));
  TaskFuture middle = SubmitOrDie("sleep", Args(0.8));
  AsCompletedIterator completed =
      AsCompleted({slow, fast, middle, fast}, absl::Seconds(30));
  std::vector<std::string> order;
  while (true) {
    absl::StatusOr<TaskFuture> next = completed.Next();
    if (!next.ok()) {
      EXPECT_EQ(next.status().code(), absl::StatusCode::kOutOfRange)
          << next.status();
      break;
    }
    order.push_back(next->task_id());
  }
  EXPECT_EQ(order, (std::vector<std::string>{fast.task_id(), middle.task_id(),
                                             slow.task_id()}));
}

TEST_F(ClientWaitTest, AsCompletedYieldsFinishedFuturesFirst) {
  TaskFuture done = SubmitOrDie("echo");
  ASSERT_TRUE(done.Result(absl::Seconds(30)).ok());
  TaskFuture running = SubmitOrDie("sleep", Args(0.3));
  AsCompletedIterator completed = AsCompleted({running, done});
  absl::StatusOr<TaskFuture> first = completed.Next();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->task_id(), done.task_id());
  absl::StatusOr<TaskFuture> second = completed.Next();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->task_id(), running.task_id());
}

TEST_F(ClientWaitTest, AsCompletedTimesOut) {
  TaskFuture fast = SubmitOrDie("echo");
  AsCompletedIterator completed =
      AsCompleted({fast, LongSleep()}, absl::Milliseconds(500));
  absl::StatusOr<TaskFuture> first = completed.Next();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->task_id(), fast.task_id());
  EXPECT_EQ(completed.Next().status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ClientWaitTest, WaitFirstCompletedReturnsOnTheFirstEnding) {
  TaskFuture fast = SubmitOrDie("sleep", Args(0.1));
  TaskFuture slow = LongSleep();
  DoneAndNotDone result =
      Wait({slow, fast}, WaitMode::kFirstCompleted, absl::Seconds(30));
  ASSERT_EQ(result.done.size(), 1u);
  EXPECT_EQ(result.done[0].task_id(), fast.task_id());
  ASSERT_EQ(result.not_done.size(), 1u);
  EXPECT_EQ(result.not_done[0].task_id(), slow.task_id());
}

TEST_F(ClientWaitTest, WaitFirstExceptionReturnsOnAFailure) {
  TaskFuture slow = LongSleep();
  TaskFuture ok = SubmitOrDie("echo");
  ASSERT_TRUE(ok.Result(absl::Seconds(30)).ok());
  TaskFuture failing = SubmitOrDie("fail", Args("boom"));
  DoneAndNotDone result =
      Wait({slow, ok, failing}, WaitMode::kFirstException, absl::Seconds(30));
  EXPECT_EQ(result.done.size(), 2u);
  ASSERT_EQ(result.not_done.size(), 1u);
  EXPECT_EQ(result.not_done[0].task_id(), slow.task_id());
}

TEST_F(ClientWaitTest, WaitFirstExceptionWithoutFailureWaitsForAll) {
  std::vector<TaskFuture> futures = {SubmitOrDie("sleep", Args(0.2)),
                                     SubmitOrDie("sleep", Args(0.4))};
  DoneAndNotDone result =
      Wait(futures, WaitMode::kFirstException, absl::Seconds(30));
  EXPECT_EQ(result.done.size(), 2u);
  EXPECT_TRUE(result.not_done.empty());
}

TEST_F(ClientWaitTest, WaitAllCompleted) {
  std::vector<TaskFuture> futures;
  for (double seconds : {0.1, 0.3, 0.2}) {
    futures.push_back(SubmitOrDie("sleep", Args(seconds)));
  }
  futures.push_back(SubmitOrDie("fail", Args("boom")));
  DoneAndNotDone result =
      Wait(futures, WaitMode::kAllCompleted, absl::Seconds(30));
  EXPECT_EQ(result.done.size(), 4u);
  EXPECT_TRUE(result.not_done.empty());
  for (const TaskFuture& future : futures) {
    EXPECT_TRUE(future.KnownOutcome().has_value());
  }
}

TEST_F(ClientWaitTest, WaitTimesOut) {
  TaskFuture slow = LongSleep();
  const absl::Time start = absl::Now();
  DoneAndNotDone result =
      Wait({slow}, WaitMode::kAllCompleted, absl::Milliseconds(300));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_TRUE(result.done.empty());
  EXPECT_EQ(result.not_done.size(), 1u);
}

TEST_F(ClientWaitTest, MapKeepsInputOrder) {
  std::vector<std::vector<google::protobuf::Value>> items = {
      Args(0.6), Args(0.1), Args(0.3)};
  MapStream results = client_->Map("sleep", items);
  std::vector<int64_t> indexes;
  std::vector<std::string> values;
  v1::MapResult result;
  while (results.Next(&result)) {
    indexes.push_back(result.index());
    values.push_back(ValueToJson(result.task().result()));
    EXPECT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
  }
  EXPECT_TRUE(results.status().ok()) << results.status();
  EXPECT_EQ(indexes, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(values, (std::vector<std::string>{"0.6", "0.1", "0.3"}));
}

TEST_F(ClientWaitTest, MapOutcomesOnlyGivesOutcomesWithoutTasks) {
  MapOptions options;
  options.outcomes_only = true;
  options.chunksize = 2;
  MapStream results =
      client_->Map("sleep", {Args(0.2), Args(0), Args(0.1)}, options);
  std::vector<std::string> values;
  v1::MapResult result;
  while (results.Next(&result)) {
    EXPECT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_TRUE(result.task().task_id().empty());
    values.push_back(ValueToJson(result.task().result()));
  }
  EXPECT_TRUE(results.status().ok()) << results.status();
  EXPECT_EQ(values, (std::vector<std::string>{"0.2", "0", "0.1"}));
}

TEST_F(ClientWaitTest, MapUnorderedYieldsInCompletionOrder) {
  MapOptions options;
  options.unordered = true;
  MapStream results =
      client_->Map("sleep", {Args(1.2), Args(0.1), Args(0.6)}, options);
  std::vector<int64_t> indexes;
  v1::MapResult result;
  while (results.Next(&result)) indexes.push_back(result.index());
  EXPECT_TRUE(results.status().ok()) << results.status();
  EXPECT_EQ(indexes, (std::vector<int64_t>{1, 2, 0}));
}

TEST_F(ClientWaitTest, MapReportsFailedItemsAndStopsEarly) {
  MapStream failing = client_->Map("fail", {Args("one"), Args("two")});
  v1::MapResult result;
  ASSERT_TRUE(failing.Next(&result));
  EXPECT_EQ(result.task().state(), v1::TASK_STATE_FAILED);
  std::optional<v1::TaskError> error =
      GetTaskError(TaskOutcomeStatus(result.task()));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason(), "TASK_ERROR");
  EXPECT_EQ(error->message(), "one");

  MapStream long_running = client_->Map("sleep", {Args(0.05), Args(60)});
  ASSERT_TRUE(long_running.Next(&result));
  const absl::Time start = absl::Now();
  long_running.Cancel();  // must not wait for the 60 s item
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_FALSE(long_running.Next(&result));
}

TEST_F(ClientWaitTest, MapOfUnknownFunctionFails) {
  MapStream results = client_->Map("no_such_function", {Args(1)});
  v1::MapResult result;
  EXPECT_FALSE(results.Next(&result));
  EXPECT_EQ(results.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace execd::testing
