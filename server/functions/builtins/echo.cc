// echo and noop: the no-ops, which take any arguments on either pool and
// have nothing to check.
#include <string>
#include <utility>

#include "server/functions/builtins/builtins.h"
#include "server/functions/encoded_value.h"

namespace execd {
namespace {

FunctionSpec AnyArgumentsFunction(
    std::string name, std::string description, std::string signature,
    std::function<CallResult(const CallArgs&)> run) {
  FunctionSpec spec;
  spec.name = std::move(name);
  spec.description = std::move(description);
  spec.signature = std::move(signature);
  spec.default_pool = v1::POOL_THREAD;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs&, const FunctionLimits&) {
    return absl::OkStatus();
  };
  spec.run = [run = std::move(run)](const CallArgs& call, TaskContext&)
      -> absl::StatusOr<CallResult> { return run(call); };
  return spec;
}

}  // namespace

FunctionSpec EchoFunction() {
  return AnyArgumentsFunction(
      "echo",
      "Returns its arguments as {\"args\": [...], \"kwargs\": {...}}; output "
      "= input. The no-op for measuring overhead.",
      "echo(*args, **kwargs) -> {args, kwargs}", [](const CallArgs& call) {
        return CallResult{EncodeArgsAndKwargs(call.args, call.kwargs),
                          call.input};
      });
}

FunctionSpec NoopFunction() {
  return AnyArgumentsFunction(
      "noop",
      "Returns its positional arguments as a list, as Python's `def "
      "noop(*args): return args` does: the least a call can return and "
      "still tell its items apart.",
      "noop(*args, **kwargs) -> [*args]", [](const CallArgs& call) {
        return CallResult{EncodeList(call.args), ""};
      });
}

}  // namespace execd
