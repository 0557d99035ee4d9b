#include "bench/python_map_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace execd::bench {
namespace {

constexpr absl::Duration kSilenceLimit = absl::Seconds(60);

}  // namespace

absl::StatusOr<std::unique_ptr<PythonMapPeer>> PythonMapPeer::Start(
    const std::string& python, const std::string& script) {
  if (access(python.c_str(), X_OK) != 0 || access(script.c_str(), R_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no ", python, " or no ", script));
  }
  int to_peer[2];
  int from_peer[2];
  if (pipe2(to_peer, O_CLOEXEC) != 0) return absl::InternalError("pipe2");
  if (pipe2(from_peer, O_CLOEXEC) != 0) {
    close(to_peer[0]);
    close(to_peer[1]);
    return absl::InternalError("pipe2");
  }
  // A peer that died must fail Map with an error, not end the bench.
  signal(SIGPIPE, SIG_IGN);
  auto peer = std::make_unique<PythonMapPeer>();
  peer->to_peer_ = to_peer[1];
  peer->from_peer_ = from_peer[0];
  std::vector<std::string> argv = {python, script};
  std::vector<char*> raw_argv;
  for (std::string& arg : argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_peer[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_peer[1], STDOUT_FILENO);
  const int rc = posix_spawn(&peer->pid_, raw_argv[0], &actions, nullptr,
                             raw_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_peer[0]);
  close(from_peer[1]);
  if (rc != 0) {
    peer->pid_ = -1;
    return absl::InternalError(
        absl::StrCat("cannot start ", python, " ", script, ": errno ", rc));
  }
  absl::StatusOr<std::string> ready = peer->ReadLine();
  if (!ready.ok()) return ready.status();
  if (*ready != "ready") {
    return absl::InternalError(absl::StrCat(script, " said: ", *ready));
  }
  return peer;
}

PythonMapPeer::~PythonMapPeer() {
  if (to_peer_ >= 0) close(to_peer_);  // end of input: it exits
  if (from_peer_ >= 0) close(from_peer_);
  if (pid_ <= 0) return;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

absl::StatusOr<double> PythonMapPeer::Map(int64_t items, int chunksize,
                                          absl::string_view function) {
  const std::string request =
      absl::StrCat(items, " ", chunksize, " ", function, "\n");
  if (write(to_peer_, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    return absl::InternalError("python map peer: cannot write its request");
  }
  absl::StatusOr<std::string> line = ReadLine();
  if (!line.ok()) return line.status();
  double items_per_second = 0;
  if (!absl::SimpleAtod(*line, &items_per_second)) {
    return absl::InternalError(
        absl::StrCat("python map peer answered \"", *line, "\""));
  }
  return items_per_second;
}

absl::StatusOr<std::string> PythonMapPeer::ReadLine() {
  const absl::Time deadline = absl::Now() + kSilenceLimit;
  while (true) {
    const size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("python map peer is silent");
    }
    pollfd readable{from_peer_, POLLIN, 0};
    if (poll(&readable, 1, static_cast<int>(absl::ToInt64Milliseconds(left))) <=
        0) {
      continue;  // timed out (checked above) or interrupted
    }
    char buffer[256];
    const ssize_t got = read(from_peer_, buffer, sizeof(buffer));
    if (got <= 0) {
      return absl::InternalError("python map peer exited");
    }
    pending_.append(buffer, static_cast<size_t>(got));
  }
}

}  // namespace execd::bench
