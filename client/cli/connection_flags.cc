#include "client/cli/connection_flags.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace execd::cli {
namespace {

absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": cannot read ", path, ": ", strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The file's value if `flag` was given, else `fallback`.
absl::StatusOr<std::string> FileFlag(const ParsedArguments& arguments,
                                     absl::string_view flag,
                                     std::string fallback = "") {
  std::optional<std::string> path = arguments.Get(flag);
  if (!path.has_value()) return fallback;
  return ReadFile(flag, *path);
}

// --token, else the first line of --token_file, else $EXECD_TOKEN.
absl::StatusOr<std::string> Token(const ParsedArguments& arguments) {
  if (std::optional<std::string> token = arguments.Get("token")) {
    return *token;
  }
  if (arguments.Has("token_file")) {
    absl::StatusOr<std::string> text = FileFlag(arguments, "token_file");
    if (!text.ok()) return text.status();
    std::string token(absl::StripAsciiWhitespace(
        absl::string_view(*text).substr(0, text->find('\n'))));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          "--token_file: the first line holds no token");
    }
    return token;
  }
  const char* from_env = std::getenv("EXECD_TOKEN");
  return std::string(from_env != nullptr ? from_env : "");
}

}  // namespace

std::vector<FlagSpec> ConnectionFlags() {
  return {
      {"token", "TOKEN",
       "bearer token (default $EXECD_TOKEN; visible in ps: prefer "
       "--token_file or the variable)"},
      {"token_file", "PATH", "read the bearer token from this file"},
      {"tls", "", "connect with TLS (system CAs unless --tls_ca_file)"},
      {"tls_ca_file", "PATH", "PEM CA that signs the server certificate"},
      {"tls_cert_file", "PATH", "PEM client certificate (mutual TLS)"},
      {"tls_key_file", "PATH", "PEM key of --tls_cert_file"},
      {"tls_server_name", "NAME",
       "name expected in the server certificate (default: the target host)"},
  };
}

absl::StatusOr<ChannelSecurity> ChannelSecurityFromFlags(
    const ParsedArguments& arguments) {
  ChannelSecurity security;
  absl::StatusOr<std::string> token = Token(arguments);
  if (!token.ok()) return token.status();
  security.token = *std::move(token);
  if (arguments.Has("tls_cert_file") != arguments.Has("tls_key_file")) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file go together");
  }
  for (auto [flag, field] :
       {std::pair{"tls_ca_file", &security.root_certificates},
        std::pair{"tls_cert_file", &security.certificate_chain},
        std::pair{"tls_key_file", &security.private_key}}) {
    absl::StatusOr<std::string> pem = FileFlag(arguments, flag);
    if (!pem.ok()) return pem.status();
    *field = *std::move(pem);
  }
  security.server_name = arguments.Get("tls_server_name").value_or("");
  security.tls = arguments.Has("tls") || arguments.Has("tls_ca_file") ||
                 arguments.Has("tls_cert_file") ||
                 arguments.Has("tls_server_name");
  return security;
}

}  // namespace execd::cli
