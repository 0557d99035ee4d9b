#include "server/functions/builtins/builtins.h"
#include "server/functions/encoded_value.h"

namespace execd {

FunctionSpec NoopFunction() {
  FunctionSpec spec;
  spec.name = "noop";
  spec.description =
      "Returns its positional arguments as a list, as Python's "
      "`def noop(*args): return args` does: the least a call can return and "
      "still tell its items apart.";
  spec.signature = "noop(*args, **kwargs) -> [*args]";
  spec.default_pool = v1::POOL_THREAD;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs&, const FunctionLimits&) {
    return absl::OkStatus();
  };
  spec.run = [](const CallArgs& call,
                TaskContext&) -> absl::StatusOr<CallResult> {
    CallResult result;
    result.result = EncodeList(call.args);
    return result;
  };
  return spec;
}

}  // namespace execd
