#include "tests/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"

extern char** environ;

namespace execd::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Reads "grpc=HOST:PORT" and "metrics=HOST:PORT" lines.
bool ParseReadyFile(const std::string& text, int* grpc_port,
                    int* metrics_port) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    size_t colon = kv.second.rfind(':');
    if (colon == absl::string_view::npos) continue;
    int port = 0;
    if (!absl::SimpleAtoi(kv.second.substr(colon + 1), &port)) continue;
    if (kv.first == "grpc") *grpc_port = port;
    if (kv.first == "metrics") *metrics_port = port;
  }
  return *grpc_port > 0 && *metrics_port > 0;
}

}  // namespace

std::string BinaryPath(const std::string& name) {
  return absl::StrCat(EXECD_BIN_DIR, "/", name);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    std::vector<std::string> flags) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  char dir_template[] = "/tmp/execd-test-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  server->dir_ = dir_template;
  const std::string ready_file = server->dir_ + "/ready";
  const std::string log_file = server->dir_ + "/server.log";

  std::vector<std::string> argv = {
      BinaryPath("execd"), "--grpc_address=127.0.0.1:0",
      "--metrics_address=127.0.0.1:0", "--ready_file=" + ready_file};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> raw_argv;
  for (auto& arg : argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid;
  int rc = posix_spawn(&pid, raw_argv[0], &actions, nullptr, raw_argv.data(),
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("posix_spawn ", argv[0], ": ", strerror(rc)));
  }
  server->pid_ = pid;

  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (ParseReadyFile(ReadFile(ready_file), &server->grpc_port_,
                       &server->metrics_port_)) {
      return server;
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->exited_ = true;
      return absl::InternalError(
          absl::StrCat("execd exited during start-up; log:\n", server->Log()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("execd did not become ready; log:\n", server->Log()));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::unique_ptr<v1::Executor::Stub> ServerProcess::NewStub() const {
  return v1::Executor::NewStub(
      grpc::CreateChannel(target(), grpc::InsecureChannelCredentials()));
}

void ServerProcess::Signal(int signal_number) const {
  if (pid_ > 0 && !exited_) kill(pid_, signal_number);
}

absl::StatusOr<int> ServerProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return -WTERMSIG(status);
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("execd still running");
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

std::string ServerProcess::Log() const {
  return ReadFile(dir_ + "/server.log");
}

}  // namespace execd::testing
