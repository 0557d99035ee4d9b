#ifndef EXECD_SERVER_SERVICE_AUTHENTICATOR_H_
#define EXECD_SERVER_SERVICE_AUTHENTICATOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace execd {

// Decides who is calling. The principal it returns owns the tasks the call
// creates and is the only one that can see them. Health and reflection are
// separate services and never ask.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller's principal, or UNAUTHENTICATED with a message saying why.
  virtual absl::StatusOr<std::string> Authenticate(
      const grpc::CallbackServerContext& context) const = 0;
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_AUTHENTICATOR_H_
