// ThreadSanitizer annotations for Debian's absl::Mutex (scripts/sanitizers.sh
// tsan stage only).
//
// absl::Mutex tells TSan about its lock and unlock operations only when absl
// itself is compiled with -fsanitize=thread; Debian's libabsl is not, so TSan
// would see no happens-before edge between a Mutex unlock and the next lock
// and report every access to Mutex-guarded data as a race (false positives).
// Instead of suppressing those reports (which would hide real races in execd
// code too), this object, linked into each TSan test executable (exported
// with -rdynamic), interposes the exported absl::Mutex entry points, calls
// the real ones (dlsym RTLD_NEXT) and adds the __tsan_mutex_* annotations
// absl would have made. Calls from inside libabsl (Notification, ...) reach
// these too through the PLT. Await* and CondVar::Wait* release the mutex
// while they wait: they are annotated as an unlock followed by a lock, with
// the accesses done while waiting (absl evaluating the Condition) ignored,
// exactly as absl's own annotations treat them.

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

#define EXECD_STR2(x) #x
#define EXECD_STR(x) EXECD_STR2(x)

// The mangled name of absl::<rest> (a const member function if `is_const`).
std::string Mangled(const char* rest, bool is_const) {
  const std::string ns = EXECD_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return std::string(is_const ? "_ZNK" : "_ZN") + "4absl" +
         std::to_string(ns.size()) + ns + rest;
}

void* Real(const char* rest, bool is_const = false) {
  const std::string name = Mangled(rest, is_const);
  void* symbol = dlsym(RTLD_NEXT, name.c_str());
  if (symbol == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: %s not found\n", name.c_str());
    std::abort();
  }
  return symbol;
}

using Plain = void (*)(absl::Mutex*);
using TryPlain = bool (*)(absl::Mutex*);
using AwaitFn = void (*)(absl::Mutex*, const absl::Condition&);
using AwaitTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                absl::Duration);
using AwaitDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&,
                                 absl::Time);

// Nonzero while inside one of the wrappers below: the real functions call
// each other (AwaitWithTimeout -> AwaitWithDeadline, ...) through the PLT,
// and only the outermost call is annotated.
thread_local int depth = 0;

class Nested {
 public:
  Nested() { ++depth; }
  ~Nested() { --depth; }
  bool outermost() const { return depth == 1; }
};

// Annotates "unlock, then lock again" around a call that waits with the
// mutex released; ignores the accesses made inside.
template <typename Call>
auto Waiting(absl::Mutex* mu, unsigned lock_flags, Call call) {
  Nested nested;
  if (!nested.outermost()) return call();
  __tsan_mutex_pre_unlock(mu, lock_flags);
  auto result = call();
  __tsan_mutex_post_unlock(mu, lock_flags);
  __tsan_mutex_pre_lock(mu, lock_flags);
  __tsan_mutex_post_lock(mu, lock_flags, 0);
  return result;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static const auto real = reinterpret_cast<Plain>(Real("5Mutex4LockEv"));
  Nested nested;
  if (!nested.outermost()) return real(this);
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::Unlock() {
  static const auto real = reinterpret_cast<Plain>(Real("5Mutex6UnlockEv"));
  Nested nested;
  if (!nested.outermost()) return real(this);
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

bool Mutex::TryLock() {
  static const auto real =
      reinterpret_cast<TryPlain>(Real("5Mutex7TryLockEv"));
  Nested nested;
  if (!nested.outermost()) return real(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  __tsan_mutex_post_lock(
      this, __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed),
      0);
  return locked;
}

void Mutex::ReaderLock() {
  static const auto real =
      reinterpret_cast<Plain>(Real("5Mutex10ReaderLockEv"));
  Nested nested;
  if (!nested.outermost()) return real(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

void Mutex::ReaderUnlock() {
  static const auto real =
      reinterpret_cast<Plain>(Real("5Mutex12ReaderUnlockEv"));
  Nested nested;
  if (!nested.outermost()) return real(this);
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real =
      reinterpret_cast<AwaitFn>(Real("5Mutex8LockWhenERKNS0_9ConditionE"));
  Nested nested;
  if (!nested.outermost()) return real(this, cond);
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::Await(const Condition& cond) {
  static const auto real =
      reinterpret_cast<AwaitFn>(Real("5Mutex5AwaitERKNS0_9ConditionE"));
  Waiting(this, 0, [&] {
    real(this, cond);
    return 0;
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = reinterpret_cast<AwaitTimeoutFn>(
      Real("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  return Waiting(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = reinterpret_cast<AwaitDeadlineFn>(
      Real("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  return Waiting(this, 0, [&] { return real(this, cond, deadline); });
}

// CondVar waits release the mutex while they wait, as Await does.
using CondWaitFn = void (*)(CondVar*, Mutex*);
using CondWaitTimeoutFn = bool (*)(CondVar*, Mutex*, Duration);
using CondWaitDeadlineFn = bool (*)(CondVar*, Mutex*, Time);

void CondVar::Wait(Mutex* mu) {
  static const auto real =
      reinterpret_cast<CondWaitFn>(Real("7CondVar4WaitEPNS0_5MutexE"));
  Waiting(mu, 0, [&] {
    real(this, mu);
    return 0;
  });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real = reinterpret_cast<CondWaitTimeoutFn>(
      Real("7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE"));
  return Waiting(mu, 0, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real = reinterpret_cast<CondWaitDeadlineFn>(
      Real("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE"));
  return Waiting(mu, 0, [&] { return real(this, mu, deadline); });
}

// Notification: Notify publishes with a release store and the waits may
// return on a fast path that never touches the mutex, so they get a plain
// release/acquire pair on the Notification's address; the Mutex calls they
// make inside are not annotated (Nested), as they never guard user data.
using NotifyFn = void (*)(Notification*);
using WaitFn = void (*)(const Notification*);
using WaitTimeoutFn = bool (*)(const Notification*, Duration);
using WaitDeadlineFn = bool (*)(const Notification*, Time);

void Notification::Notify() {
  static const auto real =
      reinterpret_cast<NotifyFn>(Real("12Notification6NotifyEv"));
  Nested nested;  // its own Mutex use stays unannotated
  __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real = reinterpret_cast<WaitFn>(
      Real("12Notification19WaitForNotificationEv", true));
  Nested nested;
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto real = reinterpret_cast<WaitTimeoutFn>(
      Real("12Notification30WaitForNotificationWithTimeoutENS0_8DurationE", true));
  Nested nested;
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static const auto real = reinterpret_cast<WaitDeadlineFn>(
      Real("12Notification31WaitForNotificationWithDeadlineENS0_4TimeE", true));
  Nested nested;
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
