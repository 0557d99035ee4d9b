#include "server/functions/function.h"

#include <algorithm>
#include <string>

#include "server/core/attempt_result.h"

namespace execd {

bool FunctionSpec::AllowsPool(v1::Pool pool) const {
  return std::find(pools.begin(), pools.end(), pool) != pools.end();
}

v1::TaskError TaskErrorOf(const absl::Status& failed_run) {
  const bool invalid = failed_run.code() == absl::StatusCode::kInvalidArgument;
  v1::TaskError error;
  error.set_reason(
      std::string(invalid ? kReasonInvalidArgument : kReasonTaskError));
  error.set_message(std::string(failed_run.message()));
  error.set_code(static_cast<int>(failed_run.code()));
  return error;
}

}  // namespace execd
