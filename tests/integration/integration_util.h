#ifndef EXECD_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
#define EXECD_TESTS_INTEGRATION_INTEGRATION_UTIL_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/support/server_process.h"

// Small helpers shared by the integration tests: request builders, RPC
// wrappers with bounded deadlines, health checks and /metrics parsing.
namespace execd::integration {

using ::execd::testing::ServerProcess;

// google.protobuf.Value builders.
google::protobuf::Value Number(double value);
google::protobuf::Value Str(const std::string& value);

google::protobuf::Duration Millis(int64_t milliseconds);
absl::Time ToTime(const google::protobuf::Timestamp& timestamp);

// A SubmitRequest for `function` with positional `args`.
v1::SubmitRequest MakeSubmit(const std::string& function,
                             std::vector<google::protobuf::Value> args = {});
// sleep(seconds) on the thread pool.
v1::SubmitRequest MakeSleep(double seconds);

// A client context with a deadline `timeout` from now.
std::unique_ptr<grpc::ClientContext> Context(
    absl::Duration timeout = absl::Seconds(20));

// Starts a server with the thread pool only (--processes=0) plus `flags`.
absl::StatusOr<std::unique_ptr<ServerProcess>> StartThreadServer(
    std::vector<std::string> flags = {});

// Unary wrappers (20 s deadline unless said otherwise).
grpc::Status Submit(v1::Executor::Stub& stub, const v1::SubmitRequest& request,
                    v1::SubmitResponse* response);
// Submits and returns the task id; empty (and a test failure) on error.
std::string SubmitOk(v1::Executor::Stub& stub,
                     const v1::SubmitRequest& request);
grpc::Status GetTask(v1::Executor::Stub& stub, const std::string& task_id,
                     v1::Task* task);
// Result with a server-side wait of `wait` (and an RPC deadline well after).
grpc::Status Result(v1::Executor::Stub& stub, const std::string& task_id,
                    absl::Duration wait, v1::Task* task);
// Result that waits until the task is terminal (up to `wait`).
v1::Task AwaitTerminal(v1::Executor::Stub& stub, const std::string& task_id,
                       absl::Duration wait = absl::Seconds(20));
grpc::Status Cancel(v1::Executor::Stub& stub, const std::string& task_id,
                    v1::CancelResponse* response);
v1::PoolStatus ThreadPoolStatus(v1::Executor::Stub& stub);

// Polls `condition` every 10 ms until true or `timeout`; returns the last
// result.
template <typename Condition>
bool PollUntil(Condition condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

// Waits until the task reaches `state` (GetTask polling).
bool WaitForState(v1::Executor::Stub& stub, const std::string& task_id,
                  v1::TaskState state, absl::Duration timeout);

bool IsTerminal(v1::TaskState state);

// grpc.health.v1.Health/Check through a generic stub with hand-encoded
// protobuf: returns the ServingStatus (1 SERVING, 2 NOT_SERVING) or the RPC
// error.
absl::StatusOr<int> HealthCheck(const std::string& target,
                                const std::string& service);

// Calls `method` (any kind) through a generic stub with `bytes` as its only
// request message, then reads every reply: for requests a typed stub could
// not send (malformed protobuf).
struct RawCallOutcome {
  grpc::Status status;
  int replies = 0;
};
RawCallOutcome CallWithRawRequest(const std::string& target,
                                  const std::string& method,
                                  const std::string& bytes);

// The value of the Prometheus sample `name{labels}` in `body` (labels given
// as `key="value"` fragments, all of which must appear); nullopt if absent.
std::optional<double> MetricValue(
    const std::string& body, const std::string& name,
    const std::vector<std::string>& label_fragments = {});

// Scrapes /metrics; empty string (and a test failure) on error.
std::string ScrapeMetrics(const ServerProcess& server);

// Collected events of a server stream.
std::string DescribeEvent(const v1::TaskEvent& event);

}  // namespace execd::integration

#endif  // EXECD_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
