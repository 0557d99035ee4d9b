#ifndef EXECD_BENCH_ECHO_SERVICE_H_
#define EXECD_BENCH_ECHO_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/bench_echo.grpc.pb.h"
#include "bench/handoff_jobs.h"
#include "grpcpp/grpcpp.h"

namespace execd::bench {

// A bare gRPC echo (callback API) on 127.0.0.1, served by execd-bench: the
// floor any unary round trip, SubmitStream's message pattern, Submit +
// Result (HandOff + Collect) or MapBatchStream's answer (ReplayBatches) can
// reach on this machine.
class BenchEchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<BenchEchoServer>> Start();
  ~BenchEchoServer();

  const std::string& address() const { return address_; }

 private:
  // ReplayBatches is raw: it writes bytes encoded once, as execd does.
  class Service : public BenchEcho::WithRawCallbackMethod_ReplayBatches<
                      BenchEcho::CallbackService> {
    grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                   const EchoMessage* request,
                                   EchoMessage* response) override;
    grpc::ServerBidiReactor<EchoMessage, EchoMessage>* EchoStream(
        grpc::CallbackServerContext* context) override;
    grpc::ServerUnaryReactor* HandOff(grpc::CallbackServerContext* context,
                                      const EchoMessage* request,
                                      EchoMessage* response) override;
    grpc::ServerUnaryReactor* Collect(grpc::CallbackServerContext* context,
                                      const EchoMessage* request,
                                      EchoMessage* response) override;
    grpc::ServerWriteReactor<grpc::ByteBuffer>* ReplayBatches(
        grpc::CallbackServerContext* context,
        const grpc::ByteBuffer* request) override;

    HandOffJobs jobs_;
  };

  Service service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace execd::bench

#endif  // EXECD_BENCH_ECHO_SERVICE_H_
