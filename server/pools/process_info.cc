#include "server/pools/process_info.h"

#include <dirent.h>

#include <ctime>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace execd {

absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  clockid_t clock;
  timespec now;
  if (clock_getcpuclockid(pid, &clock) != 0 ||
      clock_gettime(clock, &now) != 0) {
    return absl::NotFoundError(absl::StrCat("no CPU clock for pid ", pid));
  }
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
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

}  // namespace execd
