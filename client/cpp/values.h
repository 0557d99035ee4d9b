#ifndef EXECD_CLIENT_CPP_VALUES_H_
#define EXECD_CLIENT_CPP_VALUES_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"

namespace execd {

// Builders for the google.protobuf.Value arguments of a task, so that
// `Submit("sleep", Args(0.5))` reads like the call it makes.
google::protobuf::Value ToValue(double number);
google::protobuf::Value ToValue(int number);
google::protobuf::Value ToValue(int64_t number);
google::protobuf::Value ToValue(bool flag);
google::protobuf::Value ToValue(absl::string_view text);
google::protobuf::Value ToValue(const char* text);
google::protobuf::Value ToValue(std::string text);
inline google::protobuf::Value ToValue(google::protobuf::Value value) {
  return value;
}

// Positional arguments: Args(1, "two", 3.0).
template <typename... Ts>
std::vector<google::protobuf::Value> Args(Ts&&... values) {
  return {ToValue(std::forward<Ts>(values))...};
}

// Keyword arguments: Kwargs({{"seconds", ToValue(1)}}).
google::protobuf::Struct Kwargs(
    std::initializer_list<std::pair<std::string, google::protobuf::Value>>
        entries);

// Parses one JSON text (object, array, string, number, true, false, null).
absl::StatusOr<google::protobuf::Value> ParseJsonValue(absl::string_view json);

// Compact JSON of a value, e.g. {"args":[2]}.
std::string ValueToJson(const google::protobuf::Value& value);

google::protobuf::Duration ToProtoDuration(absl::Duration duration);
absl::Duration FromProtoDuration(const google::protobuf::Duration& duration);

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_VALUES_H_
