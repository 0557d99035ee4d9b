#ifndef EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_
#define EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/worker.pb.h"
#include "server/core/task_record.h"
#include "server/pools/process/call_gates.h"
#include "server/pools/process/frame_codec.h"
#include "server/pools/process/worker_config.h"

namespace execd {

// One running execd-worker: its pid (also its process group id), the
// server's end of its socketpair and the call gates it shares with it. Used
// by one supervising thread; only Kill and gates() may be used from another
// thread, and only before Reap starts.
class WorkerProcess {
 public:
  // posix_spawns `worker_path` in its own process group with the socket on
  // fd kWorkerSocketFd, the gates on kWorkerGatesFd, stdin on /dev/null,
  // default signal dispositions.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Spawn(
      const std::string& worker_path, WorkerConfig config);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  CallGates& gates() { return gates_; }

  // Waits up to `timeout` for the Hello frame.
  absl::Status AwaitHello(absl::Duration timeout);
  absl::Status Send(const v1::worker::WorkerRequest& request);
  // Sends `tasks` as the calls of one frame (call i is gate i); reset the
  // gates first.
  absl::Status SendCalls(const std::vector<TaskPtr>& tasks);
  // Blocks for the next frame, reading every frame already sent in one go;
  // errors as ReadFrame (end of stream when the worker died).
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
  WorkerProcess(pid_t pid, int fd, size_t max_frame_bytes, CallGates gates)
      : pid_(pid),
        fd_(fd),
        max_frame_bytes_(max_frame_bytes),
        gates_(std::move(gates)),
        reader_(fd, max_frame_bytes) {}
  void CloseSocket();

  const pid_t pid_;
  int fd_;
  const size_t max_frame_bytes_;
  CallGates gates_;
  FrameReader reader_;
  std::string out_;  // the frame being sent, kept for its capacity
  std::atomic<bool> reaped_{false};
};

// "worker pid 4711 killed by signal 6 (SIGABRT)" / "... exited with code 3".
std::string DescribeWorkerExit(pid_t pid, int wait_status);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_WORKER_PROCESS_H_
