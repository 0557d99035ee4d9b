// execd-worker: one process of the process pool. Started by execd with
// posix_spawn, it talks frames over fd 3 and dies with its server.
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <new>
#include <string>

#include "absl/synchronization/mutex.h"
#include "server/functions/builtins/worker_hooks.h"
#include "server/functions/registry.h"
#include "server/pools/process/call_gates.h"
#include "server/pools/process/worker_config.h"
#include "server/worker/exec_trampoline.h"
#include "server/worker/worker_loop.h"

namespace execd {
namespace {

std::string SelfPath() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

// Ties this process to its server and applies the limits; false on failure.
bool SetUp(const WorkerConfig& config) {
  // SIGKILL when the server dies, even by SIGKILL; EOF on the socket covers
  // the same case for a server that closes it. Checked after prctl because
  // the server may have died before it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != config.parent_pid) return false;
  signal(SIGPIPE, SIG_IGN);  // a dead exec child's stdin is an error, not death
  // exec children must not hold the socket, or a dead worker gives no EOF.
  if (fcntl(config.socket_fd, F_SETFD, FD_CLOEXEC) != 0) {
    perror("execd-worker: socket fd");
    return false;
  }
  if (config.memory_limit_mb > 0) {
    const rlim_t bytes = static_cast<rlim_t>(config.memory_limit_mb) << 20;
    const rlimit limit{bytes, bytes};
    if (setrlimit(RLIMIT_AS, &limit) != 0) {
      perror("execd-worker: setrlimit(RLIMIT_AS)");
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], kExecTrampolineFlag) == 0) {
    return RunExecTrampoline(argc, argv);
  }
  absl::StatusOr<WorkerConfig> config = ParseWorkerArgv(argc, argv);
  if (!config.ok()) {
    fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return kWorkerExitSetupFailed;
  }
  if (!SetUp(*config)) return kWorkerExitSetupFailed;
  absl::StatusOr<CallGates> gates = CallGates::Map(config->gates_fd);
  if (!gates.ok()) {
    fprintf(stderr, "execd-worker: %s\n",
            std::string(gates.status().message()).c_str());
    return kWorkerExitSetupFailed;
  }
  const FunctionRegistry registry = FunctionRegistry::WithBuiltins();
  WorkerLoop loop(&*config, &registry, &*gates);
  WorkerProcessHooks hooks;
  hooks.exec_launcher = SelfPath();
  hooks.on_child_group = [&loop](pid_t pgid) { loop.ReportChildGroup(pgid); };
  InstallWorkerProcessHooks(std::move(hooks));
  return loop.Run();
}

}  // namespace
}  // namespace execd

int main(int argc, char** argv) {
  // As in execd: Debian's abseil checks lock order on every Mutex use.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  try {
    return execd::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    // Out of memory under --worker_memory_limit_mb: the server names the
    // cause from this exit code. _exit: no destructors, no more allocation.
    _exit(execd::kWorkerExitMemoryLimit);
  }
}
