#ifndef EXECD_TESTS_UNIT_TEST_UTIL_H_
#define EXECD_TESTS_UNIT_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"

namespace execd::testing {

inline google::protobuf::Value Number(double value) {
  google::protobuf::Value result;
  result.set_number_value(value);
  return result;
}

inline google::protobuf::Value String(const std::string& value) {
  google::protobuf::Value result;
  result.set_string_value(value);
  return result;
}

inline v1::SubmitRequest MakeSubmit(
    const std::string& function,
    const std::vector<google::protobuf::Value>& args = {}) {
  v1::SubmitRequest request;
  request.set_function(function);
  for (const auto& arg : args) *request.add_args() = arg;
  return request;
}

inline void SetDuration(absl::Duration duration,
                        google::protobuf::Duration* out) {
  out->set_seconds(absl::ToInt64Seconds(duration));
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(duration % absl::Seconds(1))));
}

// Polls `condition` until true or `timeout`; returns its last value.
template <typename Condition>
bool Eventually(Condition condition,
                absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace execd::testing

#endif  // EXECD_TESTS_UNIT_TEST_UTIL_H_
