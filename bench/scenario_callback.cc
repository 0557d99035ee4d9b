// Callback latency: time from a task's end (Task.end_time, server clock) to
// its FINISHED event at the client (same machine, same clock). Measured
// with one task in flight, so it shows the event path, not queueing.
#include <memory>

#include "bench/scenarios.h"
#include "bench/stream_driver.h"
#include "bench/target.h"

namespace execd::bench {

absl::Status RunCallbackScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target =
      AcquireTarget(config, CommonServerFlags(config));
  if (!target.ok()) return target.status();
  v1::Executor::Stub* stub = (*target)->stub.get();

  StreamRunOptions options;
  options.request = EchoRequest();
  options.window = 1;
  options.tasks = config.Count(200, 20);
  StreamRunResult warmup = RunStreams(stub, 1, options);
  if (!warmup.status.ok()) return warmup.status;

  options.tasks = config.Count(5000, 300);
  StreamRunResult run = RunStreams(stub, 1, options);
  if (!run.status.ok()) return run.status;
  SetNumber(out, "window", 1);
  SetLatency(out, "finished_event_after_end",
             run.finished_after_end.Summarize());
  // The same measure with a full window: events queue behind each other.
  options.window = config.window;
  options.tasks = config.Count(20000, 1000);
  StreamRunResult loaded = RunStreams(stub, 1, options);
  if (!loaded.status.ok()) return loaded.status;
  SetNumber(out, "loaded_window", config.window);
  SetLatency(out, "loaded_finished_event_after_end",
             loaded.finished_after_end.Summarize());
  return absl::OkStatus();
}

}  // namespace execd::bench
