// execd: the executor server. See README.md for flags and usage.
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "server/app/flags.h"
#include "server/app/server_main.h"

int main(int argc, char** argv) {
  // Debian builds abseil with Mutex deadlock detection on: it costs a graph
  // update per lock (13% of the server's instructions per task, profiled).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<execd::ServerConfig> config =
      execd::ParseServerConfig(argc, argv);
  if (absl::IsNotFound(config.status())) {  // --help
    std::fputs(std::string(config.status().message()).c_str(), stdout);
    return 0;
  }
  if (!config.ok()) {
    std::fprintf(stderr, "execd: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  return execd::RunServer(*config);
}
