#ifndef EXECD_SERVER_SERVICE_TOKEN_FILE_H_
#define EXECD_SERVER_SERVICE_TOKEN_FILE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace execd {

using TokenDigest = std::array<uint8_t, 32>;  // SHA-256

// SHA-256 of `data`; tokens are compared by digest so the comparison takes
// the same time whatever their lengths.
TokenDigest Sha256(absl::string_view data);

// One accepted bearer token. The token itself is not kept: only its digest.
struct TokenEntry {
  TokenDigest digest;
  std::string principal;
};

// Parses a token file: one token per line, optionally followed by
// whitespace and a principal name; blank lines and `#` comments are
// ignored. A token without a name is called `token-<8 hex of its SHA-256>`,
// which identifies it without revealing it. Errors name the line, never the
// token. A file without any token is an error (nobody could call).
absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(absl::string_view text);

// Reads and parses `path`.
absl::StatusOr<std::vector<TokenEntry>> LoadTokenFile(const std::string& path);

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_TOKEN_FILE_H_
