#ifndef EXECD_SERVER_FUNCTIONS_BUILTINS_WORKER_HOOKS_H_
#define EXECD_SERVER_FUNCTIONS_BUILTINS_WORKER_HOOKS_H_

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace execd {

// What the process-only built-ins (crash, exec, allocate) need from the
// execd-worker they run in. The worker installs these before its first call;
// in the server they stay absent, and those built-ins refuse to run there.
// Header-only so execd_functions needs no extra source file.
struct WorkerProcessHooks {
  // Path of execd-worker: exec children start through it as a trampoline
  // (argv: path, kExecTrampolineFlag, parent pid, program, args...) that sets
  // PR_SET_PDEATHSIG before exec'ing the program, so a child dies with its
  // worker even when the worker is SIGKILLed. Empty: spawn directly.
  std::string exec_launcher;
  // Called with an exec child's process group id when it starts and with 0
  // when it has been reaped; the worker tells the server, which kills that
  // group along with the worker on cancel, timeout or crash.
  std::function<void(pid_t)> on_child_group;
};

inline constexpr char kExecTrampolineFlag[] = "--exec_trampoline";

inline std::optional<WorkerProcessHooks>& WorkerProcessHooksSlot() {
  static std::optional<WorkerProcessHooks> hooks;
  return hooks;
}

// Called once by execd-worker's main, before it runs any function.
inline void InstallWorkerProcessHooks(WorkerProcessHooks hooks) {
  WorkerProcessHooksSlot() = std::move(hooks);
}

// nullptr outside execd-worker.
inline const WorkerProcessHooks* CurrentWorkerProcessHooks() {
  const std::optional<WorkerProcessHooks>& hooks = WorkerProcessHooksSlot();
  return hooks.has_value() ? &*hooks : nullptr;
}

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_BUILTINS_WORKER_HOOKS_H_
