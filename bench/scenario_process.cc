// Process pool: per-task dispatch rate and round-trip latency of `echo` on
// POOL_PROCESS, and Map / MapBatchStream / MapBatchStream with outcomes_only
// with chunksize 1/16/256, the last at chunksize 256 once more in turns with
// Python's map (bench/python_map_peer.py), then MapBatchStream's floor
// (bench/floors.h). Skipped (with the reason) when
// GetPools lists no process pool.
#include <map>
#include <memory>
#include <string>
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
        MapSpec spec;
        spec.pool = pool;
        spec.items = items;
        spec.chunksize = chunksize;
        spec.batched = kind.batched;
        spec.outcomes_only = kind.outcomes_only;
        absl::StatusOr<MapRun> run = RunMap(channel, spec);
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
// figures are minutes apart. Four calls a round, the same function on both
// sides in two pairs: execd's `noop` and Python's `noop` both return their
// arguments (a list, a tuple); execd's `echo` and Python's `echo_result`
// both return {"args": [...], "kwargs": {}}. The target's figure, kept from
// the first sessions, is execd's `echo` over Python's `noop`. Skipped (with
// the reason) without Python.
absl::Status MeasurePairedMaps(const Target& target, int64_t items, int rounds,
                               Section* out) {
  absl::StatusOr<std::unique_ptr<PythonMapPeer>> python = PythonMapPeer::Start(
      "/usr/bin/python3", EXECD_BENCH_SOURCE_DIR "/python_map_peer.py");
  if (!python.ok()) {
    SetString(out, "skipped", python.status().ToString());
    return absl::OkStatus();
  }
  // One call of a round: the function mapped, on which side, and the
  // prefix of its CPU figures.
  struct Turn {
    const char* function;
    bool on_execd;
    const char* cpu_prefix;
  };
  enum TurnIndex { kExecdEcho, kExecdNoop, kPythonNoop, kPythonEchoResult };
  constexpr Turn kTurns[] = {{"echo", true, "execd"},
                             {"noop", true, "execd_noop"},
                             {"noop", false, "python"},
                             {"echo_result", false, "python_echo_result"}};
  constexpr int kTurnCount = sizeof(kTurns) / sizeof(kTurns[0]);
  std::vector<double> rates[kTurnCount];
  CpuByProcess cpu;
  std::map<std::string, double> client_cpu;  // execd's, by CPU prefix
  for (int round = 0; round < rounds; ++round) {
    for (int step = 0; step < kTurnCount; ++step) {
      const Turn& turn = kTurns[(step + round) % kTurnCount];
      absl::StatusOr<double> rate;
      if (turn.on_execd) {
        if (target.started()) {  // an external server's pid is not ours
          const pid_t server = target.server->pid();
          cpu.Begin({{absl::StrCat(turn.cpu_prefix, "_server"), {server}},
                     {absl::StrCat(turn.cpu_prefix, "_workers"),
                      ChildProcesses(server)}});
        }
        MapSpec spec;
        spec.function = turn.function;
        spec.items = items;
        spec.chunksize = 256;
        spec.batched = true;
        spec.outcomes_only = true;
        absl::StatusOr<MapRun> run = RunMap(target.channel, spec);
        cpu.End();
        if (!run.ok()) return run.status();
        rate = run->items_per_second();
        // Timed as the rate is, without building the request.
        client_cpu[absl::StrCat(turn.cpu_prefix, "_client")] +=
            run->client_cpu_seconds;
      } else {
        const pid_t parent = (*python)->pid();
        cpu.Begin({{absl::StrCat(turn.cpu_prefix, "_parent"), {parent}},
                   {absl::StrCat(turn.cpu_prefix, "_workers"),
                    ChildProcesses(parent)}});
        rate = (*python)->Map(items, 256, turn.function);
        cpu.End();
        if (!rate.ok()) return rate.status();
      }
      rates[(step + round) % kTurnCount].push_back(*rate);
    }
  }
  // The median, least and greatest of execd's rate over Python's, round by
  // round.
  const auto set_ratio = [&rates, rounds](Section* section, int execd,
                                          int python) {
    std::vector<double> ratios;
    for (int round = 0; round < rounds; ++round) {
      ratios.push_back(rates[execd][round] / rates[python][round]);
    }
    const SampleSpread ratio = SpreadOf(std::move(ratios));
    SetNumber(section, "ratio", ratio.median);
    SetNumber(section, "ratio_min", ratio.min);
    SetNumber(section, "ratio_max", ratio.max);
  };
  SetNumber(out, "items", items);
  SetNumber(out, "pairs", rounds);
  SetNumber(out, "execd_items_per_second", SpreadOf(rates[kExecdEcho]).median);
  SetNumber(out, "python_items_per_second",
            SpreadOf(rates[kPythonNoop]).median);
  set_ratio(out, kExecdEcho, kPythonNoop);
  Section* same_result = SubSection(out, "same_result");
  SetNumber(same_result, "python_items_per_second",
            SpreadOf(rates[kPythonEchoResult]).median);
  set_ratio(same_result, kExecdEcho, kPythonEchoResult);
  Section* noop = SubSection(out, "noop_on_both_sides");
  SetNumber(noop, "execd_items_per_second", SpreadOf(rates[kExecdNoop]).median);
  set_ratio(noop, kExecdNoop, kPythonNoop);
  // Where each side's CPU goes, per item: execd has one process more on
  // the items' way (the server) than Python's map.
  Section* per_item = SubSection(out, "cpu_us_per_item");
  const double all_items = static_cast<double>(items) * rounds;
  for (const auto& [name, seconds] : client_cpu) {
    SetNumber(per_item, name, seconds * 1e6 / all_items);
  }
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
