// A Map chunk run as one call: per-item outcomes, as the server reads them.
#include "server/functions/map_chunk.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/core/attempt_result.h"
#include "server/functions/encoded_value.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::Number;

// Doubles its number; fails on 3, throws on 5, and cancels its own token
// on 7 (as a cancel arriving while that item runs).
FunctionSpec Doubler(CancellationToken* token) {
  FunctionSpec spec;
  spec.name = "doubler";
  spec.run = [token](const CallArgs& call,
                     TaskContext&) -> absl::StatusOr<CallResult> {
    const double n = call.args.values(0).number_value();
    if (n == 3) return absl::InvalidArgumentError("three");
    if (n == 5) throw std::runtime_error("five");
    if (n == 7) token->Cancel();
    return CallResult{EncodeNumber(2 * n), n == 1 ? "out" : ""};
  };
  return spec;
}

google::protobuf::ListValue Items(const std::vector<double>& numbers) {
  google::protobuf::ListValue items;
  for (double n : numbers) {
    *items.add_values()->mutable_list_value()->add_values() = Number(n);
  }
  return items;
}

std::vector<v1::Task> Parse(const std::string& outcomes) {
  std::vector<v1::Task> tasks;
  EXPECT_TRUE(ForEachOutcome(outcomes, [&](absl::string_view bytes) {
    v1::Task task;
    EXPECT_TRUE(task.ParseFromArray(bytes.data(), bytes.size()));
    tasks.push_back(task);
  }));
  return tasks;
}

TEST(MapChunkTest, EachItemHasItsOwnOutcome) {
  CancellationToken token;
  const FunctionSpec spec = Doubler(&token);
  FunctionLimits limits;
  TaskContext context(&token, &limits);
  const std::string outcomes = RunMapChunk(spec, Items({0, 1, 3, 5, 6}),
                                           google::protobuf::Struct(), context);
  const std::vector<v1::Task> tasks = Parse(outcomes);
  ASSERT_EQ(tasks.size(), 5u);
  // A zero result is still present, as for a task.
  EXPECT_EQ(tasks[0].state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_TRUE(tasks[0].has_result());
  EXPECT_EQ(tasks[0].result().number_value(), 0);
  EXPECT_EQ(tasks[1].result().number_value(), 2);
  EXPECT_EQ(tasks[1].output(), "out");
  EXPECT_EQ(tasks[2].state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(tasks[2].error().reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(tasks[2].error().message(), "three");
  EXPECT_FALSE(tasks[2].has_result());
  EXPECT_EQ(tasks[3].state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(tasks[3].error().reason(), "TASK_ERROR");
  EXPECT_EQ(tasks[3].error().message(), "function threw an exception: five");
  EXPECT_EQ(tasks[4].result().number_value(), 12);
  // Only the outcome: no id, function, pool nor times.
  v1::Task lean = tasks[4];
  lean.clear_result();
  EXPECT_EQ(lean.ByteSizeLong(), 2u) << lean.DebugString();
}

TEST(MapChunkTest, CancelledChunkStopsBeforeTheNextItem) {
  CancellationToken token;
  const FunctionSpec spec = Doubler(&token);
  FunctionLimits limits;
  TaskContext context(&token, &limits);
  const std::string outcomes = RunMapChunk(spec, Items({1, 7, 8, 9}),
                                           google::protobuf::Struct(), context);
  EXPECT_EQ(Parse(outcomes).size(), 2u);
}

TEST(MapChunkTest, EndedOutcomesCarryTheChunksEnd) {
  std::string outcomes;
  const v1::TaskError error =
      MakeTaskError(kReasonWorkerLost, "worker pid 9 died", 14);
  for (int i = 0; i < 3; ++i) {
    AppendEndedOutcome(v1::TASK_STATE_FAILED, error, &outcomes);
  }
  const std::vector<v1::Task> tasks = Parse(outcomes);
  ASSERT_EQ(tasks.size(), 3u);
  for (const v1::Task& task : tasks) {
    EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
    EXPECT_EQ(task.error().SerializeAsString(), error.SerializeAsString());
  }
}

TEST(MapChunkTest, MalformedOutcomesAreRefused) {
  std::string outcomes;
  AppendOutcome(CallResult{EncodeNumber(1), ""}, &outcomes);
  int seen = 0;
  auto count = [&seen](absl::string_view) { ++seen; };
  EXPECT_TRUE(ForEachOutcome(outcomes, count));
  EXPECT_TRUE(ForEachOutcome("", count));  // no items
  EXPECT_FALSE(ForEachOutcome(outcomes.substr(0, outcomes.size() - 1), count));
  EXPECT_FALSE(ForEachOutcome("\x10\x01", count));  // a varint field 2
  EXPECT_FALSE(ForEachOutcome(absl::StrCat(outcomes, "\x0a"), count));
}

}  // namespace
}  // namespace execd
