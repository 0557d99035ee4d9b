// execd-bench: measures execd (started here, or --target) scenario by
// scenario, prints a table and optionally writes JSON (--json_out).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/echo_service.h"
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
  if (name == "client") return RunClientScenario;
  return nullptr;
}

// The echo baseline as a child process: serves until SIGTERM or SIGINT.
int ServeEcho(const std::string& ready_file) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  // Blocked before gRPC starts its threads, so only sigwait sees them.
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  absl::StatusOr<std::unique_ptr<BenchEchoServer>> echo =
      BenchEchoServer::Start();
  if (!echo.ok()) {
    std::cerr << "execd-bench: " << echo.status() << "\n";
    return 1;
  }
  {
    std::ofstream ready(ready_file + ".tmp");
    ready << "grpc=" << (*echo)->address() << "\n";
  }
  std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());
  int signal = 0;
  sigwait(&stop_signals, &signal);
  return 0;
}

int Main(int argc, char** argv) {
  absl::StatusOr<BenchConfig> config = ParseBenchConfig(argc, argv);
  if (!config.ok()) {
    std::cerr << "execd-bench: " << config.status().message() << "\n";
    return 2;
  }
  if (!config->serve_echo_ready_file.empty()) {
    return ServeEcho(config->serve_echo_ready_file);
  }
  Section report;
  DescribeMachine(SubSection(&report, "machine"));
  Section* run = SubSection(&report, "run");
  SetString(run, "mode", config->quick ? "quick" : "full");
  SetString(run, "target",
            config->target.empty() ? "started bin/execd" : config->target);
  SetNumber(run, "window", config->window);
  // Inherited by the servers started here; see bench/run.sh.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  SetString(run, "glibc_tunables", tunables == nullptr ? "" : tunables);
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
