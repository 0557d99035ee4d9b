#include "server/pools/process/worker_config.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace execd {
namespace {

constexpr absl::string_view kSocketFd = "--socket_fd=";
constexpr absl::string_view kGatesFd = "--gates_fd=";
constexpr absl::string_view kParentPid = "--parent_pid=";
constexpr absl::string_view kMemoryLimitMb = "--memory_limit_mb=";
constexpr absl::string_view kMaxFrameBytes = "--max_frame_bytes=";
constexpr absl::string_view kMaxOutputBytes = "--max_output_bytes=";
constexpr absl::string_view kExecAllow = "--exec_allow=";

template <typename Number>
absl::Status ParseNumber(absl::string_view arg, absl::string_view prefix,
                         Number* out) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(arg.substr(prefix.size()), &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("execd-worker: bad argument ", arg));
  }
  *out = static_cast<Number>(value);
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> WorkerArgv(const std::string& worker_path,
                                    const WorkerConfig& config) {
  std::vector<std::string> argv = {
      worker_path,
      absl::StrCat(kSocketFd, config.socket_fd),
      absl::StrCat(kGatesFd, config.gates_fd),
      absl::StrCat(kParentPid, config.parent_pid),
      absl::StrCat(kMemoryLimitMb, config.memory_limit_mb),
      absl::StrCat(kMaxFrameBytes, config.max_frame_bytes),
      absl::StrCat(kMaxOutputBytes, config.limits.max_output_bytes),
  };
  if (!config.limits.exec_allow.empty()) {
    argv.push_back(
        absl::StrCat(kExecAllow, absl::StrJoin(config.limits.exec_allow, ",")));
  }
  return argv;
}

absl::StatusOr<WorkerConfig> ParseWorkerArgv(int argc,
                                             const char* const* argv) {
  WorkerConfig config;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    absl::Status parsed;
    if (absl::StartsWith(arg, kSocketFd)) {
      parsed = ParseNumber(arg, kSocketFd, &config.socket_fd);
    } else if (absl::StartsWith(arg, kGatesFd)) {
      parsed = ParseNumber(arg, kGatesFd, &config.gates_fd);
    } else if (absl::StartsWith(arg, kParentPid)) {
      parsed = ParseNumber(arg, kParentPid, &config.parent_pid);
    } else if (absl::StartsWith(arg, kMemoryLimitMb)) {
      parsed = ParseNumber(arg, kMemoryLimitMb, &config.memory_limit_mb);
    } else if (absl::StartsWith(arg, kMaxFrameBytes)) {
      parsed = ParseNumber(arg, kMaxFrameBytes, &config.max_frame_bytes);
    } else if (absl::StartsWith(arg, kMaxOutputBytes)) {
      parsed =
          ParseNumber(arg, kMaxOutputBytes, &config.limits.max_output_bytes);
    } else if (absl::StartsWith(arg, kExecAllow)) {
      config.limits.exec_allow =
          absl::StrSplit(arg.substr(kExecAllow.size()), ',', absl::SkipEmpty());
    } else {
      parsed = absl::InvalidArgumentError(
          absl::StrCat("execd-worker: unknown argument ", arg,
                       " (this program is started by execd, not by hand)"));
    }
    if (!parsed.ok()) return parsed;
  }
  if (config.parent_pid <= 0) {
    return absl::InvalidArgumentError("execd-worker: --parent_pid is required");
  }
  return config;
}

}  // namespace execd
