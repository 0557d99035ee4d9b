#ifndef EXECD_CLIENT_CPP_BEARER_TOKEN_INTERCEPTOR_H_
#define EXECD_CLIENT_CPP_BEARER_TOKEN_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "grpcpp/support/client_interceptor.h"

namespace execd {

// Adds `authorization: Bearer <token>` to every call of a channel. An
// interceptor rather than CallCredentials because gRPC drops call
// credentials on plaintext channels, and a token over plaintext (e.g.
// behind a TLS-terminating proxy, or on localhost) is still useful.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeBearerTokenInterceptorFactory(std::string token);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_BEARER_TOKEN_INTERCEPTOR_H_
