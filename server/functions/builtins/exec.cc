// exec: runs an allowed program without a shell, in its own process group,
// feeding `input` to stdin and capturing stdout (bounded) and stderr.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/functions/builtins/builtins.h"
#include "server/functions/builtins/worker_hooks.h"
#include "server/functions/encoded_value.h"

namespace execd {
namespace {

// stderr is for people: keep its start, say how much was dropped.
constexpr size_t kMaxStderrBytes = 64 << 10;
// How often the I/O loop looks at the cancellation token.
constexpr int kPollMillis = 100;
// After the program exits, how long to wait for escaped writers to close.
constexpr absl::Duration kDrainAfterExit = absl::Seconds(1);

struct ExecCall {
  std::vector<std::string> argv;  // argv[0] is the program's absolute path
  std::vector<std::string> env;   // "NAME=value"
  std::optional<std::string> cwd;
};

absl::StatusOr<ExecCall> ParseCall(const CallArgs& call) {
  ExecCall parsed;
  if (call.args.values_size() == 0) {
    return absl::InvalidArgumentError(
        "exec: the first argument must be the program's absolute path");
  }
  for (int i = 0; i < call.args.values_size(); ++i) {
    if (!call.args.values(i).has_string_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "exec: argument ", i, i == 0 ? " (the program path)" : "",
          " must be a string"));
    }
    parsed.argv.push_back(call.args.values(i).string_value());
  }
  for (const auto& [key, value] : call.kwargs.fields()) {
    if (key == "env") {
      if (!value.has_struct_value()) {
        return absl::InvalidArgumentError(
            "exec: argument \"env\" must be an object of strings");
      }
      for (const auto& [name, setting] : value.struct_value().fields()) {
        if (name.empty() || name.find('=') != std::string::npos ||
            !setting.has_string_value()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "exec: env entry \"", name,
              "\" must have a name without '=' and a string value"));
        }
        parsed.env.push_back(absl::StrCat(name, "=", setting.string_value()));
      }
    } else if (key == "cwd") {
      if (!value.has_string_value() || value.string_value().empty()) {
        return absl::InvalidArgumentError(
            "exec: argument \"cwd\" must be a non-empty string");
      }
      parsed.cwd = value.string_value();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "exec: unknown keyword argument \"", key, "\"; allowed: env, cwd"));
    }
  }
  return parsed;
}

absl::Status CheckAllowed(const std::string& program,
                          const FunctionLimits& limits) {
  if (std::find(limits.exec_allow.begin(), limits.exec_allow.end(), program) !=
      limits.exec_allow.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "exec of \"", program,
      "\" is not allowed; allowed programs (--exec_allow): ",
      limits.exec_allow.empty() ? "none"
                                : absl::StrJoin(limits.exec_allow, ", ")));
}

// Owns an fd; closes it once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read_end;
  Fd write_end;
};

absl::Status MakePipe(Pipe& pipe) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("exec: pipe: ", strerror(errno)));
  }
  pipe.read_end.Reset(fds[0]);
  pipe.write_end.Reset(fds[1]);
  return absl::OkStatus();
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Starts the child in its own process group with default signal handling,
// via the worker's trampoline when there is one.
absl::StatusOr<pid_t> Spawn(ExecCall& call, Pipe& in, Pipe& out, Pipe& err) {
  std::vector<std::string> argv;
  const WorkerProcessHooks* hooks = CurrentWorkerProcessHooks();
  if (hooks != nullptr && !hooks->exec_launcher.empty()) {
    argv = {hooks->exec_launcher, kExecTrampolineFlag,
            std::to_string(getpid())};
  }
  argv.insert(argv.end(), call.argv.begin(), call.argv.end());
  std::vector<char*> raw_argv = CStrings(argv);
  std::vector<char*> raw_env = CStrings(call.env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(),
                                   STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end.get(),
                                   STDERR_FILENO);
  if (call.cwd.has_value()) {
    posix_spawn_file_actions_addchdir_np(&actions, call.cwd->c_str());
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attr, &signals);
  sigfillset(&signals);  // undo the worker's SIGPIPE ignore and any other
  posix_spawnattr_setsigdefault(&attr, &signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, raw_argv[0], &actions, &attr,
                             raw_argv.data(), raw_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "exec: cannot start \"", call.argv[0], "\"",
        call.cwd.has_value() ? absl::StrCat(" in \"", *call.cwd, "\"") : "",
        ": ", strerror(rc)));
  }
  return pid;
}

// Drives the child's pipes until it has exited and its output is drained.
class ChildIo {
 public:
  ChildIo(pid_t pid, const std::string& input, int64_t max_output_bytes,
          TaskContext& context)
      : pid_(pid),
        input_(input),
        max_output_bytes_(max_output_bytes),
        context_(context) {}

  void Run(Pipe& in, Pipe& out, Pipe& err) {
    for (Fd* fd : {&in.write_end, &out.read_end, &err.read_end}) {
      fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
    }
    if (input_.empty()) in.write_end.Close();
    std::optional<absl::Time> drain_deadline;
    while (true) {
      if (!exited_) CheckExited();
      if (exited_ && !drain_deadline.has_value()) {
        drain_deadline = absl::Now() + kDrainAfterExit;
        in.write_end.Close();
      }
      const bool reading = out.read_end.open() || err.read_end.open();
      if (exited_ && (!reading || absl::Now() > *drain_deadline)) break;
      PollOnce(in.write_end, out.read_end, err.read_end);
      if (!killed_ && (context_.IsCancelled() || output_overflow_)) {
        KillGroup();
      }
    }
  }

  int status() const { return status_; }
  bool cancelled() const { return killed_ && !output_overflow_; }
  bool output_overflow() const { return output_overflow_; }
  std::string& output() { return output_; }
  std::string StderrText() const {
    if (stderr_dropped_ == 0) return stderr_;
    return absl::StrCat(stderr_, "\n[stderr truncated: ", stderr_dropped_,
                        " more bytes]");
  }

 private:
  // Reaps the child once it exited, killing what is left of its group first
  // (while the unreaped pid still pins the group id).
  void CheckExited() {
    siginfo_t info{};
    if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid_) {
      return;
    }
    kill(-pid_, SIGKILL);
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
  }

  void KillGroup() {
    killed_ = true;
    kill(-pid_, SIGKILL);
  }

  void PollOnce(Fd& in, Fd& out, Fd& err) {
    pollfd fds[3] = {
        {in.get(), POLLOUT, 0}, {out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
    if (poll(fds, 3, kPollMillis) <= 0) return;
    if (fds[0].revents != 0) WriteInput(in);
    if (fds[1].revents != 0) ReadInto(out, /*is_stdout=*/true);
    if (fds[2].revents != 0) ReadInto(err, /*is_stdout=*/false);
  }

  void WriteInput(Fd& in) {
    const size_t left = input_.size() - input_written_;
    const ssize_t n = write(in.get(), input_.data() + input_written_, left);
    if (n < 0) {
      // EPIPE: the program does not read stdin, which is its right.
      if (errno != EAGAIN && errno != EINTR) in.Close();
      return;
    }
    input_written_ += static_cast<size_t>(n);
    if (input_written_ == input_.size()) in.Close();
  }

  void ReadInto(Fd& fd, bool is_stdout) {
    char buffer[64 << 10];
    const ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) fd.Close();
      return;
    }
    if (n == 0) {
      fd.Close();
      return;
    }
    const size_t size = static_cast<size_t>(n);
    if (is_stdout) {
      if (static_cast<int64_t>(output_.size() + size) > max_output_bytes_) {
        output_overflow_ = true;
        fd.Close();
        return;
      }
      output_.append(buffer, size);
      return;
    }
    const size_t keep = std::min(size, kMaxStderrBytes - stderr_.size());
    stderr_.append(buffer, keep);
    stderr_dropped_ += size - keep;
  }

  const pid_t pid_;
  const std::string& input_;
  const int64_t max_output_bytes_;
  TaskContext& context_;
  size_t input_written_ = 0;
  std::string output_;
  std::string stderr_;
  size_t stderr_dropped_ = 0;
  bool exited_ = false;
  bool killed_ = false;
  bool output_overflow_ = false;
  int status_ = 0;
};

absl::StatusOr<CallResult> RunExec(const CallArgs& call_args,
                                   TaskContext& context) {
  absl::StatusOr<ExecCall> call = ParseCall(call_args);
  if (!call.ok()) return call.status();
  if (absl::Status allowed = CheckAllowed(call->argv[0], context.limits());
      !allowed.ok()) {
    return allowed;
  }
  Pipe in, out, err;
  for (Pipe* pipe : {&in, &out, &err}) {
    if (absl::Status made = MakePipe(*pipe); !made.ok()) return made;
  }
  absl::StatusOr<pid_t> pid = Spawn(*call, in, out, err);
  if (!pid.ok()) return pid.status();
  in.read_end.Close();
  out.write_end.Close();
  err.write_end.Close();

  const WorkerProcessHooks* hooks = CurrentWorkerProcessHooks();
  if (hooks != nullptr && hooks->on_child_group) hooks->on_child_group(*pid);
  ChildIo io(*pid, call_args.input, context.limits().max_output_bytes, context);
  io.Run(in, out, err);
  if (hooks != nullptr && hooks->on_child_group) hooks->on_child_group(0);

  if (io.output_overflow()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "exec: \"", call->argv[0], "\" wrote more than ",
        context.limits().max_output_bytes,
        " bytes to stdout (the server's output limit); it was killed"));
  }
  if (io.cancelled()) return absl::CancelledError("exec cancelled");
  const int status = io.status();
  google::protobuf::Value value;
  google::protobuf::Struct& fields = *value.mutable_struct_value();
  // Like Python's returncode: the exit status, or -N if killed by signal N.
  const int exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  (*fields.mutable_fields())["exit_code"].set_number_value(exit_code);
  (*fields.mutable_fields())["stderr"].set_string_value(
      ValidUtf8(io.StderrText()));
  CallResult result;
  result.result = EncodeValue(value);
  result.output = std::move(io.output());
  return result;
}

}  // namespace

FunctionSpec ExecFunction() {
  FunctionSpec spec;
  spec.name = "exec";
  spec.description =
      "Runs a program listed in --exec_allow, never through a shell: input "
      "on stdin, output = stdout, env not inherited; process pool only.";
  spec.signature =
      "exec(program: string, *args: string, env: {string: string}, cwd: "
      "string) -> {exit_code: integer (-N if killed by signal N), stderr: "
      "string}";
  spec.default_pool = v1::POOL_PROCESS;
  spec.pools = {v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits& limits) {
    // An unlisted program is PERMISSION_DENIED whatever else is wrong.
    if (call.args.values_size() > 0 && call.args.values(0).has_string_value()) {
      if (absl::Status allowed =
              CheckAllowed(call.args.values(0).string_value(), limits);
          !allowed.ok()) {
        return allowed;
      }
    }
    return ParseCall(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext& context) -> absl::StatusOr<CallResult> {
    if (CurrentWorkerProcessHooks() == nullptr) {
      return absl::FailedPreconditionError(
          "exec runs only in a process-pool worker");
    }
    return RunExec(call, context);
  };
  return spec;
}

}  // namespace execd
