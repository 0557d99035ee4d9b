#include "server/service/status_convert.h"

#include <string>

#include "server/core/executor.h"

namespace execd {

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::CallbackServerContext* context) {
  if (status.ok()) return grpc::Status::OK;
  if (context != nullptr) {
    if (auto delay = status.GetPayload(kRetryDelayPayload)) {
      context->AddTrailingMetadata(std::string(kRetryDelayPayload),
                                   std::string(*delay));
    }
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace execd
