// Client::SubmitMany against a real server: order, per-request refusals,
// several SubmitBatch messages, and request ids that make a repeat run
// nothing twice.
#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/cpp/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

using Items = std::vector<std::vector<google::protobuf::Value>>;

class ClientSubmitManyTest : public ClientTestBase {
 protected:
  static void SetUpTestSuite() { StartServer({"--threads=5"}); }
};

TEST_F(ClientSubmitManyTest, FuturesComeInItemOrderAcrossBatches) {
  constexpr int kItems = 2500;  // three SubmitBatch messages
  Items items;
  for (int i = 0; i < kItems; ++i) items.push_back(Args(i, "x"));
  SubmitOptions options;
  options.kwargs = Kwargs({{"flag", ToValue(true)}});
  auto futures = client_->SubmitMany("echo", items, options);
  ASSERT_TRUE(futures.ok()) << futures.status();
  ASSERT_EQ(futures->size(), static_cast<size_t>(kItems));
  std::set<std::string> task_ids;
  for (int i = 0; i < kItems; ++i) {
    const absl::StatusOr<TaskFuture>& future = (*futures)[i];
    ASSERT_TRUE(future.ok()) << future.status();
    task_ids.insert(future->task_id());
    absl::StatusOr<v1::Task> task = future->Result(absl::Seconds(60));
    ASSERT_TRUE(task.ok()) << task.status();
    const auto& fields = task->result().struct_value().fields();
    EXPECT_EQ(ValueToJson(fields.at("args")),
              "[" + std::to_string(i) + ",\"x\"]");
    EXPECT_EQ(ValueToJson(fields.at("kwargs")), R"({"flag":true})");
  }
  EXPECT_EQ(task_ids.size(), static_cast<size_t>(kItems));
}

TEST_F(ClientSubmitManyTest, FuturesResolveFromTheStreamAlone) {
  // Nobody calls Result or adds a callback: only the SubmitMany stream's
  // FINISHED events can resolve these futures.
  Items items;
  for (int i = 0; i < 300; ++i) items.push_back(Args(i));
  auto futures = client_->SubmitMany("echo", items);
  ASSERT_TRUE(futures.ok()) << futures.status();
  EXPECT_TRUE(Eventually([&] {
    for (const absl::StatusOr<TaskFuture>& future : *futures) {
      if (!future->KnownOutcome().has_value()) return false;
    }
    return true;
  }));
  std::optional<absl::StatusOr<v1::Task>> last =
      futures->back()->KnownOutcome();
  ASSERT_TRUE(last.has_value() && last->ok());
  EXPECT_EQ((*last)->state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(ClientSubmitManyTest, DoneCallbacksRunOnceEach) {
  Items items;
  for (int i = 0; i < 500; ++i) items.push_back(Args(i));
  auto futures = client_->SubmitMany("echo", items);
  ASSERT_TRUE(futures.ok()) << futures.status();
  std::atomic<int> calls{0};
  for (const absl::StatusOr<TaskFuture>& future : *futures) {
    future->AddDoneCallback([&calls](const TaskFuture&) { ++calls; });
  }
  EXPECT_TRUE(Eventually([&] { return calls.load() == 500; }));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(calls.load(), 500);
}

TEST_F(ClientSubmitManyTest, CallbacksOutliveTheStream) {
  // The stream's deadline (call_timeout per batch) passes before the tasks
  // end: the client's callback hub takes over the waiting callbacks.
  ClientOptions options;
  options.call_timeout = absl::Milliseconds(500);
  Client client(CreateChannel(server_->target()), options);
  auto futures = client.SubmitMany("sleep", {Args(1.5), Args(1.5)});
  ASSERT_TRUE(futures.ok()) << futures.status();
  std::atomic<int> calls{0};
  for (const absl::StatusOr<TaskFuture>& future : *futures) {
    ASSERT_TRUE(future.ok()) << future.status();
    future->AddDoneCallback([&calls](const TaskFuture& done) {
      EXPECT_EQ(done.KnownOutcome()->value().result().number_value(), 1.5);
      ++calls;
    });
  }
  EXPECT_TRUE(Eventually([&] { return calls.load() == 2; }, absl::Seconds(20)));
}

TEST_F(ClientSubmitManyTest, NoItemsIsNoCall) {
  auto futures = client_->SubmitMany("echo", {});
  ASSERT_TRUE(futures.ok()) << futures.status();
  EXPECT_TRUE(futures->empty());
}

TEST_F(ClientSubmitManyTest, RefusedRequestFailsOnlyItsEntry) {
  auto futures = client_->SubmitMany("sleep", {Args(0.1), Args(-1), Args(0.2)});
  ASSERT_TRUE(futures.ok()) << futures.status();
  ASSERT_EQ(futures->size(), 3u);
  ASSERT_TRUE((*futures)[0].ok());
  ASSERT_TRUE((*futures)[2].ok());
  EXPECT_EQ((*futures)[1].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE((*futures)[1].status().message().empty());
  absl::StatusOr<v1::Task> first = (*futures)[0]->Result(absl::Seconds(30));
  absl::StatusOr<v1::Task> last = (*futures)[2]->Result(absl::Seconds(30));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(first->result().number_value(), 0.1);
  EXPECT_EQ(last->result().number_value(), 0.2);

  auto unknown = client_->SubmitMany("primez", {Args(1)});
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ((*unknown)[0].status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClientSubmitManyTest, RepeatWithTheSameRequestIdRunsNothingTwice) {
  SubmitOptions options;
  options.pool = v1::POOL_PROCESS;
  options.request_id = "cpp-submit-many";
  const Items items = {Args(100), Args(1000)};
  auto first = client_->SubmitMany("primes", items, options);
  auto again = client_->SubmitMany("primes", items, options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  const std::vector<double> expected = {25, 168};
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_TRUE((*first)[i].ok() && (*again)[i].ok());
    EXPECT_EQ((*first)[i]->task_id(), (*again)[i]->task_id());
    absl::StatusOr<v1::Task> task = (*again)[i]->Result(absl::Seconds(30));
    ASSERT_TRUE(task.ok()) << task.status();
    EXPECT_EQ(task->request_id(), "cpp-submit-many-" + std::to_string(i));
    EXPECT_EQ(task->result().number_value(), expected[i]);
  }
}

TEST_F(ClientSubmitManyTest, UnreachableServerIsAnError) {
  ClientOptions options;
  options.retry.max_attempts = 1;
  options.call_timeout = absl::Seconds(2);
  Client unreachable(CreateChannel("127.0.0.1:1"), options);
  auto futures = unreachable.SubmitMany("echo", {Args(1)});
  EXPECT_FALSE(futures.ok());
}

}  // namespace
}  // namespace execd::testing
