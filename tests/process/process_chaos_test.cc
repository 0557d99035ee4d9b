// Chaos: steady load on both pools while worker processes are SIGKILLed at
// random for a bounded time. Afterwards every accepted task is terminal, the
// process pool is back to full strength and the server still answers.
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "server/pools/process_info.h"
#include "tests/process/process_test_util.h"

namespace execd::process_testing {
namespace {

using integration::Number;

constexpr int kProcesses = 3;
constexpr absl::Duration kChaosTime = absl::Seconds(10);
constexpr int kMaxTasksPerClient = 400;  // bounds the load whatever the speed

TEST(ProcessChaosTest, RandomWorkerKillsNeverLoseOrBreakAnything) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = StartProcessServer(
      {absl::StrCat("--processes=", kProcesses), "--queue_capacity=10000"});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<ServerProcess> server = std::move(*started);

  absl::Mutex mu;
  std::vector<std::string> accepted;
  std::atomic<bool> stop{false};
  auto client = [&](int index) {
    std::unique_ptr<v1::Executor::Stub> stub = server->NewStub();
    std::mt19937 random(index);
    for (int i = 0; i < kMaxTasksPerClient && !stop.load(); ++i) {
      v1::SubmitRequest request =
          index % 2 == 0
              ? ProcessSubmit("primes", {Number(100000 + random() % 2000000)})
              : integration::MakeSleep(0.001 * (random() % 20));
      request.set_max_retries(i % 3 == 0 ? 1 : 0);
      v1::SubmitResponse response;
      if (integration::Submit(*stub, request, &response).ok()) {
        absl::MutexLock lock(&mu);
        accepted.push_back(response.task_id());
      }
      absl::SleepFor(
          absl::Milliseconds(20));  // spreads the load over the chaos
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back(client, i);

  int kills = 0;
  std::mt19937 random(7);
  const absl::Time end = absl::Now() + kChaosTime;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(100 + random() % 200));
    // Only the server's own children: its execd-worker processes.
    std::vector<pid_t> workers = ChildProcesses(server->pid());
    if (workers.empty()) continue;
    if (kill(workers[random() % workers.size()], SIGKILL) == 0) ++kills;
  }
  stop.store(true);
  for (std::thread& thread : clients) thread.join();
  EXPECT_GT(kills, 10);

  std::unique_ptr<v1::Executor::Stub> stub = server->NewStub();
  std::map<v1::TaskState, int> states;
  for (const std::string& id : accepted) {
    v1::Task task = integration::AwaitTerminal(*stub, id, absl::Seconds(60));
    ++states[task.state()];
    EXPECT_TRUE(integration::IsTerminal(task.state()))
        << id << " " << task.DebugString();
  }
  EXPECT_GT(accepted.size(), 100u);
  EXPECT_GT(states[v1::TASK_STATE_SUCCEEDED], 0);
  EXPECT_TRUE(integration::PollUntil(
      [&] {
        v1::PoolStatus pool = ProcessPoolStatus(*stub);
        return pool.workers() == kProcesses && pool.idle() == kProcesses;
      },
      absl::Seconds(20)))
      << ProcessPoolStatus(*stub).DebugString();
  EXPECT_EQ(ChildProcesses(server->pid()).size(),
            static_cast<size_t>(kProcesses));
  EXPECT_GT(ProcessPoolStatus(*stub).worker_restarts(), 0);
  v1::Task after = integration::AwaitTerminal(
      *stub,
      integration::SubmitOk(*stub, ProcessSubmit("primes", {Number(100000)})));
  EXPECT_EQ(after.result().number_value(), 9592);
  std::cout << "accepted " << accepted.size() << " tasks, killed " << kills
            << " workers; succeeded " << states[v1::TASK_STATE_SUCCEEDED]
            << ", failed " << states[v1::TASK_STATE_FAILED] << "\n";
}

}  // namespace
}  // namespace execd::process_testing
