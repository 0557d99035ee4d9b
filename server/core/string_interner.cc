#include "server/core/string_interner.h"

#include <algorithm>

namespace execd {

std::shared_ptr<const std::string> StringInterner::Intern(
    absl::string_view text) {
  if (text.empty()) return nullptr;
  absl::MutexLock lock(&mu_);
  auto it = strings_.find(text);
  if (it != strings_.end()) return it->second;
  if (strings_.size() >= prune_at_) PruneLocked();
  auto shared = std::make_shared<const std::string>(text);
  strings_.emplace(std::string(text), shared);
  return shared;
}

size_t StringInterner::size() const {
  absl::MutexLock lock(&mu_);
  return strings_.size();
}

void StringInterner::PruneLocked() {
  // Only this table hands out copies, so one held by the table alone can
  // not gain a holder while the lock is held.
  absl::erase_if(strings_, [](const auto& entry) {
    return entry.second.use_count() == 1;
  });
  // Twice what is left: pruning stays amortized O(1) per Intern.
  prune_at_ = std::max(kMinPruneAt, 2 * strings_.size());
}

}  // namespace execd
