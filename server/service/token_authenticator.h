#ifndef EXECD_SERVER_SERVICE_TOKEN_AUTHENTICATOR_H_
#define EXECD_SERVER_SERVICE_TOKEN_AUTHENTICATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/service/authenticator.h"
#include "server/service/token_file.h"

namespace execd {

// Accepts calls carrying `authorization: Bearer <token>` for a token of the
// token file; the token's name is the principal. Thread-safe; Reload swaps
// the token set while calls are being authenticated.
class TokenAuthenticator : public Authenticator {
 public:
  // Loads `path`; an unreadable or malformed file is INVALID_ARGUMENT.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> FromFile(
      const std::string& path);

  absl::StatusOr<std::string> Authenticate(
      const grpc::CallbackServerContext& context) const override;

  // Re-reads the file; returns the number of tokens, or the error (the
  // tokens in use stay unchanged then).
  absl::StatusOr<size_t> Reload();

 private:
  using TokenSet = std::vector<TokenEntry>;
  TokenAuthenticator(std::string path, std::shared_ptr<const TokenSet> tokens);
  std::shared_ptr<const TokenSet> Tokens() const;

  const std::string path_;
  mutable absl::Mutex mutex_;
  // Swapped whole by Reload; readers keep the set they took alive.
  std::shared_ptr<const TokenSet> tokens_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_TOKEN_AUTHENTICATOR_H_
