#ifndef EXECD_CLIENT_CPP_RETRY_H_
#define EXECD_CLIENT_CPP_RETRY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace execd {

// How calls are retried after UNAVAILABLE (server restarting or draining) or
// RESOURCE_EXHAUSTED (queue full). The wait before attempt n+1 is the larger
// of the server's `retry-delay-ms` hint and an exponential backoff.
struct RetryPolicy {
  int max_attempts = 6;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  double backoff_multiplier = 2.0;
};

bool IsRetryable(grpc::StatusCode code);

// The `retry-delay-ms` trailing metadata of a finished call, if present.
absl::Duration RetryDelayHint(const grpc::ClientContext& context);

// Runs `attempt` with a fresh context until it succeeds, fails with a code
// that retrying cannot fix, attempts run out, or waiting would pass
// `give_up_at`. Returns the last attempt's status.
absl::Status CallWithRetry(
    const RetryPolicy& policy, absl::Time give_up_at,
    const std::function<grpc::Status(grpc::ClientContext& context)>& attempt);

// The same, for a call that lives on after it succeeds (a stream the caller
// goes on reading): a successful `attempt` may take its context away.
absl::Status CallWithRetryKeepingContext(
    const RetryPolicy& policy, absl::Time give_up_at,
    const std::function<
        grpc::Status(std::unique_ptr<grpc::ClientContext>& context)>& attempt);

// A fresh idempotency key: 32 random lowercase hex characters.
std::string NewRequestId();

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_RETRY_H_
