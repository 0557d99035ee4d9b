#ifndef EXECD_SERVER_CORE_STRING_INTERNER_H_
#define EXECD_SERVER_CORE_STRING_INTERNER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace execd {

// Shares one copy of each distinct string among many holders (a task's
// owner: a few principals, up to millions of tasks). Copies nobody holds any
// more are dropped as the table grows, so it stays as small as the set of
// strings in use.
class StringInterner {
 public:
  StringInterner() = default;
  StringInterner(const StringInterner&) = delete;
  StringInterner& operator=(const StringInterner&) = delete;

  // nullptr for "" (the common case without auth costs nothing).
  std::shared_ptr<const std::string> Intern(absl::string_view text);
  size_t size() const;

 private:
  static constexpr size_t kMinPruneAt = 64;

  void PruneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> strings_
      ABSL_GUARDED_BY(mu_);
  size_t prune_at_ ABSL_GUARDED_BY(mu_) = kMinPruneAt;
};

}  // namespace execd

#endif  // EXECD_SERVER_CORE_STRING_INTERNER_H_
