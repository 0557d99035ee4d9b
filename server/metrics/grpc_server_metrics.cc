#include "server/metrics/grpc_server_metrics.h"

#include "prometheus/family.h"

namespace execd {
namespace {

using RpcType = grpc::experimental::ServerRpcInfo::Type;

// 0.5 ms to 30 min: unary calls answer in well under a millisecond, Result
// waits up to its timeout and Callback/SubmitStream streams stay open for
// as long as the client keeps them.
prometheus::Histogram::BucketBoundaries HandlingBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,    1,     2.5,    5,     10,   30,    60,   300, 1800};
}

}  // namespace

void GrpcMethodSeries::Handled(grpc::StatusCode code, double seconds) const {
  const int index = static_cast<int>(code);
  handled[index >= 0 && index < kGrpcCodeCount ? index : 2]->Increment();
  handling_seconds->Observe(seconds);
}

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, "
                         "regardless of success or failure.")
                   .Register(registry)),
      handling_seconds_(
          prometheus::BuildHistogram()
              .Name("grpc_server_handling_seconds")
              .Help("Histogram of response latency (seconds) of gRPC that "
                    "had been application-level handled by the server.")
              .Register(registry)) {
  for (const GrpcMethodLabels& method : KnownGrpcMethods()) {
    known_.emplace(method.Path(), AddMethod(method));
  }
  for (RpcType type : {RpcType::UNARY, RpcType::CLIENT_STREAMING,
                       RpcType::SERVER_STREAMING, RpcType::BIDI_STREAMING}) {
    const std::string label = GrpcTypeLabel(type);
    unknown_by_type_.emplace(
        label, AddMethod({label, kUnknownGrpcLabel, kUnknownGrpcLabel}));
  }
}

GrpcMethodSeries GrpcServerMetrics::AddMethod(const GrpcMethodLabels& labels) {
  const prometheus::Labels base = {{"grpc_type", labels.type},
                                   {"grpc_service", labels.service},
                                   {"grpc_method", labels.method}};
  GrpcMethodSeries series;
  series.started = &started_.Add(base);
  for (int code = 0; code < kGrpcCodeCount; ++code) {
    prometheus::Labels with_code = base;
    with_code["grpc_code"] = GrpcCodeLabel(static_cast<grpc::StatusCode>(code));
    series.handled[code] = &handled_.Add(with_code);
  }
  series.handling_seconds = &handling_seconds_.Add(base, HandlingBuckets());
  return series;
}

const GrpcMethodSeries* GrpcServerMetrics::Find(const char* path,
                                                RpcType type) const {
  if (path != nullptr) {
    auto it = known_.find(path);
    if (it != known_.end()) return &it->second;
  }
  return &unknown_by_type_.find(GrpcTypeLabel(type))->second;
}

}  // namespace execd
