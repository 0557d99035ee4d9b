#ifndef EXECD_SERVER_SERVICE_STATUS_CONVERT_H_
#define EXECD_SERVER_SERVICE_STATUS_CONVERT_H_

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace execd {

// The gRPC status for `status`. With a context, a retry hint in the status
// becomes the `retry-delay-ms` trailing metadata.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::CallbackServerContext* context = nullptr);

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_STATUS_CONVERT_H_
