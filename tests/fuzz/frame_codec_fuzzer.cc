// Fuzzes the server <-> execd-worker frame codec: arbitrary bytes on the
// socket decode to whole frames or a clean error (never a crash or an
// unbounded allocation), and every decoded message survives a round trip.

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "execd/v1/worker.pb.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/pools/process/frame_codec.h"
#include "tests/fuzz/fuzz_common.h"

namespace execd::fuzz {
namespace {

// A pipe holding `bytes` (at most a pipe buffer), its writer closed.
int PipeWith(absl::string_view bytes) {
  int fds[2];
  Check(pipe(fds) == 0);
  Check(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0 || bytes.size() <= 65536);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fds[1], bytes.data() + done, bytes.size() - done);
    Check(n > 0);
    done += static_cast<size_t>(n);
  }
  close(fds[1]);
  return fds[0];
}

template <typename Message>
void RoundTrip(const Message& message, size_t max_frame_bytes) {
  absl::StatusOr<std::string> frame = EncodeFrame(message, max_frame_bytes);
  if (!frame.ok()) {
    Check(absl::IsResourceExhausted(frame.status()));
    Check(message.ByteSizeLong() > max_frame_bytes);
    return;
  }
  Check(frame->size() == kFrameHeaderBytes + message.ByteSizeLong());
  absl::StatusOr<uint32_t> length = DecodeFrameHeader(
      absl::string_view(*frame).substr(0, kFrameHeaderBytes), max_frame_bytes);
  Check(length.ok() && *length == frame->size() - kFrameHeaderBytes);
  const int fd = PipeWith(*frame);
  Message copy;
  Check(ReadFrame(fd, max_frame_bytes, &copy).ok());
  Message none;
  Check(IsEndOfStream(ReadFrame(fd, max_frame_bytes, &none)));
  close(fd);
  Check(SameMessage(message, copy));
}

// Reads frames until the stream ends or breaks; each must be whole.
template <typename Message>
void DecodeStream(absl::string_view bytes, size_t max_frame_bytes) {
  const int fd = PipeWith(bytes);
  size_t consumed = 0;
  for (int i = 0; i < 64; ++i) {
    Message message;
    absl::Status status = ReadFrame(fd, max_frame_bytes, &message);
    if (!status.ok()) {
      Check(IsEndOfStream(status) || absl::IsDataLoss(status) ||
            absl::IsResourceExhausted(status) ||
            absl::IsInvalidArgument(status));
      Check(!IsEndOfStream(status) || consumed == bytes.size());
      break;
    }
    absl::StatusOr<uint32_t> length = DecodeFrameHeader(
        bytes.substr(consumed, kFrameHeaderBytes), max_frame_bytes);
    Check(length.ok());
    consumed += kFrameHeaderBytes + *length;
    Check(consumed <= bytes.size());
    RoundTrip(message, max_frame_bytes);
  }
  close(fd);
}

}  // namespace
}  // namespace execd::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace execd;  // NOLINT(build/namespaces)
  if (size < 1) return 0;
  // The maximum: the default, or small so the over-limit paths run too.
  const size_t max_frame_bytes =
      data[0] & 0x80 ? kDefaultMaxFrameBytes : (data[0] & 0x7f) * 4;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  if (bytes.size() >= kFrameHeaderBytes) {
    absl::StatusOr<uint32_t> length =
        DecodeFrameHeader(bytes.substr(0, kFrameHeaderBytes), max_frame_bytes);
    if (length.ok()) fuzz::Check(*length <= max_frame_bytes);
  }
  fuzz::Check(!DecodeFrameHeader(bytes.substr(0, 3), max_frame_bytes).ok());
  if (data[0] & 0x40) {
    fuzz::DecodeStream<v1::worker::WorkerReply>(bytes, max_frame_bytes);
  } else {
    fuzz::DecodeStream<v1::worker::WorkerRequest>(bytes, max_frame_bytes);
  }
  return 0;
}
