#ifndef EXECD_SERVER_FUNCTIONS_WIRE_WRITER_H_
#define EXECD_SERVER_FUNCTIONS_WIRE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace execd {

// Appends protobuf wire format to a string. Fields are written like the
// generated code writes them: in field order, proto3 defaults left out.
// Events, Map results and Map chunk outcomes are written this way straight
// from what holds them, without building a v1::Task first.
class WireWriter {
 public:
  using WireType = google::protobuf::internal::WireFormatLite::WireType;

  explicit WireWriter(std::string* out) : out_(out) {}

  void Varint(uint64_t value) {
    uint8_t buffer[10];
    const uint8_t* end = CodedOutputStream::WriteVarint64ToArray(value, buffer);
    out_->append(reinterpret_cast<const char*>(buffer), end - buffer);
  }
  void Tag(int field, WireType type) {
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
    MessageHeader(field, value.size());
    out_->append(value.data(), value.size());
  }
  // A length-delimited field whose body (`size` bytes) the caller writes
  // next.
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

  // The most bytes MessageHeaderToArray writes: a tag and a length.
  static constexpr size_t kMaxMessageHeaderBytes = 5 + 10;
  // MessageHeader into `at`, for callers that gather several headers into
  // one append (an append per tag or length shows in per-item paths);
  // returns the end of what it wrote.
  static uint8_t* MessageHeaderToArray(int field, size_t size, uint8_t* at) {
    at = CodedOutputStream::WriteVarint32ToArray(
        WireFormatLite::MakeTag(field,
                                WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
        at);
    return CodedOutputStream::WriteVarint64ToArray(size, at);
  }

  // The most bytes IntFieldToArray writes.
  static constexpr size_t kMaxIntFieldBytes = 5 + 10;
  // IntField into `at` (nothing for 0); returns the end of what it wrote.
  static uint8_t* IntFieldToArray(int field, int64_t value, uint8_t* at) {
    if (value == 0) return at;
    at = CodedOutputStream::WriteVarint32ToArray(
        WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_VARINT), at);
    return CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(value),
                                                   at);
  }

  // Bytes of a length-delimited field `field` < 16 holding `size` bytes.
  static size_t FieldSize(size_t size) {
    return 1 + CodedOutputStream::VarintSize64(size) + size;
  }
  // Bytes of IntField(field < 16, value): none for 0.
  static size_t IntFieldSize(int64_t value) {
    if (value == 0) return 0;
    return 1 + CodedOutputStream::VarintSize64(static_cast<uint64_t>(value));
  }

 private:
  using CodedOutputStream = google::protobuf::io::CodedOutputStream;
  using WireFormatLite = google::protobuf::internal::WireFormatLite;

  std::string* out_;
};

// v1.Task field numbers.
enum TaskWireField {
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

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_WIRE_WRITER_H_
