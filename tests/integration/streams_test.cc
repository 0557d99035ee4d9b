// Server streams against a real server: Callback (per task, include_started,
// all_tasks), SubmitStream, Map, and slow readers overflowing
// --max_stream_buffer.
#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/support/map_reader.h"

namespace execd::integration {
namespace {

using ::execd::testing::MapReader;
using ::execd::testing::MapRpc;
using ::execd::testing::MapRpcName;

class StreamsTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {"--threads=4"}) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  // Reads a whole Callback stream.
  grpc::Status ReadCallback(const v1::CallbackRequest& request,
                            std::vector<v1::TaskEvent>* events,
                            absl::Duration timeout = absl::Seconds(20)) {
    auto context = Context(timeout);
    auto reader = stub_->Callback(context.get(), request);
    v1::TaskEvent event;
    while (reader->Read(&event)) events->push_back(event);
    return reader->Finish();
  }

  int64_t OpenStreams() {
    return static_cast<int64_t>(
        MetricValue(ScrapeMetrics(*server_), "execd_callback_streams")
            .value_or(-1));
  }

  // A stub whose channel reads slowly: no BDP window growth and a small
  // lookahead, so a client that does not Read soon stalls the server's
  // writes.
  std::unique_ptr<v1::Executor::Stub> SlowReaderStub() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
    return v1::Executor::NewStub(grpc::CreateCustomChannel(
        server_->target(), grpc::InsecureChannelCredentials(), args));
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(StreamsTest, CallbackSendsOneFinishedPerTaskThenEnds) {
  StartServer();
  const std::string slow = SubmitOk(*stub_, MakeSleep(0.8));
  const std::string fast = SubmitOk(*stub_, MakeSleep(0.2));
  const std::string done = SubmitOk(*stub_, MakeSubmit("echo"));
  ASSERT_EQ(AwaitTerminal(*stub_, done).state(), v1::TASK_STATE_SUCCEEDED);

  v1::CallbackRequest request;
  request.add_task_ids(slow);
  request.add_task_ids(fast);
  request.add_task_ids(done);
  std::vector<v1::TaskEvent> events;
  grpc::Status status = ReadCallback(request, &events);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 3u);
  for (const v1::TaskEvent& event : events) {
    EXPECT_EQ(event.kind(), v1::TaskEvent::KIND_FINISHED)
        << DescribeEvent(event);
    EXPECT_EQ(event.task().state(), v1::TASK_STATE_SUCCEEDED);
  }
  // The already-terminal task is reported at once, the rest as they end.
  EXPECT_EQ(events[0].task().task_id(), done);
  EXPECT_EQ(events[1].task().task_id(), fast);
  EXPECT_EQ(events[2].task().task_id(), slow);
  EXPECT_EQ(events[2].task().result().number_value(), 0.8);
}

TEST_F(StreamsTest, CallbackIncludeStartedAddsStartedEvents) {
  StartServer({"--threads=1"});
  const std::string blocker = SubmitOk(*stub_, MakeSleep(1));
  const std::string queued = SubmitOk(*stub_, MakeSleep(0.1));
  v1::CallbackRequest request;
  request.add_task_ids(queued);
  request.set_include_started(true);
  std::vector<v1::TaskEvent> events;
  grpc::Status status = ReadCallback(request, &events);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind(), v1::TaskEvent::KIND_STARTED);
  EXPECT_EQ(events[0].task().task_id(), queued);
  EXPECT_EQ(events[0].task().state(), v1::TASK_STATE_RUNNING);
  EXPECT_TRUE(events[0].task().has_start_time());
  EXPECT_EQ(events[1].kind(), v1::TaskEvent::KIND_FINISHED);
  EXPECT_EQ(events[1].task().state(), v1::TASK_STATE_SUCCEEDED);

  // Without include_started only FINISHED arrives.
  const std::string other = SubmitOk(*stub_, MakeSleep(0.1));
  v1::CallbackRequest plain;
  plain.add_task_ids(other);
  events.clear();
  EXPECT_TRUE(ReadCallback(plain, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), v1::TaskEvent::KIND_FINISHED);
}

TEST_F(StreamsTest, CallbackAllTasksReportsEveryTaskAndStaysOpen) {
  StartServer();
  EXPECT_EQ(OpenStreams(), 0);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CallbackRequest request;
  request.set_all_tasks(true);
  request.set_include_started(true);
  auto reader = stub_->Callback(&context, request);
  ASSERT_TRUE(PollUntil([&] { return OpenStreams() == 1; }, absl::Seconds(5)))
      << "the all_tasks stream never registered";

  std::set<std::string> ids;
  ids.insert(SubmitOk(*stub_, MakeSubmit("echo")));
  ids.insert(SubmitOk(*stub_, MakeSleep(0.2)));
  ids.insert(SubmitOk(*stub_, MakeSubmit("fail", {Str("f")})));
  std::set<std::string> started;
  std::set<std::string> finished;
  v1::TaskEvent event;
  while (finished.size() < ids.size() && reader->Read(&event)) {
    ASSERT_TRUE(ids.count(event.task().task_id())) << DescribeEvent(event);
    if (event.kind() == v1::TaskEvent::KIND_STARTED) {
      EXPECT_FALSE(finished.count(event.task().task_id()))
          << "STARTED after FINISHED: " << DescribeEvent(event);
      started.insert(event.task().task_id());
    } else {
      ASSERT_EQ(event.kind(), v1::TaskEvent::KIND_FINISHED);
      EXPECT_TRUE(IsTerminal(event.task().state()));
      EXPECT_TRUE(finished.insert(event.task().task_id()).second)
          << "second FINISHED: " << DescribeEvent(event);
    }
  }
  EXPECT_EQ(started, ids);
  EXPECT_EQ(finished, ids);

  // Still open: a later task is reported too.
  const std::string later = SubmitOk(*stub_, MakeSubmit("echo"));
  bool later_finished = false;
  while (!later_finished && reader->Read(&event)) {
    later_finished = event.task().task_id() == later &&
                     event.kind() == v1::TaskEvent::KIND_FINISHED;
  }
  EXPECT_TRUE(later_finished);
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(PollUntil([&] { return OpenStreams() == 0; }, absl::Seconds(5)));
}

TEST_F(StreamsTest, CallbackErrors) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(5));
  std::vector<v1::TaskEvent> events;
  v1::CallbackRequest unknown;
  unknown.add_task_ids(id);
  unknown.add_task_ids(std::string(32, 'f'));
  EXPECT_EQ(ReadCallback(unknown, &events).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(events.empty());
  v1::CallbackRequest malformed;
  malformed.add_task_ids("nope");
  EXPECT_EQ(ReadCallback(malformed, &events).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadCallback(v1::CallbackRequest(), &events).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(events.empty());
}

TEST_F(StreamsTest, SubmitStreamAcceptsRejectsInOrderThenFinishes) {
  StartServer();
  auto context = Context();
  auto stream = stub_->SubmitStream(context.get());
  std::vector<v1::SubmitRequest> requests;
  requests.push_back(MakeSubmit("echo", {Number(1)}));
  requests.push_back(MakeSubmit("primez"));
  requests.push_back(MakeSleep(-1));
  requests.push_back(MakeSleep(0.3));
  requests.push_back(MakeSubmit("fail", {Str("no")}));
  requests.push_back(MakeSubmit("echo", {Number(2)}));
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_request_id(absl::StrCat("r", i));
    ASSERT_TRUE(stream->Write(requests[i]));
  }
  ASSERT_TRUE(stream->WritesDone());
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (stream->Read(&event)) events.push_back(event);
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();

  std::vector<std::string> verdicts;  // ACCEPTED/REJECTED in arrival order
  std::set<std::string> accepted;
  std::set<std::string> finished;
  for (const v1::TaskEvent& e : events) {
    switch (e.kind()) {
      case v1::TaskEvent::KIND_ACCEPTED:
        verdicts.push_back(e.request_id());
        EXPECT_EQ(e.task().task_id().size(), 32u) << DescribeEvent(e);
        accepted.insert(e.task().task_id());
        break;
      case v1::TaskEvent::KIND_REJECTED:
        verdicts.push_back(e.request_id());
        EXPECT_FALSE(e.message().empty()) << DescribeEvent(e);
        if (e.request_id() == "r1") {
          EXPECT_EQ(e.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
          EXPECT_TRUE(absl::StrContains(e.message(), "primez"));
        } else {
          EXPECT_EQ(e.request_id(), "r2");
          EXPECT_EQ(e.code(),
                    static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
          EXPECT_TRUE(absl::StrContains(e.message(), "seconds"));
        }
        break;
      case v1::TaskEvent::KIND_FINISHED:
        EXPECT_TRUE(accepted.count(e.task().task_id()))
            << "FINISHED before ACCEPTED: " << DescribeEvent(e);
        EXPECT_TRUE(finished.insert(e.task().task_id()).second)
            << "second FINISHED: " << DescribeEvent(e);
        EXPECT_TRUE(IsTerminal(e.task().state())) << DescribeEvent(e);
        EXPECT_EQ(e.request_id(), e.task().request_id());
        break;
      default:
        ADD_FAILURE() << "unexpected event " << DescribeEvent(e);
    }
  }
  EXPECT_EQ(verdicts,
            (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5"}));
  EXPECT_EQ(accepted.size(), 4u);
  EXPECT_EQ(finished, accepted);
  // The FINISHED events carry the outcome.
  for (const v1::TaskEvent& e : events) {
    if (e.kind() != v1::TaskEvent::KIND_FINISHED) continue;
    if (e.request_id() == "r4") {
      EXPECT_EQ(e.task().state(), v1::TASK_STATE_FAILED);
    } else {
      EXPECT_EQ(e.task().state(), v1::TASK_STATE_SUCCEEDED) << DescribeEvent(e);
    }
  }
}

TEST_F(StreamsTest, SubmitStreamEmptyEndsOk) {
  StartServer();
  auto context = Context();
  auto stream = stub_->SubmitStream(context.get());
  ASSERT_TRUE(stream->WritesDone());
  v1::TaskEvent event;
  EXPECT_FALSE(stream->Read(&event));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(StreamsTest, SubmitStreamWaitsForRunningTasksAfterWritesDone) {
  StartServer();
  auto context = Context();
  auto stream = stub_->SubmitStream(context.get());
  ASSERT_TRUE(stream->Write(MakeSleep(0.5)));
  ASSERT_TRUE(stream->WritesDone());
  const absl::Time start = absl::Now();
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (stream->Read(&event)) events.push_back(event);
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind(), v1::TaskEvent::KIND_ACCEPTED);
  EXPECT_EQ(events[1].kind(), v1::TaskEvent::KIND_FINISHED);
  EXPECT_EQ(events[1].task().result().number_value(), 0.5);
}

// A SubmitStream reader that does not read while its tasks finish: after
// --max_stream_buffer events the stream ends RESOURCE_EXHAUSTED, telling how
// to resume; the server and the tasks are fine.
TEST_F(StreamsTest, SlowSubmitStreamReaderGetsResourceExhausted) {
  StartServer({"--threads=4", "--max_stream_buffer=16"});
  auto slow_stub = SlowReaderStub();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(40)));
  auto stream = slow_stub->SubmitStream(&context);
  constexpr int kRequests = 60;
  absl::Notification writes_done;
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < kRequests; ++i) {
      v1::SubmitRequest request = MakeSubmit("echo", {Number(i)});
      request.set_input(std::string(64 * 1024, 'a' + i % 26));
      request.set_request_id(absl::StrCat("slow-", i));
      if (!stream->Write(request)) break;
      written.fetch_add(1);
    }
    stream->WritesDone();
    writes_done.Notify();
  });
  // Do not read for a while: the tasks finish, their events pile up.
  writes_done.WaitForNotificationWithTimeout(absl::Seconds(5));
  absl::SleepFor(absl::Seconds(1));
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (stream->Read(&event)) events.push_back(event);
  grpc::Status status = stream->Finish();
  writer.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message() << " after " << events.size() << " events, "
      << written.load() << " writes";
  EXPECT_TRUE(absl::StrContains(status.error_message(), "Result"))
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "ListTasks"))
      << status.error_message();
  EXPECT_LT(events.size(), 2u * kRequests);

  // Every accepted task still runs to its end and can be fetched.
  std::vector<std::string> accepted;
  for (const v1::TaskEvent& e : events) {
    if (e.kind() == v1::TaskEvent::KIND_ACCEPTED) {
      accepted.push_back(e.task().task_id());
    }
  }
  ASSERT_FALSE(accepted.empty());
  for (const std::string& id : accepted) {
    v1::Task task = AwaitTerminal(*stub_, id);
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_EQ(task.output().size(), 64u * 1024);
  }
  // The server keeps serving: unary and streams.
  EXPECT_EQ(AwaitTerminal(*stub_, SubmitOk(*stub_, MakeSubmit("echo"))).state(),
            v1::TASK_STATE_SUCCEEDED);
  auto context2 = Context();
  auto stream2 = stub_->SubmitStream(context2.get());
  ASSERT_TRUE(stream2->Write(MakeSubmit("echo")));
  ASSERT_TRUE(stream2->WritesDone());
  int events2 = 0;
  while (stream2->Read(&event)) ++events2;
  EXPECT_TRUE(stream2->Finish().ok());
  EXPECT_EQ(events2, 2);
  EXPECT_TRUE(PollUntil([&] { return OpenStreams() == 0; }, absl::Seconds(5)));
}

TEST_F(StreamsTest, SlowCallbackReaderGetsResourceExhausted) {
  StartServer({"--threads=4", "--max_stream_buffer=16"});
  auto slow_stub = SlowReaderStub();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(40)));
  v1::CallbackRequest request;
  request.set_all_tasks(true);
  request.set_include_started(true);
  auto reader = slow_stub->Callback(&context, request);
  ASSERT_TRUE(PollUntil([&] { return OpenStreams() == 1; }, absl::Seconds(5)));

  // A well-behaved Callback stream on one task, read concurrently.
  const std::string watched = SubmitOk(*stub_, MakeSleep(1));
  std::vector<v1::TaskEvent> watched_events;
  grpc::Status watched_status;
  std::thread watcher([&] {
    v1::CallbackRequest one;
    one.add_task_ids(watched);
    watched_status = ReadCallback(one, &watched_events);
  });

  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    v1::SubmitRequest submit = MakeSubmit("echo", {Number(i)});
    submit.set_input(std::string(64 * 1024, 'z'));
    ids.push_back(SubmitOk(*stub_, submit));
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(AwaitTerminal(*stub_, id).state(), v1::TASK_STATE_SUCCEEDED);
  }
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (reader->Read(&event)) events.push_back(event);
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message() << " after " << events.size() << " events";
  EXPECT_TRUE(absl::StrContains(status.error_message(), "Result"))
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "ListTasks"))
      << status.error_message();
  EXPECT_LT(events.size(), 80u + 2u);

  watcher.join();
  EXPECT_TRUE(watched_status.ok()) << watched_status.error_message();
  ASSERT_EQ(watched_events.size(), 1u);
  EXPECT_EQ(watched_events[0].task().state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_TRUE(PollUntil([&] { return OpenStreams() == 0; }, absl::Seconds(5)));
  // Nothing stuck: the pool is idle and its queue empty.
  v1::PoolStatus pool = ThreadPoolStatus(*stub_);
  EXPECT_EQ(pool.busy(), 0);
  EXPECT_EQ(pool.queue_depth(), 0);
  EXPECT_EQ(pool.succeeded(), 41);
}

// Map tests run against both Map and MapBatchStream.
class MapTest : public StreamsTest,
                public ::testing::WithParamInterface<MapRpc> {
 protected:
  // Reads a whole Map call; `messages` (if set) gets how many messages the
  // results came in.
  grpc::Status ReadMap(const v1::MapRequest& request,
                       std::vector<v1::MapResult>* results,
                       int* messages = nullptr) {
    auto context = Context();
    MapReader reader(*stub_, context.get(), request, GetParam());
    v1::MapResult result;
    while (reader.Read(&result)) results->push_back(result);
    if (messages != nullptr) *messages = reader.messages();
    return reader.Finish();
  }
};

INSTANTIATE_TEST_SUITE_P(Rpcs, MapTest,
                         ::testing::Values(MapRpc::kMap,
                                           MapRpc::kMapBatchStream),
                         [](const ::testing::TestParamInfo<MapRpc>& info) {
                           return std::string(MapRpcName(info.param));
                         });

TEST_P(MapTest, MapReturnsResultsInInputOrder) {
  StartServer();
  v1::MapRequest request;
  request.set_function("sleep");
  request.set_pool(v1::POOL_THREAD);
  request.set_chunksize(2);
  const std::vector<double> seconds = {0.4, 0.1, 0.25, 0.0};
  for (double s : seconds) *request.add_items()->add_values() = Number(s);
  std::vector<v1::MapResult> results;
  grpc::Status status = ReadMap(request, &results);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), seconds.size());
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].index(), static_cast<int64_t>(i));
    EXPECT_EQ(results[i].task().state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_EQ(results[i].task().result().number_value(), seconds[i]);
    EXPECT_EQ(results[i].task().function(), "sleep");
  }
}

TEST_P(MapTest, MapUnorderedReturnsCompletionOrder) {
  StartServer({"--threads=3"});
  v1::MapRequest request;
  request.set_function("sleep");
  request.set_unordered(true);
  for (double s : {0.9, 0.0, 0.45})
    *request.add_items()->add_values() = Number(s);
  std::vector<v1::MapResult> results;
  EXPECT_TRUE(ReadMap(request, &results).ok());
  std::vector<int64_t> order;
  for (const v1::MapResult& result : results) order.push_back(result.index());
  EXPECT_EQ(order, (std::vector<int64_t>{1, 2, 0}));
}

TEST_P(MapTest, MapSharesKwargsAndAppliesPerItemTimeout) {
  StartServer();
  v1::MapRequest echo;
  echo.set_function("echo");
  (*echo.mutable_kwargs()->mutable_fields())["k"] = Str("v");
  *echo.add_items()->add_values() = Number(1);
  *echo.add_items()->add_values() = Number(2);
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(ReadMap(echo, &results).ok());
  ASSERT_EQ(results.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto& fields = results[i].task().result().struct_value().fields();
    EXPECT_EQ(fields.at("args").list_value().values(0).number_value(), i + 1);
    EXPECT_EQ(
        fields.at("kwargs").struct_value().fields().at("k").string_value(),
        "v");
  }

  v1::MapRequest timed;
  timed.set_function("sleep");
  *timed.mutable_timeout() = Millis(200);
  *timed.add_items()->add_values() = Number(10);
  *timed.add_items()->add_values() = Number(0);
  results.clear();
  ASSERT_TRUE(ReadMap(timed, &results).ok());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].task().state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(results[0].task().error().reason(), "TIMEOUT");
  EXPECT_EQ(results[1].task().state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_P(MapTest, CancelledMapCancelsItsUnfinishedItems) {
  StartServer({"--threads=2"});
  v1::MapRequest request;
  request.set_function("sleep");
  request.add_items()->add_values()->set_number_value(0);
  request.add_items()->add_values()->set_number_value(60);
  request.add_items()->add_values()->set_number_value(60);
  auto context = Context(absl::Seconds(30));
  MapReader reader(*stub_, context.get(), request, GetParam());
  v1::MapResult first;
  ASSERT_TRUE(reader.Read(&first));
  EXPECT_EQ(first.task().state(), v1::TASK_STATE_SUCCEEDED);
  context->TryCancel();  // like closing Python's map iterator
  reader.Finish().IgnoreError();

  // The two long items end CANCELLED, and the threads come free at once.
  v1::ListTasksRequest cancelled;
  cancelled.set_function("sleep");
  cancelled.set_state(v1::TASK_STATE_CANCELLED);
  ASSERT_TRUE(PollUntil(
      [&] {
        v1::ListTasksResponse response;
        auto list_context = Context();
        return stub_->ListTasks(list_context.get(), cancelled, &response)
                   .ok() &&
               response.tasks_size() == 2;
      },
      absl::Seconds(5)));
  EXPECT_TRUE(PollUntil([&] { return ThreadPoolStatus(*stub_).busy() == 0; },
                        absl::Seconds(2)));
}

TEST_P(MapTest, MapErrors) {
  StartServer();
  std::vector<v1::MapResult> results;
  v1::MapRequest unknown;
  unknown.set_function("primez");
  *unknown.add_items()->add_values() = Number(1);
  EXPECT_EQ(ReadMap(unknown, &results).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::MapRequest bad_item;
  bad_item.set_function("sleep");
  *bad_item.add_items()->add_values() = Number(0);
  *bad_item.add_items()->add_values() = Str("x");
  grpc::Status status = ReadMap(bad_item, &results);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "item 1"))
      << status.error_message();

  v1::MapRequest bad_chunk;
  bad_chunk.set_function("echo");
  bad_chunk.set_chunksize(-1);
  *bad_chunk.add_items()->add_values() = Number(0);
  EXPECT_EQ(ReadMap(bad_chunk, &results).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::MapRequest process_only;
  process_only.set_function("crash");
  *process_only.add_items();
  EXPECT_EQ(ReadMap(process_only, &results).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(results.empty());
  // All or nothing: the rejected Maps created no tasks.
  auto context = Context();
  v1::ListTasksResponse listed;
  ASSERT_TRUE(
      stub_->ListTasks(context.get(), v1::ListTasksRequest(), &listed).ok());
  EXPECT_EQ(listed.tasks_size(), 0);

  v1::MapRequest empty;
  empty.set_function("echo");
  EXPECT_TRUE(ReadMap(empty, &results).ok());
  EXPECT_TRUE(results.empty());
}

TEST_P(MapTest, MapBatchStreamPacksResultsThatAreReady) {
  StartServer({"--threads=2"});
  // In input order, item 0 (half a second) holds back the others, which
  // finish meanwhile: then they are all ready at once.
  v1::MapRequest request;
  request.set_function("sleep");
  constexpr int kItems = 2000;
  *request.add_items()->add_values() = Number(0.5);
  for (int i = 1; i < kItems; ++i)
    *request.add_items()->add_values() = Number(0);
  std::vector<v1::MapResult> results;
  int messages = 0;
  grpc::Status status = ReadMap(request, &results, &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), static_cast<size_t>(kItems));
  for (int i = 0; i < kItems; ++i) {
    ASSERT_EQ(results[i].index(), i);
    ASSERT_EQ(results[i].task().state(), v1::TASK_STATE_SUCCEEDED);
  }
  EXPECT_EQ(results[0].task().result().number_value(), 0.5);
  if (GetParam() == MapRpc::kMap) {
    EXPECT_EQ(messages, kItems);
  } else {
    // At most 1024 results per message, and far fewer messages than items.
    EXPECT_GE(messages, 2);
    EXPECT_LT(messages, kItems / 4) << messages << " messages";
  }
}

TEST_P(MapTest, MalformedRequestIsInvalidArgumentAndServerCarriesOn) {
  StartServer();
  const std::string method =
      absl::StrCat("/execd.v1.Executor/", MapRpcName(GetParam()));
  // Field 2 (items) declared 2 GB long.
  RawCallOutcome call =
      CallWithRawRequest(server_->target(), method, "\x12\xff\xff\xff\xff\x07");
  EXPECT_EQ(call.replies, 0);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      absl::StrContains(call.status.error_message(), "malformed MapRequest"))
      << call.status.error_message();

  v1::MapRequest echo;
  echo.set_function("echo");
  *echo.add_items()->add_values() = Number(7);
  std::vector<v1::MapResult> results;
  ASSERT_TRUE(ReadMap(echo, &results).ok());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].task().state(), v1::TASK_STATE_SUCCEEDED);
}

}  // namespace
}  // namespace execd::integration
