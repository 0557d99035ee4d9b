#include "bench/server_launcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/process_cpu.h"

extern char** environ;

namespace execd::bench {
namespace {

constexpr absl::Duration kReadyTimeout = absl::Seconds(30);
constexpr absl::Duration kStopTimeout = absl::Seconds(20);

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Returns true once the child has exited (and reaps it).
bool Reaped(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

absl::StatusOr<std::string> MakeScratchDir() {
  char dir_template[] = "/tmp/execd-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  return std::string(dir_template);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerLauncher>> ServerLauncher::Start(
    const std::string& execd_path, const std::vector<std::string>& flags) {
  auto server = std::make_unique<ServerLauncher>();
  absl::StatusOr<std::string> dir = MakeScratchDir();
  if (!dir.ok()) return dir.status();
  server->dir_ = *dir;
  std::vector<std::string> argv = {execd_path,
                                   "--grpc_address=127.0.0.1:0",
                                   "--metrics_address=127.0.0.1:0",
                                   "--ready_file=" + server->dir_ + "/ready",
                                   "--log_level=warning",
                                   "--shutdown_grace=0s"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  if (absl::Status status = server->Spawn(std::move(argv), "metrics");
      !status.ok()) {
    return status;
  }
  return server;
}

absl::StatusOr<std::unique_ptr<ServerLauncher>> ServerLauncher::StartEchoServer(
    const std::string& bench_path) {
  auto server = std::make_unique<ServerLauncher>();
  absl::StatusOr<std::string> dir = MakeScratchDir();
  if (!dir.ok()) return dir.status();
  server->dir_ = *dir;
  if (absl::Status status = server->Spawn(
          {bench_path, "--serve_echo_ready_file=" + server->dir_ + "/ready"},
          "grpc");
      !status.ok()) {
    return status;
  }
  return server;
}

absl::Status ServerLauncher::Spawn(std::vector<std::string> argv,
                                   absl::string_view last_key) {
  const std::string log_file = dir_ + "/server.log";
  std::vector<char*> raw_argv;
  for (std::string& arg : argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int rc = posix_spawn(&pid_, raw_argv[0], &actions, nullptr,
                             raw_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": errno ", rc));
  }
  return WaitReady(last_key);
}

absl::Status ServerLauncher::WaitReady(absl::string_view last_key) {
  const std::string ready_file = dir_ + "/ready";
  const absl::Time deadline = absl::Now() + kReadyTimeout;
  while (absl::Now() < deadline) {
    if (Reaped(pid_)) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("server exited before serving; its log:\n",
                       ReadWholeFile(dir_ + "/server.log")));
    }
    const std::string text = ReadWholeFile(ready_file);
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::ConsumePrefix(&line, "grpc=") && !line.empty()) {
        grpc_address_ = std::string(line);
      }
    }
    // The last line present means the file is complete.
    if (!grpc_address_.empty() &&
        absl::StrContains(text, absl::StrCat(last_key, "="))) {
      return absl::OkStatus();
    }
    grpc_address_.clear();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("server did not write its ready file");
}

absl::StatusOr<int64_t> ServerLauncher::RssBytes() const {
  const std::string status =
      ReadWholeFile(absl::StrCat("/proc/", pid_, "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, "VmRSS:")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "kB");
    int64_t kib = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kib)) {
      return kib * 1024;
    }
  }
  return absl::NotFoundError(absl::StrCat("no VmRSS for pid ", pid_));
}

absl::StatusOr<double> ServerLauncher::CpuSeconds() const {
  return ProcessCpuSeconds(pid_);
}

int64_t ServerLauncher::ContextSwitches() const {
  int64_t total = 0;
  const std::string tasks = absl::StrCat("/proc/", pid_, "/task");
  DIR* dir = opendir(tasks.c_str());
  if (dir == nullptr) return 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string status =
        ReadWholeFile(absl::StrCat(tasks, "/", entry->d_name, "/status"));
    for (absl::string_view line : absl::StrSplit(status, '\n')) {
      if (!absl::ConsumePrefix(&line, "voluntary_ctxt_switches:") &&
          !absl::ConsumePrefix(&line, "nonvoluntary_ctxt_switches:")) {
        continue;
      }
      int64_t count = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &count)) {
        total += count;
      }
    }
  }
  closedir(dir);
  return total;
}

void ServerLauncher::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + kStopTimeout;
  while (!Reaped(pid_)) {
    if (absl::Now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  pid_ = -1;
}

ServerLauncher::~ServerLauncher() {
  Stop();
  if (!dir_.empty()) {
    std::remove((dir_ + "/ready").c_str());
    std::remove((dir_ + "/server.log").c_str());
    rmdir(dir_.c_str());
  }
}

}  // namespace execd::bench
