#include "server/core/event_encoding.h"

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// Appends protobuf wire format to a string. Fields are written like the
// generated code writes them: in field order, proto3 defaults left out.
class WireWriter {
 public:
  explicit WireWriter(std::string* out) : out_(out) {}

  void Varint(uint64_t value) {
    uint8_t buffer[10];
    const uint8_t* end =
        CodedOutputStream::WriteVarint64ToArray(value, buffer);
    out_->append(reinterpret_cast<const char*>(buffer), end - buffer);
  }
  void Tag(int field, WireFormatLite::WireType type) {
    Varint(WireFormatLite::MakeTag(field, type));
  }
  // int32/int64/enum fields: negative values are sign-extended, as in
  // protobuf.
  void IntField(int field, int64_t value) {
    if (value == 0) return;
    Tag(field, WireFormatLite::WIRETYPE_VARINT);
    Varint(static_cast<uint64_t>(value));
  }
  void StringField(int field, absl::string_view value) {
    if (value.empty()) return;
    Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    Varint(value.size());
    out_->append(value.data(), value.size());
  }
  // A message field whose body (`size` bytes) the caller writes next.
  void MessageHeader(int field, size_t size) {
    Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    Varint(size);
  }
  void Message(int field, const google::protobuf::MessageLite& message) {
    const size_t size = message.ByteSizeLong();
    MessageHeader(field, size);
    const size_t at = out_->size();
    out_->resize(at + size);
    message.SerializeWithCachedSizesToArray(
        reinterpret_cast<uint8_t*>(out_->data() + at));
  }
  void TimestampField(int field, absl::Time time) {
    const int64_t nanos = absl::ToUnixNanos(time);
    const int64_t seconds = nanos / 1000000000;
    const int64_t fraction = nanos % 1000000000;
    size_t size = 0;
    if (seconds != 0) size += 1 + CodedOutputStream::VarintSize64(seconds);
    if (fraction != 0) size += 1 + CodedOutputStream::VarintSize64(fraction);
    MessageHeader(field, size);
    IntField(1, seconds);
    IntField(2, fraction);
  }

 private:
  std::string* out_;
};

// v1.Task field numbers.
enum TaskField {
  kTaskId = 1,
  kFunction = 2,
  kPool = 3,
  kState = 4,
  kResult = 5,
  kOutput = 6,
  kError = 7,
  kPriority = 8,
  kLabels = 9,
  kRequestId = 10,
  kSubmitTime = 11,
  kStartTime = 12,
  kEndTime = 13,
  kAttempts = 14,
  kWorker = 15,
};
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
  if (outcome != nullptr && task.state == v1::TASK_STATE_SUCCEEDED) {
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
