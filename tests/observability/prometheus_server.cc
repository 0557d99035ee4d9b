#include "tests/observability/prometheus_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/observability/obs_util.h"
#include "tests/support/server_process.h"

extern char** environ;

namespace execd::observability {
namespace {

// Scrapes every second so a test sees changes within a few seconds.
constexpr char kConfigTemplate[] = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: execd
    static_configs:
      - targets: ["127.0.0.1:%d"]
)";

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    int target_port) {
  absl::StatusOr<std::string> binary = PrometheusTool("prometheus");
  if (!binary.ok()) return binary.status();
  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  // The free port may be taken between probing and binding: retry.
  absl::Status last = absl::UnknownError("not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    last = server->Spawn(*binary, target_port);
    if (last.ok()) return server;
  }
  return last;
}

absl::Status PrometheusServer::Spawn(const std::string& binary,
                                     int target_port) {
  absl::StatusOr<std::string> dir = MakeTempDir("execd-prometheus");
  if (!dir.ok()) return dir.status();
  absl::StatusOr<int> port = FreeLocalPort();
  if (!port.ok()) return port.status();
  dir_ = *dir;
  port_ = *port;
  const std::string config = dir_ + "/prometheus.yml";
  if (!WriteFile(config, absl::StrFormat(kConfigTemplate, target_port))) {
    return absl::InternalError("cannot write " + config);
  }
  std::vector<std::string> args = {
      binary,
      "--config.file=" + config,
      "--storage.tsdb.path=" + dir_ + "/data",
      absl::StrCat("--web.listen-address=127.0.0.1:", port_),
  };
  std::vector<char*> raw;
  for (std::string& arg : args) raw.push_back(arg.data());
  raw.push_back(nullptr);
  const std::string log = dir_ + "/prometheus.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int rc =
      posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return absl::InternalError(
        absl::StrCat("spawn prometheus: ", strerror(rc)));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (execd::testing::HttpGet(port_, "/-/ready").ok()) {
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError("prometheus exited at start:\n" + Log());
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  const std::string output = Log();
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return absl::DeadlineExceededError("prometheus not ready:\n" + output);
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string PrometheusServer::Log() const {
  return ReadFile(dir_ + "/prometheus.log");
}

absl::StatusOr<std::vector<PromSample>> PrometheusServer::Query(
    const std::string& expr) const {
  absl::StatusOr<std::string> body =
      execd::testing::HttpGet(port_, "/api/v1/query?query=" + UrlEncode(expr));
  if (!body.ok()) return body.status();
  google::protobuf::Struct response;
  if (!google::protobuf::util::JsonStringToMessage(*body, &response).ok()) {
    return absl::InternalError("not JSON: " + *body);
  }
  const auto& fields = response.fields();
  if (!fields.contains("status") ||
      fields.at("status").string_value() != "success" ||
      !fields.contains("data")) {
    return absl::InternalError("query failed: " + *body);
  }
  const auto& data = fields.at("data").struct_value().fields();
  if (!data.contains("resultType") ||
      data.at("resultType").string_value() != "vector") {
    return absl::InvalidArgumentError("not an instant vector: " + *body);
  }
  std::vector<PromSample> samples;
  for (const auto& item : data.at("result").list_value().values()) {
    const auto& entry = item.struct_value().fields();
    PromSample sample;
    for (const auto& [key, value] :
         entry.at("metric").struct_value().fields()) {
      sample.labels[key] = value.string_value();
    }
    const auto& pair = entry.at("value").list_value();
    if (pair.values_size() != 2 ||
        !absl::SimpleAtod(pair.values(1).string_value(), &sample.value)) {
      return absl::InternalError("bad sample in " + *body);
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

absl::StatusOr<double> PrometheusServer::QueryOne(
    const std::string& expr) const {
  absl::StatusOr<std::vector<PromSample>> samples = Query(expr);
  if (!samples.ok()) return samples.status();
  if (samples->size() != 1) {
    return absl::NotFoundError(
        absl::StrCat(expr, ": ", samples->size(), " samples, want 1"));
  }
  return samples->front().value;
}

}  // namespace execd::observability
