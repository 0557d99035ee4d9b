#ifndef EXECD_SERVER_APP_SERVER_CREDENTIALS_H_
#define EXECD_SERVER_APP_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "server/app/flags.h"

namespace execd {

// Plaintext without --tls_cert_file; TLS with it; mutual TLS (clients must
// present a certificate signed by the CA) with --tls_client_ca_file too.
// An unreadable or empty PEM file is INVALID_ARGUMENT (a flag error).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerConfig& config);

}  // namespace execd

#endif  // EXECD_SERVER_APP_SERVER_CREDENTIALS_H_
