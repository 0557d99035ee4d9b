#ifndef EXECD_BENCH_SERVER_LAUNCHER_H_
#define EXECD_BENCH_SERVER_LAUNCHER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace execd::bench {

// One bin/execd started on 127.0.0.1 with ephemeral ports. The destructor
// stops it (SIGTERM, then SIGKILL after a few seconds), by its pid only.
class ServerLauncher {
 public:
  static absl::StatusOr<std::unique_ptr<ServerLauncher>> Start(
      const std::string& execd_path, const std::vector<std::string>& flags);
  // `bench_path --serve_echo_ready_file=...`: the bare gRPC echo in a
  // process of its own, laid out like execd against the bench client.
  static absl::StatusOr<std::unique_ptr<ServerLauncher>> StartEchoServer(
      const std::string& bench_path);
  ServerLauncher() = default;  // use Start
  ~ServerLauncher();
  ServerLauncher(const ServerLauncher&) = delete;
  ServerLauncher& operator=(const ServerLauncher&) = delete;

  const std::string& grpc_address() const { return grpc_address_; }
  pid_t pid() const { return pid_; }
  // VmRSS of the server process, from /proc/<pid>/status.
  absl::StatusOr<int64_t> RssBytes() const;
  // Server CPU time so far (user + system, all threads).
  absl::StatusOr<double> CpuSeconds() const;
  // Context switches (voluntary + involuntary) of all server threads so
  // far, from /proc/<pid>/task/*/status: a count of thread wake-ups.
  int64_t ContextSwitches() const;

 private:
  // Spawns argv[0] with stdout/stderr to the log in dir_ and waits until
  // the ready file holds its `last_key`= line (the one written last).
  absl::Status Spawn(std::vector<std::string> argv, absl::string_view last_key);
  absl::Status WaitReady(absl::string_view last_key);
  void Stop();

  pid_t pid_ = -1;
  std::string dir_;
  std::string grpc_address_;
};

}  // namespace execd::bench

#endif  // EXECD_BENCH_SERVER_LAUNCHER_H_
