// allocate: takes and touches memory, to exercise --worker_memory_limit_mb.
#include <cstdint>
#include <vector>

#include "server/functions/builtins/builtins.h"
#include "server/functions/builtins/worker_hooks.h"
#include "server/functions/encoded_value.h"
#include "server/functions/value_args.h"

namespace execd {
namespace {

constexpr int64_t kMaxMegabytes = 1 << 20;
constexpr double kMaxHoldSeconds = 3600;

struct AllocateCall {
  int64_t megabytes;
  double hold_seconds;
};

absl::StatusOr<AllocateCall> ReadCall(const CallArgs& call) {
  ArgReader reader("allocate", call);
  if (absl::Status shape = reader.CheckShape(2, {"mb", "seconds"});
      !shape.ok()) {
    return shape;
  }
  absl::StatusOr<int64_t> megabytes =
      reader.Integer(0, "mb", 0, kMaxMegabytes, std::nullopt);
  if (!megabytes.ok()) return megabytes.status();
  absl::StatusOr<double> seconds =
      reader.Number(1, "seconds", 0, kMaxHoldSeconds, 0.0);
  if (!seconds.ok()) return seconds.status();
  return AllocateCall{*megabytes, *seconds};
}

}  // namespace

FunctionSpec AllocateFunction() {
  FunctionSpec spec;
  spec.name = "allocate";
  spec.description =
      "Allocates and touches `mb` MiB, holds them `seconds`, returns mb. "
      "Past --worker_memory_limit_mb its worker fails alone; process pool "
      "only.";
  spec.signature =
      "allocate(mb: integer >= 0, seconds: number >= 0 = 0) -> integer";
  spec.default_pool = v1::POOL_PROCESS;
  spec.pools = {v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits&) {
    return ReadCall(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext& context) -> absl::StatusOr<CallResult> {
    absl::StatusOr<AllocateCall> parsed = ReadCall(call);
    if (!parsed.ok()) return parsed.status();
    if (CurrentWorkerProcessHooks() == nullptr) {
      return absl::FailedPreconditionError(
          "allocate runs only in a process-pool worker");
    }
    // Throws std::bad_alloc past the worker's RLIMIT_AS. Every page is
    // written through volatile, so it is resident and never optimised out.
    std::vector<char> memory(static_cast<size_t>(parsed->megabytes) << 20);
    volatile char* pages = memory.data();
    for (size_t i = 0; i < memory.size(); i += 4096) pages[i] = 1;
    if (context.WaitForCancellation(absl::Seconds(parsed->hold_seconds))) {
      return absl::CancelledError("allocate cancelled");
    }
    CallResult result;
    result.result = EncodeNumber(static_cast<double>(memory.size() >> 20));
    return result;
  };
  return spec;
}

}  // namespace execd
