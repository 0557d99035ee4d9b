#include "tests/process/process_test_util.h"

#include <signal.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace execd::process_testing {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> StartProcessServer(
    std::vector<std::string> flags) {
  flags.insert(flags.begin(), "--threads=4");
  return ServerProcess::Start(std::move(flags));
}

v1::SubmitRequest ProcessSubmit(const std::string& function,
                                std::vector<google::protobuf::Value> args) {
  v1::SubmitRequest request =
      integration::MakeSubmit(function, std::move(args));
  request.set_pool(v1::POOL_PROCESS);
  return request;
}

v1::PoolStatus ProcessPoolStatus(v1::Executor::Stub& stub) {
  v1::GetPoolsResponse response;
  grpc::Status status = stub.GetPools(integration::Context().get(),
                                      v1::GetPoolsRequest(), &response);
  if (status.ok()) {
    for (const v1::PoolStatus& pool : response.pools()) {
      if (pool.pool() == v1::POOL_PROCESS) return pool;
    }
  }
  return v1::PoolStatus();
}

pid_t WorkerPid(const v1::Task& task) {
  const std::string& worker = task.worker();
  const size_t at = worker.rfind("/pid-");
  int pid = -1;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(worker.substr(at + 5), &pid)) {
    return -1;
  }
  return pid;
}

bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  const std::string stat = ReadText(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ||
         stat[paren + 2] == 'Z';
}

bool WaitProcessGone(pid_t pid, absl::Duration timeout) {
  return integration::PollUntil([pid] { return ProcessGone(pid); }, timeout);
}

v1::Task WaitRunning(v1::Executor::Stub& stub, const std::string& task_id,
                     absl::Duration timeout) {
  v1::Task task;
  integration::PollUntil(
      [&] {
        return integration::GetTask(stub, task_id, &task).ok() &&
               task.state() != v1::TASK_STATE_PENDING;
      },
      timeout);
  return task;
}

}  // namespace execd::process_testing
