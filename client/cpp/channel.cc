#include "client/cpp/channel.h"

#include <utility>
#include <vector>

#include "client/cpp/bearer_token_interceptor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace execd {
namespace {

grpc::ChannelArguments FastReconnectArguments() {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  // gRPC takes this as the least time one connection attempt may last, and
  // waits it out before the next: at 100 ms a busy machine's handshake
  // timed out ("connection attempt timed out before receiving SETTINGS
  // frame"); 1 s still reconnects within about a second of a restart.
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return arguments;
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const ChannelSecurity& security) {
  const bool tls = security.tls || !security.root_certificates.empty() ||
                   !security.certificate_chain.empty() ||
                   !security.private_key.empty();
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security.root_certificates;
  options.pem_cert_chain = security.certificate_chain;
  options.pem_private_key = security.private_key;
  return grpc::SslCredentials(options);
}

}  // namespace

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   FastReconnectArguments());
}

std::shared_ptr<grpc::Channel> CreateChannel(const std::string& target,
                                             const ChannelSecurity& security) {
  grpc::ChannelArguments arguments = FastReconnectArguments();
  if (!security.server_name.empty()) {
    arguments.SetSslTargetNameOverride(security.server_name);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!security.token.empty()) {
    interceptors.push_back(MakeBearerTokenInterceptorFactory(security.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, Credentials(security), arguments, std::move(interceptors));
}

}  // namespace execd
