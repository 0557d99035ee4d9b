#ifndef EXECD_SERVER_POOLS_PROCESS_CALL_GATES_H_
#define EXECD_SERVER_POOLS_PROCESS_CALL_GATES_H_

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"

namespace execd {

// One word per call of the frame a worker is running, in memory shared by
// the server and that worker (a memfd). Before it starts call i, the worker
// takes gate i (queued -> started); the server can close a gate that is
// still queued (withdrawn: the call's task was cancelled while it waited in
// the frame; fenced: the worker is about to be killed). Exactly one side
// wins, so a withdrawn call never runs and the server always knows whether
// a call has started, with no message or syscall on the way.
enum class GateState : uint32_t {
  kQueued = 0,
  kStarted = 1,
  kWithdrawn = 2,  // the worker skips it and says so
  kFenced = 3,     // the worker stops reading the frame here
};

class CallGates {
 public:
  // Calls per frame; bigger Map chunks go out in several frames.
  static constexpr int kMaxCalls = 256;

  // Server side: a new shared mapping; fd() is what the worker maps.
  static absl::StatusOr<CallGates> Create();
  // Worker side: maps the server's `fd` (and closes it).
  static absl::StatusOr<CallGates> Map(int fd);

  CallGates(CallGates&& other) noexcept;
  CallGates& operator=(CallGates&& other) noexcept;
  CallGates(const CallGates&) = delete;
  CallGates& operator=(const CallGates&) = delete;
  ~CallGates();

  int fd() const { return fd_; }

  // Server, before sending a frame of `count` calls: all queued.
  void Reset(int count);
  // Worker: true if it may run call `index` (now started).
  bool Start(int index);
  // Server: queued -> withdrawn; returns the state it found (kQueued when
  // the call will now be skipped).
  GateState Withdraw(int index);
  // Server: closes every still-queued gate from `from` to `count`.
  void Fence(int from, int count);
  GateState state(int index) const;

 private:
  CallGates(int fd, std::atomic<uint32_t>* words) : fd_(fd), words_(words) {}
  GateState Close(int index, GateState to);
  void Release();

  int fd_ = -1;
  std::atomic<uint32_t>* words_ = nullptr;
};

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_CALL_GATES_H_
