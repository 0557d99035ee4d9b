#include "server/functions/registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/functions/builtins/builtins.h"

namespace execd {

FunctionRegistry FunctionRegistry::WithBuiltins() {
  FunctionRegistry registry;
  registry.Register(EchoFunction());
  registry.Register(NoopFunction());
  registry.Register(SleepFunction());
  registry.Register(PrimesFunction());
  registry.Register(FailFunction());
  registry.Register(CrashFunction());
  registry.Register(ExecFunction());
  registry.Register(AllocateFunction());
  return registry;
}

void FunctionRegistry::Register(FunctionSpec spec) {
  std::string name = spec.name;
  functions_.insert_or_assign(std::move(name), std::move(spec));
}

absl::StatusOr<const FunctionSpec*> FunctionRegistry::Find(
    absl::string_view name) const {
  auto it = functions_.find(std::string(name));
  if (it != functions_.end()) return &it->second;
  std::vector<absl::string_view> known;
  for (const auto& [known_name, spec] : functions_) known.push_back(known_name);
  return absl::NotFoundError(
      absl::StrCat("function \"", name.substr(0, 64),
                   "\" not found; known: ", absl::StrJoin(known, ", ")));
}

}  // namespace execd
