#ifndef EXECD_TESTS_PROCESS_PROCESS_TEST_UTIL_H_
#define EXECD_TESTS_PROCESS_PROCESS_TEST_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "tests/integration/integration_util.h"
#include "tests/support/server_process.h"

// Helpers for tests of the process pool on a real server.
namespace execd::process_testing {

using ::execd::testing::ServerProcess;

// A server with both pools: `flags` come after --threads=4.
absl::StatusOr<std::unique_ptr<ServerProcess>> StartProcessServer(
    std::vector<std::string> flags);

// A SubmitRequest for `function` on the process pool.
v1::SubmitRequest ProcessSubmit(const std::string& function,
                                std::vector<google::protobuf::Value> args = {});

// The process pool's PoolStatus (default instance if the RPC fails).
v1::PoolStatus ProcessPoolStatus(v1::Executor::Stub& stub);

// The pid in a Task.worker "process-<slot>/pid-<pid>", or -1.
pid_t WorkerPid(const v1::Task& task);

// True once `pid` is gone (a zombie counts as gone: it runs no more).
bool ProcessGone(pid_t pid);
bool WaitProcessGone(pid_t pid, absl::Duration timeout);

// Waits until the task is RUNNING and returns it (state unspecified if not).
v1::Task WaitRunning(v1::Executor::Stub& stub, const std::string& task_id,
                     absl::Duration timeout = absl::Seconds(20));

}  // namespace execd::process_testing

#endif  // EXECD_TESTS_PROCESS_PROCESS_TEST_UTIL_H_
