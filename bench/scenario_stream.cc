// Streaming throughput: SubmitStream of no-op `echo` tasks with FINISHED
// events streamed back, at 1, 4 and 16 concurrent streams on one channel;
// then the same through SubmitBatchStream (many tasks per message).
#include <memory>

#include "absl/strings/str_cat.h"
#include "bench/echo_service.h"
#include "bench/process_cpu.h"
#include "bench/scenarios.h"
#include "bench/server_launcher.h"
#include "bench/stream_driver.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

double ServerCpuSeconds(const Target& target) {
  if (!target.started()) return 0;
  absl::StatusOr<double> cpu = target.server->CpuSeconds();
  return cpu.ok() ? *cpu : 0;
}

}  // namespace

absl::Status RunStreamingScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target =
      AcquireTarget(config, CommonServerFlags(config));
  if (!target.ok()) return target.status();
  v1::Executor::Stub* stub = (*target)->stub.get();

  StreamRunOptions options;
  options.request = EchoRequest();
  options.window = config.window;
  options.tasks = config.Count(5000, 200);
  StreamRunResult warmup = RunStreams(stub, 1, options);
  if (!warmup.status.ok()) return warmup.status;

  SetNumber(out, "window_per_stream", config.window);
  SetNumber(out, "batch", config.batch);
  const int64_t total = config.Count(60000, 2000);
  // SubmitStream (one message per task), then SubmitBatchStream (up to
  // --batch tasks per message) on the same server.
  double best = 0;
  double best_batched = 0;
  for (int batch : {1, config.batch}) {
    if (batch == 1 && config.batched_only) continue;
    options.batch = batch;
    for (int streams : {1, 4, 16}) {
      options.tasks = total / streams;
      const double server_cpu = ServerCpuSeconds(**target);
      const int64_t switches =
          (*target)->started() ? (*target)->server->ContextSwitches() : 0;
      const double client_cpu = SelfCpuSeconds();
      StreamRunResult run = RunStreams(stub, streams, options);
      if (!run.status.ok()) return run.status;
      if (run.succeeded != run.finished ||
          run.finished != options.tasks * streams) {
        return absl::InternalError(absl::StrCat(
            "streams=", streams, " batch=", batch, ": ", run.succeeded,
            " of ", run.finished, " finished tasks succeeded, ",
            options.tasks * streams, " sent"));
      }
      Section* level = SubSection(
          out, absl::StrCat(batch > 1 ? "batched_" : "", "streams_", streams));
      SetNumber(level, "tasks", run.finished);
      SetNumber(level, "seconds", absl::ToDoubleSeconds(run.elapsed));
      SetNumber(level, "tasks_per_second", run.tasks_per_second());
      SetLatency(level, "finished_event_after_end",
                 run.finished_after_end.Summarize());
      if ((*target)->started()) {
        SetNumber(level, "server_cpu_us_per_task",
                  (ServerCpuSeconds(**target) - server_cpu) * 1e6 /
                      run.finished);
        SetNumber(level, "server_context_switches_per_task",
                  static_cast<double>((*target)->server->ContextSwitches() -
                                      switches) /
                      run.finished);
      }
      SetNumber(level, "client_cpu_us_per_task",
                (SelfCpuSeconds() - client_cpu) * 1e6 / run.finished);
      double& best_of_kind = batch > 1 ? best_batched : best;
      best_of_kind = std::max(best_of_kind, run.tasks_per_second());
    }
  }
  SetNumber(out, "best_tasks_per_second", best);
  SetNumber(out, "batched_best_tasks_per_second", best_batched);
  options.batch = 1;
  if (config.batched_only) return absl::OkStatus();

  // The bare gRPC floor of the same pattern (a request in, two replies out)
  // against the echo server in a process of its own.
  absl::StatusOr<std::unique_ptr<ServerLauncher>> echo_process =
      ServerLauncher::StartEchoServer(config.bench_path);
  if (!echo_process.ok()) return echo_process.status();
  std::unique_ptr<BenchEcho::Stub> echo =
      BenchEcho::NewStub(MakeChannel((*echo_process)->grpc_address()));
  double best_echo = 0;
  for (int streams : {1, 4, 16}) {
    options.tasks = total / streams;
    absl::StatusOr<double> cpu_before = (*echo_process)->CpuSeconds();
    StreamRunResult run = RunEchoStreams(echo.get(), streams, options);
    if (!run.status.ok()) return run.status;
    absl::StatusOr<double> cpu_after = (*echo_process)->CpuSeconds();
    Section* level =
        SubSection(out, absl::StrCat("bare_grpc_echo_streams_", streams));
    SetNumber(level, "requests_per_second", run.tasks_per_second());
    if (cpu_before.ok() && cpu_after.ok() && run.finished > 0) {
      SetNumber(level, "server_cpu_us_per_request",
                (*cpu_after - *cpu_before) * 1e6 / run.finished);
    }
    best_echo = std::max(best_echo, run.tasks_per_second());
  }
  SetNumber(out, "bare_grpc_echo_best_requests_per_second", best_echo);
  if (best_echo > 0) SetNumber(out, "best_vs_bare_grpc_echo", best / best_echo);
  return absl::OkStatus();
}

}  // namespace execd::bench
