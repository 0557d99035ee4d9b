#ifndef EXECD_SERVER_FUNCTIONS_REGISTRY_H_
#define EXECD_SERVER_FUNCTIONS_REGISTRY_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/functions/function.h"

namespace execd {

// Name -> function. Filled at start-up, read-only afterwards, so lookups need
// no lock. The server and execd-worker build the same registry.
class FunctionRegistry {
 public:
  // The registry of every built-in of API.md.
  static FunctionRegistry WithBuiltins();

  void Register(FunctionSpec spec);
  // NOT_FOUND naming the known functions when `name` is unknown.
  absl::StatusOr<const FunctionSpec*> Find(absl::string_view name) const;
  const std::map<std::string, FunctionSpec>& functions() const {
    return functions_;
  }

 private:
  std::map<std::string, FunctionSpec> functions_;
};

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_REGISTRY_H_
