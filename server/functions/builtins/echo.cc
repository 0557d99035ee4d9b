#include "server/functions/builtins/builtins.h"

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
    auto& fields = *result.result.mutable_struct_value()->mutable_fields();
    *fields["args"].mutable_list_value() = call.args;
    *fields["kwargs"].mutable_struct_value() = call.kwargs;
    result.output = call.input;
    return result;
  };
  return spec;
}

}  // namespace execd
