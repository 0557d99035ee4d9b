#include "bench/bench_flags.h"

#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, target, "",
          "host:port of a running execd to measure (default: start "
          "bin/execd on 127.0.0.1 for each scenario)");
ABSL_FLAG(std::string, execd_path, "",
          "server binary to start (default: execd next to execd-bench)");
ABSL_FLAG(std::string, serve_echo_ready_file, "",
          "internal: serve the bare echo baseline and write its address to "
          "this file (started by the unary scenario)");
ABSL_FLAG(std::string, json_out, "", "also write the results here as JSON");
ABSL_FLAG(bool, quick, false, "smoke run: small counts, seconds in total");
ABSL_FLAG(std::string, scenarios, "",
          "comma-separated scenarios to run (default: all): unary, "
          "streaming, callback, process_pool, seed, scale, client");
ABSL_FLAG(std::string, scale_counts, "",
          "queued-task levels of the scale scenario (default "
          "1000,100000,1000000; quick 1000,10000)");
ABSL_FLAG(int, window, 256, "tasks in flight per stream");
ABSL_FLAG(int, batch, 128,
          "most requests per SubmitBatchStream message in the batched "
          "figures (streaming, process_pool)");
ABSL_FLAG(bool, batched_only, false,
          "streaming: only the SubmitBatchStream figures (for profiling)");
ABSL_FLAG(int, threads, 0,
          "--threads of the servers started for unary/streaming/callback/"
          "scale (0: server default, 5 x cores)");

namespace execd::bench {
namespace {

std::string SelfPath() {
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  return length <= 0 ? "" : std::string(self, length);
}

std::string DefaultExecdPath() {
  const std::string self = SelfPath();
  if (self.empty()) return "execd";
  return self.substr(0, self.rfind('/') + 1) + "execd";
}

}  // namespace

absl::StatusOr<BenchConfig> ParseBenchConfig(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "execd-bench: load generator for execd; see docs/performance.md");
  absl::ParseCommandLine(argc, argv);
  BenchConfig config;
  config.target = absl::GetFlag(FLAGS_target);
  config.execd_path = absl::GetFlag(FLAGS_execd_path);
  if (config.execd_path.empty()) config.execd_path = DefaultExecdPath();
  config.bench_path = SelfPath();
  config.serve_echo_ready_file = absl::GetFlag(FLAGS_serve_echo_ready_file);
  config.json_out = absl::GetFlag(FLAGS_json_out);
  config.quick = absl::GetFlag(FLAGS_quick);
  config.window = absl::GetFlag(FLAGS_window);
  config.threads = absl::GetFlag(FLAGS_threads);
  config.batch = absl::GetFlag(FLAGS_batch);
  config.batched_only = absl::GetFlag(FLAGS_batched_only);
  if (config.window < 1) {
    return absl::InvalidArgumentError("--window must be >= 1");
  }
  if (config.batch < 2) {
    return absl::InvalidArgumentError("--batch must be >= 2");
  }
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty())) {
    const std::string scenario(name);
    bool known = false;
    for (const char* candidate : kAllScenarios) {
      known = known || candidate == scenario;
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown scenario \"", scenario,
                       "\"; known: ", absl::StrJoin(kAllScenarios, ", ")));
    }
    config.scenarios.insert(scenario);
  }
  std::string counts = absl::GetFlag(FLAGS_scale_counts);
  if (counts.empty()) {
    counts = config.quick ? "1000,10000" : "1000,100000,1000000";
  }
  for (absl::string_view text :
       absl::StrSplit(counts, ',', absl::SkipEmpty())) {
    int64_t count = 0;
    if (!absl::SimpleAtoi(text, &count) || count < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad --scale_counts entry \"", text, "\""));
    }
    config.scale_counts.push_back(count);
  }
  return config;
}

std::vector<std::string> CommonServerFlags(const BenchConfig& config) {
  std::vector<std::string> flags;
  if (config.threads > 0) {
    flags.push_back(absl::StrCat("--threads=", config.threads));
  }
  return flags;
}

}  // namespace execd::bench
