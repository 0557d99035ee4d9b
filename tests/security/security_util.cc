#include "tests/security/security_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

extern char** environ;

namespace execd::security {

TempDir::TempDir() {
  char dir_template[] = "/tmp/execd-sec-XXXXXX";
  if (mkdtemp(dir_template) != nullptr) path_ = dir_template;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(const std::string& name,
                           const std::string& content) const {
  const std::string path = path_ + "/" + name;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
  }
  std::rename(temporary.c_str(), path.c_str());  // readers see whole files
  return path;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool MakeCerts(const std::string& dir) {
  std::string output;
  const int rc =
      RunCommand({"/bin/bash",
                  absl::StrCat(EXECD_SECURITY_TEST_DIR, "/make_certs.sh"), dir},
                 {}, &output);
  if (rc != 0) fprintf(stderr, "make_certs.sh failed: %s\n", output.c_str());
  return rc == 0;
}

std::unique_ptr<grpc::ClientContext> TokenContext(const std::string& token,
                                                  absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

std::unique_ptr<v1::Executor::Stub> TlsStub(const std::string& target,
                                            const std::string& ca_pem,
                                            const std::string& cert_pem,
                                            const std::string& key_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  options.pem_cert_chain = cert_pem;
  options.pem_private_key = key_pem;
  // A fresh channel per stub: no shared subchannel hides a handshake.
  grpc::ChannelArguments arguments;
  arguments.SetInt("execd.test.unique", rand());
  return v1::Executor::NewStub(grpc::CreateCustomChannel(
      target, grpc::SslCredentials(options), arguments));
}

v1::SubmitRequest EchoRequest(const std::string& text) {
  v1::SubmitRequest request;
  request.set_function("echo");
  request.add_args()->set_string_value(text);
  return request;
}

int RunCommand(const std::vector<std::string>& argv,
               const std::vector<std::string>& env_extra, std::string* output,
               absl::Duration timeout) {
  char path_template[] = "/tmp/execd-sec-out-XXXXXX";
  const int out_fd = mkstemp(path_template);
  if (out_fd < 0) return -2;
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env.push_back(*entry);
  }
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<std::string> args = argv;
  std::vector<char*> raw_argv, raw_env;
  for (std::string& arg : args) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);
  for (std::string& entry : env) raw_env.push_back(entry.data());
  raw_env.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
  pid_t pid;
  const int rc = posix_spawn(&pid, raw_argv[0], &actions, nullptr,
                             raw_argv.data(), raw_env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  int code = -2;
  if (rc == 0) {
    const absl::Time deadline = absl::Now() + timeout;
    int status = 0;
    while (true) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (absl::Now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        code = -1;
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  *output = ReadFileOrDie(path_template);
  unlink(path_template);
  return code;
}

}  // namespace execd::security
