#ifndef EXECD_SERVER_POOLS_PROCESS_WORKER_CONFIG_H_
#define EXECD_SERVER_POOLS_PROCESS_WORKER_CONFIG_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/functions/function.h"
#include "server/pools/process/frame_codec.h"

namespace execd {

// The fd number of the worker's end of its socketpair.
inline constexpr int kWorkerSocketFd = 3;
// The fd number of its CallGates memfd (mapped, then closed, at start).
inline constexpr int kWorkerGatesFd = 4;

// Exit codes by which execd-worker names why it ended (besides 0 = asked to).
inline constexpr int kWorkerExitMemoryLimit = 86;    // std::bad_alloc
inline constexpr int kWorkerExitProtocolError = 87;  // bad frame from server
inline constexpr int kWorkerExitSetupFailed = 88;    // bad argv, rlimit...

// Everything execd-worker is told at start, on its command line (so a
// worker needs no handshake before its first call).
struct WorkerConfig {
  int socket_fd = kWorkerSocketFd;
  int gates_fd = kWorkerGatesFd;
  pid_t parent_pid = 0;  // the worker exits at once if its parent is not this
  int64_t memory_limit_mb = 0;  // RLIMIT_AS; 0 = none
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  FunctionLimits limits;
};

// argv of execd-worker at `worker_path` for `config` (argv[0] included).
std::vector<std::string> WorkerArgv(const std::string& worker_path,
                                    const WorkerConfig& config);

// Parses what WorkerArgv made; INVALID_ARGUMENT naming a bad argument.
absl::StatusOr<WorkerConfig> ParseWorkerArgv(int argc, const char* const* argv);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_WORKER_CONFIG_H_
