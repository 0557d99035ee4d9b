#include "server/functions/builtins/builtins.h"
#include "server/functions/value_args.h"

namespace execd {
namespace {

absl::StatusOr<std::string> ReadMessage(const CallArgs& call) {
  ArgReader reader("fail", call);
  if (absl::Status shape = reader.CheckShape(1, {"message"}); !shape.ok()) {
    return shape;
  }
  return reader.String(0, "message", "task failed");
}

}  // namespace

FunctionSpec FailFunction() {
  FunctionSpec spec;
  spec.name = "fail";
  spec.description =
      "Always ends FAILED with reason TASK_ERROR and the given message.";
  spec.signature = "fail(message: string = \"task failed\")";
  spec.default_pool = v1::POOL_THREAD;
  spec.pools = {v1::POOL_THREAD, v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits&) {
    return ReadMessage(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext&) -> absl::StatusOr<CallResult> {
    absl::StatusOr<std::string> message = ReadMessage(call);
    if (!message.ok()) return message.status();
    return absl::UnknownError(*message);
  };
  return spec;
}

}  // namespace execd
