// The call frame the server sends and the gates it shares with a worker.
#include "server/pools/process/call_frame.h"

#include <memory>
#include <string>
#include <vector>

#include "execd/v1/worker.pb.h"
#include "gtest/gtest.h"
#include "server/functions/map_chunk.h"
#include "server/functions/registry.h"
#include "server/pools/process/call_gates.h"
#include "server/pools/process/frame_codec.h"

namespace execd {
namespace {

TEST(CallFrameTest, EncodesWhatAWorkerRequestWouldHold) {
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  std::vector<TaskPtr> tasks;
  v1::worker::WorkerRequest expected;
  for (int i = 0; i < 3; ++i) {
    auto task = std::make_shared<TaskRecord>();
    task->function = *registry.Find("echo");
    task->seq = i + 1;
    TaskInputs& inputs = task->mutable_inputs();
    v1::worker::WorkerCall* call = expected.add_calls();
    if (i == 1) {  // a Map chunk: its items go as they were encoded
      task->map_chunk = true;
      task->chunksize = 2;
      for (int item = 0; item < 2; ++item) {
        google::protobuf::ListValue args;
        args.add_values()->set_number_value(item);
        AppendChunkItem(args, &inputs.chunk_items);
        *call->mutable_args()->add_values()->mutable_list_value() = args;
      }
      call->set_map_chunk(true);
    } else {
      inputs.args.add_values()->set_number_value(i);
      *call->mutable_args() = task->args();
    }
    (*inputs.kwargs.mutable_fields())["k"].set_string_value("v");
    inputs.input = std::string(i * 200, 'x');  // 0: an empty field
    call->set_task_id(task->id());
    call->set_function("echo");
    *call->mutable_kwargs() = task->kwargs();
    call->set_input(task->input());
    tasks.push_back(std::move(task));
  }
  std::string frame = "stale bytes of an earlier frame";
  ASSERT_TRUE(EncodeCallFrame(tasks, kDefaultMaxFrameBytes, &frame).ok());
  absl::StatusOr<uint32_t> length = DecodeFrameHeader(
      frame.substr(0, kFrameHeaderBytes), kDefaultMaxFrameBytes);
  ASSERT_TRUE(length.ok());
  ASSERT_EQ(*length, frame.size() - kFrameHeaderBytes);
  v1::worker::WorkerRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(frame.substr(kFrameHeaderBytes)));
  EXPECT_EQ(decoded.SerializeAsString(), expected.SerializeAsString());

  EXPECT_EQ(EncodeCallFrame(tasks, 100, &frame).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(CallGatesTest, EachGateOpensOrClosesExactlyOnce) {
  absl::StatusOr<CallGates> server = CallGates::Create();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<CallGates> worker = CallGates::Map(dup(server->fd()));
  ASSERT_TRUE(worker.ok()) << worker.status();
  server->Reset(4);
  EXPECT_TRUE(worker->Start(0));
  EXPECT_EQ(server->Withdraw(0), GateState::kStarted);  // too late
  EXPECT_EQ(server->Withdraw(1), GateState::kQueued);   // in time
  EXPECT_FALSE(worker->Start(1));
  EXPECT_EQ(worker->state(1), GateState::kWithdrawn);
  server->Fence(2, 4);
  EXPECT_FALSE(worker->Start(2));
  EXPECT_EQ(worker->state(3), GateState::kFenced);
  server->Reset(2);  // the next frame
  EXPECT_TRUE(worker->Start(0));
  EXPECT_TRUE(worker->Start(1));
}

}  // namespace
}  // namespace execd
