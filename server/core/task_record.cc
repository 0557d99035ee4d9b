#include "server/core/task_record.h"

#include "server/core/proto_time.h"
#include "server/core/task_id.h"
#include "server/functions/encoded_value.h"

namespace execd {
namespace {

// Empty fields of protobuf's default instances stand for absent blocks:
// they are never destroyed, so pool threads may read them while the
// process exits.
const v1::SubmitRequest& Empty() {
  return v1::SubmitRequest::default_instance();
}

}  // namespace

std::string TaskRecord::id() const { return FormatTaskId(instance, seq); }

const google::protobuf::ListValue& TaskRecord::args() const {
  return inputs != nullptr ? inputs->args
                           : google::protobuf::ListValue::default_instance();
}

const google::protobuf::Struct& TaskRecord::kwargs() const {
  return inputs != nullptr ? inputs->kwargs
                           : google::protobuf::Struct::default_instance();
}

const std::string& TaskRecord::input() const {
  return inputs != nullptr ? inputs->input : Empty().input();
}

const std::string& TaskRecord::chunk_items() const {
  return inputs != nullptr ? inputs->chunk_items : Empty().input();
}

absl::string_view TaskRecord::request_id() const {
  return tags != nullptr ? absl::string_view(tags->request_id)
                         : absl::string_view();
}

const google::protobuf::Map<std::string, std::string>& TaskRecord::labels()
    const {
  return tags != nullptr ? tags->labels : Empty().labels();
}

TaskInputs& TaskRecord::mutable_inputs() {
  if (inputs == nullptr) inputs = std::make_unique<TaskInputs>();
  return *inputs;
}

TaskTags& TaskRecord::mutable_tags() {
  if (tags == nullptr) tags = std::make_unique<TaskTags>();
  return *tags;
}

// Strings are set only when not empty: setting even an empty one allocates
// (on an event's arena, plus a destructor to run), and most tasks have no
// request id, output or labels.
void FillTask(const TaskRecord& task, v1::Task* out) {
  out->set_task_id(task.id());
  if (task.function != nullptr) out->set_function(task.function->name);
  out->set_pool(task.pool);
  out->set_state(task.state);
  out->set_priority(task.priority);
  if (task.tags != nullptr) {
    if (!task.tags->labels.empty()) {
      *out->mutable_labels() = task.tags->labels;
    }
    if (!task.tags->request_id.empty()) {
      out->set_request_id(task.tags->request_id);
    }
  }
  ToProto(task.submit_time, out->mutable_submit_time());
  if (task.attempts > 0) ToProto(task.start_time, out->mutable_start_time());
  if (IsTerminal(task.state)) ToProto(task.end_time, out->mutable_end_time());
  out->set_attempts(task.attempts);
  if (task.outcome != nullptr) {
    const TaskOutcome& outcome = *task.outcome;
    if (!outcome.worker.empty()) out->set_worker(outcome.worker);
    if (!outcome.output.empty()) out->set_output(outcome.output);
    // A result only once succeeded, an error only once failed or cancelled.
    if (task.state == v1::TASK_STATE_SUCCEEDED) {
      // Encoded by our own function code, so it parses; a chunk's outcomes
      // went to its Map call.
      if (!task.map_chunk) DecodeValue(outcome.result, out->mutable_result());
    } else if (IsTerminal(task.state)) {
      *out->mutable_error() = outcome.error;
    }
  }
}

}  // namespace execd
