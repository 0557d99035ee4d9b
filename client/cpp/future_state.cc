#include "client/cpp/future_state.h"

namespace execd::internal {

void FutureState::Resolve(absl::StatusOr<v1::Task> outcome) {
  std::vector<std::function<void()>> callbacks;
  {
    absl::MutexLock lock(&mu_);
    if (outcome_.has_value()) return;
    outcome_ = std::move(outcome);
    callbacks.swap(callbacks_);
  }
  for (auto& callback : callbacks) callback();
}

std::optional<absl::StatusOr<v1::Task>> FutureState::outcome() const {
  absl::MutexLock lock(&mu_);
  return outcome_;
}

bool FutureState::AwaitResolved(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto resolved = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return outcome_.has_value();
  };
  return mu_.AwaitWithDeadline(absl::Condition(&resolved), deadline);
}

bool FutureState::AddCallback(std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  if (outcome_.has_value()) return false;
  callbacks_.push_back(std::move(callback));
  return true;
}

bool FutureState::MarkWatched() {
  absl::MutexLock lock(&mu_);
  if (watched_) return false;
  watched_ = true;
  return true;
}

bool FutureState::ReleaseWatch() {
  absl::MutexLock lock(&mu_);
  watched_ = false;
  return !outcome_.has_value() && !callbacks_.empty();
}

}  // namespace execd::internal
