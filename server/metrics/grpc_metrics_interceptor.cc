#include "server/metrics/grpc_metrics_interceptor.h"

#include <atomic>
#include <chrono>

namespace execd {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(const GrpcMethodSeries* series)
      : series_(series), start_(std::chrono::steady_clock::now()) {
    series_->started->Increment();
  }

  // A call torn down without a status (client went away before the handler
  // finished) still counts as handled, like a Go handler returning Canceled.
  ~MetricsInterceptor() override { Record(grpc::StatusCode::CANCELLED); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // Counts the call once, whichever of status or teardown comes first.
  void Record(grpc::StatusCode code) {
    if (recorded_.exchange(true)) return;
    const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start_;
    series_->Handled(code, elapsed.count());
  }

  const GrpcMethodSeries* series_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<bool> recorded_{false};
};

}  // namespace

grpc::experimental::Interceptor*
GrpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  // gRPC's factory API takes ownership of a raw pointer; it deletes the
  // interceptor when the call ends.
  return new MetricsInterceptor(metrics_->Find(info->method(), info->type()));
}

}  // namespace execd
