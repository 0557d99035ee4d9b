#ifndef EXECD_SERVER_POOLS_PROCESS_INFO_H_
#define EXECD_SERVER_POOLS_PROCESS_INFO_H_

#include <sys/types.h>

#include <vector>

#include "absl/status/statusor.h"

namespace execd {

// What the kernel tells of a running process: the bench's CPU figures and
// the tests' checks of worker processes read it the same way.

// CPU time (user + system, all threads) of a running process, to the
// nanosecond: its CPU-time clock (clock_getcpuclockid), which /proc's
// 10 ms ticks would blur over a 20 ms call. NOT_FOUND once it has ended.
absl::StatusOr<double> ProcessCpuSeconds(pid_t pid);

// The processes `pid` started that still run (a pool's workers, a worker's
// exec child), from /proc/<pid>/task/*/children.
std::vector<pid_t> ChildProcesses(pid_t pid);

}  // namespace execd

#endif  // EXECD_SERVER_POOLS_PROCESS_INFO_H_
