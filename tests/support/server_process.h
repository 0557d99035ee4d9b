#ifndef EXECD_TESTS_SUPPORT_SERVER_PROCESS_H_
#define EXECD_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::testing {

// Path of a binary built by this project (bin/execd, bin/execd-worker...).
std::string BinaryPath(const std::string& name);

// A real execd server process on 127.0.0.1 with ephemeral gRPC and metrics
// ports, its output captured to a log file. Destroying it kills it (by pid).
class ServerProcess {
 public:
  // Starts bin/execd with --grpc_address=127.0.0.1:0
  // --metrics_address=127.0.0.1:0 --ready_file=... plus `flags`, and waits
  // until it serves (or fails with the server's log).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      std::vector<std::string> flags = {});
  ~ServerProcess();

  std::string target() const {
    return "127.0.0.1:" + std::to_string(grpc_port_);
  }
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  std::unique_ptr<v1::Executor::Stub> NewStub() const;

  void Signal(int signal_number) const;
  // The exit code, or -N if killed by signal N; DEADLINE_EXCEEDED if it still
  // runs after `timeout`.
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);
  std::string Log() const;

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  bool exited_ = false;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::string dir_;
};

// Plain HTTP/1.0 GET on 127.0.0.1:port; returns the body.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

}  // namespace execd::testing

#endif  // EXECD_TESTS_SUPPORT_SERVER_PROCESS_H_
