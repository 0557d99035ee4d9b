#ifndef EXECD_SERVER_FUNCTIONS_VALUE_ARGS_H_
#define EXECD_SERVER_FUNCTIONS_VALUE_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "server/functions/function.h"

namespace execd {

// Reads a parameter given either positionally (args[position]) or by name
// (kwargs[name]); the INVALID_ARGUMENT messages name the function, the
// parameter and what is allowed.
class ArgReader {
 public:
  ArgReader(absl::string_view function, const CallArgs& call)
      : function_(function), call_(call) {}

  // INVALID_ARGUMENT if more positional args than `max_positional` or any
  // kwarg outside `known`.
  absl::Status CheckShape(size_t max_positional,
                          const std::vector<absl::string_view>& known) const;

  // nullptr if absent; INVALID_ARGUMENT if given twice.
  absl::StatusOr<const google::protobuf::Value*> Find(
      size_t position, absl::string_view name) const;

  absl::StatusOr<double> Number(size_t position, absl::string_view name,
                                double min, double max,
                                std::optional<double> fallback) const;
  absl::StatusOr<int64_t> Integer(size_t position, absl::string_view name,
                                  int64_t min, int64_t max,
                                  std::optional<int64_t> fallback) const;
  absl::StatusOr<std::string> String(size_t position, absl::string_view name,
                                     std::optional<std::string> fallback) const;

  absl::Status Invalid(absl::string_view name, absl::string_view rule,
                       const google::protobuf::Value* got) const;

 private:
  std::string function_;
  const CallArgs& call_;
};

// A short human rendering of a value for error messages ("\"abc\"", "3").
std::string DescribeValue(const google::protobuf::Value& value);

}  // namespace execd

#endif  // EXECD_SERVER_FUNCTIONS_VALUE_ARGS_H_
