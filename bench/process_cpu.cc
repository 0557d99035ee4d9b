#include "bench/process_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <ctime>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace execd::bench {

absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  clockid_t clock;
  timespec now;
  if (clock_getcpuclockid(pid, &clock) != 0 ||
      clock_gettime(clock, &now) != 0) {
    return absl::NotFoundError(absl::StrCat("no CPU clock for pid ", pid));
  }
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

double SelfCpuSeconds() {
  absl::StatusOr<double> seconds = ProcessCpuSeconds(getpid());
  return seconds.ok() ? *seconds : 0;
}

std::vector<pid_t> ChildProcesses(pid_t pid) {
  std::vector<pid_t> children;
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return children;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream listed(absl::StrCat(tasks, "/", entry->d_name, "/children"));
    std::string word;
    while (listed >> word) {
      pid_t child = 0;
      if (absl::SimpleAtoi(word, &child)) children.push_back(child);
    }
  }
  closedir(dir);
  return children;
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
