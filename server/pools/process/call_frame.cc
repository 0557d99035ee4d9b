#include "server/pools/process/call_frame.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/functions/function.h"
#include "server/pools/process/frame_codec.h"

namespace execd {
namespace {

using google::protobuf::io::CodedOutputStream;

// Tags of length-delimited fields (wire type 2), as in worker.proto.
constexpr uint32_t kRequestCalls = (1 << 3) | 2;
constexpr uint32_t kCallTaskId = (1 << 3) | 2;
constexpr uint32_t kCallFunction = (2 << 3) | 2;
constexpr uint32_t kCallArgs = (3 << 3) | 2;
constexpr uint32_t kCallKwargs = (4 << 3) | 2;
constexpr uint32_t kCallInput = (5 << 3) | 2;
constexpr uint32_t kCallMapChunk = (6 << 3) | 0;  // varint

// Bytes of a length-delimited field with a one-byte tag.
size_t FieldSize(size_t length) {
  return 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(length)) +
         length;
}

uint8_t* WriteHead(uint32_t tag, size_t length, uint8_t* out) {
  out = CodedOutputStream::WriteTagToArray(tag, out);
  return CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(length),
                                                 out);
}

uint8_t* WriteBytes(uint32_t tag, const std::string& bytes, uint8_t* out) {
  return CodedOutputStream::WriteRawToArray(bytes.data(),
                                            static_cast<int>(bytes.size()),
                                            WriteHead(tag, bytes.size(), out));
}

// The sizes one call needs, computed once (ByteSizeLong also caches the
// sizes SerializeWithCachedSizesToArray relies on).
struct CallSizes {
  std::string task_id;  // formatted from the record, once per frame
  size_t args;
  size_t kwargs;
  size_t call;
};

CallSizes SizeCall(const TaskRecord& task) {
  CallSizes sizes;
  sizes.task_id = task.id();
  // A Map chunk's items are encoded already.
  sizes.args =
      task.map_chunk ? task.chunk_items().size() : task.args().ByteSizeLong();
  sizes.kwargs = task.kwargs().ByteSizeLong();
  sizes.call = FieldSize(sizes.task_id.size()) +
               FieldSize(task.function->name.size()) + FieldSize(sizes.args) +
               FieldSize(sizes.kwargs) + FieldSize(task.input().size()) +
               (task.map_chunk ? 2 : 0);  // map_chunk: its tag, then 1
  return sizes;
}

}  // namespace

absl::Status EncodeCallFrame(const std::vector<TaskPtr>& tasks,
                             size_t max_frame_bytes, std::string* frame) {
  std::vector<CallSizes> sizes;
  sizes.reserve(tasks.size());
  size_t payload = 0;
  for (const TaskPtr& task : tasks) {
    sizes.push_back(SizeCall(*task));
    payload += FieldSize(sizes.back().call);
  }
  if (payload > max_frame_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("frame of ", payload, " bytes exceeds the maximum of ",
                     max_frame_bytes));
  }
  frame->resize(kFrameHeaderBytes + payload);
  uint8_t* out = reinterpret_cast<uint8_t*>(frame->data());
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {  // big-endian length
    *out++ = static_cast<uint8_t>(payload >> (8 * (kFrameHeaderBytes - 1 - i)));
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    const TaskRecord& task = *tasks[i];
    out = WriteHead(kRequestCalls, sizes[i].call, out);
    out = WriteBytes(kCallTaskId, sizes[i].task_id, out);
    out = WriteBytes(kCallFunction, task.function->name, out);
    if (task.map_chunk) {
      out = WriteBytes(kCallArgs, task.chunk_items(), out);
    } else {
      out = task.args().SerializeWithCachedSizesToArray(
          WriteHead(kCallArgs, sizes[i].args, out));
    }
    out = task.kwargs().SerializeWithCachedSizesToArray(
        WriteHead(kCallKwargs, sizes[i].kwargs, out));
    out = WriteBytes(kCallInput, task.input(), out);
    if (task.map_chunk) {
      out = CodedOutputStream::WriteVarint32ToArray(
          1, CodedOutputStream::WriteTagToArray(kCallMapChunk, out));
    }
  }
  if (out != reinterpret_cast<uint8_t*>(frame->data()) + frame->size()) {
    return absl::InternalError("call frame size mismatch");
  }
  return absl::OkStatus();
}

}  // namespace execd
