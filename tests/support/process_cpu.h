#ifndef EXECD_TESTS_SUPPORT_PROCESS_CPU_H_
#define EXECD_TESTS_SUPPORT_PROCESS_CPU_H_

#include <sys/types.h>

#include "absl/time/time.h"

namespace execd::testing {

// CPU time (user + system) `pid` has used so far, or a negative value if it
// cannot be read.
absl::Duration ProcessCpuTime(pid_t pid);

// True once `pid` has used `cpu` more CPU time than when called, within
// `timeout`: proof that a CPU-bound task really runs in it, not just that
// it was handed over.
bool WaitForCpuUse(pid_t pid, absl::Duration cpu, absl::Duration timeout);

}  // namespace execd::testing

#endif  // EXECD_TESTS_SUPPORT_PROCESS_CPU_H_
