#include "server/service/wire_batch.h"

#include <cstring>
#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/functions/wire_writer.h"

namespace execd {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

constexpr int kEventTaskField = 2;  // v1.TaskEvent.task
constexpr int kTaskIdField = 1;     // v1.Task.task_id
constexpr int kMapIndexField = 1;   // v1.MapResult.index
constexpr int kMapTaskField = 2;    // v1.MapResult.task

uint32_t LengthDelimitedTag(int field) {
  return WireFormatLite::MakeTag(field,
                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

// The first length-delimited field `field` of serialized message `bytes`.
std::optional<absl::string_view> FindLengthDelimited(absl::string_view bytes,
                                                     int field) {
  CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                         static_cast<int>(bytes.size()));
  const uint32_t wanted = LengthDelimitedTag(field);
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) return std::nullopt;
    if (tag != wanted) {
      if (!WireFormatLite::SkipField(&input, tag)) return std::nullopt;
      continue;
    }
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return std::nullopt;
    const int at = input.CurrentPosition();
    if (length > bytes.size() - static_cast<size_t>(at)) return std::nullopt;
    return bytes.substr(at, length);
  }
}

}  // namespace

grpc::ByteBuffer EncodeBatch(const std::vector<EncodedEventPtr>& messages) {
  const uint32_t tag = LengthDelimitedTag(1);
  size_t total = 0;
  for (const EncodedEventPtr& message : messages) {
    const size_t size = message->bytes.size();
    total += message->batch_entries
                 ? size
                 : CodedOutputStream::VarintSize32(tag) +
                       CodedOutputStream::VarintSize64(size) + size;
  }
  grpc::Slice slice(total);
  auto* out = const_cast<uint8_t*>(slice.begin());
  for (const EncodedEventPtr& message : messages) {
    if (!message->batch_entries) {
      out = CodedOutputStream::WriteVarint32ToArray(tag, out);
      out = CodedOutputStream::WriteVarint64ToArray(message->bytes.size(), out);
    }
    std::memcpy(out, message->bytes.data(), message->bytes.size());
    out += message->bytes.size();
  }
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer EncodeSingle(const EncodedEvent& message) {
  grpc::Slice slice(message.bytes.data(), message.bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

std::optional<EncodedTask> FindEncodedTask(const EncodedEvent& event) {
  std::optional<absl::string_view> task =
      FindLengthDelimited(event.bytes, kEventTaskField);
  if (!task.has_value()) return std::nullopt;
  std::optional<absl::string_view> id =
      FindLengthDelimited(*task, kTaskIdField);
  if (!id.has_value()) return std::nullopt;
  return EncodedTask{*task, *id};
}

namespace {

// Bytes of a serialized v1::MapResult {index, task}.
size_t MapResultSize(int64_t index, size_t task_size) {
  return WireWriter::IntFieldSize(index) + WireWriter::FieldSize(task_size);
}

// As the generated code writes it (a zero index left out).
void AppendMapResult(int64_t index, absl::string_view task_bytes,
                     std::string* out) {
  WireWriter wire(out);
  wire.IntField(kMapIndexField, index);
  wire.MessageHeader(kMapTaskField, task_bytes.size());
  out->append(task_bytes.data(), task_bytes.size());
}

}  // namespace

std::string FlattenByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

EncodedEventPtr EncodeMapResult(int64_t index, absl::string_view task_bytes) {
  auto result = std::make_shared<EncodedEvent>();
  result->bytes.reserve(MapResultSize(index, task_bytes.size()));
  AppendMapResult(index, task_bytes, &result->bytes);
  return result;
}

void AppendMapResultEntry(int64_t index, absl::string_view task_bytes,
                          std::string* entries) {
  // The entry's headers go in one append, the task in another: a chunk of
  // outcomes is a few hundred entries of a few dozen bytes, where each
  // append of a tag or length on its own showed in the server's profile.
  char headers[kMaxMapResultEntryOverhead];
  uint8_t* at = reinterpret_cast<uint8_t*>(headers);
  at = WireWriter::MessageHeaderToArray(
      /*field=*/1, MapResultSize(index, task_bytes.size()), at);
  at = WireWriter::IntFieldToArray(kMapIndexField, index, at);
  at = WireWriter::MessageHeaderToArray(kMapTaskField, task_bytes.size(), at);
  entries->append(headers, reinterpret_cast<char*>(at) - headers);
  entries->append(task_bytes.data(), task_bytes.size());
}

}  // namespace execd
