#ifndef EXECD_BENCH_PROCESS_CPU_H_
#define EXECD_BENCH_PROCESS_CPU_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/pools/process_info.h"

namespace execd::bench {

// ProcessCpuSeconds (server/pools/process_info.h) of this process (the
// bench client), 0 if unknown.
double SelfCpuSeconds();

// CPU seconds of named groups of processes (e.g. "server", "workers"),
// summed over the stretches between Begin and End.
class CpuByProcess {
 public:
  using Groups = std::vector<std::pair<std::string, std::vector<pid_t>>>;

  // Starts a stretch over `groups`, taken afresh each time: workers may
  // have been replaced.
  void Begin(Groups groups);
  void End();

  // Name -> CPU seconds over every stretch so far.
  const std::map<std::string, double>& seconds() const { return seconds_; }

 private:
  // A process that ended since counts as 0 from then on.
  static double CpuSecondsOf(const std::vector<pid_t>& pids);

  Groups groups_;
  std::vector<double> at_begin_;
  std::map<std::string, double> seconds_;
};

}  // namespace execd::bench

#endif  // EXECD_BENCH_PROCESS_CPU_H_
