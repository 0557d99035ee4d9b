#include "server/pools/process/worker_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/pools/process/call_frame.h"
#include "server/pools/process/frame_codec.h"

extern char** environ;

namespace execd {
namespace {

absl::Status ErrnoStatus(absl::string_view what, int error) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(error)));
}

// Waits until `fd` is readable or `timeout` passes; false on timeout.
bool WaitReadable(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    pollfd pfd{fd, POLLIN, 0};
    const int rc = poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the read report it
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Spawn(
    const std::string& worker_path, WorkerConfig config) {
  int fds[2];
  // CLOEXEC: no other worker may inherit this pair, or EOF would not come.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoStatus("socketpair", errno);
  }
  const int server_fd = fds[0];
  absl::StatusOr<CallGates> gates = CallGates::Create();
  // Copies above the target fds, so neither dup2 below can overwrite the
  // other's source.
  int worker_fd = -1;
  int gates_fd = -1;
  absl::Status status = gates.status();
  if (status.ok()) {
    worker_fd = fcntl(fds[1], F_DUPFD_CLOEXEC, kWorkerGatesFd + 1);
    if (worker_fd >= 0) {
      gates_fd = fcntl(gates->fd(), F_DUPFD_CLOEXEC, kWorkerGatesFd + 1);
    }
    if (gates_fd < 0) status = ErrnoStatus("fcntl(F_DUPFD_CLOEXEC)", errno);
  }
  close(fds[1]);
  if (!status.ok()) {
    for (int fd : {server_fd, worker_fd, gates_fd}) {
      if (fd >= 0) close(fd);
    }
    return status;
  }
  config.socket_fd = kWorkerSocketFd;
  config.gates_fd = kWorkerGatesFd;
  config.parent_pid = getpid();
  std::vector<std::string> argv = WorkerArgv(worker_path, config);
  std::vector<char*> raw_argv;
  for (std::string& arg : argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears CLOEXEC on the target (glibc does so even when the fds are
  // equal), so only the worker's end survives the exec.
  posix_spawn_file_actions_adddup2(&actions, worker_fd, kWorkerSocketFd);
  posix_spawn_file_actions_adddup2(&actions, gates_fd, kWorkerGatesFd);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attr, &signals);
  // Own process group: a terminal's Ctrl-C goes to the server only, and one
  // kill(-pid) stops the worker with anything it started in its group.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, raw_argv[0], &actions, &attr, raw_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(worker_fd);
  close(gates_fd);
  if (rc != 0) {
    close(server_fd);
    return ErrnoStatus(absl::StrCat("cannot start ", worker_path), rc);
  }
  return std::unique_ptr<WorkerProcess>(new WorkerProcess(
      pid, server_fd, config.max_frame_bytes, std::move(*gates)));
}

WorkerProcess::~WorkerProcess() {
  if (!reaped_) {
    Kill();
    Reap(absl::ZeroDuration());
  }
  CloseSocket();
}

absl::Status WorkerProcess::AwaitHello(absl::Duration timeout) {
  if (!WaitReadable(fd_, timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("worker pid ", pid_, " sent no hello within ",
                     absl::FormatDuration(timeout)));
  }
  v1::worker::WorkerReply reply;
  if (absl::Status read = Receive(&reply); !read.ok()) return read;
  if (!reply.has_hello() || reply.hello().pid() != pid_) {
    return absl::InternalError(
        absl::StrCat("worker pid ", pid_, " did not start with a hello"));
  }
  return absl::OkStatus();
}

absl::Status WorkerProcess::Send(const v1::worker::WorkerRequest& request) {
  return WriteFrame(fd_, request, max_frame_bytes_);
}

absl::Status WorkerProcess::SendCalls(const std::vector<TaskPtr>& tasks) {
  if (absl::Status encoded = EncodeCallFrame(tasks, max_frame_bytes_, &out_);
      !encoded.ok()) {
    return encoded;
  }
  return WriteAll(fd_, out_);
}

absl::Status WorkerProcess::Receive(v1::worker::WorkerReply* reply) {
  return reader_.Read(reply);
}

bool WorkerProcess::HungUp() const {
  pollfd pfd{fd_, POLLIN, 0};
  return poll(&pfd, 1, 0) > 0 && pfd.revents != 0;
}

void WorkerProcess::Kill() const {
  if (!reaped_) kill(-pid_, SIGKILL);
}

int WorkerProcess::Reap(absl::Duration grace) {
  CloseSocket();  // a live worker reads EOF and exits 0
  int status = 0;
  const absl::Time deadline = absl::Now() + grace;
  absl::Duration pause = absl::Microseconds(200);
  while (true) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) break;
    if (absl::Now() >= deadline) {
      kill(-pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(20));
  }
  reaped_ = true;
  return status;
}

void WorkerProcess::CloseSocket() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string DescribeWorkerExit(pid_t pid, int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int signal_number = WTERMSIG(wait_status);
    const char* name = sigabbrev_np(signal_number);
    return absl::StrCat(
        "worker pid ", pid, " killed by signal ", signal_number,
        name != nullptr ? absl::StrCat(" (SIG", name, ")") : "");
  }
  return absl::StrCat("worker pid ", pid, " exited with code ",
                      WEXITSTATUS(wait_status));
}

}  // namespace execd
