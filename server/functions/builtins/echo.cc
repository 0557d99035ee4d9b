#include "server/functions/builtins/builtins.h"
#include "server/functions/encoded_value.h"

namespace execd {

FunctionSpec EchoFunction() {
  FunctionSpec spec;
  spec.name = "echo";
  spec.description =
      "Returns its arguments as {\"args\": [...], \"kwargs\": {...}}; output = "
      "input. The no-op for measuring overhead.";
  spec.signature = "echo(*args, **kwargs) -> {args, kwargs}";
  spec.default_pool = v1::POOL_THREAD;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs&, const FunctionLimits&) {
    return absl::OkStatus();
  };
  spec.run = [](const CallArgs& call,
                TaskContext&) -> absl::StatusOr<CallResult> {
    CallResult result;
    result.result = EncodeArgsAndKwargs(call.args, call.kwargs);
    result.output = call.input;
    return result;
  };
  return spec;
}

}  // namespace execd
