#ifndef EXECD_BENCH_TARGET_H_
#define EXECD_BENCH_TARGET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/bench_flags.h"
#include "bench/server_launcher.h"
#include "execd/v1/execd.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace execd::bench {

inline constexpr int kMaxMessageBytes = 64 << 20;
inline constexpr absl::Duration kRpcDeadline = absl::Seconds(60);

// One channel, with the settings every measured channel uses (so execd and
// the bare echo are compared on equal terms).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);
// A context with the bench deadline.
void SetDeadline(grpc::ClientContext* context,
                 absl::Duration deadline = kRpcDeadline);
// A failed call's status with its code, its message prefixed by `call`
// ("Submit: deadline exceeded").
absl::Status CallFailed(absl::string_view call, const grpc::Status& status);

// The server one scenario measures: started for it, or given by --target.
struct Target {
  std::string address;
  std::unique_ptr<ServerLauncher> server;  // null for --target
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Executor::Stub> stub;

  bool started() const { return server != nullptr; }
  // Server RSS, or nullopt for an external target.
  std::optional<int64_t> RssBytes() const;
};

// Starts bin/execd with `flags` (plus 127.0.0.1 ports and a ready file), or
// connects to --target (flags then ignored). Waits until the channel is up.
absl::StatusOr<std::unique_ptr<Target>> AcquireTarget(
    const BenchConfig& config, const std::vector<std::string>& flags);

// True when GetPools lists a POOL_PROCESS entry with workers.
bool HasProcessPool(v1::Executor::Stub* stub);

// Requests for the built-in functions.
v1::SubmitRequest EchoRequest(v1::Pool pool = v1::POOL_UNSPECIFIED);
v1::SubmitRequest SleepRequest(double seconds);
v1::SubmitRequest PrimesRequest(int64_t n, v1::Pool pool);

}  // namespace execd::bench

#endif  // EXECD_BENCH_TARGET_H_
