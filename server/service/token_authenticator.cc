#include "server/service/token_authenticator.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace execd {
namespace {

constexpr char kAuthorizationHeader[] = "authorization";
constexpr char kHowTo[] =
    "send the metadata \"authorization: Bearer <token>\" (execctl --token, "
    "or the SDK's token option)";

absl::Status Refuse(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat(why, "; ", kHowTo));
}

// The token of the call's single authorization header, or why there is none.
// Messages never quote the header: it may hold a (wrong) secret.
absl::StatusOr<absl::string_view> BearerToken(
    const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto [first, last] = metadata.equal_range(kAuthorizationHeader);
  if (first == last) return Refuse("missing authorization metadata");
  if (std::next(first) != last) {
    return Refuse("more than one authorization header");
  }
  absl::string_view value(first->second.data(), first->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return Refuse(
        "malformed authorization metadata: expected \"Bearer "
        "<token>\"");
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return Refuse("empty bearer token");
  return token;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenAuthenticator>>
TokenAuthenticator::FromFile(const std::string& path) {
  absl::StatusOr<TokenSet> tokens = LoadTokenFile(path);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<TokenAuthenticator>(new TokenAuthenticator(
      path, std::make_shared<const TokenSet>(*std::move(tokens))));
}

TokenAuthenticator::TokenAuthenticator(std::string path,
                                       std::shared_ptr<const TokenSet> tokens)
    : path_(std::move(path)), tokens_(std::move(tokens)) {}

std::shared_ptr<const TokenAuthenticator::TokenSet> TokenAuthenticator::Tokens()
    const {
  absl::MutexLock lock(&mutex_);
  return tokens_;
}

absl::StatusOr<size_t> TokenAuthenticator::Reload() {
  absl::StatusOr<TokenSet> tokens = LoadTokenFile(path_);
  if (!tokens.ok()) return tokens.status();
  const size_t count = tokens->size();
  auto fresh = std::make_shared<const TokenSet>(*std::move(tokens));
  absl::MutexLock lock(&mutex_);
  tokens_ = std::move(fresh);
  return count;
}

absl::StatusOr<std::string> TokenAuthenticator::Authenticate(
    const grpc::CallbackServerContext& context) const {
  absl::StatusOr<absl::string_view> token = BearerToken(context);
  if (!token.ok()) return token.status();
  // Digests have a fixed length, and every entry is compared without an
  // early exit, so the time taken says nothing about which byte differed
  // or which token matched.
  const TokenDigest presented = Sha256(*token);
  std::shared_ptr<const TokenSet> tokens = Tokens();
  const TokenEntry* match = nullptr;
  for (const TokenEntry& entry : *tokens) {
    const bool equal = CRYPTO_memcmp(presented.data(), entry.digest.data(),
                                     presented.size()) == 0;
    if (equal) match = &entry;
  }
  if (match == nullptr) return Refuse("unknown bearer token");
  return match->principal;
}

}  // namespace execd
