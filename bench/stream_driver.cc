#include "bench/stream_driver.h"

#include <memory>
#include <vector>

namespace execd::bench {
namespace {

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// SubmitStream: a request is settled by its FINISHED or REJECTED event.
class SubmitStreamDriver
    : public PipelinedStream<v1::SubmitRequest, v1::TaskEvent> {
 public:
  using PipelinedStream::PipelinedStream;

 protected:
  bool Account(const v1::TaskEvent& event, absl::Time now,
               StreamRunResult& result) override {
    switch (event.kind()) {
      case v1::TaskEvent::KIND_ACCEPTED:
        ++result.accepted;
        return false;
      case v1::TaskEvent::KIND_REJECTED:
        ++result.rejected;
        if (result.status.ok()) {
          result.status = absl::Status(
              static_cast<absl::StatusCode>(event.code()), event.message());
        }
        return true;
      case v1::TaskEvent::KIND_FINISHED:
        ++result.finished;
        if (event.task().state() == v1::TASK_STATE_SUCCEEDED) {
          ++result.succeeded;
        }
        result.finished_after_end.Add(now -
                                      FromTimestamp(event.task().end_time()));
        return true;
      default:
        return false;
    }
  }
};

// EchoStream: every second reply settles a request.
class EchoStreamDriver : public PipelinedStream<EchoMessage, EchoMessage> {
 public:
  using PipelinedStream::PipelinedStream;

 protected:
  bool Account(const EchoMessage&, absl::Time,
               StreamRunResult& result) override {
    if (++replies_ % 2 != 0) return false;
    ++result.finished;
    ++result.succeeded;
    return true;
  }

 private:
  int64_t replies_ = 0;  // only touched under the driver's lock
};

}  // namespace

StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options) {
  std::vector<std::unique_ptr<SubmitStreamDriver>> drivers;
  for (int i = 0; i < streams; ++i) {
    drivers.push_back(std::make_unique<SubmitStreamDriver>(
        options.request, options.tasks, options.window, options.deadline));
  }
  return RunAll(drivers, [stub](grpc::ClientContext* context,
                                SubmitStreamDriver::PipelinedStream* driver) {
    stub->async()->SubmitStream(context, driver);
  });
}

StreamRunResult RunEchoStreams(BenchEcho::Stub* stub, int streams,
                               const StreamRunOptions& options) {
  EchoMessage request;
  request.set_payload(options.request.SerializeAsString());
  std::vector<std::unique_ptr<EchoStreamDriver>> drivers;
  for (int i = 0; i < streams; ++i) {
    drivers.push_back(std::make_unique<EchoStreamDriver>(
        request, options.tasks, options.window, options.deadline));
  }
  return RunAll(drivers, [stub](grpc::ClientContext* context,
                                EchoStreamDriver::PipelinedStream* driver) {
    stub->async()->EchoStream(context, driver);
  });
}

}  // namespace execd::bench
