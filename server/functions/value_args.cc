#include "server/functions/value_args.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace execd {

std::string DescribeValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return "null";
    case google::protobuf::Value::kNumberValue:
      return absl::StrCat(value.number_value());
    case google::protobuf::Value::kStringValue:
      return absl::StrCat("\"",
                          absl::string_view(value.string_value()).substr(0, 40),
                          value.string_value().size() > 40 ? "...\"" : "\"");
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kStructValue:
      return "an object";
    case google::protobuf::Value::kListValue:
      return "a list";
    default:
      return "nothing";
  }
}

absl::Status ArgReader::CheckShape(
    size_t max_positional, const std::vector<absl::string_view>& known) const {
  if (static_cast<size_t>(call_.args.values_size()) > max_positional) {
    return absl::InvalidArgumentError(
        absl::StrCat(function_, ": takes at most ", max_positional,
                     " positional argument(s) (", absl::StrJoin(known, ", "),
                     "), got ", call_.args.values_size()));
  }
  for (const auto& [key, value] : call_.kwargs.fields()) {
    bool found = false;
    for (absl::string_view name : known) found = found || name == key;
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          function_, ": unknown keyword argument \"", key, "\"; allowed: ",
          known.empty() ? "none" : absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const google::protobuf::Value*> ArgReader::Find(
    size_t position, absl::string_view name) const {
  const google::protobuf::Value* positional =
      static_cast<size_t>(call_.args.values_size()) > position
          ? &call_.args.values(static_cast<int>(position))
          : nullptr;
  auto it = call_.kwargs.fields().find(std::string(name));
  const google::protobuf::Value* keyword =
      it == call_.kwargs.fields().end() ? nullptr : &it->second;
  if (positional != nullptr && keyword != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(function_, ": argument \"", name,
                     "\" given both by position and by name"));
  }
  return positional != nullptr ? positional : keyword;
}

absl::Status ArgReader::Invalid(absl::string_view name, absl::string_view rule,
                                const google::protobuf::Value* got) const {
  return absl::InvalidArgumentError(
      absl::StrCat(function_, ": argument \"", name, "\" must be ", rule,
                   ", got ", got == nullptr ? "nothing" : DescribeValue(*got)));
}

absl::StatusOr<double> ArgReader::Number(size_t position,
                                         absl::string_view name, double min,
                                         double max,
                                         std::optional<double> fallback) const {
  absl::StatusOr<const google::protobuf::Value*> value = Find(position, name);
  if (!value.ok()) return value.status();
  const std::string rule = absl::StrCat("a number between ", min, " and ", max);
  if (*value == nullptr) {
    if (fallback.has_value()) return *fallback;
    return Invalid(name, rule, nullptr);
  }
  if (!(*value)->has_number_value()) return Invalid(name, rule, *value);
  const double number = (*value)->number_value();
  if (!std::isfinite(number) || number < min || number > max) {
    return Invalid(name, rule, *value);
  }
  return number;
}

absl::StatusOr<int64_t> ArgReader::Integer(
    size_t position, absl::string_view name, int64_t min, int64_t max,
    std::optional<int64_t> fallback) const {
  absl::StatusOr<const google::protobuf::Value*> value = Find(position, name);
  if (!value.ok()) return value.status();
  const std::string rule =
      absl::StrCat("an integer between ", min, " and ", max);
  if (*value == nullptr) {
    if (fallback.has_value()) return *fallback;
    return Invalid(name, rule, nullptr);
  }
  if (!(*value)->has_number_value()) return Invalid(name, rule, *value);
  const double number = (*value)->number_value();
  if (!std::isfinite(number) || number != std::floor(number) ||
      number < static_cast<double>(min) || number > static_cast<double>(max)) {
    return Invalid(name, rule, *value);
  }
  return static_cast<int64_t>(number);
}

absl::StatusOr<std::string> ArgReader::String(
    size_t position, absl::string_view name,
    std::optional<std::string> fallback) const {
  absl::StatusOr<const google::protobuf::Value*> value = Find(position, name);
  if (!value.ok()) return value.status();
  if (*value == nullptr) {
    if (fallback.has_value()) return *fallback;
    return Invalid(name, "a string", nullptr);
  }
  if (!(*value)->has_string_value()) return Invalid(name, "a string", *value);
  return (*value)->string_value();
}

}  // namespace execd
