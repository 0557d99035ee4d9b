#ifndef EXECD_CLIENT_CLI_CONNECTION_FLAGS_H_
#define EXECD_CLIENT_CLI_CONNECTION_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/arguments.h"
#include "client/cpp/channel.h"

namespace execd::cli {

// --token, --token_file, --tls, --tls_ca_file, --tls_cert_file,
// --tls_key_file, --tls_server_name: global flags of every command.
std::vector<FlagSpec> ConnectionFlags();

// The channel security those flags (and $EXECD_TOKEN) ask for, with the
// files they name read. INVALID_ARGUMENT (a usage error) for unreadable
// files or a certificate without its key.
absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags(
    const ParsedArguments& arguments);

}  // namespace execd::cli

#endif  // EXECD_CLIENT_CLI_CONNECTION_FLAGS_H_
