// EncodeTaskEvent writes a TaskEvent's wire bytes straight from a record:
// they must parse to exactly the event built through FillTask, in every
// state a task can be in.
#include "server/core/event_encoding.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/core/task_id.h"
#include "server/functions/encoded_value.h"
#include "server/functions/registry.h"

namespace execd {
namespace {

class EventEncodingTest : public ::testing::Test {
 protected:
  TaskRecord Record(v1::TaskState state) {
    TaskRecord task;
    task.instance = 0xabcdef;
    task.seq = 42;
    task.function = *registry_.Find("echo");
    task.pool = v1::POOL_THREAD;
    task.submit_time = absl::FromUnixNanos(1700000000123456789);
    task.state = state;
    return task;
  }

  // The event as the store builds it (FillTask), and as encoded.
  void ExpectSameEvent(v1::TaskEvent::Kind kind, const TaskRecord& task) {
    v1::TaskEvent expected;
    expected.set_kind(kind);
    FillTask(task, expected.mutable_task());
    expected.set_request_id(expected.task().request_id());
    EncodedEventPtr encoded = EncodeTaskEvent(kind, task);
    v1::TaskEvent parsed;
    ASSERT_TRUE(parsed.ParseFromString(encoded->bytes));
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
        << "encoded: " << parsed.DebugString()
        << "\nexpected: " << expected.DebugString();
    EXPECT_EQ(encoded->ByteSizeLong(), encoded->bytes.size());
  }

  FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
};

TEST_F(EventEncodingTest, PendingWithTagsAndNegativePriority) {
  TaskRecord task = Record(v1::TASK_STATE_PENDING);
  task.priority = -3;  // a 10-byte varint
  task.mutable_tags().request_id = "req-7";
  task.mutable_tags().labels["team"] = "a";
  task.mutable_tags().labels["empty"] = "";
  ExpectSameEvent(v1::TaskEvent::KIND_ACCEPTED, task);
}

TEST_F(EventEncodingTest, RunningHasStartTimeAttemptsAndWorker) {
  TaskRecord task = Record(v1::TASK_STATE_RUNNING);
  task.attempts = 1;
  task.start_time = task.submit_time + absl::Microseconds(17);
  task.outcome = std::make_unique<TaskOutcome>();
  task.outcome->worker = "thread-3";
  ExpectSameEvent(v1::TaskEvent::KIND_STARTED, task);
}

TEST_F(EventEncodingTest, SucceededCarriesResultOutputAndEndTime) {
  TaskRecord task = Record(v1::TASK_STATE_SUCCEEDED);
  task.priority = 300;
  task.attempts = 2;
  task.start_time = task.submit_time + absl::Seconds(1);
  task.end_time = task.start_time + absl::Milliseconds(5);
  task.outcome = std::make_unique<TaskOutcome>();
  task.outcome->worker = "process-1/pid-4711";
  task.outcome->output = std::string(300, 'o');  // a two-byte length
  google::protobuf::Value result;
  auto& fields = *result.mutable_struct_value()->mutable_fields();
  fields["args"].mutable_list_value()->add_values()->set_number_value(1.5);
  fields["kwargs"].mutable_struct_value();
  task.outcome->result = EncodeValue(result);
  ExpectSameEvent(v1::TaskEvent::KIND_FINISHED, task);
}

TEST_F(EventEncodingTest, SucceededWithAnEmptyResultStillHasTheField) {
  TaskRecord task = Record(v1::TASK_STATE_SUCCEEDED);
  task.end_time = task.submit_time;  // whole seconds are fine too
  task.submit_time = absl::FromUnixSeconds(1700000000);
  task.outcome = std::make_unique<TaskOutcome>();
  task.outcome->result.clear();  // an empty Value encodes as no bytes
  ExpectSameEvent(v1::TaskEvent::KIND_FINISHED, task);
}

TEST_F(EventEncodingTest, SucceededMapChunkLeavesItsOutcomesOut) {
  TaskRecord task = Record(v1::TASK_STATE_SUCCEEDED);
  task.map_chunk = true;
  task.end_time = task.submit_time + absl::Milliseconds(3);
  task.outcome = std::make_unique<TaskOutcome>();
  task.outcome->result = "\x0a\x02\x20\x03";  // outcomes, not a Value
  ExpectSameEvent(v1::TaskEvent::KIND_FINISHED, task);
  v1::Task view;
  FillTask(task, &view);
  EXPECT_FALSE(view.has_result());
}

TEST_F(EventEncodingTest, FailedAndCancelledCarryTheError) {
  for (v1::TaskState state :
       {v1::TASK_STATE_FAILED, v1::TASK_STATE_CANCELLED}) {
    TaskRecord task = Record(state);
    task.end_time = task.submit_time + absl::Seconds(3);
    task.outcome = std::make_unique<TaskOutcome>();
    task.outcome->error.set_reason("TIMEOUT");
    task.outcome->error.set_message("ran longer than 1s");
    task.outcome->error.set_code(4);
    task.outcome->output = "partial";
    ExpectSameEvent(v1::TaskEvent::KIND_FINISHED, task);
  }
  // Cancelled while pending: an empty error, no worker, no start.
  TaskRecord task = Record(v1::TASK_STATE_CANCELLED);
  task.end_time = task.submit_time;
  task.outcome = std::make_unique<TaskOutcome>();
  ExpectSameEvent(v1::TaskEvent::KIND_FINISHED, task);
}

TEST_F(EventEncodingTest, AcceptedHoldsTheFieldsFixedAtSubmit) {
  TaskRecord task = Record(v1::TASK_STATE_PENDING);
  task.priority = -1;
  task.mutable_tags().request_id = "r1";
  v1::TaskEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(EncodeAcceptedEvent(task)->bytes));
  EXPECT_EQ(parsed.kind(), v1::TaskEvent::KIND_ACCEPTED);
  EXPECT_EQ(parsed.request_id(), "r1");
  EXPECT_EQ(parsed.task().task_id(), FormatTaskId(0xabcdef, 42));
  EXPECT_EQ(parsed.task().function(), "echo");
  EXPECT_EQ(parsed.task().pool(), v1::POOL_THREAD);
  EXPECT_EQ(parsed.task().priority(), -1);
  EXPECT_EQ(parsed.task().state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(parsed.task().request_id(), "r1");
}

}  // namespace
}  // namespace execd
