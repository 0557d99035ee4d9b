// Map with outcomes_only on a real server with both pools: items that are
// not tasks. Lean results in order, per-item failures, a chunk's timeout,
// crash and cancellation, nothing retained, bad items refused whole; each
// against both Map and MapBatchStream.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/process/process_test_util.h"
#include "tests/support/map_reader.h"

namespace execd::process_testing {
namespace {

using ::execd::testing::MapReader;
using ::execd::testing::MapRpc;
using ::execd::testing::MapRpcName;
using integration::Context;
using integration::Millis;
using integration::Number;
using integration::PollUntil;
using integration::Str;
using integration::ThreadPoolStatus;

class MapOutcomesTest
    : public ::testing::TestWithParam<std::tuple<MapRpc, v1::Pool>> {
 protected:
  void Start(std::vector<std::string> flags = {"--processes=2"}) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        StartProcessServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  v1::MapRequest Request(const std::string& function,
                         const std::vector<google::protobuf::Value>& items,
                         int chunksize) {
    v1::MapRequest request;
    request.set_function(function);
    request.set_pool(std::get<1>(GetParam()));
    request.set_chunksize(chunksize);
    request.set_outcomes_only(true);
    for (const auto& item : items) *request.add_items()->add_values() = item;
    return request;
  }

  // `echo` over items 0..count-1 in chunks of `chunksize`, each echoing
  // 100 kB of kwargs: large results.
  v1::MapRequest LargeEchoRequest(int count, int chunksize) {
    std::vector<google::protobuf::Value> items;
    for (int i = 0; i < count; ++i) items.push_back(Number(i));
    v1::MapRequest request = Request("echo", items, chunksize);
    (*request.mutable_kwargs()->mutable_fields())["pad"] =
        Str(std::string(100 << 10, 'p'));
    return request;
  }

  grpc::Status ReadMap(const v1::MapRequest& request,
                       std::vector<v1::MapResult>* results) {
    auto context = Context(absl::Seconds(30));
    MapReader reader(*stub_, context.get(), request, std::get<0>(GetParam()));
    v1::MapResult result;
    while (reader.Read(&result)) results->push_back(result);
    return reader.Finish();
  }

  int ListedTasks() {
    auto context = Context();
    v1::ListTasksResponse listed;
    grpc::Status status =
        stub_->ListTasks(context.get(), v1::ListTasksRequest(), &listed);
    return status.ok() ? listed.tasks_size() : -1;
  }

  int32_t Busy() {
    return std::get<1>(GetParam()) == v1::POOL_PROCESS
               ? ProcessPoolStatus(*stub_).busy()
               : ThreadPoolStatus(*stub_).busy();
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

INSTANTIATE_TEST_SUITE_P(
    RpcsAndPools, MapOutcomesTest,
    ::testing::Combine(::testing::Values(MapRpc::kMap, MapRpc::kMapBatchStream),
                       ::testing::Values(v1::POOL_THREAD, v1::POOL_PROCESS)),
    [](const auto& info) {
      return absl::StrCat(
          MapRpcName(std::get<0>(info.param)),
          std::get<1>(info.param) == v1::POOL_THREAD ? "Thread" : "Process");
    });

TEST_P(MapOutcomesTest, LeanResultsInInputOrderAndNothingRetained) {
  Start();
  std::vector<google::protobuf::Value> items;
  for (int i = 0; i < 1000; ++i) items.push_back(Number(i));
  v1::MapRequest request = Request("echo", items, 64);
  (*request.mutable_kwargs()->mutable_fields())["k"] = Str("v");
  std::vector<v1::MapResult> results;
  grpc::Status status = ReadMap(request, &results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), items.size());
  for (int i = 0; i < 1000; ++i) {
    const v1::MapResult& result = results[i];
    ASSERT_EQ(result.index(), i);
    ASSERT_EQ(result.task().state(), v1::TASK_STATE_SUCCEEDED);
    const auto& fields = result.task().result().struct_value().fields();
    ASSERT_EQ(fields.at("args").list_value().values(0).number_value(), i);
    ASSERT_EQ(
        fields.at("kwargs").struct_value().fields().at("k").string_value(),
        "v");
  }
  // Only the outcome: no id, function, times nor worker.
  v1::Task lean = results[5].task();
  lean.clear_result();
  v1::Task expected;
  expected.set_state(v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(lean.SerializeAsString(), expected.SerializeAsString())
      << lean.DebugString();
  EXPECT_EQ(ListedTasks(), 0);
  const v1::PoolStatus pool = std::get<1>(GetParam()) == v1::POOL_PROCESS
                                  ? ProcessPoolStatus(*stub_)
                                  : ThreadPoolStatus(*stub_);
  EXPECT_EQ(pool.succeeded(), 16);  // one per chunk: ceil(1000 / 64)
}

// noop, the counterpart of Python's noop for the bench's paired Map:
// each item's arguments come back as its result's list, through the
// workers of either pool.
TEST_P(MapOutcomesTest, NoopReturnsEachItemsArgumentsAsAList) {
  Start();
  v1::MapRequest request = Request("noop", {}, 16);
  for (int i = 0; i < 100; ++i) {
    google::protobuf::ListValue* item = request.add_items();
    *item->add_values() = Number(i);
    *item->add_values() = Str(absl::StrCat("s", i));
  }
  std::vector<v1::MapResult> results;
  grpc::Status status = ReadMap(request, &results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(results[i].task().state(), v1::TASK_STATE_SUCCEEDED);
    const google::protobuf::ListValue& list =
        results[i].task().result().list_value();
    ASSERT_EQ(list.values_size(), 2) << results[i].DebugString();
    EXPECT_EQ(list.values(0).number_value(), i);
    EXPECT_EQ(list.values(1).string_value(), absl::StrCat("s", i));
  }
}

TEST_P(MapOutcomesTest, UnorderedGivesEachChunkAsItEnds) {
  Start({"--processes=2", "--threads=2"});
  // Two chunks on two workers: the second ends first.
  v1::MapRequest unordered =
      Request("sleep", {Number(0.8), Number(0), Number(0), Number(0)}, 2);
  unordered.set_unordered(true);
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(ReadMap(unordered, &results).ok());
  std::vector<int64_t> order;
  for (const v1::MapResult& result : results) order.push_back(result.index());
  EXPECT_EQ(order, (std::vector<int64_t>{2, 3, 0, 1}));
}

TEST_P(MapOutcomesTest, EachItemFailsOnItsOwn) {
  Start();
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(
      ReadMap(Request("fail", {Str("m0"), Str("m1"), Str("m2")}, 3), &results)
          .ok());
  ASSERT_EQ(results.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].task().state(), v1::TASK_STATE_FAILED);
    EXPECT_EQ(results[i].task().error().reason(), "TASK_ERROR");
    EXPECT_EQ(results[i].task().error().message(), absl::StrCat("m", i));
    EXPECT_FALSE(results[i].task().has_result());
  }
}

TEST_P(MapOutcomesTest, ChunkPastItsTimeoutFailsItsItemsAlone) {
  Start();
  // 300 ms per item: the first chunk (3 items) may take 900 ms, and its
  // 10 s item makes it time out; the second chunk runs on.
  v1::MapRequest request =
      Request("sleep", {Number(0), Number(0), Number(10), Number(0)}, 3);
  *request.mutable_timeout() = Millis(300);
  std::vector<v1::MapResult> results;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(ReadMap(request, &results).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  ASSERT_EQ(results.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].task().state(), v1::TASK_STATE_FAILED) << i;
    EXPECT_EQ(results[i].task().error().reason(), "TIMEOUT") << i;
  }
  EXPECT_EQ(results[3].task().state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_P(MapOutcomesTest, CancellingTheCallStopsItsRunningChunks) {
  Start({"--processes=2", "--threads=2"});
  v1::MapRequest request =
      Request("sleep", {Number(60), Number(60), Number(60), Number(60)}, 2);
  auto context = Context(absl::Seconds(30));
  MapReader reader(*stub_, context.get(), request, std::get<0>(GetParam()));
  ASSERT_TRUE(PollUntil([&] { return Busy() == 2; }, absl::Seconds(10)));
  context->TryCancel();  // like closing Python's map iterator
  reader.Finish().IgnoreError();
  EXPECT_TRUE(PollUntil([&] { return Busy() == 0; }, absl::Seconds(5)));
  EXPECT_TRUE(PollUntil([&] { return ListedTasks() == 0; }, absl::Seconds(5)));
  // The pool carries on.
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(ReadMap(Request("echo", {Number(1)}, 1), &results).ok());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].task().state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_P(MapOutcomesTest, LargeResultsComeInMessagesAClientCanRead) {
  Start();
  // 48 items echo 100 kB of kwargs each: one chunk of 4.9 MB of results,
  // more than a client takes in one message by default.
  std::vector<v1::MapResult> results;
  grpc::Status status = ReadMap(LargeEchoRequest(48, 48), &results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), 48u);
  for (int i = 0; i < 48; ++i) {
    ASSERT_EQ(results[i].index(), i);
    ASSERT_EQ(results[i].task().state(), v1::TASK_STATE_SUCCEEDED)
        << results[i].task().error().message();
  }
}

TEST_P(MapOutcomesTest, BadItemRefusesTheWholeCall) {
  Start();
  std::vector<v1::MapResult> results;
  grpc::Status status =
      ReadMap(Request("sleep", {Number(0), Str("x")}, 2), &results);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "item 1"))
      << status.error_message();
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(ListedTasks(), 0);
  status = ReadMap(Request("echo", {Number(0)}, -1), &results);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // An empty Map ends at once.
  EXPECT_TRUE(ReadMap(Request("echo", {}, 4), &results).ok());
  EXPECT_TRUE(results.empty());
}

// Process pool only: a crash, or a reply too big for a worker frame, takes
// its chunk with it, not the others.
class MapOutcomesProcessTest : public MapOutcomesTest {};

INSTANTIATE_TEST_SUITE_P(
    Rpcs, MapOutcomesProcessTest,
    ::testing::Combine(::testing::Values(MapRpc::kMap, MapRpc::kMapBatchStream),
                       ::testing::Values(v1::POOL_PROCESS)),
    [](const auto& info) { return MapRpcName(std::get<0>(info.param)); });

TEST_P(MapOutcomesProcessTest, CrashedChunkFailsItsItemsAndThePoolHeals) {
  Start();
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(
      ReadMap(Request("crash", {Str("exit"), Str("exit"), Str("exit")}, 2),
              &results)
          .ok());
  ASSERT_EQ(results.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].index(), i);
    EXPECT_EQ(results[i].task().state(), v1::TASK_STATE_FAILED);
    EXPECT_EQ(results[i].task().error().reason(), "WORKER_LOST");
    EXPECT_TRUE(absl::StrContains(results[i].task().error().message(),
                                  "exited with code 3"))
        << results[i].task().error().message();
  }
  EXPECT_GE(ProcessPoolStatus(*stub_).worker_restarts(), 2);
  results.clear();
  ASSERT_TRUE(
      ReadMap(Request("primes", {Number(100), Number(1000)}, 2), &results)
          .ok());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].task().result().number_value(), 25);
  EXPECT_EQ(results[1].task().result().number_value(), 168);
}

TEST_P(MapOutcomesProcessTest, ChunkOverTheWorkerFrameLimitFailsItsItems) {
  Start();
  // 700 results of 100 kB: 72 MB in one reply, over the worker frame
  // limit (64 MiB, or 2 x --max_message_bytes if more); the next chunk's 4
  // fit.
  std::vector<v1::MapResult> results;
  grpc::Status status = ReadMap(LargeEchoRequest(704, 700), &results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), 704u);
  for (int i = 0; i < 700; ++i) {
    ASSERT_EQ(results[i].task().state(), v1::TASK_STATE_FAILED) << i;
    ASSERT_EQ(results[i].task().error().code(), 8) << i;  // RESOURCE_EXHAUSTED
    ASSERT_TRUE(absl::StrContains(results[i].task().error().message(),
                                  "exceed the worker frame limit"))
        << results[i].task().error().message();
  }
  for (int i = 700; i < 704; ++i) {
    EXPECT_EQ(results[i].task().state(), v1::TASK_STATE_SUCCEEDED) << i;
  }
}

}  // namespace
}  // namespace execd::process_testing
