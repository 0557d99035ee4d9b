#ifndef EXECD_CLIENT_CPP_SUBMIT_OPTIONS_H_
#define EXECD_CLIENT_CPP_SUBMIT_OPTIONS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "execd/v1/execd.pb.h"
#include "google/protobuf/struct.pb.h"

namespace execd {

// Everything about a task besides its function and positional arguments.
struct SubmitOptions {
  google::protobuf::Struct kwargs;
  v1::Pool pool = v1::POOL_UNSPECIFIED;   // unspecified: the function's default
  int priority = 0;                       // lower runs first
  std::optional<absl::Duration> timeout;  // run-time limit
  std::optional<absl::Duration> delay;    // not started before submit + delay
  std::map<std::string, std::string> labels;
  int max_retries = 0;  // re-runs after FAILED
  std::string input;    // raw bytes: stdin for exec, echo's output
  // Idempotency key; a random one is generated when empty so that a retried
  // Submit never runs the task twice.
  std::string request_id;
};

struct MapOptions {
  google::protobuf::Struct kwargs;  // shared by every item
  v1::Pool pool = v1::POOL_UNSPECIFIED;
  int chunksize = 1;
  std::optional<absl::Duration> timeout;  // per item
  bool unordered = false;                 // completion order instead of input
  // Items are not tasks: chunks of `chunksize` run as one unit each, and
  // each result's task holds only state, result or error, and output
  // (MapRequest.outcomes_only).
  bool outcomes_only = false;
  // A long Map is sent as several MapBatchStream calls of this many items
  // (rounded up to whole chunks; fewer where a call's items would pass
  // 1 MiB), `calls_in_flight` of them open at once: the server starts on the
  // first items while the next are still on the wire, and a Map of any
  // length fits the message limit. Each call is checked on its own: a bad
  // item refuses its call, after earlier calls may have run. 0: one call.
  int items_per_call = 4096;
  int calls_in_flight = 4;
};

}  // namespace execd

#endif  // EXECD_CLIENT_CPP_SUBMIT_OPTIONS_H_
