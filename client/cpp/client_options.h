#ifndef EXECD_CLIENT_CPP_CLIENT_OPTIONS_H_
#define EXECD_CLIENT_CPP_CLIENT_OPTIONS_H_

#include "absl/time/time.h"
#include "client/cpp/retry.h"

namespace execd {

struct ClientOptions {
  RetryPolicy retry;
  // Deadline of each attempt of a call that never waits (Submit, GetTask...).
  absl::Duration call_timeout = absl::Seconds(30);
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_CLIENT_OPTIONS_H_
