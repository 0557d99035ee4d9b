// Scale: server RSS and echo throughput with 1k, 100k and 1M tasks held
// pending (submitted with a 1 h delay), giving bytes per queued task. Each
// level's throughput is the median of a few runs.
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/latency_stats.h"
#include "bench/pipelined_submit.h"
#include "bench/scenarios.h"
#include "bench/stream_driver.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

constexpr int kSubmitWindow = 512;
constexpr int kEchoStreams = 4;
// Throughput is sampled this many times per level and the median kept: one
// run swings by a third on this 2-core machine, which alone could make the
// 1M-vs-1k ratio miss or meet its goal. The samples split the same number of
// tasks one run had, so the finished tasks the server retains (counted in
// the RSS figures) stay as many as before.
constexpr int kThroughputSamples = 3;

absl::StatusOr<int64_t> DelayedCount(v1::Executor::Stub* stub) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetPoolsResponse response;
  grpc::Status status =
      stub->GetPools(&context, v1::GetPoolsRequest(), &response);
  if (!status.ok()) return CallFailed("GetPools", status);
  int64_t delayed = 0;
  for (const v1::PoolStatus& pool : response.pools()) delayed += pool.delayed();
  return delayed;
}

// RSS after the allocator has settled a moment.
std::optional<int64_t> SettledRss(const Target& target) {
  absl::SleepFor(absl::Milliseconds(300));
  return target.RssBytes();
}

absl::StatusOr<SampleSpread> EchoThroughput(v1::Executor::Stub* stub,
                                            const BenchConfig& config) {
  StreamRunOptions options;
  options.request = EchoRequest();
  options.window = config.window;
  options.tasks = config.Count(40000, 1000) / kEchoStreams / kThroughputSamples;
  std::vector<double> samples;
  for (int i = 0; i < kThroughputSamples; ++i) {
    StreamRunResult run = RunStreams(stub, kEchoStreams, options);
    if (!run.status.ok()) return run.status;
    samples.push_back(run.tasks_per_second());
  }
  return SpreadOf(std::move(samples));
}

}  // namespace

absl::Status RunScaleScenario(const BenchConfig& config, Section* out) {
  std::vector<std::string> flags = CommonServerFlags(config);
  flags.push_back("--queue_capacity=2000000");
  flags.push_back("--max_retained_tasks=2000000");
  absl::StatusOr<std::unique_ptr<Target>> target = AcquireTarget(config, flags);
  if (!target.ok()) return target.status();
  v1::Executor::Stub* stub = (*target)->stub.get();
  if (!(*target)->started()) {
    SetString(out, "note", "external target: no RSS figures");
  }

  absl::StatusOr<SampleSpread> warmup = EchoThroughput(stub, config);
  if (!warmup.ok()) return warmup.status();
  const std::optional<int64_t> baseline_rss = SettledRss(**target);
  if (baseline_rss) SetNumber(out, "baseline_rss_bytes", *baseline_rss);

  v1::SubmitRequest held = EchoRequest();
  held.mutable_delay()->set_seconds(3600);
  int64_t queued = 0;
  double first_throughput = 0, last_throughput = 0;
  std::optional<int64_t> rss_before = baseline_rss;
  for (int64_t level : config.scale_counts) {
    if (level <= queued) continue;
    const int64_t added = level - queued;
    SubmitBatchResult submitted =
        SubmitPipelined(stub, held, added, kSubmitWindow);
    if (submitted.failed > 0) return submitted.first_error;
    queued = level;
    absl::StatusOr<int64_t> delayed = DelayedCount(stub);
    if (!delayed.ok()) return delayed.status();
    const std::optional<int64_t> rss = SettledRss(**target);

    Section* section = SubSection(out, absl::StrCat("queued_", level));
    SetNumber(section, "queued", static_cast<double>(*delayed));
    SetNumber(section, "delayed_submit_per_second", submitted.per_second());
    if (rss && rss_before && baseline_rss) {
      SetNumber(section, "rss_bytes", *rss);
      SetNumber(section, "bytes_per_task_added",
                static_cast<double>(*rss - *rss_before) / added);
      SetNumber(section, "bytes_per_task_since_baseline",
                static_cast<double>(*rss - *baseline_rss) / level);
    }
    absl::StatusOr<SampleSpread> throughput = EchoThroughput(stub, config);
    if (!throughput.ok()) return throughput.status();
    SetNumber(section, "echo_tasks_per_second", throughput->median);
    SetNumber(section, "echo_tasks_per_second_min", throughput->min);
    SetNumber(section, "echo_tasks_per_second_max", throughput->max);
    if (first_throughput == 0) first_throughput = throughput->median;
    last_throughput = throughput->median;
    rss_before = SettledRss(**target);  // the echo tasks are retained too
  }
  if (first_throughput > 0) {
    SetNumber(out, "throughput_last_vs_first",
              last_throughput / first_throughput);
  }
  return absl::OkStatus();
}

}  // namespace execd::bench
