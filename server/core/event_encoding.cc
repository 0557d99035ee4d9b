#include "server/core/event_encoding.h"

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/functions/wire_writer.h"

namespace execd {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// v1.TaskEvent field numbers.
enum EventField { kKind = 1, kTask = 2, kEventRequestId = 3 };

// The fields every view of a task starts with.
void EncodeIdentity(const TaskRecord& task, v1::TaskState state,
                    WireWriter& wire) {
  wire.StringField(kTaskId, task.id());
  if (task.function != nullptr) wire.StringField(kFunction, task.function->name);
  wire.IntField(kPool, task.pool);
  wire.IntField(kState, state);
}

// The public view of `task`, as FillTask builds it.
std::string EncodeTask(const TaskRecord& task) {
  std::string bytes;
  bytes.reserve(160);
  WireWriter wire(&bytes);
  EncodeIdentity(task, task.state, wire);
  const TaskOutcome* outcome = task.outcome.get();
  const bool terminal = IsTerminal(task.state);
  if (outcome != nullptr && task.state == v1::TASK_STATE_SUCCEEDED &&
      !task.map_chunk) {
    // Present even when empty, as FillTask's mutable_result() makes it.
    wire.MessageHeader(kResult, outcome->result.size());
    bytes.append(outcome->result);
  }
  if (outcome != nullptr) wire.StringField(kOutput, outcome->output);
  if (outcome != nullptr && terminal &&
      task.state != v1::TASK_STATE_SUCCEEDED) {
    wire.Message(kError, outcome->error);
  }
  wire.IntField(kPriority, task.priority);
  for (const auto& [key, value] : task.labels()) {
    const size_t entry = 2 + CodedOutputStream::VarintSize64(key.size()) +
                         key.size() +
                         CodedOutputStream::VarintSize64(value.size()) +
                         value.size();
    wire.MessageHeader(kLabels, entry);
    // Map entries carry key and value even when empty.
    wire.Tag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    wire.Varint(key.size());
    bytes.append(key);
    wire.Tag(2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    wire.Varint(value.size());
    bytes.append(value);
  }
  wire.StringField(kRequestId, task.request_id());
  wire.TimestampField(kSubmitTime, task.submit_time);
  if (task.attempts > 0) wire.TimestampField(kStartTime, task.start_time);
  if (terminal) wire.TimestampField(kEndTime, task.end_time);
  wire.IntField(kAttempts, task.attempts);
  if (outcome != nullptr) wire.StringField(kWorker, outcome->worker);
  return bytes;
}

EncodedEventPtr EncodeEvent(v1::TaskEvent::Kind kind,
                            const std::string& task_bytes,
                            absl::string_view request_id) {
  auto event = std::make_shared<EncodedEvent>();
  event->bytes.reserve(task_bytes.size() + request_id.size() + 16);
  WireWriter wire(&event->bytes);
  wire.IntField(kKind, kind);
  wire.MessageHeader(kTask, task_bytes.size());
  event->bytes.append(task_bytes);
  wire.StringField(kEventRequestId, request_id);
  return event;
}

}  // namespace

EncodedEventPtr EncodeTaskEvent(v1::TaskEvent::Kind kind,
                                const TaskRecord& task) {
  return EncodeEvent(kind, EncodeTask(task), task.request_id());
}

EncodedEventPtr EncodeAcceptedEvent(const TaskRecord& task) {
  std::string bytes;
  bytes.reserve(64);
  WireWriter wire(&bytes);
  EncodeIdentity(task, v1::TASK_STATE_PENDING, wire);
  wire.IntField(kPriority, task.priority);
  wire.StringField(kRequestId, task.request_id());
  return EncodeEvent(v1::TaskEvent::KIND_ACCEPTED, bytes, task.request_id());
}

}  // namespace execd
