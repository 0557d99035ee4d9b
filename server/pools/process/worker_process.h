#ifndef EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_
#define EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/worker.pb.h"
#include "server/pools/process/worker_config.h"

namespace execd {

// One running execd-worker: its pid (also its process group id) and the
// server's end of its socketpair. Used by one supervising thread; only Kill
// may be called from another thread, and only before Reap starts.
class WorkerProcess {
 public:
  // posix_spawns `worker_path` in its own process group with the socket on
  // fd kWorkerSocketFd, stdin on /dev/null, default signal dispositions.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Spawn(
      const std::string& worker_path, WorkerConfig config);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits up to `timeout` for the Hello frame.
  absl::Status AwaitHello(absl::Duration timeout);
  absl::Status Send(const v1::worker::WorkerRequest& request);
  // Blocks for the next frame; errors as ReadFrame (end of stream when the
  // worker died).
  absl::Status Receive(v1::worker::WorkerReply* reply);
  // True if the socket is readable while idle: the worker died (or spoke out
  // of turn, which is as bad). Never blocks.
  bool HungUp() const;

  // SIGKILL to the worker's process group. Safe from any thread until Reap.
  void Kill() const;
  // Waits for the worker to end (killing it if it is still alive after
  // `grace`) and returns its wait status. Closes the socket first.
  int Reap(absl::Duration grace);

 private:
  WorkerProcess(pid_t pid, int fd, size_t max_frame_bytes)
      : pid_(pid), fd_(fd), max_frame_bytes_(max_frame_bytes) {}
  void CloseSocket();

  const pid_t pid_;
  int fd_;
  const size_t max_frame_bytes_;
  std::atomic<bool> reaped_{false};
};

// "worker pid 4711 killed by signal 6 (SIGABRT)" / "... exited with code 3".
std::string DescribeWorkerExit(pid_t pid, int wait_status);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_
