#ifndef EXECD_SERVER_WORKER_WORKER_LOOP_H_
#define EXECD_SERVER_WORKER_WORKER_LOOP_H_

#include <string>

#include "execd/v1/worker.pb.h"
#include "server/functions/registry.h"
#include "server/pools/process/call_gates.h"
#include "server/pools/process/worker_config.h"

namespace execd {

// The worker's life after set-up: says hello, then runs each WorkerRequest's
// calls in order and answers each with a CallDone frame as soon as it ends.
// A call starts only if its gate opens (see CallGates); a withdrawn call is
// answered as skipped, a fenced one ends the frame. Single-threaded.
class WorkerLoop {
 public:
  WorkerLoop(const WorkerConfig* config, const FunctionRegistry* registry,
             CallGates* gates)
      : config_(config), registry_(registry), gates_(gates) {}

  // Returns the process exit code: 0 when the server closed the socket.
  int Run();
  // Sends a ChildGroup frame (exec's hook); false if the server is gone.
  bool ReportChildGroup(pid_t pgid);

 private:
  // Runs `call` and fills `done` (cleared first).
  void RunCall(const v1::worker::WorkerCall& call,
               v1::worker::WorkerReply::CallDone* done) const;
  // Sends a CallDone reply; a result too big for a frame goes as that
  // error instead. False if the server is gone.
  bool SendDone(v1::worker::WorkerReply& reply);
  bool Send(const v1::worker::WorkerReply& reply);
  // Writes out_ (just encoded, with status `encoded`).
  bool Write(absl::Status encoded);

  const WorkerConfig* config_;
  const FunctionRegistry* registry_;
  CallGates* gates_;
  std::string out_;  // the frame being sent, kept for its capacity
};

}  // namespace execd

#endif  // EXECD_SERVER_WORKER_WORKER_LOOP_H_
