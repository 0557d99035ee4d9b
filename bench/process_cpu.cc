#include "bench/process_cpu.h"

#include <unistd.h>

#include <utility>

namespace execd::bench {

double SelfCpuSeconds() {
  absl::StatusOr<double> seconds = ProcessCpuSeconds(getpid());
  return seconds.ok() ? *seconds : 0;
}

double CpuByProcess::CpuSecondsOf(const std::vector<pid_t>& pids) {
  double total = 0;
  for (pid_t pid : pids) {
    absl::StatusOr<double> seconds = ProcessCpuSeconds(pid);
    if (seconds.ok()) total += *seconds;
  }
  return total;
}

void CpuByProcess::Begin(Groups groups) {
  groups_ = std::move(groups);
  at_begin_.clear();
  for (const auto& [name, pids] : groups_) {
    at_begin_.push_back(CpuSecondsOf(pids));
  }
}

void CpuByProcess::End() {
  for (size_t i = 0; i < groups_.size(); ++i) {
    const double spent = CpuSecondsOf(groups_[i].second) - at_begin_[i];
    // A worker that ended within the stretch would make it negative.
    if (spent > 0) seconds_[groups_[i].first] += spent;
  }
  groups_.clear();
}

}  // namespace execd::bench
