#ifndef EXECD_BENCH_SCENARIOS_H_
#define EXECD_BENCH_SCENARIOS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/bench_flags.h"
#include "bench/report.h"

namespace execd::bench {

// Each scenario acquires its own server (AcquireTarget), measures, and fills
// its section of the report. A scenario that cannot run here (no process
// pool, external target) writes "skipped" with the reason and returns OK.
absl::Status RunUnaryScenario(const BenchConfig& config, Section* out);
absl::Status RunStreamingScenario(const BenchConfig& config, Section* out);
absl::Status RunCallbackScenario(const BenchConfig& config, Section* out);
absl::Status RunProcessPoolScenario(const BenchConfig& config, Section* out);
absl::Status RunSeedScenario(const BenchConfig& config, Section* out);
absl::Status RunScaleScenario(const BenchConfig& config, Section* out);
absl::Status RunClientScenario(const BenchConfig& config, Section* out);

}  // namespace execd::bench

#endif  // EXECD_BENCH_SCENARIOS_H_
