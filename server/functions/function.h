#ifndef EXECD_SERVER_FUNCTIONS_FUNCTION_H_
#define EXECD_SERVER_FUNCTIONS_FUNCTION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"
#include "server/core/cancellation.h"

namespace execd {

// The inputs of one call, borrowed from the task record or a worker frame.
struct CallArgs {
  const google::protobuf::ListValue& args;
  const google::protobuf::Struct& kwargs;
  const std::string& input;
};

// What a successful call produces.
struct CallResult {
  std::string result;  // a google.protobuf.Value, encoded (encoded_value.h)
  std::string output;
};

// Server settings a function may consult when validating or running.
struct FunctionLimits {
  std::vector<std::string> exec_allow;  // absolute program paths
  int64_t max_output_bytes = 4 << 20;
};

// Handed to a running function: how it learns it must stop.
class TaskContext {
 public:
  TaskContext(CancellationToken* token, const FunctionLimits* limits)
      : token_(token), limits_(limits) {}
  bool IsCancelled() const { return token_->IsCancelled(); }
  // Sleeps up to `timeout`; returns true if cancelled meanwhile.
  bool WaitForCancellation(absl::Duration timeout) const {
    return token_->WaitForCancellation(timeout);
  }
  const FunctionLimits& limits() const { return *limits_; }

 private:
  CancellationToken* token_;
  const FunctionLimits* limits_;
};

// A registered function. `validate` runs at submit time (INVALID_ARGUMENT or
// PERMISSION_DENIED); `run` runs on a pool. A failed run returns a status
// whose message becomes the TaskError message with reason TASK_ERROR.
struct FunctionSpec {
  std::string name;
  std::string description;
  std::string signature;
  v1::Pool default_pool = v1::POOL_THREAD;
  std::vector<v1::Pool> pools;
  std::function<absl::Status(const CallArgs&, const FunctionLimits&)> validate;
  std::function<absl::StatusOr<CallResult>(const CallArgs&, TaskContext&)> run;

  bool AllowsPool(v1::Pool pool) const;
};

// The TaskError of a failed run: reason INVALID_ARGUMENT for a status of that
// code (the arguments were wrong), TASK_ERROR for any other.
v1::TaskError TaskErrorOf(const absl::Status& failed_run);

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_FUNCTION_H_
