#include "server/pools/process/call_gates.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace execd {
namespace {

constexpr size_t kBytes = CallGates::kMaxCalls * sizeof(uint32_t);
static_assert(std::atomic<uint32_t>::is_always_lock_free,
              "gates are shared between processes");

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

absl::StatusOr<std::atomic<uint32_t>*> MapShared(int fd) {
  void* memory =
      mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) return ErrnoStatus("mmap of the call gates");
  return static_cast<std::atomic<uint32_t>*>(memory);
}

}  // namespace

absl::StatusOr<CallGates> CallGates::Create() {
  // CLOEXEC: each worker gets its own copy by dup2, and no other child.
  const int fd = memfd_create("execd-call-gates", MFD_CLOEXEC);
  if (fd < 0) return ErrnoStatus("memfd_create");
  if (ftruncate(fd, kBytes) != 0) {
    absl::Status status = ErrnoStatus("ftruncate of the call gates");
    close(fd);
    return status;
  }
  absl::StatusOr<std::atomic<uint32_t>*> words = MapShared(fd);
  if (!words.ok()) {
    close(fd);
    return words.status();
  }
  return CallGates(fd, *words);  // a fresh memfd reads as zeros: all queued
}

absl::StatusOr<CallGates> CallGates::Map(int fd) {
  absl::StatusOr<std::atomic<uint32_t>*> words = MapShared(fd);
  close(fd);  // the mapping stays; exec children must not hold it
  if (!words.ok()) return words.status();
  return CallGates(-1, *words);
}

CallGates::CallGates(CallGates&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      words_(std::exchange(other.words_, nullptr)) {}

CallGates& CallGates::operator=(CallGates&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    words_ = std::exchange(other.words_, nullptr);
  }
  return *this;
}

CallGates::~CallGates() { Release(); }

void CallGates::Release() {
  if (words_ != nullptr) munmap(words_, kBytes);
  if (fd_ >= 0) close(fd_);
  words_ = nullptr;
  fd_ = -1;
}

void CallGates::Reset(int count) {
  for (int i = 0; i < count; ++i) {
    words_[i].store(static_cast<uint32_t>(GateState::kQueued),
                    std::memory_order_relaxed);
  }
  // The frame's write() orders these stores before the worker reads them.
  std::atomic_thread_fence(std::memory_order_release);
}

bool CallGates::Start(int index) {
  uint32_t expected = static_cast<uint32_t>(GateState::kQueued);
  return words_[index].compare_exchange_strong(
      expected, static_cast<uint32_t>(GateState::kStarted),
      std::memory_order_acq_rel);
}

GateState CallGates::Close(int index, GateState to) {
  uint32_t expected = static_cast<uint32_t>(GateState::kQueued);
  words_[index].compare_exchange_strong(expected, static_cast<uint32_t>(to),
                                        std::memory_order_acq_rel);
  return static_cast<GateState>(expected);
}

GateState CallGates::Withdraw(int index) {
  return Close(index, GateState::kWithdrawn);
}

void CallGates::Fence(int from, int count) {
  for (int i = from; i < count; ++i) Close(i, GateState::kFenced);
}

GateState CallGates::state(int index) const {
  return static_cast<GateState>(words_[index].load(std::memory_order_acquire));
}

}  // namespace execd
