#ifndef EXECD_SERVER_WORKER_EXEC_TRAMPOLINE_H_
#define EXECD_SERVER_WORKER_EXEC_TRAMPOLINE_H_

namespace execd {

// `execd-worker --exec_trampoline <parent pid> <program> <args...>`: asks
// for SIGKILL when the parent (the worker) dies, then becomes `program`.
// PR_SET_PDEATHSIG survives execve, which posix_spawn alone cannot arrange.
// Returns only on failure (exit code 127, like a shell).
int RunExecTrampoline(int argc, char** argv);

}  // namespace execd

#endif  // EXECD_SERVER_WORKER_EXEC_TRAMPOLINE_H_
