#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/functions/builtins/builtins.h"
#include "server/functions/builtins/worker_hooks.h"
#include "server/functions/value_args.h"

namespace execd {
namespace {

// Exit code of crash(how="exit"): nonzero and distinct from the worker's own.
constexpr int kCrashExitCode = 3;

absl::StatusOr<std::string> ReadHow(const CallArgs& call) {
  ArgReader reader("crash", call);
  if (absl::Status shape = reader.CheckShape(1, {"how"}); !shape.ok()) {
    return shape;
  }
  absl::StatusOr<std::string> how = reader.String(0, "how", "abort");
  if (!how.ok()) return how.status();
  if (*how != "abort" && *how != "segv" && *how != "exit") {
    return absl::InvalidArgumentError(
        "crash: argument \"how\" must be one of abort, segv, exit");
  }
  return how;
}

// The null store is the point: exempt from UBSan so a sanitizer build
// crashes the same way (by SIGSEGV) instead of reporting it.
[[noreturn]] __attribute__((no_sanitize("undefined"))) void CrashNow(
    const std::string& how) {
  if (how == "exit") _exit(kCrashExitCode);
  if (how == "segv") {
    // A real invalid access; raise() only if the compiler somehow spared us.
    volatile int* invalid = nullptr;
    *invalid = 1;
    raise(SIGSEGV);
  }
  abort();
}

}  // namespace

FunctionSpec CrashFunction() {
  FunctionSpec spec;
  spec.name = "crash";
  spec.description =
      "Kills its worker process (abort, segv or exit) to show crash "
      "isolation; process pool only.";
  spec.signature = "crash(how: \"abort\"|\"segv\"|\"exit\" = \"abort\")";
  spec.default_pool = v1::POOL_PROCESS;
  spec.pools = {v1::POOL_PROCESS};
  spec.validate = [](const CallArgs& call, const FunctionLimits&) {
    return ReadHow(call).status();
  };
  spec.run = [](const CallArgs& call,
                TaskContext&) -> absl::StatusOr<CallResult> {
    absl::StatusOr<std::string> how = ReadHow(call);
    if (!how.ok()) return how.status();
    // Never take the server down, whatever routed the call here.
    if (CurrentWorkerProcessHooks() == nullptr) {
      return absl::FailedPreconditionError(
          "crash runs only in a process-pool worker");
    }
    CrashNow(*how);
  };
  return spec;
}

}  // namespace execd
