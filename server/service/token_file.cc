#include "server/service/token_file.h"

#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace execd {
namespace {

// Bearer tokens are RFC 6750 token68 characters; refusing anything else
// keeps header parsing and the file format unambiguous.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

bool IsPrincipalChar(char c) {
  return absl::ascii_isgraph(c) && c != '"' && c != '\\';
}

std::string DefaultPrincipal(const TokenDigest& digest) {
  const std::string hex = absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
  return absl::StrCat("token-", hex.substr(0, 8));
}

}  // namespace

TokenDigest Sha256(absl::string_view data) {
  TokenDigest digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenFile(absl::string_view text) {
  std::vector<TokenEntry> entries;
  absl::flat_hash_set<std::string> seen;  // digests, to refuse duplicates
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() > 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected \"TOKEN [NAME]\", got ",
          fields.size(), " fields"));
    }
    const absl::string_view token = fields[0];
    for (char c : token) {
      if (!IsTokenChar(c)) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number,
                         ": the token has a character outside "
                         "[A-Za-z0-9-._~+/=]"));
      }
    }
    if (token.size() < 8) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": the token is shorter than 8 characters"));
    }
    TokenEntry entry{Sha256(token), ""};
    if (fields.size() == 2) {
      for (char c : fields[1]) {
        if (!IsPrincipalChar(c)) {
          return absl::InvalidArgumentError(
              absl::StrCat("line ", line_number,
                           ": the name has a character that is not "
                           "printable ASCII (or is a quote)"));
        }
      }
      entry.principal = std::string(fields[1]);
    } else {
      entry.principal = DefaultPrincipal(entry.digest);
    }
    if (!seen.insert(std::string(entry.digest.begin(), entry.digest.end()))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": the token is listed twice"));
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError("no token in it");
  }
  return entries;
}

absl::StatusOr<std::vector<TokenEntry>> LoadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read token file ", path, ": ", strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokenFile(buffer.str());
  if (!entries.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path, ": ", entries.status().message()));
  }
  return entries;
}

}  // namespace execd
