#include "client/cpp/values.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace execd {

using google::protobuf::Value;

Value ToValue(double number) {
  Value value;
  value.set_number_value(number);
  return value;
}

Value ToValue(int number) { return ToValue(static_cast<double>(number)); }

Value ToValue(int64_t number) { return ToValue(static_cast<double>(number)); }

Value ToValue(bool flag) {
  Value value;
  value.set_bool_value(flag);
  return value;
}

Value ToValue(absl::string_view text) {
  Value value;
  value.set_string_value(std::string(text));
  return value;
}

Value ToValue(const char* text) { return ToValue(absl::string_view(text)); }

Value ToValue(std::string text) {
  Value value;
  value.set_string_value(std::move(text));
  return value;
}

google::protobuf::Struct Kwargs(
    std::initializer_list<std::pair<std::string, Value>> entries) {
  google::protobuf::Struct kwargs;
  for (const auto& [key, value] : entries) {
    (*kwargs.mutable_fields())[key] = value;
  }
  return kwargs;
}

absl::StatusOr<Value> ParseJsonValue(absl::string_view json) {
  Value value;
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not valid JSON: ", json, " (", status.message().as_string(), ")"));
  }
  return value;
}

std::string ValueToJson(const Value& value) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) {
    return "<unprintable value>";
  }
  return json;
}

google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration proto;
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  proto.set_seconds(nanos / 1000000000);
  proto.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return proto;
}

absl::Duration FromProtoDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

}  // namespace execd
