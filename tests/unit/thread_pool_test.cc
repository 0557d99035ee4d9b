// The thread pool against a recording host: what it reports and when.
#include "server/pools/thread_pool.h"

#include <vector>

#include "gtest/gtest.h"
#include "server/functions/encoded_value.h"
#include "server/functions/registry.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

class RecordingHost : public PoolHost {
 public:
  std::shared_ptr<CancellationToken> BeginAttempt(const TaskPtr& task,
                                                  std::string worker) override {
    absl::MutexLock lock(&mu_);
    if (skip_) return nullptr;
    workers_.push_back(worker);
    auto token = std::make_shared<CancellationToken>();
    tokens_.push_back(token);
    return token;
  }
  void EndAttempt(const TaskPtr& task, const CancellationToken* token,
                  AttemptResult result) override {
    absl::MutexLock lock(&mu_);
    results_.push_back(std::move(result));
  }
  bool ReturnAttempt(const TaskPtr&, const CancellationToken*) override {
    return false;  // the thread pool never gives an attempt back
  }
  void WorkerRestarted(absl::string_view) override {}

  void set_skip(bool skip) {
    absl::MutexLock lock(&mu_);
    skip_ = skip;
  }
  size_t ended() {
    absl::MutexLock lock(&mu_);
    return results_.size();
  }
  AttemptResult result(size_t i) {
    absl::MutexLock lock(&mu_);
    return results_[i];
  }
  std::shared_ptr<CancellationToken> token(size_t i) {
    absl::MutexLock lock(&mu_);
    return tokens_[i];
  }
  size_t begun() {
    absl::MutexLock lock(&mu_);
    return tokens_.size();
  }

 private:
  absl::Mutex mu_;
  bool skip_ = false;
  std::vector<std::string> workers_;
  std::vector<std::shared_ptr<CancellationToken>> tokens_;
  std::vector<AttemptResult> results_;
};

class ThreadPoolTest : public ::testing::Test {
 protected:
  TaskPtr Task(const std::string& function,
               std::vector<google::protobuf::Value> args) {
    auto task = std::make_shared<TaskRecord>();
    task->seq = ++seq_;
    task->function = *registry_.Find(function);
    for (auto& arg : args) *task->mutable_inputs().args.add_values() = arg;
    return task;
  }

  FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
  FunctionLimits limits_;
  TaskQueue queue_;
  RecordingHost host_;
  uint64_t seq_ = 0;
};

TEST_F(ThreadPoolTest, ReportsSuccessAndFailure) {
  ThreadPool pool(2, &queue_, &host_, &limits_);
  pool.Start();
  queue_.Push(Task("primes", {testing::Number(100000)}));
  ASSERT_TRUE(testing::Eventually([&] { return host_.ended() == 1; }));
  EXPECT_TRUE(host_.result(0).ok);
  EXPECT_EQ(DecodedValue(host_.result(0).result).number_value(), 9592);
  queue_.Push(Task("fail", {testing::String("bad")}));
  ASSERT_TRUE(testing::Eventually([&] { return host_.ended() == 2; }));
  EXPECT_FALSE(host_.result(1).ok);
  EXPECT_EQ(host_.result(1).error.reason(), "TASK_ERROR");
  EXPECT_EQ(host_.result(1).error.message(), "bad");
  queue_.Close();
  pool.Stop();
}

TEST_F(ThreadPoolTest, SkipsTasksTheHostRefuses) {
  ThreadPool pool(1, &queue_, &host_, &limits_);
  host_.set_skip(true);
  pool.Start();
  queue_.Push(Task("echo", {}));
  ASSERT_TRUE(testing::Eventually([&] { return queue_.size() == 0; }));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(host_.ended(), 0u);
  queue_.Close();
  pool.Stop();
}

TEST_F(ThreadPoolTest, TokenStopsRunningSleepAndCountsBusy) {
  ThreadPool pool(3, &queue_, &host_, &limits_);
  pool.Start();
  EXPECT_EQ(pool.Counts().workers, 3);
  queue_.Push(Task("sleep", {testing::Number(60)}));
  ASSERT_TRUE(testing::Eventually([&] { return pool.Counts().busy == 1; }));
  EXPECT_EQ(pool.Counts().idle, 2);
  const absl::Time start = absl::Now();
  host_.token(0)->Cancel();
  ASSERT_TRUE(testing::Eventually([&] { return host_.ended() == 1; }));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_FALSE(host_.result(0).ok);
  EXPECT_EQ(pool.Counts().busy, 0);
  queue_.Close();
  pool.Stop();
}

TEST_F(ThreadPoolTest, CancelStopsPrimesWithin100ms) {
  ThreadPool pool(1, &queue_, &host_, &limits_);
  pool.Start();
  queue_.Push(Task("primes", {testing::Number(1000000000)}));
  ASSERT_TRUE(testing::Eventually([&] { return host_.begun() == 1; }));
  absl::SleepFor(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  host_.token(0)->Cancel();
  ASSERT_TRUE(testing::Eventually([&] { return host_.ended() == 1; }));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  queue_.Close();
  pool.Stop();
}

}  // namespace
}  // namespace execd
