#ifndef EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_
#define EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_

#include <cstddef>

#include "server/core/executor.h"
#include "server/service/open_streams.h"

namespace execd {

// What every handler and reactor of the service shares.
struct ServiceContext {
  Executor* executor;
  OpenStreams* streams;
  size_t max_stream_buffer;  // events buffered per stream before it is ended
};

inline constexpr char kResumeHint[] =
    "resume with ListTasks and Result (task results are kept for "
    "--result_ttl)";

}  // namespace execd

#endif  // EXECD_SERVER_SERVICE_SERVICE_CONTEXT_H_
