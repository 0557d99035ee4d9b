#ifndef EXECD_CLIENT_CPP_CHANNEL_H_
#define EXECD_CLIENT_CPP_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace execd {

// How a channel proves who it talks to and who it is. The default is
// plaintext without a token.
struct ChannelSecurity {
  // Sent as `authorization: Bearer <token>` on every call (also over
  // plaintext, where gRPC would refuse call credentials). Empty: none.
  std::string token;
  // TLS. Implied by any of the PEM fields below.
  bool tls = false;
  // PEM CA certificates that sign the server's certificate; empty: the
  // system's roots.
  std::string root_certificates;
  // PEM client certificate chain and its key, for servers that require
  // mutual TLS (--tls_client_ca_file). Both or neither.
  std::string certificate_chain;
  std::string private_key;
  // Name checked against the server certificate instead of the target's
  // host (e.g. when connecting by IP to a certificate issued for a name).
  std::string server_name;
};

// An insecure channel to `target` that reconnects quickly (100 ms to 2 s
// instead of gRPC's 1 s to 120 s) so retries after a server restart land.
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target);

// The same, with TLS and/or a bearer token as `security` says.
std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ChannelSecurity& security);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_CHANNEL_H_
