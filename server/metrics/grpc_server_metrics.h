#ifndef EXECD_SERVER_METRICS_GRPC_SERVER_METRICS_H_
#define EXECD_SERVER_METRICS_GRPC_SERVER_METRICS_H_

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/metrics/grpc_method_labels.h"

namespace execd {

// The series of one method: started, handled by code, handling time.
struct GrpcMethodSeries {
  prometheus::Counter* started;
  std::array<prometheus::Counter*, kGrpcCodeCount> handled;
  prometheus::Histogram* handling_seconds;

  void Handled(grpc::StatusCode code, double seconds) const;
};

// grpc_server_started_total, grpc_server_handled_total and
// grpc_server_handling_seconds as go-grpc-prometheus exports them. All label
// children exist from the start (zeros are scraped, rates work from the first
// call) and the tables are read-only afterwards, so lookups need no lock.
class GrpcServerMetrics {
 public:
  explicit GrpcServerMetrics(prometheus::Registry& registry);

  // The series of the method at `path` ("/pkg.Service/Method"); methods the
  // server does not serve share the "unknown" series of their type. Never
  // null. `path` may be null.
  const GrpcMethodSeries* Find(
      const char* path, grpc::experimental::ServerRpcInfo::Type type) const;

 private:
  GrpcMethodSeries AddMethod(const GrpcMethodLabels& labels);

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  absl::flat_hash_map<std::string, GrpcMethodSeries> known_;
  absl::flat_hash_map<std::string, GrpcMethodSeries> unknown_by_type_;
};

}  // namespace execd

#endif  // EXECD_SERVER_METRICS_GRPC_SERVER_METRICS_H_
