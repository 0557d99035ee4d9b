#ifndef EXECD_SERVER_POOLS_PROCESS_FRAME_CODEC_H_
#define EXECD_SERVER_POOLS_PROCESS_FRAME_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace execd {

// Frames between the server and execd-worker: a 4-byte big-endian payload
// length, then a serialized protobuf message. Both sides refuse frames over
// an agreed maximum, so a corrupt length can never make either allocate
// without bound.
inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kDefaultMaxFrameBytes = 64 << 20;

// The header plus payload of `message`; RESOURCE_EXHAUSTED if the payload is
// over `max_frame_bytes`.
absl::StatusOr<std::string> EncodeFrame(
    const google::protobuf::MessageLite& message, size_t max_frame_bytes);

// The payload length a header announces; RESOURCE_EXHAUSTED if it is over
// `max_frame_bytes`.
absl::StatusOr<uint32_t> DecodeFrameHeader(absl::string_view header,
                                           size_t max_frame_bytes);

// Writes one frame to a blocking fd, retrying short writes and EINTR; never
// raises SIGPIPE. UNAVAILABLE if the peer is gone.
absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message,
                        size_t max_frame_bytes);

// Reads one frame from a blocking fd into `message`. Errors:
//   UNAVAILABLE         the peer closed cleanly between frames (end of stream)
//   DATA_LOSS           the stream ended inside a frame
//   RESOURCE_EXHAUSTED  the header announces more than `max_frame_bytes`
//   INVALID_ARGUMENT    the payload does not parse as `message`
//   INTERNAL            a read error
absl::Status ReadFrame(int fd, size_t max_frame_bytes,
                       google::protobuf::MessageLite* message);

// Serializes `message` as one frame into `frame`, reusing its capacity;
// RESOURCE_EXHAUSTED if the payload is over `max_frame_bytes`.
absl::Status EncodeFrameTo(const google::protobuf::MessageLite& message,
                           size_t max_frame_bytes, std::string* frame);

// Writes all of `data` (frames already encoded) in as few writes as the fd
// takes; never raises SIGPIPE. UNAVAILABLE if the peer is gone.
absl::Status WriteAll(int fd, absl::string_view data);

// Reads frames from a blocking fd through a buffer: one read() takes every
// frame already sent, so a burst of small frames costs one syscall, not two
// per frame. Errors as ReadFrame. Not thread-safe.
class FrameReader {
 public:
  FrameReader(int fd, size_t max_frame_bytes)
      : fd_(fd), max_frame_bytes_(max_frame_bytes) {}
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  absl::Status Read(google::protobuf::MessageLite* message);

 private:
  // Reads until `size` bytes are buffered past start_; `*eof` if the stream
  // ended first.
  absl::Status Fill(size_t size, bool* eof);

  const int fd_;
  const size_t max_frame_bytes_;
  std::string buffer_;
  size_t start_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last buffered byte
};

// True for the status ReadFrame gives at a clean end of stream.
inline bool IsEndOfStream(const absl::Status& status) {
  return absl::IsUnavailable(status);
}

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_FRAME_CODEC_H_
