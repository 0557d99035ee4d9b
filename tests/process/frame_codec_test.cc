#include "server/pools/process/frame_codec.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "execd/v1/worker.pb.h"
#include "gtest/gtest.h"

namespace execd {
namespace {

using v1::worker::WorkerReply;
using v1::worker::WorkerRequest;

// A connected socketpair, closed on destruction.
class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  ~SocketPair() {
    CloseWriter();
    if (fds_[0] >= 0) close(fds_[0]);
  }
  int reader() const { return fds_[0]; }
  int writer() const { return fds_[1]; }
  void WriteRaw(const std::string& bytes) {
    ASSERT_EQ(write(fds_[1], bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
  }
  void CloseWriter() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }
  void CloseReader() {
    if (fds_[0] >= 0) close(fds_[0]);
    fds_[0] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

WorkerRequest SampleRequest() {
  WorkerRequest request;
  v1::worker::WorkerCall* call = request.add_calls();
  call->set_task_id("t-1");
  call->set_function("echo");
  call->mutable_args()->add_values()->set_string_value("hello");
  call->set_input(std::string(100000, 'x'));
  return request;
}

TEST(FrameCodecTest, RoundTripsFramesInOrder) {
  SocketPair pair;
  WorkerRequest first = SampleRequest();
  WorkerRequest second;
  second.add_calls()->set_task_id("t-2");
  // The socket buffer holds both; a reader thread is not needed.
  ASSERT_TRUE(WriteFrame(pair.writer(), second, kDefaultMaxFrameBytes).ok());
  WorkerRequest got;
  ASSERT_TRUE(ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got).ok());
  EXPECT_EQ(got.calls(0).task_id(), "t-2");
  std::thread writer([&] {
    EXPECT_TRUE(WriteFrame(pair.writer(), first, kDefaultMaxFrameBytes).ok());
  });
  ASSERT_TRUE(ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got).ok());
  writer.join();
  EXPECT_EQ(got.SerializeAsString(), first.SerializeAsString());
}

TEST(FrameCodecTest, CleanCloseBetweenFramesIsEndOfStream) {
  SocketPair pair;
  pair.CloseWriter();
  WorkerRequest got;
  absl::Status status = ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got);
  EXPECT_TRUE(IsEndOfStream(status)) << status;
}

TEST(FrameCodecTest, TruncatedHeaderIsDataLoss) {
  SocketPair pair;
  pair.WriteRaw(std::string("\0\0", 2));
  pair.CloseWriter();
  WorkerRequest got;
  absl::Status status = ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(FrameCodecTest, TruncatedPayloadIsDataLoss) {
  SocketPair pair;
  absl::StatusOr<std::string> frame =
      EncodeFrame(SampleRequest(), kDefaultMaxFrameBytes);
  ASSERT_TRUE(frame.ok());
  std::thread writer([&] {
    pair.WriteRaw(frame->substr(0, frame->size() - 10));
    pair.CloseWriter();
  });
  WorkerRequest got;
  absl::Status status = ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got);
  writer.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(FrameCodecTest, OversizedHeaderIsRefusedBeforeReadingThePayload) {
  SocketPair pair;
  pair.WriteRaw(std::string("\x7f\xff\xff\xff", 4));  // ~2 GiB announced
  WorkerRequest got;
  absl::Status status = ReadFrame(pair.reader(), 1 << 20, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

TEST(FrameCodecTest, GarbagePayloadIsInvalidArgument) {
  SocketPair pair;
  const std::string garbage = "\xff\xff\xff\xff\xff\xff\xff\xff";
  pair.WriteRaw(std::string("\0\0\0\x08", 4) + garbage);
  WorkerReply got;
  absl::Status status = ReadFrame(pair.reader(), kDefaultMaxFrameBytes, &got);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST(FrameCodecTest, EncodeRefusesAMessageOverTheMaximum) {
  absl::StatusOr<std::string> frame = EncodeFrame(SampleRequest(), 1000);
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(FrameCodecTest, HeaderIsBigEndianLength) {
  absl::StatusOr<uint32_t> length =
      DecodeFrameHeader(std::string("\x00\x01\x02\x03", 4), 1 << 30);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 0x010203u);
  WorkerReply empty;
  absl::StatusOr<std::string> frame = EncodeFrame(empty, 10);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(*frame, std::string(4, '\0'));
}

TEST(FrameReaderTest, ReadsEveryBufferedFrameThenEndOfStream) {
  SocketPair pair;
  WorkerRequest big = SampleRequest();  // over one read chunk
  std::thread writer([&] {
    for (const char* id : {"a", "b", "c"}) {
      WorkerRequest small;
      small.add_calls()->set_task_id(id);
      EXPECT_TRUE(WriteFrame(pair.writer(), small, kDefaultMaxFrameBytes).ok());
    }
    EXPECT_TRUE(WriteFrame(pair.writer(), big, kDefaultMaxFrameBytes).ok());
    pair.CloseWriter();
  });
  FrameReader reader(pair.reader(), kDefaultMaxFrameBytes);
  WorkerRequest got;
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_TRUE(reader.Read(&got).ok());
    EXPECT_EQ(got.calls(0).task_id(), id);
  }
  ASSERT_TRUE(reader.Read(&got).ok());
  EXPECT_EQ(got.SerializeAsString(), big.SerializeAsString());
  writer.join();
  EXPECT_TRUE(IsEndOfStream(reader.Read(&got)));
}

TEST(FrameReaderTest, AFrameCutShortIsDataLoss) {
  SocketPair pair;
  absl::StatusOr<std::string> frame =
      EncodeFrame(SampleRequest(), kDefaultMaxFrameBytes);
  ASSERT_TRUE(frame.ok());
  std::thread writer([&] {
    pair.WriteRaw(*frame + frame->substr(0, 10));
    pair.CloseWriter();
  });
  FrameReader reader(pair.reader(), kDefaultMaxFrameBytes);
  WorkerRequest got;
  EXPECT_TRUE(reader.Read(&got).ok());
  absl::Status status = reader.Read(&got);
  writer.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
}

TEST(FrameReaderTest, RefusesAnOversizedHeader) {
  SocketPair pair;
  pair.WriteRaw(std::string("\x7f\xff\xff\xff", 4));
  FrameReader reader(pair.reader(), 1 << 20);
  WorkerRequest got;
  EXPECT_EQ(reader.Read(&got).code(), absl::StatusCode::kResourceExhausted);
}

TEST(FrameCodecTest, WritingToAClosedPeerIsUnavailableNotSigpipe) {
  SocketPair pair;
  pair.CloseReader();
  // SIGPIPE is left at its default: MSG_NOSIGNAL is what keeps us alive.
  absl::Status status =
      WriteFrame(pair.writer(), SampleRequest(), kDefaultMaxFrameBytes);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

}  // namespace
}  // namespace execd
