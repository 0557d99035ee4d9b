#ifndef EXECD_CLIENT_CLI_ARGUMENTS_H_
#define EXECD_CLIENT_CLI_ARGUMENTS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace execd::cli {

// One `--name` a command accepts.
struct FlagSpec {
  std::string name;
  // "" for a switch (--wait); else the value's placeholder (--pool POOL).
  std::string value_name;
  std::string help;
};

// A command line split into flags and positional arguments.
class ParsedArguments {
 public:
  bool Has(absl::string_view name) const;
  // The last value given for `name`.
  std::optional<std::string> Get(absl::string_view name) const;
  std::vector<std::string> GetAll(absl::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  friend absl::StatusOr<ParsedArguments> ParseArguments(
      const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);
  std::vector<std::pair<std::string, std::string>> flags_;
  std::vector<std::string> positionals_;
};

// Accepts `--name=value`, `--name value`, `-h` for --help, and `--` to end
// flags; anything else (including "-1") is positional. Unknown flags and
// missing values are INVALID_ARGUMENT.
absl::StatusOr<ParsedArguments> ParseArguments(
    const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

}  // namespace execd::cli

#endif  // EXECD_CLIENT_CLI_ARGUMENTS_H_
