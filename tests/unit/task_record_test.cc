#include "server/core/task_record.h"

#include "gtest/gtest.h"
#include "server/core/submit_validation.h"
#include "server/core/task_id.h"
#include "server/core/task_store.h"
#include "server/functions/encoded_value.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::MakeSubmit;
using testing::Number;

// Up to a million records wait at once, each in one make_shared block (16
// bytes of control block) in a malloc chunk (8 bytes of header, 16-byte
// steps): up to 232 bytes a record takes a 256-byte chunk. Growing past
// that costs 16 MB per million queued tasks; move rarely used fields into
// one of the optional blocks (TaskInputs, TaskTags, TaskOutcome) instead.
constexpr size_t kRecordBudget = 232;

TEST(TaskRecordTest, StaysWithinItsMemoryBudget) {
  EXPECT_LE(sizeof(TaskRecord), kRecordBudget);
}

TEST(TaskIdTest, FormatsThirtyTwoHexDigitsAndParsesBack) {
  EXPECT_EQ(FormatTaskId(0x0123456789abcdefULL, 42),
            "0123456789abcdef000000000000002a");
  EXPECT_EQ(FormatTaskId(0, 0), std::string(32, '0'));
  EXPECT_EQ(FormatTaskId(~0ULL, ~0ULL), std::string(32, 'f'));
  absl::StatusOr<ParsedTaskId> parsed =
      ParseTaskId(FormatTaskId(0xfedcba9876543210ULL, 7));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->instance, 0xfedcba9876543210ULL);
  EXPECT_EQ(parsed->seq, 7u);
  EXPECT_EQ(ParseTaskId("0123456789ABCDEF000000000000002a").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A finished task's event carries its whole public view, built in the
// event's own arena.
TEST(TaskEventTest, ArenaEventHoldsAFullTaskAndOutlivesItsBuilder) {
  TaskEventPtr shared;
  {
    NewTaskEvent made = MakeTaskEvent();
    made.event->set_kind(v1::TaskEvent::KIND_FINISHED);
    v1::Task* task = made.event->mutable_task();
    task->set_task_id(FormatTaskId(1, 2));
    auto& fields = *task->mutable_result()->mutable_struct_value()
                        ->mutable_fields();
    fields["args"].mutable_list_value()->add_values()->set_string_value(
        std::string(4096, 'x'));  // more than the first arena block
    shared = made.shared;
  }
  EXPECT_EQ(shared->kind(), v1::TaskEvent::KIND_FINISHED);
  EXPECT_EQ(shared->task().task_id(), FormatTaskId(1, 2));
  v1::Task copy = shared->task();  // heap copy of an arena message
  shared.reset();
  EXPECT_EQ(copy.result()
                .struct_value()
                .fields()
                .at("args")
                .list_value()
                .values(0)
                .string_value()
                .size(),
            4096u);
}

class BuildTaskRecordTest : public ::testing::Test {
 protected:
  absl::StatusOr<TaskPtr> Build(v1::SubmitRequest request) {
    return BuildTaskRecord(request, registry_, limits_,
                           absl::InfiniteDuration());
  }

  FunctionRegistry registry_ = FunctionRegistry::WithBuiltins();
  FunctionLimits limits_;
};

TEST_F(BuildTaskRecordTest, PlainTaskHoldsNoOptionalBlocks) {
  absl::StatusOr<TaskPtr> task = Build(MakeSubmit("echo"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ((*task)->inputs, nullptr);
  EXPECT_EQ((*task)->tags, nullptr);
  EXPECT_EQ((*task)->outcome, nullptr);
  EXPECT_EQ((*task)->args().values_size(), 0);
  EXPECT_TRUE((*task)->kwargs().fields().empty());
  EXPECT_TRUE((*task)->input().empty());
  EXPECT_TRUE((*task)->request_id().empty());
  EXPECT_TRUE((*task)->labels().empty());
}

TEST_F(BuildTaskRecordTest, KeepsInputsAndTagsWhenSet) {
  v1::SubmitRequest request = MakeSubmit("echo", {Number(7)});
  request.set_input("bytes");
  request.set_request_id("req-1");
  (*request.mutable_labels())["team"] = "a";
  absl::StatusOr<TaskPtr> task = Build(request);
  ASSERT_TRUE(task.ok()) << task.status();
  ASSERT_NE((*task)->inputs, nullptr);
  EXPECT_EQ((*task)->args().values(0).number_value(), 7);
  EXPECT_EQ((*task)->input(), "bytes");
  ASSERT_NE((*task)->tags, nullptr);
  EXPECT_EQ((*task)->request_id(), "req-1");
  EXPECT_EQ((*task)->labels().at("team"), "a");
}

TEST_F(BuildTaskRecordTest, SnapshotShowsWhatTheTaskWasGiven) {
  v1::SubmitRequest request = MakeSubmit("echo");
  request.set_priority(3);
  request.set_request_id("req-2");
  (*request.mutable_labels())["team"] = "b";
  absl::StatusOr<TaskPtr> task = Build(request);
  ASSERT_TRUE(task.ok()) << task.status();
  TaskStore store({}, /*instance_id=*/7);
  TaskPtr stored = store.Insert(*task).task;
  v1::Task view = store.Snapshot(*stored);
  EXPECT_EQ(view.task_id(), FormatTaskId(7, stored->seq));
  EXPECT_EQ(view.function(), "echo");
  EXPECT_EQ(view.pool(), v1::POOL_THREAD);
  EXPECT_EQ(view.priority(), 3);
  EXPECT_EQ(view.request_id(), "req-2");
  EXPECT_EQ(view.labels().at("team"), "b");
  EXPECT_EQ(view.state(), v1::TASK_STATE_PENDING);
  EXPECT_TRUE(view.has_submit_time());
  EXPECT_FALSE(view.has_end_time());
}

TEST(TaskRecordSnapshotTest, ResultWhenSucceededErrorWhenCancelled) {
  TaskStore store({}, /*instance_id=*/7);
  TaskPtr succeeded = store.Insert(std::make_shared<TaskRecord>()).task;
  std::shared_ptr<CancellationToken> token =
      store.MarkRunning(succeeded, "thread-0");
  AttemptResult result;
  result.ok = true;
  result.result = EncodeNumber(42);
  result.output = "out";
  store.EndAttempt(succeeded, token.get(), std::move(result));
  v1::Task view = store.Snapshot(*succeeded);
  EXPECT_EQ(view.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(view.result().number_value(), 42);
  EXPECT_EQ(view.output(), "out");
  EXPECT_EQ(view.worker(), "thread-0");
  EXPECT_EQ(view.attempts(), 1);
  EXPECT_TRUE(view.has_start_time());
  EXPECT_TRUE(view.has_end_time());
  EXPECT_FALSE(view.has_error());

  TaskPtr cancelled = store.Insert(std::make_shared<TaskRecord>()).task;
  std::shared_ptr<CancellationToken> none;
  ASSERT_TRUE(store
                  .Abort(cancelled, MakeTaskError(kReasonCancelled, "stop", 1),
                         v1::TASK_STATE_CANCELLED, &none)
                  .ok());
  view = store.Snapshot(*cancelled);
  EXPECT_EQ(view.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(view.error().reason(), kReasonCancelled);
  EXPECT_FALSE(view.has_result());
  EXPECT_FALSE(view.has_start_time());
  EXPECT_EQ(view.attempts(), 0);
}

}  // namespace
}  // namespace execd
