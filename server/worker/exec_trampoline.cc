#include "server/worker/exec_trampoline.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char** environ;

namespace execd {

int RunExecTrampoline(int argc, char** argv) {
  constexpr int kCannotRun = 127;
  if (argc < 4) {
    fprintf(stderr, "execd-worker: %s needs a parent pid and a program\n",
            argv[1]);
    return kCannotRun;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The worker may have died before prctl: then nobody would kill us.
  if (getppid() != static_cast<pid_t>(atol(argv[2]))) return kCannotRun;
  execve(argv[3], argv + 3, environ);
  fprintf(stderr, "execd-worker: cannot execute %s: %s\n", argv[3],
          strerror(errno));
  return kCannotRun;
}

}  // namespace execd
