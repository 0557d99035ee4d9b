#include "bench/echo_service.h"

#include "absl/strings/str_cat.h"
#include "bench/target.h"

namespace execd::bench {

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
