// Seed workload: 10 x sleep(2) on a 5-thread server must take about 4 s;
// CPU-bound `primes` over the process pool against the core count.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/round_trip.h"
#include "bench/scenarios.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

// Submits `count` copies of `request` at once, then waits for all of them.
absl::StatusOr<absl::Duration> RunBatch(v1::Executor::Stub* stub,
                                        const v1::SubmitRequest& request,
                                        int count) {
  const absl::Time start = absl::Now();
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::string> id = SubmitOne(stub, request);
    if (!id.ok()) return id.status();
    ids.push_back(*std::move(id));
  }
  for (const std::string& id : ids) {
    absl::StatusOr<v1::Task> task = AwaitSucceeded(stub, id);
    if (!task.ok()) return task.status();
  }
  return absl::Now() - start;
}

}  // namespace

absl::Status RunSeedScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target =
      AcquireTarget(config, {"--threads=5"});
  if (!target.ok()) return target.status();
  v1::Executor::Stub* stub = (*target)->stub.get();
  if (!(*target)->started()) {
    SetString(out, "note",
              "external target: its --threads is not known to "
              "be 5, so the sleep expectation may not hold");
  }

  const double sleep_seconds = config.quick ? 0.2 : 2.0;
  absl::StatusOr<absl::Duration> sleeps =
      RunBatch(stub, SleepRequest(sleep_seconds), 10);
  if (!sleeps.ok()) return sleeps.status();
  Section* sleep = SubSection(out, "sleep_10_on_5_threads");
  SetNumber(sleep, "sleep_seconds", sleep_seconds);
  SetNumber(sleep, "expected_seconds", 2 * sleep_seconds);
  SetNumber(sleep, "seconds", absl::ToDoubleSeconds(*sleeps));

  const bool process = HasProcessPool(stub);
  const v1::Pool pool = process ? v1::POOL_PROCESS : v1::POOL_THREAD;
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int64_t n = config.Count(200000000, 2000000);
  Section* primes = SubSection(out, "primes");
  SetString(primes, "pool",
            process ? "process" : "thread (no process pool on server)");
  SetNumber(primes, "n", static_cast<double>(n));
  SetNumber(primes, "cores", cores);
  const v1::SubmitRequest request = PrimesRequest(n, pool);
  absl::StatusOr<absl::Duration> one = RunBatch(stub, request, 1);
  if (!one.ok()) return one.status();
  SetNumber(primes, "one_task_seconds", absl::ToDoubleSeconds(*one));
  for (int tasks : {cores, 2 * cores}) {
    absl::StatusOr<absl::Duration> batch = RunBatch(stub, request, tasks);
    if (!batch.ok()) return batch.status();
    Section* level = SubSection(primes, absl::StrCat("tasks_", tasks));
    SetNumber(level, "seconds", absl::ToDoubleSeconds(*batch));
    // Parallel speedup over one task alone; the ideal is min(tasks, cores).
    SetNumber(
        level, "speedup",
        tasks * absl::ToDoubleSeconds(*one) / absl::ToDoubleSeconds(*batch));
  }
  return absl::OkStatus();
}

}  // namespace execd::bench
