#ifndef EXECD_SERVER_METRICS_GRPC_METHOD_LABELS_H_
#define EXECD_SERVER_METRICS_GRPC_METHOD_LABELS_H_

#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace execd {

// The grpc_type/grpc_service/grpc_method labels of go-grpc-prometheus.
struct GrpcMethodLabels {
  std::string type;     // unary, client_stream, server_stream, bidi_stream
  std::string service;  // e.g. execd.v1.Executor
  std::string method;   // e.g. Submit

  // "/execd.v1.Executor/Submit", the path gRPC reports for a call.
  std::string Path() const { return "/" + service + "/" + method; }
};

// Label value for calls to methods the server does not know, so a client
// probing random names cannot grow the number of series.
inline constexpr char kUnknownGrpcLabel[] = "unknown";

// Every method the server registers: execd.v1.Executor (read from the
// compiled proto, so new RPCs are picked up), grpc.health.v1.Health and
// server reflection.
std::vector<GrpcMethodLabels> KnownGrpcMethods();

const char* GrpcTypeLabel(grpc::experimental::ServerRpcInfo::Type type);

// The grpc_code label: the code's name as grpc-go prints it ("OK",
// "NotFound", "ResourceExhausted"), which go-grpc-prometheus uses.
const char* GrpcCodeLabel(grpc::StatusCode code);

// Number of canonical status codes (0 OK .. 16 UNAUTHENTICATED).
inline constexpr int kGrpcCodeCount = 17;

}  // namespace execd

#endif  // EXECD_SERVER_METRICS_GRPC_METHOD_LABELS_H_
