#include "tests/observability/obs_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"

extern char** environ;

namespace execd::observability {
namespace {

std::unique_ptr<grpc::ClientContext> Deadline(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

}  // namespace

v1::SubmitRequest EchoRequest() {
  v1::SubmitRequest request;
  request.set_function("echo");
  request.set_input("ping");
  return request;
}

v1::SubmitRequest SleepRequest(double seconds) {
  v1::SubmitRequest request;
  request.set_function("sleep");
  request.add_args()->set_number_value(seconds);
  return request;
}

v1::SubmitRequest FailRequest(const std::string& message) {
  v1::SubmitRequest request;
  request.set_function("fail");
  request.add_args()->set_string_value(message);
  return request;
}

absl::StatusOr<std::string> SubmitTask(v1::Executor::Stub& stub,
                                       const v1::SubmitRequest& request) {
  v1::SubmitResponse response;
  grpc::Status status =
      stub.Submit(Deadline(absl::Seconds(10)).get(), request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response.task_id();
}

absl::StatusOr<v1::TaskState> AwaitTerminal(v1::Executor::Stub& stub,
                                            const std::string& task_id,
                                            absl::Duration wait) {
  v1::ResultRequest request;
  request.set_task_id(task_id);
  request.mutable_timeout()->set_seconds(absl::ToInt64Seconds(wait));
  v1::Task task;
  grpc::Status status =
      stub.Result(Deadline(wait + absl::Seconds(5)).get(), request, &task);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return task.state();
}

std::optional<double> MetricValue(const std::string& body,
                                  const std::string& name,
                                  const std::vector<std::string>& labels) {
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == line.npos || line.substr(0, name_end) != name) continue;
    const size_t value_start = line.rfind(' ');
    const absl::string_view label_set = line.substr(name_end, value_start);
    bool all = true;
    for (const std::string& label : labels) {
      all = all && absl::StrContains(label_set, label);
    }
    double value = 0;
    if (all && absl::SimpleAtod(line.substr(value_start + 1), &value)) {
      return value;
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::map<std::string, std::string>> ParseLogfmt(
    const std::string& line) {
  std::map<std::string, std::string> fields;
  size_t i = 0;
  while (i < line.size()) {
    const size_t equals = line.find('=', i);
    if (equals == line.npos || equals == i) {
      return absl::InvalidArgumentError(absl::StrCat("no key=value at ", i));
    }
    const std::string key = line.substr(i, equals - i);
    for (char c : key) {
      if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') {
        return absl::InvalidArgumentError(absl::StrCat("bad key ", key));
      }
    }
    std::string value;
    i = equals + 1;
    if (i < line.size() && line[i] == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value.push_back(line[i] == 'n' ? '\n' : line[i]);
        } else {
          value.push_back(line[i]);
        }
      }
      if (i >= line.size()) {
        return absl::InvalidArgumentError("unterminated quote");
      }
      ++i;  // closing quote
    } else {
      const size_t end = std::min(line.find(' ', i), line.size());
      value = line.substr(i, end - i);
      if (value.find('"') != value.npos) {
        return absl::InvalidArgumentError("quote inside a bare value");
      }
      i = end;
    }
    if (!fields.emplace(key, value).second) {
      return absl::InvalidArgumentError(absl::StrCat("repeated key ", key));
    }
    if (i < line.size()) {
      if (line[i] != ' ') return absl::InvalidArgumentError("no space");
      ++i;
    }
  }
  return fields;
}

absl::StatusOr<std::string> PrometheusTool(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/usr/local/bin/"}) {
    const std::string path = absl::StrCat(dir, name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return absl::NotFoundError(
      absl::StrCat(name,
                   " not found: install the Debian package `prometheus` "
                   "(scripts/install-deps.sh, or apt-get install prometheus)"));
}

absl::StatusOr<ToolResult> RunTool(const std::vector<std::string>& argv,
                                   const std::string& stdin_path,
                                   absl::Duration timeout) {
  absl::StatusOr<std::string> dir = MakeTempDir("execd-tool");
  if (!dir.ok()) return dir.status();
  const std::string output_path = *dir + "/output";
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (std::string& arg : args) raw.push_back(arg.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, STDIN_FILENO,
      stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("spawn ", argv[0], ": ", strerror(rc)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::DeadlineExceededError(absl::StrCat(
          argv[0], " still ran after ", absl::FormatDuration(timeout), ": ",
          ReadFile(output_path)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return ToolResult{WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status),
                    ReadFile(output_path)};
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  std::string path = absl::StrCat("/tmp/", prefix, "-XXXXXX");
  if (mkdtemp(path.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", path));
  }
  return path;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<int> FreeLocalPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return absl::InternalError("bind to 127.0.0.1:0 failed");
  }
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace execd::observability
