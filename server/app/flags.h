#ifndef EXECD_SERVER_APP_FLAGS_H_
#define EXECD_SERVER_APP_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/core/log.h"

namespace execd {

// Everything the server is configured with, validated.
struct ServerConfig {
  std::string grpc_address;
  std::string metrics_address;
  int threads = 0;
  int processes = 0;
  int64_t queue_capacity = 0;
  absl::Duration result_ttl;
  int64_t max_retained_tasks = 0;
  absl::Duration default_task_timeout;  // InfiniteDuration: none
  int64_t max_tasks_per_child = 0;
  int64_t worker_memory_limit_mb = 0;
  std::vector<std::string> exec_allow;
  absl::Duration shutdown_grace;
  int64_t max_message_bytes = 0;
  std::string auth_token_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string worker_path;
  std::string ready_file;
  int64_t max_stream_buffer = 0;
  absl::Duration max_connection_age;  // InfiniteDuration: none
  absl::Duration max_connection_age_grace;
  LogLevel log_level = LogLevel::kInfo;
};

// Reads flags from argv, falling back to EXECD_<FLAG> environment variables
// for flags not on the command line. Errors are one line, for exit code 2.
// `--help` yields a NOT_FOUND status carrying the usage text.
absl::StatusOr<ServerConfig> ParseServerConfig(int argc, char** argv);

}  // namespace execd

#endif  // EXECD_SERVER_APP_FLAGS_H_
