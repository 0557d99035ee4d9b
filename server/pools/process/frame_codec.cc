#include "server/pools/process/frame_codec.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace execd {
namespace {

// What one read() asks for at least: room for many small frames.
constexpr size_t kReadChunk = 64 << 10;

void PutHeader(uint32_t length, char* header) {
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    header[i] =
        static_cast<char>((length >> (8 * (kFrameHeaderBytes - 1 - i))) & 0xff);
  }
}

// Reads exactly `size` bytes; `*got` tells how many arrived before EOF.
absl::Status ReadExactly(int fd, char* buffer, size_t size, size_t* got) {
  *got = 0;
  while (*got < size) {
    ssize_t n = read(fd, buffer + *got, size - *got);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return absl::OkStatus();  // as EOF
      return absl::InternalError(absl::StrCat("read: ", strerror(errno)));
    }
    if (n == 0) return absl::OkStatus();
    *got += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

// send() with MSG_NOSIGNAL so a dead peer is an error instead of a SIGPIPE,
// falling back to write() on a non-socket fd.
absl::Status WriteAll(int fd, absl::string_view data) {
  bool is_socket = true;
  while (!data.empty()) {
    ssize_t written = is_socket
                          ? send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                          : write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && is_socket) {
        is_socket = false;
        continue;
      }
      if (errno == EPIPE || errno == ECONNRESET) {
        return absl::UnavailableError("peer closed the connection");
      }
      return absl::InternalError(absl::StrCat("write: ", strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeFrame(
    const google::protobuf::MessageLite& message, size_t max_frame_bytes) {
  std::string frame;
  if (absl::Status encoded = EncodeFrameTo(message, max_frame_bytes, &frame);
      !encoded.ok()) {
    return encoded;
  }
  return frame;
}

absl::Status EncodeFrameTo(const google::protobuf::MessageLite& message,
                           size_t max_frame_bytes, std::string* frame) {
  const size_t payload_size = message.ByteSizeLong();
  if (payload_size > max_frame_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("frame of ", payload_size,
                     " bytes exceeds the maximum of ", max_frame_bytes));
  }
  frame->resize(kFrameHeaderBytes + payload_size);
  PutHeader(static_cast<uint32_t>(payload_size), frame->data());
  // WithCachedSizes: ByteSizeLong above has just computed them.
  uint8_t* payload =
      reinterpret_cast<uint8_t*>(frame->data() + kFrameHeaderBytes);
  if (message.SerializeWithCachedSizesToArray(payload) !=
      payload + payload_size) {
    return absl::InternalError("cannot serialize frame payload");
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> DecodeFrameHeader(absl::string_view header,
                                           size_t max_frame_bytes) {
  if (header.size() != kFrameHeaderBytes) {
    return absl::InvalidArgumentError("frame header must be 4 bytes");
  }
  uint32_t length = 0;
  for (char byte : header) {
    length = (length << 8) | static_cast<unsigned char>(byte);
  }
  if (length > max_frame_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("frame header announces ", length,
                     " bytes, over the maximum of ", max_frame_bytes));
  }
  return length;
}

absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message,
                        size_t max_frame_bytes) {
  absl::StatusOr<std::string> frame = EncodeFrame(message, max_frame_bytes);
  if (!frame.ok()) return frame.status();
  return WriteAll(fd, *frame);
}

absl::Status ReadFrame(int fd, size_t max_frame_bytes,
                       google::protobuf::MessageLite* message) {
  char header[kFrameHeaderBytes];
  size_t got = 0;
  if (absl::Status read = ReadExactly(fd, header, sizeof(header), &got);
      !read.ok()) {
    return read;
  }
  if (got == 0) return absl::UnavailableError("peer closed the connection");
  if (got < sizeof(header)) {
    return absl::DataLossError("stream ended inside a frame header");
  }
  absl::StatusOr<uint32_t> length = DecodeFrameHeader(
      absl::string_view(header, sizeof(header)), max_frame_bytes);
  if (!length.ok()) return length.status();
  std::string payload(*length, '\0');
  if (absl::Status read = ReadExactly(fd, payload.data(), payload.size(), &got);
      !read.ok()) {
    return read;
  }
  if (got < payload.size()) {
    return absl::DataLossError(absl::StrCat("stream ended after ", got, " of ",
                                            payload.size(),
                                            " frame payload bytes"));
  }
  if (!message->ParseFromString(payload)) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame payload of ", payload.size(),
                     " bytes is not a valid ", message->GetTypeName()));
  }
  return absl::OkStatus();
}

absl::Status FrameReader::Fill(size_t size, bool* eof) {
  *eof = false;
  if (end_ - start_ >= size) return absl::OkStatus();
  if (buffer_.size() - start_ < size) {
    // Move the partial frame to the front; grow only for a big frame.
    std::copy(buffer_.begin() + start_, buffer_.begin() + end_,
              buffer_.begin());
    end_ -= start_;
    start_ = 0;
    if (buffer_.size() < std::max(size, kReadChunk)) {
      buffer_.resize(std::max(size, kReadChunk));
    }
  }
  while (end_ - start_ < size) {
    const ssize_t n = read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) break;  // as EOF
      return absl::InternalError(absl::StrCat("read: ", strerror(errno)));
    }
    if (n == 0) break;
    end_ += static_cast<size_t>(n);
  }
  *eof = end_ - start_ < size;
  return absl::OkStatus();
}

absl::Status FrameReader::Read(google::protobuf::MessageLite* message) {
  bool eof = false;
  if (absl::Status read = Fill(kFrameHeaderBytes, &eof); !read.ok()) {
    return read;
  }
  if (eof) {
    if (end_ == start_) {
      return absl::UnavailableError("peer closed the connection");
    }
    return absl::DataLossError("stream ended inside a frame header");
  }
  absl::StatusOr<uint32_t> length = DecodeFrameHeader(
      absl::string_view(buffer_.data() + start_, kFrameHeaderBytes),
      max_frame_bytes_);
  if (!length.ok()) return length.status();
  const size_t frame_size = kFrameHeaderBytes + *length;
  if (absl::Status read = Fill(frame_size, &eof); !read.ok()) return read;
  if (eof) {
    return absl::DataLossError(
        absl::StrCat("stream ended after ", end_ - start_ - kFrameHeaderBytes,
                     " of ", *length, " frame payload bytes"));
  }
  const char* payload = buffer_.data() + start_ + kFrameHeaderBytes;
  start_ += frame_size;
  if (start_ == end_) start_ = end_ = 0;
  if (!message->ParseFromArray(payload, static_cast<int>(*length))) {
    return absl::InvalidArgumentError(absl::StrCat("frame payload of ", *length,
                                                   " bytes is not a valid ",
                                                   message->GetTypeName()));
  }
  return absl::OkStatus();
}

}  // namespace execd
