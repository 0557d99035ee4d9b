#include "server/metrics/grpc_method_labels.h"

#include "execd/v1/execd.grpc.pb.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/descriptor.h"

namespace execd {
namespace {

using RpcType = grpc::experimental::ServerRpcInfo::Type;

// Indexed by code number; spelled like grpc-go's codes.Code.String().
constexpr const char* kCodeNames[kGrpcCodeCount] = {
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
};

const char* TypeOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? "bidi_stream" : "client_stream";
  }
  return method.server_streaming() ? "server_stream" : "unary";
}

}  // namespace

std::vector<GrpcMethodLabels> KnownGrpcMethods() {
  std::vector<GrpcMethodLabels> methods;
  // Reached through a message of the same file: naming a symbol of the
  // generated code makes sure it is linked in, so its descriptors exist.
  const google::protobuf::ServiceDescriptor* executor =
      v1::SubmitRequest::descriptor()->file()->pool()->FindServiceByName(
          v1::Executor::service_full_name());
  if (executor != nullptr) {
    for (int i = 0; i < executor->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *executor->method(i);
      methods.push_back({TypeOf(method), executor->full_name(), method.name()});
    }
  }
  // gRPC's own services; their descriptors are not in the generated pool.
  methods.push_back({"unary", "grpc.health.v1.Health", "Check"});
  methods.push_back({"server_stream", "grpc.health.v1.Health", "Watch"});
  methods.push_back({"bidi_stream", "grpc.reflection.v1alpha.ServerReflection",
                     "ServerReflectionInfo"});
  return methods;
}

const char* GrpcTypeLabel(RpcType type) {
  switch (type) {
    case RpcType::UNARY:
      return "unary";
    case RpcType::CLIENT_STREAMING:
      return "client_stream";
    case RpcType::SERVER_STREAMING:
      return "server_stream";
    case RpcType::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

const char* GrpcCodeLabel(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index < 0 || index >= kGrpcCodeCount) return "Unknown";
  return kCodeNames[index];
}

}  // namespace execd
