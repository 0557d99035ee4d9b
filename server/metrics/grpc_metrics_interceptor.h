#ifndef EXECD_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
#define EXECD_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_

#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/grpc_server_metrics.h"

namespace execd {

// Creates one interceptor per RPC that counts it in `metrics` (started when
// the call arrives, handled with its status when the status is sent).
// `metrics` must outlive the grpc::Server.
class GrpcMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetricsInterceptorFactory(const GrpcServerMetrics* metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const GrpcServerMetrics* metrics_;
};

}  // namespace execd

#endif  // EXECD_SERVER_METRICS_GRPC_METRICS_INTERCEPTOR_H_
