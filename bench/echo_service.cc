#include "bench/echo_service.h"

#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/target.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace execd::bench {
namespace {

// Answers each request twice, one write in flight at a time (the callback
// API allows no more), like execd's stream outbox.
class EchoStreamReactor
    : public grpc::ServerBidiReactor<EchoMessage, EchoMessage> {
 public:
  EchoStreamReactor() { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      if (ok) {
        pending_.push_back(request_);
        pending_.push_back(request_);
      } else {
        reads_done_ = true;
      }
    }
    WriteNext();
    if (ok) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    bool write = false;
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (!pending_.empty() && !broken_) {
        in_flight_ = std::move(pending_.front());
        pending_.pop_front();
        writing_ = write = true;
      } else if (reads_done_ || broken_) {
        finished_ = finish = true;
      }
    }
    if (write) StartWrite(&in_flight_);
    if (finish) Finish(grpc::Status::OK);
  }

  EchoMessage request_;  // owned by the read in flight
  absl::Mutex mu_;
  std::deque<EchoMessage> pending_ ABSL_GUARDED_BY(mu_);
  EchoMessage in_flight_;  // owned by the write in flight
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Writes one encoded batch `count` times, one write in flight.
class ReplayReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit ReplayReactor(const grpc::ByteBuffer& request) {
    ReplayRequest replay;
    grpc::ByteBuffer request_bytes(request);  // Deserialize consumes it
    grpc::Status parsed = grpc::SerializationTraits<ReplayRequest>::Deserialize(
        &request_bytes, &replay);
    bool own_buffer = false;
    if (parsed.ok()) {
      parsed = grpc::SerializationTraits<v1::MapResultBatch>::Serialize(
          replay.batch(), &batch_bytes_, &own_buffer);
    }
    if (!parsed.ok()) {
      Finish(parsed);
      return;
    }
    remaining_ = replay.count();
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (remaining_-- <= 0) {
      Finish(grpc::Status::OK);
      return;
    }
    in_flight_ = batch_bytes_;  // shares the slices, copies no bytes
    StartWrite(&in_flight_);
  }

  grpc::ByteBuffer batch_bytes_;
  grpc::ByteBuffer in_flight_;  // owned by the write in flight
  int64_t remaining_ = 0;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>*
BenchEchoServer::Service::ReplayBatches(grpc::CallbackServerContext*,
                                        const grpc::ByteBuffer* request) {
  // gRPC owns reactors through a raw pointer; OnDone deletes it.
  return new ReplayReactor(*request);
}

grpc::ServerUnaryReactor* BenchEchoServer::Service::HandOff(
    grpc::CallbackServerContext* context, const EchoMessage* request,
    EchoMessage* response) {
  response->set_payload(absl::StrCat(jobs_.HandOff(request->payload())));
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* BenchEchoServer::Service::Collect(
    grpc::CallbackServerContext* context, const EchoMessage* request,
    EchoMessage* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  uint64_t id = 0;
  const bool known =
      absl::SimpleAtoi(request->payload(), &id) &&
      jobs_.Collect(id, [reactor, response](std::string payload) {
        response->set_payload(std::move(payload));
        reactor->Finish(grpc::Status::OK);
      });
  if (!known) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("no job ", request->payload())));
  }
  return reactor;
}

grpc::ServerBidiReactor<EchoMessage, EchoMessage>*
BenchEchoServer::Service::EchoStream(grpc::CallbackServerContext*) {
  // gRPC owns reactors through a raw pointer; OnDone deletes it.
  return new EchoStreamReactor();
}

grpc::ServerUnaryReactor* BenchEchoServer::Service::Echo(
    grpc::CallbackServerContext* context, const EchoMessage* request,
    EchoMessage* response) {
  *response = *request;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

absl::StatusOr<std::unique_ptr<BenchEchoServer>> BenchEchoServer::Start() {
  auto echo = std::make_unique<BenchEchoServer>();
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&echo->service_);
  echo->server_ = builder.BuildAndStart();
  if (echo->server_ == nullptr || port == 0) {
    return absl::InternalError("cannot start the bench echo server");
  }
  echo->address_ = absl::StrCat("127.0.0.1:", port);
  return echo;
}

BenchEchoServer::~BenchEchoServer() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(1));
  }
}

}  // namespace execd::bench
