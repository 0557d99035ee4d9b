#include "bench/stream_driver.h"

#include <memory>
#include <vector>

#include "google/protobuf/arena.h"

namespace execd::bench {
namespace {

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// A task event settles its request when FINISHED or REJECTED.
int64_t AccountEvent(const v1::TaskEvent& event, absl::Time now,
                     StreamRunResult& result) {
  switch (event.kind()) {
    case v1::TaskEvent::KIND_ACCEPTED:
      ++result.accepted;
      return 0;
    case v1::TaskEvent::KIND_REJECTED:
      ++result.rejected;
      if (result.status.ok()) {
        result.status = absl::Status(
            static_cast<absl::StatusCode>(event.code()), event.message());
      }
      return 1;
    case v1::TaskEvent::KIND_FINISHED:
      ++result.finished;
      if (event.task().state() == v1::TASK_STATE_SUCCEEDED) {
        ++result.succeeded;
      }
      result.finished_after_end.Add(now -
                                    FromTimestamp(event.task().end_time()));
      return 1;
    default:
      return 0;
  }
}

// One message per request; the request never changes, so one message
// serves every write.
template <typename Request, typename Reply>
class OnePerWrite : public PipelinedStream<Request, Reply> {
 public:
  OnePerWrite(Request request, const StreamRunOptions& options)
      : PipelinedStream<Request, Reply>(options.tasks, options.window, 1,
                                        options.deadline),
        request_(std::move(request)) {}

 protected:
  const Request& WriteOf(int) override { return request_; }

 private:
  const Request request_;
};

class SubmitStreamDriver : public OnePerWrite<v1::SubmitRequest, v1::TaskEvent> {
 public:
  using OnePerWrite::OnePerWrite;

 protected:
  int64_t Account(const v1::TaskEvent& event, absl::Time now,
                  StreamRunResult& result) override {
    return AccountEvent(event, now, result);
  }
};

// SubmitBatchStream: a batch of n copies of the request per write.
class SubmitBatchStreamDriver
    : public PipelinedStream<v1::SubmitBatch, v1::TaskEventBatch> {
 public:
  explicit SubmitBatchStreamDriver(const StreamRunOptions& options)
      : PipelinedStream(options.tasks, options.window, options.batch,
                        options.deadline),
        request_(options.request),
        batches_(options.batch + 1),
        arena_block_(kArenaBlockBytes),
        arena_(ArenaOn(arena_block_)) {}

 protected:
  const v1::SubmitBatch& WriteOf(int n) override {
    // Built once per size: the bench measures the server, not copies.
    if (batches_[n] == nullptr) {
      batches_[n] = std::make_unique<v1::SubmitBatch>();
      for (int i = 0; i < n; ++i) *batches_[n]->add_requests() = request_;
    }
    return *batches_[n];
  }
  // Each event batch is parsed into an arena reset for the next one: its
  // hundreds of small parts (tasks, timestamps, results) then cost no
  // malloc and free each, as a high-rate client would do it.
  v1::TaskEventBatch* NextReply() override {
    arena_.Reset();
    return google::protobuf::Arena::CreateMessage<v1::TaskEventBatch>(&arena_);
  }
  int64_t Account(const v1::TaskEventBatch& batch, absl::Time now,
                  StreamRunResult& result) override {
    int64_t settled = 0;
    for (const v1::TaskEvent& event : batch.events()) {
      settled += AccountEvent(event, now, result);
    }
    return settled;
  }

 private:
  static constexpr size_t kArenaBlockBytes = 256 * 1024;

  static google::protobuf::ArenaOptions ArenaOn(std::vector<char>& block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block.data();
    options.initial_block_size = block.size();
    return options;
  }

  const v1::SubmitRequest request_;
  std::vector<std::unique_ptr<v1::SubmitBatch>> batches_;  // by size
  std::vector<char> arena_block_;  // kept across resets
  google::protobuf::Arena arena_;
};

// EchoStream: every second reply settles a request.
class EchoStreamDriver : public OnePerWrite<EchoMessage, EchoMessage> {
 public:
  using OnePerWrite::OnePerWrite;

 protected:
  int64_t Account(const EchoMessage&, absl::Time,
                  StreamRunResult& result) override {
    if (++replies_ % 2 != 0) return 0;
    ++result.finished;
    ++result.succeeded;
    return 1;
  }

 private:
  int64_t replies_ = 0;  // only touched under the driver's lock
};

template <typename Driver, typename MakeDriver, typename StartCall>
StreamRunResult RunDrivers(int streams, const MakeDriver& make_driver,
                           const StartCall& start_call) {
  std::vector<std::unique_ptr<Driver>> drivers;
  for (int i = 0; i < streams; ++i) drivers.push_back(make_driver());
  return RunAll(drivers, typename Driver::StartCallFn(start_call));
}

}  // namespace

StreamRunResult RunStreams(v1::Executor::Stub* stub, int streams,
                           const StreamRunOptions& options) {
  if (options.batch > 1) {
    return RunDrivers<SubmitBatchStreamDriver>(
        streams,
        [&] { return std::make_unique<SubmitBatchStreamDriver>(options); },
        [stub](grpc::ClientContext* context,
               SubmitBatchStreamDriver::PipelinedStream* driver) {
          stub->async()->SubmitBatchStream(context, driver);
        });
  }
  return RunDrivers<SubmitStreamDriver>(
      streams,
      [&] {
        return std::make_unique<SubmitStreamDriver>(options.request, options);
      },
      [stub](grpc::ClientContext* context,
             SubmitStreamDriver::PipelinedStream* driver) {
        stub->async()->SubmitStream(context, driver);
      });
}

StreamRunResult RunEchoStreams(BenchEcho::Stub* stub, int streams,
                               const StreamRunOptions& options) {
  EchoMessage request;
  request.set_payload(options.request.SerializeAsString());
  return RunDrivers<EchoStreamDriver>(
      streams,
      [&] { return std::make_unique<EchoStreamDriver>(request, options); },
      [stub](grpc::ClientContext* context,
             EchoStreamDriver::PipelinedStream* driver) {
        stub->async()->EchoStream(context, driver);
      });
}

}  // namespace execd::bench
