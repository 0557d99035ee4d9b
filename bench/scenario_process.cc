// Process pool: per-task dispatch rate and round-trip latency of `echo` on
// POOL_PROCESS, and Map / MapBatchStream / MapBatchStream with outcomes_only
// with chunksize 1/16/256, the last at chunksize 256 once more in turns with
// Python's map (bench/python_map_peer.py), then MapBatchStream's floor
// (bench/floors.h). Skipped (with the reason) when
// GetPools lists no process pool.
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/floors.h"
#include "bench/latency_stats.h"
#include "bench/map_call.h"
#include "bench/process_cpu.h"
#include "bench/python_map_peer.h"
#include "bench/round_trip.h"
#include "bench/scenarios.h"
#include "bench/stream_driver.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

// Map calls per figure; python_baseline.py makes as many.
constexpr int kMapRuns = 3;

absl::Status MeasureMaps(const std::shared_ptr<grpc::Channel>& channel,
                         v1::Pool pool, int64_t items, Section* out) {
  // Map (one MapResult per message), MapBatchStream, then MapBatchStream
  // with outcomes_only (items that are not tasks).
  struct MapKind {
    const char* prefix;
    bool batched;
    bool outcomes_only;
  };
  for (const MapKind& kind :
       {MapKind{"", false, false}, MapKind{"batched_", true, false},
        MapKind{"outcomes_", true, true}}) {
    for (int32_t chunksize : {1, 16, 256}) {
      // The median of a few calls, as the Python baseline takes: one call
      // of 20,000 items lasts tens of ms, short enough for one hiccup of
      // the machine to move it by half.
      std::vector<double> rates;
      for (int i = 0; i < kMapRuns; ++i) {
        absl::StatusOr<MapRun> run = RunEchoMap(
            channel, pool, items, chunksize, kind.batched, kind.outcomes_only);
        if (!run.ok()) return run.status();
        rates.push_back(run->items_per_second());
      }
      const SampleSpread rate = SpreadOf(std::move(rates));
      Section* level = SubSection(
          out, absl::StrCat(kind.prefix, "map_chunksize_", chunksize));
      SetNumber(level, "items", items);
      SetNumber(level, "runs", kMapRuns);
      SetNumber(level, "seconds", items / rate.median);
      SetNumber(level, "items_per_second", rate.median);
      SetNumber(level, "items_per_second_min", rate.min);
      SetNumber(level, "items_per_second_max", rate.max);
    }
  }
  return absl::OkStatus();
}

// execd's outcomes_only Map at chunksize 256 and Python's map(chunksize=256)
// call for call, in turns (the order rotating from one round to the next):
// the machine's load moves every call of a round alike, where the separate
// figures are minutes apart. Python maps twice a round: `noop`, which
// returns its arguments' tuple (the target's baseline), and `echo_result`,
// which returns what execd's echo does, so that one ratio compares the
// same results materialized on both sides. Skipped (with the reason)
// without Python.
absl::Status MeasurePairedMaps(const Target& target, int64_t items, int pairs,
                               Section* out) {
  absl::StatusOr<std::unique_ptr<PythonMapPeer>> python = PythonMapPeer::Start(
      "/usr/bin/python3", EXECD_BENCH_SOURCE_DIR "/python_map_peer.py");
  if (!python.ok()) {
    SetString(out, "skipped", python.status().ToString());
    return absl::OkStatus();
  }
  constexpr int kChunksize = 256;
  // The Python side of each turn but execd's: the function mapped and the
  // prefix of its CPU figures.
  struct PythonTurn {
    const char* function;
    const char* cpu_prefix;
  };
  constexpr PythonTurn kPythonTurns[] = {{"noop", "python"},
                                         {"echo_result", "python_echo_result"}};
  constexpr int kTurns = 1 + 2;  // execd's, then each of kPythonTurns
  std::vector<double> execd_rates, python_rates, same_result_rates;
  std::vector<double> ratios, same_result_ratios;
  CpuByProcess cpu;
  double execd_client_cpu = 0;
  for (int pair = 0; pair < pairs; ++pair) {
    double rates[kTurns] = {};
    for (int step = 0; step < kTurns; ++step) {
      const int turn = (step + pair) % kTurns;
      if (turn == 0) {
        if (target.started()) {  // an external server's pid is not ours
          const pid_t server = target.server->pid();
          cpu.Begin({{"execd_server", {server}},
                     {"execd_workers", ChildProcesses(server)}});
        }
        absl::StatusOr<MapRun> run =
            RunEchoMap(target.channel, v1::POOL_PROCESS, items, kChunksize,
                       /*batched=*/true, /*outcomes_only=*/true);
        cpu.End();
        if (!run.ok()) return run.status();
        rates[turn] = run->items_per_second();
        // Timed as the rate is, without building the request.
        execd_client_cpu += run->client_cpu_seconds;
      } else {
        const PythonTurn& side = kPythonTurns[turn - 1];
        const pid_t parent = (*python)->pid();
        cpu.Begin({{absl::StrCat(side.cpu_prefix, "_parent"), {parent}},
                   {absl::StrCat(side.cpu_prefix, "_workers"),
                    ChildProcesses(parent)}});
        absl::StatusOr<double> rate =
            (*python)->Map(items, kChunksize, side.function);
        cpu.End();
        if (!rate.ok()) return rate.status();
        rates[turn] = *rate;
      }
    }
    execd_rates.push_back(rates[0]);
    python_rates.push_back(rates[1]);
    same_result_rates.push_back(rates[2]);
    ratios.push_back(rates[0] / rates[1]);
    same_result_ratios.push_back(rates[0] / rates[2]);
  }
  SetNumber(out, "items", items);
  SetNumber(out, "pairs", pairs);
  SetNumber(out, "execd_items_per_second", SpreadOf(execd_rates).median);
  SetNumber(out, "python_items_per_second", SpreadOf(python_rates).median);
  const SampleSpread ratio = SpreadOf(ratios);
  SetNumber(out, "ratio", ratio.median);
  SetNumber(out, "ratio_min", ratio.min);
  SetNumber(out, "ratio_max", ratio.max);
  // Python's map returning echo's result: the same items and results on
  // both sides.
  Section* same_result = SubSection(out, "same_result");
  SetNumber(same_result, "python_items_per_second",
            SpreadOf(same_result_rates).median);
  const SampleSpread same_result_ratio = SpreadOf(same_result_ratios);
  SetNumber(same_result, "ratio", same_result_ratio.median);
  SetNumber(same_result, "ratio_min", same_result_ratio.min);
  SetNumber(same_result, "ratio_max", same_result_ratio.max);
  // Where each side's CPU goes, per item: execd has one process more on
  // the items' way (the server) than Python's map.
  Section* per_item = SubSection(out, "cpu_us_per_item");
  const double all_items = static_cast<double>(items) * pairs;
  SetNumber(per_item, "execd_client", execd_client_cpu * 1e6 / all_items);
  for (const auto& [name, seconds] : cpu.seconds()) {
    SetNumber(per_item, name, seconds * 1e6 / all_items);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunProcessPoolScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target = AcquireTarget(config, {});
  if (!target.ok()) return target.status();
  v1::Executor::Stub* stub = (*target)->stub.get();
  const int64_t map_items = config.Count(20000, 500);
  if (!HasProcessPool(stub)) {
    SetString(out, "skipped",
              "the server has no process pool (GetPools lists no "
              "POOL_PROCESS entry); thread-pool Map shown for reference");
    return MeasureMaps((*target)->channel, v1::POOL_THREAD, map_items,
                       SubSection(out, "thread_pool_reference"));
  }
  const v1::SubmitRequest request = EchoRequest(v1::POOL_PROCESS);
  for (int i = 0; i < 50; ++i) {  // warm every worker up
    absl::StatusOr<RoundTrip> trip = TimedRoundTrip(stub, request);
    if (!trip.ok()) return trip.status();
  }
  LatencyRecorder latency;
  const int64_t round_trips = config.Count(2000, 100);
  for (int64_t i = 0; i < round_trips; ++i) {
    absl::StatusOr<RoundTrip> trip = TimedRoundTrip(stub, request);
    if (!trip.ok()) return trip.status();
    latency.Add(trip->total);
  }
  SetLatency(out, "submit_result", latency.Summarize());

  StreamRunOptions options;
  options.request = request;
  options.window = config.window;
  const int streams = 4;
  options.tasks = config.Count(20000, 400) / streams;
  // SubmitStream (one message per task), then SubmitBatchStream.
  for (int batch : {1, config.batch}) {
    options.batch = batch;
    StreamRunResult run = RunStreams(stub, streams, options);
    if (!run.status.ok()) return run.status;
    if (run.succeeded != options.tasks * streams) {
      return absl::InternalError(
          absl::StrCat("process echo, batch ", batch, ": ", run.succeeded,
                       " of ", options.tasks * streams, " succeeded"));
    }
    Section* dispatch = SubSection(
        out, batch > 1 ? "batched_stream_dispatch" : "stream_dispatch");
    SetNumber(dispatch, "streams", streams);
    SetNumber(dispatch, "tasks", run.finished);
    SetNumber(dispatch, "seconds", absl::ToDoubleSeconds(run.elapsed));
    SetNumber(dispatch, "tasks_per_second", run.tasks_per_second());
  }
  if (absl::Status s =
          MeasureMaps((*target)->channel, v1::POOL_PROCESS, map_items, out);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = MeasurePairedMaps(
          **target, map_items, config.Count(9, 2),
          SubSection(out, "paired_outcomes_map_chunksize_256"));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::unique_ptr<ServerLauncher>> bare_server =
      ServerLauncher::StartEchoServer(config.bench_path);
  if (!bare_server.ok()) return bare_server.status();
  std::unique_ptr<BenchEcho::Stub> bare =
      BenchEcho::NewStub(MakeChannel((*bare_server)->grpc_address()));
  // Ten times the Map's items: a replay runs several times faster.
  return MeasureMapFloor(stub, bare.get(), v1::POOL_PROCESS, 10 * map_items,
                         SubSection(out, "map_floor"));
}

}  // namespace execd::bench
