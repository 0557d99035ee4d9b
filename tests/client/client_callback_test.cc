// AddDoneCallback: exactly once per task, fed by one shared Callback stream.
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/client.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

// Counts callback runs per task id and keeps the outcome each one saw.
class CallbackRecorder {
 public:
  TaskFuture::DoneCallback Callback() {
    return [this](const TaskFuture& future) {
      std::optional<absl::StatusOr<v1::Task>> outcome = future.KnownOutcome();
      absl::MutexLock lock(&mu_);
      ++calls_[future.task_id()];
      if (outcome.has_value()) {
        if (outcome->ok()) {
          states_[future.task_id()] = (*outcome)->state();
        } else {
          errors_[future.task_id()] = outcome->status().code();
        }
      }
      threads_[future.task_id()] = std::this_thread::get_id();
    };
  }
  int Calls(const std::string& task_id) {
    absl::MutexLock lock(&mu_);
    return calls_.count(task_id) ? calls_[task_id] : 0;
  }
  int TotalCalls() {
    absl::MutexLock lock(&mu_);
    int total = 0;
    for (const auto& [id, calls] : calls_) total += calls;
    return total;
  }
  v1::TaskState State(const std::string& task_id) {
    absl::MutexLock lock(&mu_);
    return states_[task_id];
  }
  absl::StatusCode Error(const std::string& task_id) {
    absl::MutexLock lock(&mu_);
    return errors_.count(task_id) ? errors_[task_id] : absl::StatusCode::kOk;
  }
  std::thread::id Thread(const std::string& task_id) {
    absl::MutexLock lock(&mu_);
    return threads_[task_id];
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::TaskState> states_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::StatusCode> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
};

// Lets late duplicate callbacks show up before counting.
void SettleCallbacks() { absl::SleepFor(absl::Milliseconds(300)); }

class ClientCallbackTest : public ClientTestBase {
 protected:
  static void SetUpTestSuite() { StartServer({"--threads=5"}); }
  CallbackRecorder recorder_;
};

TEST_F(ClientCallbackTest, FiresOnceWhenARunningTaskEnds) {
  TaskFuture future = SubmitOrDie("sleep", Args(0.3));
  future.AddDoneCallback(recorder_.Callback());
  ASSERT_TRUE(
      Eventually([&] { return recorder_.Calls(future.task_id()) > 0; }));
  SettleCallbacks();
  EXPECT_EQ(recorder_.Calls(future.task_id()), 1);
  EXPECT_EQ(recorder_.State(future.task_id()), v1::TASK_STATE_SUCCEEDED);
  // Result must agree without another wait.
  EXPECT_TRUE(future.KnownOutcome().has_value());
}

TEST_F(ClientCallbackTest, FiresAtOnceInThisThreadForAResolvedFuture) {
  TaskFuture future = SubmitOrDie("echo");
  ASSERT_TRUE(future.Result(absl::Seconds(30)).ok());
  future.AddDoneCallback(recorder_.Callback());
  EXPECT_EQ(recorder_.Calls(future.task_id()), 1);
  EXPECT_EQ(recorder_.Thread(future.task_id()), std::this_thread::get_id());
  SettleCallbacks();
  EXPECT_EQ(recorder_.Calls(future.task_id()), 1);
}

TEST_F(ClientCallbackTest, FiresForATaskThatEndedBeforeTheStreamOpened) {
  // A fresh client: its shared stream opens only on the first callback, after
  // this task ended, so only the GetTask check can see the ending.
  TaskFuture future = SubmitOrDie("echo");
  ASSERT_TRUE(Eventually([&] {
    auto task = client_->GetTask(future.task_id());
    return task.ok() && task->state() == v1::TASK_STATE_SUCCEEDED;
  }));
  Client other(CreateChannel(server_->target()));
  TaskFuture fresh = other.FutureFor(future.task_id());
  fresh.AddDoneCallback(recorder_.Callback());
  ASSERT_TRUE(Eventually([&] { return recorder_.Calls(fresh.task_id()) > 0; }));
  SettleCallbacks();
  EXPECT_EQ(recorder_.Calls(fresh.task_id()), 1);
  EXPECT_EQ(recorder_.State(fresh.task_id()), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(ClientCallbackTest, FiresOnceForCancelledAndFailedTasks) {
  SubmitOptions delayed;
  delayed.delay = absl::Seconds(60);
  TaskFuture pending = SubmitOrDie("echo", {}, delayed);
  TaskFuture running = SubmitOrDie("sleep", Args(60));
  TaskFuture failing = SubmitOrDie("fail", Args("boom"));
  for (const TaskFuture& future : {pending, running, failing}) {
    future.AddDoneCallback(recorder_.Callback());
  }
  ASSERT_TRUE(Eventually([&] { return running.Running().value_or(false); }));
  ASSERT_TRUE(client_->Cancel(pending.task_id()).ok());
  ASSERT_TRUE(client_->Cancel(running.task_id()).ok());

  ASSERT_TRUE(Eventually([&] { return recorder_.TotalCalls() >= 3; }));
  SettleCallbacks();
  EXPECT_EQ(recorder_.Calls(pending.task_id()), 1);
  EXPECT_EQ(recorder_.Calls(running.task_id()), 1);
  EXPECT_EQ(recorder_.Calls(failing.task_id()), 1);
  EXPECT_EQ(recorder_.State(pending.task_id()), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(recorder_.State(running.task_id()), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(recorder_.State(failing.task_id()), v1::TASK_STATE_FAILED);
}

TEST_F(ClientCallbackTest, EveryCallbackOfEveryFutureFiresOnce) {
  std::vector<TaskFuture> futures;
  for (int i = 0; i < 20; ++i) {
    futures.push_back(SubmitOrDie("sleep", Args(0.01 * (i % 5))));
  }
  for (const TaskFuture& future : futures) {
    future.AddDoneCallback(recorder_.Callback());
    future.AddDoneCallback(recorder_.Callback());
  }
  ASSERT_TRUE(Eventually([&] { return recorder_.TotalCalls() >= 40; }));
  SettleCallbacks();
  for (const TaskFuture& future : futures) {
    EXPECT_EQ(recorder_.Calls(future.task_id()), 2) << future.task_id();
  }
  EXPECT_EQ(recorder_.TotalCalls(), 40);
}

TEST_F(ClientCallbackTest, OneClientOpensOneCallbackStream) {
  auto streams = [&]() -> int {
    absl::StatusOr<std::string> metrics =
        HttpGet(server_->metrics_port(), "/metrics");
    if (!metrics.ok()) return -1;
    for (absl::string_view line : absl::StrSplit(*metrics, '\n')) {
      if (absl::StartsWith(line, "execd_callback_streams ")) {
        double value = -1;
        if (absl::SimpleAtod(line.substr(line.find(' ') + 1), &value)) {
          return static_cast<int>(value);
        }
      }
    }
    return -1;
  };
  ASSERT_GE(streams(), 0) << "no execd_callback_streams gauge";
  // Streams of earlier tests' clients close asynchronously.
  ASSERT_TRUE(Eventually([&] { return streams() == 0; }));
  const int before = 0;
  std::vector<TaskFuture> futures;
  for (int i = 0; i < 10; ++i) {
    futures.push_back(SubmitOrDie("sleep", Args(1)));
    futures.back().AddDoneCallback(recorder_.Callback());
  }
  EXPECT_TRUE(Eventually([&] { return streams() == before + 1; }));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(streams(), before + 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.TotalCalls() == 10; }));
}

}  // namespace
}  // namespace execd::testing
