#include "server/app/flags.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, grpc_address, "0.0.0.0:50051",
          "gRPC listen address (host:port; port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address, "0.0.0.0:9090",
          "Prometheus /metrics listen address (host:port)");
ABSL_FLAG(int, threads, 0, "thread pool size (0: 5 x cores)");
ABSL_FLAG(int, processes, -1,
          "process pool size (-1: cores + 1; 0: no process pool)");
ABSL_FLAG(int64_t, queue_capacity, 100000,
          "most pending tasks per pool (queued plus delayed)");
ABSL_FLAG(absl::Duration, result_ttl, absl::Hours(1),
          "how long a finished task's result is kept");
ABSL_FLAG(int64_t, max_retained_tasks, 100000,
          "most tasks kept; the oldest finished ones are evicted first");
ABSL_FLAG(absl::Duration, default_task_timeout, absl::InfiniteDuration(),
          "run-time limit of tasks that set none (inf: none)");
ABSL_FLAG(int64_t, max_tasks_per_child, 0,
          "replace a worker process after this many tasks (0: never)");
ABSL_FLAG(int64_t, worker_memory_limit_mb, 0,
          "address-space limit of each worker process in MiB (0: none)");
ABSL_FLAG(std::vector<std::string>, exec_allow, {},
          "comma-separated absolute paths of programs `exec` may run");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "on SIGTERM, how long running and queued tasks may still finish");
ABSL_FLAG(int64_t, max_message_bytes, 4 << 20,
          "largest gRPC message received or sent, and task output");
ABSL_FLAG(std::string, auth_token_file, "",
          "require `authorization: Bearer <token>` on Executor calls; one "
          "token per line, optionally followed by its name (re-read on "
          "SIGHUP)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "serve gRPC over TLS with this PEM certificate (chain)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "require client certificates signed by this PEM CA (mutual TLS)");
ABSL_FLAG(std::string, worker_path, "",
          "execd-worker binary (default: next to execd)");
ABSL_FLAG(
    std::string, ready_file, "",
    "once serving, write the bound addresses here (grpc=..., metrics=...)");
ABSL_FLAG(int64_t, max_stream_buffer, 65536,
          "events buffered for a slow stream reader before its stream ends");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(absl::Duration, max_connection_age, absl::InfiniteDuration(),
          "close client connections after this age so clients rebalance "
          "across replicas (inf: never)");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "time calls on an aged connection get to finish");

namespace execd {
namespace {

// The flags of this file, in the order --help lists them.
constexpr const char* kServerFlagNames[] = {"grpc_address",
                                            "metrics_address",
                                            "threads",
                                            "processes",
                                            "queue_capacity",
                                            "result_ttl",
                                            "max_retained_tasks",
                                            "default_task_timeout",
                                            "max_tasks_per_child",
                                            "worker_memory_limit_mb",
                                            "exec_allow",
                                            "shutdown_grace",
                                            "max_message_bytes",
                                            "auth_token_file",
                                            "tls_cert_file",
                                            "tls_key_file",
                                            "tls_client_ca_file",
                                            "worker_path",
                                            "ready_file",
                                            "max_stream_buffer",
                                            "log_level",
                                            "max_connection_age",
                                            "max_connection_age_grace"};

bool IsServerFlag(absl::string_view name) {
  for (const char* known : kServerFlagNames) {
    if (name == known) return true;
  }
  return false;
}

std::string Usage() {
  std::string usage =
      "usage: execd [--flag=value ...]\n"
      "Each flag can also be set by the environment variable EXECD_<FLAG>.\n\n";
  for (const char* name : kServerFlagNames) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    absl::StrAppend(&usage, "  --", name, " (default ", flag->DefaultValue(),
                    ")\n      ", flag->Help(), "\n");
  }
  return usage;
}

absl::Status SetFlag(absl::string_view name, absl::string_view value,
                     absl::string_view source) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr || !IsServerFlag(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown flag --", name, " (from ", source, "); see execd --help"));
  }
  std::string error;
  if (!flag->ParseFrom(value, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("bad value \"", value,
                                                   "\" for --", name, " (from ",
                                                   source, "): ", error));
  }
  return absl::OkStatus();
}

absl::Status ApplyEnvironment() {
  for (const char* name : kServerFlagNames) {
    const std::string variable =
        absl::StrCat("EXECD_", absl::AsciiStrToUpper(name));
    if (const char* value = std::getenv(variable.c_str())) {
      if (absl::Status status = SetFlag(name, value, variable); !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCommandLine(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      return absl::NotFoundError(Usage());
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", arg, "\"; flags look like --name=value"));
    }
    std::pair<std::string, std::string> name_value =
        absl::StrSplit(arg, absl::MaxSplits('=', 1));
    if (arg.find('=') == absl::string_view::npos) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name_value.first, " needs a value"));
      }
      name_value.second = argv[++i];
    }
    if (absl::Status status =
            SetFlag(name_value.first, name_value.second, "command line");
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

std::string DefaultWorkerPath() {
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) return "execd-worker";
  std::string path(self, length);
  return path.substr(0, path.rfind('/') + 1) + "execd-worker";
}

absl::Status OutOfRange(absl::string_view flag, absl::string_view rule,
                        absl::string_view got) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be ", rule, ", got ", got));
}

absl::Status Validate(const ServerConfig& config) {
  if (config.threads < 1 || config.threads > 4096) {
    return OutOfRange("threads", "between 1 and 4096",
                      absl::StrCat(config.threads));
  }
  if (config.processes < 0 || config.processes > 1024) {
    return OutOfRange("processes", "between 0 and 1024",
                      absl::StrCat(config.processes));
  }
  if (config.queue_capacity < 1) {
    return OutOfRange("queue_capacity", ">= 1",
                      absl::StrCat(config.queue_capacity));
  }
  if (config.result_ttl <= absl::ZeroDuration()) {
    return OutOfRange("result_ttl", "> 0",
                      absl::FormatDuration(config.result_ttl));
  }
  if (config.max_retained_tasks < 1) {
    return OutOfRange("max_retained_tasks", ">= 1",
                      absl::StrCat(config.max_retained_tasks));
  }
  if (config.default_task_timeout <= absl::ZeroDuration()) {
    return OutOfRange("default_task_timeout", "> 0 (or inf for none)",
                      absl::FormatDuration(config.default_task_timeout));
  }
  if (config.max_tasks_per_child < 0) {
    return OutOfRange("max_tasks_per_child", ">= 0",
                      absl::StrCat(config.max_tasks_per_child));
  }
  if (config.worker_memory_limit_mb < 0) {
    return OutOfRange("worker_memory_limit_mb", ">= 0",
                      absl::StrCat(config.worker_memory_limit_mb));
  }
  for (const std::string& program : config.exec_allow) {
    if (!absl::StartsWith(program, "/")) {
      return OutOfRange("exec_allow", "a list of absolute paths",
                        absl::StrCat("\"", program, "\""));
    }
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return OutOfRange("shutdown_grace", ">= 0",
                      absl::FormatDuration(config.shutdown_grace));
  }
  if (config.max_message_bytes < 1024 || config.max_message_bytes > (1 << 30)) {
    return OutOfRange("max_message_bytes", "between 1024 and 1073741824",
                      absl::StrCat(config.max_message_bytes));
  }
  if (config.max_connection_age <= absl::ZeroDuration()) {
    return OutOfRange("max_connection_age", "> 0 (or inf for never)",
                      absl::FormatDuration(config.max_connection_age));
  }
  if (config.max_connection_age_grace < absl::ZeroDuration()) {
    return OutOfRange("max_connection_age_grace", ">= 0",
                      absl::FormatDuration(config.max_connection_age_grace));
  }
  if (config.max_stream_buffer < 16) {
    return OutOfRange("max_stream_buffer", ">= 16",
                      absl::StrCat(config.max_stream_buffer));
  }
  // Refuse rather than serve without the protection that was asked for.
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file must be given together");
  }
  if (!config.tls_client_ca_file.empty() && config.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(int argc, char** argv) {
  if (absl::Status status = ApplyEnvironment(); !status.ok()) return status;
  if (absl::Status status = ApplyCommandLine(argc, argv); !status.ok()) {
    return status;
  }
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  ServerConfig config;
  config.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  config.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  config.threads = absl::GetFlag(FLAGS_threads);
  if (config.threads == 0) config.threads = 5 * cores;
  config.processes = absl::GetFlag(FLAGS_processes);
  if (config.processes == -1) config.processes = cores + 1;
  config.queue_capacity = absl::GetFlag(FLAGS_queue_capacity);
  config.result_ttl = absl::GetFlag(FLAGS_result_ttl);
  config.max_retained_tasks = absl::GetFlag(FLAGS_max_retained_tasks);
  config.default_task_timeout = absl::GetFlag(FLAGS_default_task_timeout);
  config.max_tasks_per_child = absl::GetFlag(FLAGS_max_tasks_per_child);
  config.worker_memory_limit_mb = absl::GetFlag(FLAGS_worker_memory_limit_mb);
  config.exec_allow = absl::GetFlag(FLAGS_exec_allow);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  config.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.worker_path = absl::GetFlag(FLAGS_worker_path);
  if (config.worker_path.empty()) config.worker_path = DefaultWorkerPath();
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  config.max_stream_buffer = absl::GetFlag(FLAGS_max_stream_buffer);
  config.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
  const std::string log_level = absl::GetFlag(FLAGS_log_level);
  if (!ParseLogLevel(log_level, &config.log_level)) {
    return OutOfRange("log_level", "debug, info, warning or error",
                      absl::StrCat("\"", log_level, "\""));
  }
  if (absl::Status status = Validate(config); !status.ok()) return status;
  return config;
}

}  // namespace execd
