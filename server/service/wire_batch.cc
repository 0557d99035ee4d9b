#include "server/service/wire_batch.h"

#include <cstring>
#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/functions/wire_reader.h"
#include "server/functions/wire_writer.h"

namespace execd {
namespace {

using google::protobuf::internal::WireFormatLite;
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
  std::optional<absl::string_view> found;
  ForEachLengthDelimited(bytes, field, [&found](absl::string_view body) {
    found = body;
    return false;  // the first is enough
  });
  return found;
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

// A serialized v1::MapResult {index, task} around an encoded task, appended
// to `out` as the generated code writes it (a zero index left out); as an
// entry of MapResultBatch.results, its own tag and length first, with
// `batch_entry`. The headers go in one append, the task in another: a chunk
// of outcomes is a few hundred entries of a few dozen bytes, where each
// append of a tag or length on its own showed in the server's profile.
void AppendMapResult(int64_t index, absl::string_view task_bytes,
                     bool batch_entry, std::string* out) {
  uint8_t headers[2 * WireWriter::kMaxMessageHeaderBytes +
                  WireWriter::kMaxIntFieldBytes];
  uint8_t* end = headers;
  if (batch_entry) {
    end = WireWriter::MessageHeaderToArray(
        /*field=*/1, MapResultSize(index, task_bytes.size()), end);
  }
  end = WireWriter::IntFieldToArray(kMapIndexField, index, end);
  end = WireWriter::MessageHeaderToArray(kMapTaskField, task_bytes.size(), end);
  out->append(reinterpret_cast<const char*>(headers), end - headers);
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
  AppendMapResult(index, task_bytes, /*batch_entry=*/false, &result->bytes);
  return result;
}

void AppendMapResultEntry(int64_t index, absl::string_view task_bytes,
                          std::string* entries) {
  AppendMapResult(index, task_bytes, /*batch_entry=*/true, entries);
}

}  // namespace execd
