#include "client/cpp/retry.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "client/cpp/task_status.h"

namespace execd {

bool IsRetryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

absl::Duration RetryDelayHint(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-delay-ms");
  if (it == trailers.end()) return absl::ZeroDuration();
  int64_t millis = 0;
  if (!absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()),
                        &millis) ||
      millis < 0) {
    return absl::ZeroDuration();
  }
  return absl::Milliseconds(millis);
}

absl::Status CallWithRetry(
    const RetryPolicy& policy, absl::Time give_up_at,
    const std::function<grpc::Status(grpc::ClientContext& context)>& attempt) {
  return CallWithRetryKeepingContext(
      policy, give_up_at,
      [&attempt](std::unique_ptr<grpc::ClientContext>& context) {
        return attempt(*context);
      });
}

absl::Status CallWithRetryKeepingContext(
    const RetryPolicy& policy, absl::Time give_up_at,
    const std::function<
        grpc::Status(std::unique_ptr<grpc::ClientContext>& context)>& attempt) {
  thread_local absl::BitGen jitter;
  absl::Duration backoff = policy.initial_backoff;
  for (int attempt_number = 1;; ++attempt_number) {
    auto context = std::make_unique<grpc::ClientContext>();
    grpc::Status status = attempt(context);
    if (status.ok() || !IsRetryable(status.error_code()) ||
        attempt_number >= policy.max_attempts) {
      return FromGrpcStatus(status);
    }
    // Jitter keeps many clients from retrying in lock step.
    const absl::Duration hint =
        context != nullptr ? RetryDelayHint(*context) : absl::ZeroDuration();
    absl::Duration wait =
        std::max(hint, backoff * absl::Uniform(jitter, 0.8, 1.2));
    if (absl::Now() + wait >= give_up_at) return FromGrpcStatus(status);
    absl::SleepFor(wait);
    backoff = std::min(policy.max_backoff, backoff * policy.backoff_multiplier);
  }
}

std::string NewRequestId() {
  thread_local absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

}  // namespace execd
