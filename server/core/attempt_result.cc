#include "server/core/attempt_result.h"

#include <string>

namespace execd {

v1::TaskError MakeTaskError(absl::string_view reason, absl::string_view message,
                            int code) {
  v1::TaskError error;
  error.set_reason(std::string(reason));
  error.set_message(std::string(message));
  error.set_code(code);
  return error;
}

}  // namespace execd
