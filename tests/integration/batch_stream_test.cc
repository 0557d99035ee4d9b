// SubmitBatchStream (an addition to the v1 contract) against a real server:
// the per-request semantics of SubmitStream with many requests and events per
// message, malformed input refused, and the stream counted and closed like
// the others.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace execd::integration {
namespace {

class BatchStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = StartThreadServer({"--threads=4"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  // Writes `batches`, half-closes, reads every event batch to the end.
  grpc::Status RunBatches(const std::vector<v1::SubmitBatch>& batches,
                          std::vector<v1::TaskEvent>* events,
                          int* messages = nullptr) {
    auto context = Context();
    auto stream = stub_->SubmitBatchStream(context.get());
    for (const v1::SubmitBatch& batch : batches) {
      if (!stream->Write(batch)) break;
    }
    stream->WritesDone();
    v1::TaskEventBatch reply;
    int read = 0;
    while (stream->Read(&reply)) {
      ++read;
      for (const v1::TaskEvent& event : reply.events()) {
        events->push_back(event);
      }
    }
    if (messages != nullptr) *messages = read;
    return stream->Finish();
  }

  int64_t OpenStreams() {
    return static_cast<int64_t>(
        MetricValue(ScrapeMetrics(*server_), "execd_callback_streams")
            .value_or(-1));
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(BatchStreamTest, AcceptsRejectsInOrderAcrossBatchesThenFinishes) {
  std::vector<v1::SubmitBatch> batches(2);
  *batches[0].add_requests() = MakeSubmit("echo", {Number(1)});
  *batches[0].add_requests() = MakeSubmit("primez");
  *batches[0].add_requests() = MakeSleep(-1);
  *batches[1].add_requests() = MakeSleep(0.3);
  *batches[1].add_requests() = MakeSubmit("fail", {Str("no")});
  *batches[1].add_requests() = MakeSubmit("echo", {Number(2)});
  int n = 0;
  for (v1::SubmitBatch& batch : batches) {
    for (v1::SubmitRequest& request : *batch.mutable_requests()) {
      request.set_request_id(absl::StrCat("r", n++));
    }
  }
  std::vector<v1::TaskEvent> events;
  grpc::Status status = RunBatches(batches, &events);
  ASSERT_TRUE(status.ok()) << status.error_message();

  std::vector<std::string> verdicts;  // ACCEPTED/REJECTED in arrival order
  std::map<std::string, std::string> accepted;  // task id -> request id
  std::map<std::string, v1::Task> finished;     // request id -> task
  for (const v1::TaskEvent& e : events) {
    switch (e.kind()) {
      case v1::TaskEvent::KIND_ACCEPTED:
        verdicts.push_back(e.request_id());
        EXPECT_EQ(e.task().state(), v1::TASK_STATE_PENDING);
        accepted.emplace(e.task().task_id(), e.request_id());
        break;
      case v1::TaskEvent::KIND_REJECTED:
        verdicts.push_back(e.request_id());
        if (e.request_id() == "r1") {
          EXPECT_EQ(e.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
          EXPECT_TRUE(absl::StrContains(e.message(), "primez")) << e.message();
        } else {
          EXPECT_EQ(e.request_id(), "r2");
          EXPECT_EQ(e.code(),
                    static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
        }
        break;
      case v1::TaskEvent::KIND_FINISHED:
        ASSERT_TRUE(accepted.count(e.task().task_id()))
            << "FINISHED before ACCEPTED: " << DescribeEvent(e);
        EXPECT_TRUE(finished.emplace(e.request_id(), e.task()).second)
            << "second FINISHED: " << DescribeEvent(e);
        break;
      default:
        ADD_FAILURE() << "unexpected event " << DescribeEvent(e);
    }
  }
  EXPECT_EQ(verdicts, (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4",
                                                "r5"}));
  ASSERT_EQ(finished.size(), 4u);
  EXPECT_EQ(finished["r0"].state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(finished["r0"]
                .result()
                .struct_value()
                .fields()
                .at("args")
                .list_value()
                .values(0)
                .number_value(),
            1);
  EXPECT_EQ(finished["r3"].result().number_value(), 0.3);
  EXPECT_EQ(finished["r4"].state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(finished["r4"].error().reason(), "TASK_ERROR");
  EXPECT_EQ(finished["r5"].state(), v1::TASK_STATE_SUCCEEDED);
  // The tasks are ordinary tasks: Result finds them.
  for (const auto& [task_id, request_id] : accepted) {
    EXPECT_EQ(AwaitTerminal(*stub_, task_id).state(),
              finished[request_id].state());
  }
}

TEST_F(BatchStreamTest, ManyTasksEachReportedOnceInFewerMessages) {
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 100;
  std::vector<v1::SubmitBatch> batches(kBatches);
  for (int b = 0; b < kBatches; ++b) {
    for (int i = 0; i < kPerBatch; ++i) {
      v1::SubmitRequest* request = batches[b].add_requests();
      *request = MakeSubmit("echo", {Number(b * kPerBatch + i)});
      request->set_request_id(absl::StrCat(b * kPerBatch + i));
    }
  }
  std::vector<v1::TaskEvent> events;
  int messages = 0;
  grpc::Status status = RunBatches(batches, &events, &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 2u * kBatches * kPerBatch);
  std::vector<std::string> accepted_order;
  std::set<std::string> finished;
  for (const v1::TaskEvent& e : events) {
    if (e.kind() == v1::TaskEvent::KIND_ACCEPTED) {
      accepted_order.push_back(e.request_id());
    } else {
      ASSERT_EQ(e.kind(), v1::TaskEvent::KIND_FINISHED) << DescribeEvent(e);
      EXPECT_EQ(e.task().state(), v1::TASK_STATE_SUCCEEDED);
      EXPECT_TRUE(finished.insert(e.request_id()).second) << e.request_id();
    }
  }
  ASSERT_EQ(accepted_order.size(), 1u * kBatches * kPerBatch);
  for (int i = 0; i < kBatches * kPerBatch; ++i) {
    ASSERT_EQ(accepted_order[i], absl::StrCat(i)) << "out of order at " << i;
  }
  EXPECT_EQ(finished.size(), 1u * kBatches * kPerBatch);
  // Each batch's ACCEPTED events are pushed before the first write starts,
  // so events share messages.
  EXPECT_LT(messages, static_cast<int>(events.size())) << messages;
  EXPECT_TRUE(PollUntil([&] { return OpenStreams() == 0; }, absl::Seconds(5)));
}

// Events are packed up to a byte budget (1 MiB), so large results never make
// a message past a client's default 4 MiB receive limit.
TEST_F(BatchStreamTest, LargeEventsSplitAcrossMessagesWithinTheByteBudget) {
  constexpr int kTasks = 16;
  constexpr size_t kPayload = 300 * 1024;  // 16 x 300 KiB > 4 MiB in all
  std::vector<v1::SubmitBatch> batches(2);
  for (int i = 0; i < kTasks; ++i) {
    v1::SubmitRequest* request = batches[i % 2].add_requests();
    *request = MakeSubmit("echo");
    request->set_input(std::string(kPayload, 'a' + i));
  }
  auto context = Context();
  auto stream = stub_->SubmitBatchStream(context.get());
  for (const v1::SubmitBatch& batch : batches) ASSERT_TRUE(stream->Write(batch));
  ASSERT_TRUE(stream->WritesDone());
  v1::TaskEventBatch reply;
  int finished = 0;
  while (stream->Read(&reply)) {
    size_t largest = 0;
    for (const v1::TaskEvent& event : reply.events()) {
      largest = std::max(largest, event.ByteSizeLong());
      if (event.kind() == v1::TaskEvent::KIND_FINISHED) {
        ++finished;
        EXPECT_EQ(event.task().output().size(), kPayload);
      }
    }
    // Over budget only by the one event that went over it.
    EXPECT_LE(reply.ByteSizeLong(), (1u << 20) + largest + 64);
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(finished, kTasks);
}

// A batch must fit in the stream's buffer with its FINISHED events: at most
// --max_stream_buffer / 2 requests. One more ends the stream (tasks of
// earlier batches run on); the server carries on.
TEST_F(BatchStreamTest, BatchOverHalfTheStreamBufferIsResourceExhausted) {
  server_.reset();
  auto server = StartThreadServer({"--threads=2", "--max_stream_buffer=16"});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  stub_ = server_->NewStub();
  v1::SubmitBatch fits;
  for (int i = 0; i < 8; ++i) *fits.add_requests() = MakeSubmit("echo");
  v1::SubmitBatch too_big = fits;
  *too_big.add_requests() = MakeSubmit("echo");

  std::vector<v1::TaskEvent> events;
  grpc::Status status = RunBatches({fits}, &events);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(events.size(), 16u);

  events.clear();
  status = RunBatches({too_big}, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "split it"))
      << status.error_message();
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(ThreadPoolStatus(*stub_).succeeded(), 8);  // none of the 9 ran
}

TEST_F(BatchStreamTest, EmptyStreamAndEmptyBatchEndOk) {
  std::vector<v1::TaskEvent> events;
  EXPECT_TRUE(RunBatches({}, &events).ok());
  EXPECT_TRUE(RunBatches({v1::SubmitBatch()}, &events).ok());
  EXPECT_TRUE(events.empty());
}

// Both submit streams parse raw bytes themselves: garbage gets
// INVALID_ARGUMENT naming the message, and the server carries on.
TEST_F(BatchStreamTest, MalformedMessagesAreInvalidArgumentAndServerCarriesOn) {
  for (const auto& [method, message] :
       {std::pair<std::string, std::string>{
            "/execd.v1.Executor/SubmitBatchStream", "SubmitBatch"},
        {"/execd.v1.Executor/SubmitStream", "SubmitRequest"}}) {
    // Field 1 declared 2 GB long.
    RawCallOutcome call = CallWithRawRequest(server_->target(), method,
                                             "\x0a\xff\xff\xff\xff\x07");
    EXPECT_EQ(call.replies, 0) << method << ": no events for garbage";
    EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method;
    EXPECT_TRUE(absl::StrContains(call.status.error_message(),
                                  "malformed " + message))
        << call.status.error_message();
  }

  std::vector<v1::TaskEvent> events;
  v1::SubmitBatch batch;
  *batch.add_requests() = MakeSubmit("echo");
  EXPECT_TRUE(RunBatches({batch}, &events).ok());
  EXPECT_EQ(events.size(), 2u);
}

}  // namespace
}  // namespace execd::integration
