#include "tests/support/process_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace execd::testing {

absl::Duration ProcessCpuTime(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  // utime and stime are fields 14 and 15; count after the ")" that closes
  // the command name, which may itself hold spaces.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return absl::Seconds(-1);
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close + 2), ' ');
  int64_t utime = 0;
  int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::Seconds(-1);
  }
  return absl::Seconds(1) * (utime + stime) / sysconf(_SC_CLK_TCK);
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
