#include "absl/strings/str_cat.h"
#include "server/functions/builtins/builtins.h"
#include "server/functions/encoded_value.h"
#include "server/functions/value_args.h"

namespace execd {
namespace {

constexpr double kMaxSleepSeconds = 7 * 24 * 3600;

absl::StatusOr<double> ReadSeconds(const CallArgs& call) {
  ArgReader reader("sleep", call);
  if (absl::Status shape = reader.CheckShape(1, {"seconds"}); !shape.ok()) {
    return shape;
  }
  return reader.Number(0, "seconds", 0, kMaxSleepSeconds, std::nullopt);
}

}  // namespace

FunctionSpec SleepFunction() {
  FunctionSpec spec;
  spec.name = "sleep";
  spec.description =
      "Sleeps `seconds` and returns them; wakes at once when cancelled.";
  spec.signature = "sleep(seconds: number >= 0) -> number";
  spec.default_pool = v1::POOL_THREAD;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits&) {
    return ReadSeconds(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext& context) -> absl::StatusOr<CallResult> {
    absl::StatusOr<double> seconds = ReadSeconds(call);
    if (!seconds.ok()) return seconds.status();
    if (context.WaitForCancellation(absl::Seconds(*seconds))) {
      return absl::CancelledError("sleep cancelled");
    }
    CallResult result;
    result.result = EncodeNumber(*seconds);
    return result;
  };
  return spec;
}

}  // namespace execd
