// Unary round trip: Submit then Result of `echo`, one at a time, next to a
// bare gRPC echo on a channel with the same settings. The baseline echo runs
// in a process of its own, as execd does (an echo server inside the client's
// process shares its gRPC pollers, which no real deployment gets; it is
// reported too). The same process serves HandOff + Collect, Submit + Result
// with no executor behind them (bench/floors.h). All alternate in blocks so
// drift in machine load hits them alike.
#include <memory>

#include "absl/time/clock.h"
#include "bench/echo_service.h"
#include "bench/floors.h"
#include "bench/latency_stats.h"
#include "bench/round_trip.h"
#include "bench/scenarios.h"
#include "bench/server_launcher.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

constexpr int kBlocks = 10;

struct UnaryRecorders {
  LatencyRecorder round_trip;  // Submit + Result
  LatencyRecorder submit;
  LatencyRecorder result;
  LatencyRecorder get_task;  // the server's RPC floor: no task work at all
  LatencyRecorder bare_echo;
  LatencyRecorder bare_echo_in_process;
  LatencyRecorder handoff_floor;  // HandOff + Collect on the bare server
};

absl::Status ExecdRoundTrip(v1::Executor::Stub* stub,
                            const v1::SubmitRequest& request,
                            UnaryRecorders* recorders) {
  absl::StatusOr<RoundTrip> trip = TimedRoundTrip(stub, request);
  if (!trip.ok()) return trip.status();
  if (recorders != nullptr) {
    recorders->round_trip.Add(trip->total);
    recorders->submit.Add(trip->submit);
    recorders->result.Add(trip->total - trip->submit);
  }
  v1::GetTaskRequest get;
  get.set_task_id(trip->task_id);
  v1::Task task;
  grpc::ClientContext context;
  SetDeadline(&context);
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetTask(&context, get, &task);
  if (!status.ok()) return CallFailed("GetTask", status);
  if (recorders != nullptr) recorders->get_task.Add(absl::Now() - start);
  return absl::OkStatus();
}

absl::Status BareEcho(BenchEcho::Stub* stub, LatencyRecorder* recorder) {
  EchoMessage request, response;
  const absl::Time start = absl::Now();
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = stub->Echo(&context, request, &response);
  if (!status.ok()) return CallFailed("Echo", status);
  if (recorder != nullptr) recorder->Add(absl::Now() - start);
  return absl::OkStatus();
}

}  // namespace

absl::Status RunUnaryScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target =
      AcquireTarget(config, CommonServerFlags(config));
  if (!target.ok()) return target.status();
  absl::StatusOr<std::unique_ptr<ServerLauncher>> echo_process =
      ServerLauncher::StartEchoServer(config.bench_path);
  if (!echo_process.ok()) return echo_process.status();
  std::unique_ptr<BenchEcho::Stub> echo =
      BenchEcho::NewStub(MakeChannel((*echo_process)->grpc_address()));
  absl::StatusOr<std::unique_ptr<BenchEchoServer>> echo_server =
      BenchEchoServer::Start();
  if (!echo_server.ok()) return echo_server.status();
  std::unique_ptr<BenchEcho::Stub> echo_in_process =
      BenchEcho::NewStub(MakeChannel((*echo_server)->address()));

  v1::Executor::Stub* stub = (*target)->stub.get();
  const v1::SubmitRequest request = EchoRequest();
  const int64_t warmup = config.Count(500, 50);
  const int64_t count = config.Count(10000, 500);
  for (int64_t i = 0; i < warmup; ++i) {
    if (absl::Status s = ExecdRoundTrip(stub, request, nullptr); !s.ok()) {
      return s;
    }
    if (absl::Status s = BareEcho(echo.get(), nullptr); !s.ok()) return s;
    if (absl::Status s = BareEcho(echo_in_process.get(), nullptr); !s.ok()) {
      return s;
    }
    if (absl::Status s = HandOffRoundTrip(echo.get(), nullptr); !s.ok()) {
      return s;
    }
  }
  UnaryRecorders recorders;
  for (int block = 0; block < kBlocks; ++block) {
    for (int64_t i = 0; i < count / kBlocks; ++i) {
      if (absl::Status s = ExecdRoundTrip(stub, request, &recorders); !s.ok()) {
        return s;
      }
    }
    for (int64_t i = 0; i < count / kBlocks; ++i) {
      if (absl::Status s = BareEcho(echo.get(), &recorders.bare_echo);
          !s.ok()) {
        return s;
      }
    }
    for (int64_t i = 0; i < count / kBlocks; ++i) {
      if (absl::Status s =
              BareEcho(echo_in_process.get(), &recorders.bare_echo_in_process);
          !s.ok()) {
        return s;
      }
    }
    for (int64_t i = 0; i < count / kBlocks; ++i) {
      if (absl::Status s =
              HandOffRoundTrip(echo.get(), &recorders.handoff_floor);
          !s.ok()) {
        return s;
      }
    }
  }
  const LatencySummary round_trip = recorders.round_trip.Summarize();
  const LatencySummary bare = recorders.bare_echo.Summarize();
  SetLatency(out, "submit_result", round_trip);
  SetLatency(out, "submit_only", recorders.submit.Summarize());
  SetLatency(out, "result_only", recorders.result.Summarize());
  SetLatency(out, "get_task_only", recorders.get_task.Summarize());
  SetLatency(out, "bare_grpc_echo", bare);
  SetLatency(out, "bare_grpc_echo_in_process",
             recorders.bare_echo_in_process.Summarize());
  const LatencySummary floor = recorders.handoff_floor.Summarize();
  SetLatency(out, "handoff_collect_floor", floor);
  if (bare.p50_us > 0) {
    SetNumber(out, "p50_ratio_vs_bare_echo", round_trip.p50_us / bare.p50_us);
    SetNumber(out, "floor_p50_ratio_vs_bare_echo", floor.p50_us / bare.p50_us);
  }
  if (floor.p50_us > 0) {
    SetNumber(out, "p50_ratio_vs_floor", round_trip.p50_us / floor.p50_us);
  }
  return absl::OkStatus();
}

}  // namespace execd::bench
