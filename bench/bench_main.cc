// execd-bench: measures execd (started here, or --target) scenario by
// scenario, prints a table and optionally writes JSON (--json_out).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/report.h"
#include "bench/scenarios.h"

namespace execd::bench {
namespace {

using ScenarioFn = absl::Status (*)(const BenchConfig&, Section*);

ScenarioFn FindScenario(const std::string& name) {
  if (name == "unary") return RunUnaryScenario;
  if (name == "streaming") return RunStreamingScenario;
  if (name == "callback") return RunCallbackScenario;
  if (name == "process_pool") return RunProcessPoolScenario;
  if (name == "seed") return RunSeedScenario;
  if (name == "scale") return RunScaleScenario;
  return nullptr;
}

int Main(int argc, char** argv) {
  absl::StatusOr<BenchConfig> config = ParseBenchConfig(argc, argv);
  if (!config.ok()) {
    std::cerr << "execd-bench: " << config.status().message() << "\n";
    return 2;
  }
  Section report;
  DescribeMachine(SubSection(&report, "machine"));
  Section* run = SubSection(&report, "run");
  SetString(run, "mode", config->quick ? "quick" : "full");
  SetString(run, "target", config->target.empty() ? "started bin/execd"
                                                  : config->target);
  SetNumber(run, "window", config->window);
  int failures = 0;
  for (const char* name : kAllScenarios) {
    if (!config->Wants(name)) continue;
    std::cerr << "execd-bench: running " << name << "...\n";
    Section* section = SubSection(&report, name);
    const absl::Time start = absl::Now();
    absl::Status status = FindScenario(name)(*config, section);
    SetNumber(section, "scenario_seconds",
              absl::ToDoubleSeconds(absl::Now() - start));
    if (!status.ok()) {
      ++failures;
      SetString(section, "error", status.ToString());
      std::cerr << "execd-bench: " << name << " failed: " << status << "\n";
    }
  }
  PrintTable(report, std::cout);
  if (!config->json_out.empty()) {
    if (absl::Status status = WriteJson(report, config->json_out);
        !status.ok()) {
      std::cerr << "execd-bench: " << status << "\n";
      return 1;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace execd::bench

int main(int argc, char** argv) { return execd::bench::Main(argc, argv); }
