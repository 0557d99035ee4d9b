// A long Map cut into several MapBatchStream calls (MapOptions::
// items_per_call): the cut itself, then real calls against a server.
#include <string>
#include <utility>
#include <vector>

#include "client/cpp/client.h"
#include "client/cpp/map_calls.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "gtest/gtest.h"
#include "tests/client/client_test_util.h"

namespace execd::testing {
namespace {

v1::MapRequest RequestOfNumbers(int items, int chunksize) {
  v1::MapRequest request;
  request.set_function("echo");
  request.set_chunksize(chunksize);
  request.set_outcomes_only(true);
  request.mutable_kwargs()->mutable_fields()->operator[]("k").set_bool_value(
      true);
  for (int i = 0; i < items; ++i) {
    request.add_items()->add_values()->set_number_value(i);
  }
  return request;
}

// x of echo's result {"args": [x, ...], "kwargs": {...}}.
double FirstEchoArg(const v1::Task& task) {
  const auto& fields = task.result().struct_value().fields();
  return fields.at("args").list_value().values(0).number_value();
}

std::vector<std::vector<google::protobuf::Value>> Numbers(int count) {
  std::vector<std::vector<google::protobuf::Value>> items;
  for (int i = 0; i < count; ++i) items.push_back(Args(i));
  return items;
}

// A call of `plan` as the server reads it.
v1::MapRequest ParsedCall(const MapCallPlan& plan, const MapCall& call) {
  grpc::ByteBuffer bytes = plan.Serialize(call);
  v1::MapRequest request;
  EXPECT_TRUE(
      grpc::SerializationTraits<v1::MapRequest>::Deserialize(&bytes, &request)
          .ok());
  return request;
}

TEST(MapCallPlanTest, CutsIntoWholeChunksAndKeepsTheOtherFields) {
  // 3 items per call rounds up to 4 (two chunks of 2).
  const MapCallPlan plan(RequestOfNumbers(10, 2), 3);
  ASSERT_EQ(plan.calls().size(), 3u);
  std::vector<int> sizes;
  std::vector<int64_t> first_indexes;
  for (const MapCall& call : plan.calls()) {
    const v1::MapRequest request = ParsedCall(plan, call);
    sizes.push_back(request.items_size());
    EXPECT_EQ(call.items, request.items_size());
    first_indexes.push_back(call.first_index);
    EXPECT_EQ(request.function(), "echo");
    EXPECT_EQ(request.chunksize(), 2);
    EXPECT_TRUE(request.outcomes_only());
    EXPECT_TRUE(request.kwargs().fields().at("k").bool_value());
    for (int i = 0; i < request.items_size(); ++i) {
      EXPECT_EQ(request.items(i).values(0).number_value(),
                call.first_index + i);
    }
  }
  EXPECT_EQ(sizes, (std::vector<int>{4, 4, 2}));
  EXPECT_EQ(first_indexes, (std::vector<int64_t>{0, 4, 8}));
}

TEST(MapCallPlanTest, OneCallWhenNotCutOrEmpty) {
  const v1::MapRequest ten = RequestOfNumbers(10, 1);
  const MapCallPlan whole(ten, 0);
  ASSERT_EQ(whole.calls().size(), 1u);
  // Uncut, the call is the request as the stub would have sent it.
  EXPECT_EQ(ParsedCall(whole, whole.calls()[0]).SerializeAsString(),
            ten.SerializeAsString());
  EXPECT_EQ(MapCallPlan(ten, 10).calls().size(), 1u);
  const MapCallPlan empty(RequestOfNumbers(0, 1), 4);
  ASSERT_EQ(empty.calls().size(), 1u);
  EXPECT_EQ(empty.calls()[0].items, 0);
  EXPECT_EQ(ParsedCall(empty, empty.calls()[0]).function(), "echo");
}

// Client::Map builds its request on an arena (MapRequestOnArena): the calls
// must be the bytes a request built on the heap gives, the other fields
// kept when the items step aside to serialize them.
TEST(MapCallPlanTest, RequestOnAnArenaGivesTheSameCalls) {
  const v1::MapRequest on_heap = RequestOfNumbers(10, 2);
  MapRequestOnArena on_arena;
  EXPECT_NE(on_arena->GetArena(), nullptr);
  *on_arena = on_heap;
  const MapCallPlan from_heap(on_heap, 3);
  const MapCallPlan from_arena(std::move(on_arena), 3);
  ASSERT_EQ(from_arena.calls().size(), 3u);
  ASSERT_EQ(from_heap.calls().size(), 3u);
  for (size_t i = 0; i < from_arena.calls().size(); ++i) {
    EXPECT_EQ(ParsedCall(from_arena, from_arena.calls()[i]).SerializeAsString(),
              ParsedCall(from_heap, from_heap.calls()[i]).SerializeAsString());
  }
  const v1::MapRequest first = ParsedCall(from_arena, from_arena.calls()[0]);
  EXPECT_EQ(first.function(), "echo");
  EXPECT_TRUE(first.kwargs().fields().at("k").bool_value());
  EXPECT_EQ(first.items_size(), 4);
}

TEST(MapCallPlanTest, CutsWhereItemsWouldPassTheByteBound) {
  v1::MapRequest request = RequestOfNumbers(0, 1);
  const std::string quarter(kMapCallMaxItemBytes / 4, 'x');
  for (int i = 0; i < 10; ++i) {
    request.add_items()->add_values()->set_string_value(quarter);
  }
  const MapCallPlan plan(std::move(request), 4096);
  ASSERT_EQ(plan.calls().size(), 4u);  // 3 + 3 + 3 + 1: four would pass 1 MiB
  for (const MapCall& call : plan.calls()) {
    EXPECT_LE(plan.Serialize(call).Length(), kMapCallMaxItemBytes + 1024);
  }
  EXPECT_EQ(plan.calls().back().first_index, 9);
}

class ClientMapCallsTest : public ClientTestBase {
 protected:
  static void SetUpTestSuite() { StartServer({"--threads=4"}); }

  // The thread pool's busy workers and queue depth, or -1 if unknown.
  std::pair<int, int64_t> ThreadPoolLoad() {
    absl::StatusOr<v1::GetPoolsResponse> pools = client_->GetPools();
    if (pools.ok()) {
      for (const v1::PoolStatus& pool : pools->pools()) {
        if (pool.pool() == v1::POOL_THREAD) {
          return {pool.busy(), pool.queue_depth()};
        }
      }
    }
    return {-1, -1};
  }
};

TEST_F(ClientMapCallsTest, CutMapKeepsInputOrderAndIndexes) {
  for (bool outcomes_only : {false, true}) {
    MapOptions options;
    options.items_per_call = 7;
    options.calls_in_flight = 2;
    options.chunksize = outcomes_only ? 3 : 1;  // 9 items per call
    options.outcomes_only = outcomes_only;
    MapStream results = client_->Map("echo", Numbers(50), options);
    std::vector<int64_t> indexes;
    v1::MapResult result;
    while (results.Next(&result)) {
      ASSERT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
      EXPECT_EQ(FirstEchoArg(result.task()), result.index());
      indexes.push_back(result.index());
    }
    ASSERT_TRUE(results.status().ok()) << results.status();
    std::vector<int64_t> expected;
    for (int i = 0; i < 50; ++i) expected.push_back(i);
    EXPECT_EQ(indexes, expected) << "outcomes_only " << outcomes_only;
  }
}

TEST_F(ClientMapCallsTest, MapOverTheMessageLimitRunsInSeveralCalls) {
  // 24 items of 256 kB: 6 MB of arguments, over the server's 4 MiB.
  const std::string big(256 << 10, 'a');
  std::vector<std::vector<google::protobuf::Value>> items(24, Args(big));
  MapOptions one_call;
  one_call.items_per_call = 0;
  one_call.outcomes_only = true;
  MapStream refused = client_->Map("echo", items, one_call);
  v1::MapResult result;
  EXPECT_FALSE(refused.Next(&result));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();

  MapOptions cut;
  cut.outcomes_only = true;
  MapStream results = client_->Map("echo", items, cut);
  int received = 0;
  while (results.Next(&result)) {
    EXPECT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_EQ(result.index(), received);
    ++received;
  }
  EXPECT_TRUE(results.status().ok()) << results.status();
  EXPECT_EQ(received, 24);
}

TEST_F(ClientMapCallsTest, BadItemRefusesItsCallAndSaysWhichItems) {
  MapOptions options;
  options.items_per_call = 2;
  MapStream results =
      client_->Map("sleep", {Args(0), Args(0), Args(0), Args("long")}, options);
  std::vector<int64_t> indexes;
  v1::MapResult result;
  while (results.Next(&result)) indexes.push_back(result.index());
  EXPECT_EQ(indexes, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(results.status().message().find("item 1:"), std::string::npos)
      << results.status();
  EXPECT_NE(results.status().message().find("call of items 2-3"),
            std::string::npos)
      << results.status();
}

TEST_F(ClientMapCallsTest, CancelEndsEveryOpenCall) {
  MapOptions options;
  options.items_per_call = 1;
  options.calls_in_flight = 3;
  MapStream results = client_->Map(
      "sleep", {Args(0), Args(60), Args(60), Args(60), Args(60)}, options);
  v1::MapResult result;
  ASSERT_TRUE(results.Next(&result));
  // Items 1 and 2 are running in the open calls.
  ASSERT_TRUE(Eventually([&] { return ThreadPoolLoad().first >= 2; }));
  const absl::Time start = absl::Now();
  results.Cancel();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_FALSE(results.Next(&result));
  EXPECT_EQ(results.status().code(), absl::StatusCode::kCancelled);
  // Nothing of the Map is left running or waiting.
  EXPECT_TRUE(Eventually([&] {
    return ThreadPoolLoad() == std::pair<int, int64_t>{0, 0};
  }));
}

}  // namespace
}  // namespace execd::testing
