#ifndef EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_
#define EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/executor.h"
#include "server/service/authenticator.h"
#include "server/service/open_streams.h"

namespace execd {

// What every handler and reactor of the service shares.
struct ServiceContext {
  Executor* executor;
  OpenStreams* streams;
  size_t max_stream_buffer;  // events buffered per stream before it is ended
  const Authenticator* authenticator = nullptr;  // null: everyone is ""
};

// The caller's principal; an UNAUTHENTICATED refusal is counted.
inline absl::StatusOr<std::string> Authenticate(
    const ServiceContext& service, const grpc::CallbackServerContext& call) {
  if (service.authenticator == nullptr) return std::string();
  absl::StatusOr<std::string> principal =
      service.authenticator->Authenticate(call);
  if (!principal.ok()) service.executor->CountRejected("unauthenticated");
  return principal;
}

inline constexpr char kResumeHint[] =
    "resume with ListTasks and Result (task results are kept for "
    "--result_ttl)";

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_
