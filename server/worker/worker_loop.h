#ifndef EXECD_SERVER_WORKER_WORKER_LOOP_H_
#define EXECD_SERVER_WORKER_WORKER_LOOP_H_

#include "execd/v1/worker.pb.h"
#include "server/functions/registry.h"
#include "server/pools/process/worker_config.h"

namespace execd {

// The worker's life after set-up: says hello, then runs each WorkerRequest's
// calls in order and answers each with a CallDone frame. Single-threaded.
class WorkerLoop {
 public:
  WorkerLoop(const WorkerConfig* config, const FunctionRegistry* registry)
      : config_(config), registry_(registry) {}

  // Returns the process exit code: 0 when the server closed the socket.
  int Run();
  // Sends a ChildGroup frame (exec's hook); false if the server is gone.
  bool ReportChildGroup(pid_t pgid);

 private:
  v1::worker::WorkerReply::CallDone RunCall(
      const v1::worker::WorkerCall& call) const;
  bool Send(const v1::worker::WorkerReply& reply);

  const WorkerConfig* config_;
  const FunctionRegistry* registry_;
};

}  // namespace execd

#endif  // EXECD_SERVER_WORKER_WORKER_LOOP_H_
