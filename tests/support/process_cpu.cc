#include "tests/support/process_cpu.h"

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "server/pools/process_info.h"

namespace execd::testing {

absl::Duration ProcessCpuTime(pid_t pid) {
  absl::StatusOr<double> seconds = ProcessCpuSeconds(pid);
  return seconds.ok() ? absl::Seconds(*seconds) : absl::Seconds(-1);
}

bool WaitForCpuUse(pid_t pid, absl::Duration cpu, absl::Duration timeout) {
  const absl::Duration start = ProcessCpuTime(pid);
  if (start < absl::ZeroDuration()) return false;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ProcessCpuTime(pid) - start >= cpu) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

}  // namespace execd::testing
