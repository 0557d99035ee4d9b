#ifndef EXECD_BENCH_BENCH_FLAGS_H_
#define EXECD_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace execd::bench {

// What one execd-bench run does, read from its command line.
struct BenchConfig {
  std::string target;      // empty: start bin/execd for each scenario
  std::string execd_path;  // the server binary to start
  std::string bench_path;  // this binary (it also serves the echo baseline)
  // Set: serve the bare echo baseline, write its address here, wait for
  // SIGTERM (a child of the unary scenario).
  std::string serve_echo_ready_file;
  std::string json_out;             // empty: table only
  bool quick = false;               // smoke run: small counts, short sleeps
  std::set<std::string> scenarios;  // empty: all
  std::vector<int64_t> scale_counts;
  int window = 256;           // tasks in flight per stream
  int batch = 128;            // most requests per SubmitBatchStream message
  bool batched_only = false;  // streaming: skip the one-per-message figures
  int threads = 0;  // --threads of started servers (0: server default)

  bool Wants(const std::string& scenario) const {
    return scenarios.empty() || scenarios.count(scenario) > 0;
  }
  // `full` normally, `quick` in --quick mode.
  int64_t Count(int64_t full, int64_t quick_count) const {
    return quick ? quick_count : full;
  }
};

// Every scenario key, in run order (also the keys of the JSON report).
inline constexpr const char* kAllScenarios[] = {
    "unary", "streaming", "callback", "process_pool",
    "seed",  "scale",     "client"};

absl::StatusOr<BenchConfig> ParseBenchConfig(int argc, char** argv);

// Server flags shared by the scenarios that do not set their own.
std::vector<std::string> CommonServerFlags(const BenchConfig& config);

}  // namespace execd::bench

#endif  // EXECD_BENCH_BENCH_FLAGS_H_
