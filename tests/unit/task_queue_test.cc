#include "server/core/task_queue.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace execd {
namespace {

TaskPtr MakeTask(uint64_t seq, int32_t priority, uint64_t group = 0) {
  auto task = std::make_shared<TaskRecord>();
  task->seq = seq;
  task->priority = priority;
  task->map_group = group;
  return task;
}

TEST(TaskQueueTest, LowerPriorityFirstThenSubmitOrder) {
  TaskQueue queue;
  queue.Push(MakeTask(1, 5));
  queue.Push(MakeTask(2, -1));
  queue.Push(MakeTask(3, 5));
  queue.Push(MakeTask(4, 0));
  queue.Push(MakeTask(5, -1));
  std::vector<uint64_t> order;
  while (queue.size() > 0) order.push_back(queue.Pop()->seq);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 5, 4, 1, 3}));
}

TEST(TaskQueueTest, RemoveTakesOutOnlyThatTask) {
  TaskQueue queue;
  TaskPtr kept = MakeTask(1, 0);
  TaskPtr removed = MakeTask(2, 0);
  queue.Push(kept);
  queue.Push(removed);
  EXPECT_TRUE(queue.Remove(*removed));
  EXPECT_FALSE(queue.Remove(*removed));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.Pop(), kept);
}

TEST(TaskQueueTest, PopBlocksUntilPushAndCloseWakesEveryone) {
  TaskQueue queue;
  TaskPtr popped;
  std::thread consumer([&] { popped = queue.Pop(); });
  absl::SleepFor(absl::Milliseconds(50));
  queue.Push(MakeTask(7, 0));
  consumer.join();
  ASSERT_NE(popped, nullptr);
  EXPECT_EQ(popped->seq, 7u);

  std::vector<std::thread> waiters;
  std::atomic<int> woke{0};
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      if (queue.Pop() == nullptr) woke.fetch_add(1);
    });
  }
  queue.Close();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(woke.load(), 3);
  queue.Push(MakeTask(8, 0));
  EXPECT_EQ(queue.Pop(), nullptr);  // closed stays closed
}

TEST(TaskQueueTest, PopWithTimeoutGivesUp) {
  TaskQueue queue;
  const absl::Time start = absl::Now();
  EXPECT_EQ(queue.PopWithTimeout(absl::Milliseconds(30)), nullptr);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(25));
}

TEST(TaskQueueTest, GroupFollowersStopAtAnotherGroup) {
  TaskQueue queue;
  queue.Push(MakeTask(1, 0, 9));
  queue.Push(MakeTask(2, 0, 9));
  queue.Push(MakeTask(3, 0, 9));
  queue.Push(MakeTask(4, 0, 8));
  queue.Push(MakeTask(5, 0, 9));
  TaskPtr head = queue.Pop();
  std::vector<TaskPtr> chunk = queue.PopGroupFollowers(head->map_group, 10);
  ASSERT_EQ(chunk.size(), 2u);
  EXPECT_EQ(chunk[0]->seq, 2u);
  EXPECT_EQ(chunk[1]->seq, 3u);
  EXPECT_EQ(queue.PopGroupFollowers(9, 10).size(), 0u);  // 4 is in the way
  EXPECT_EQ(queue.size(), 2u);
}

TEST(TaskQueueTest, GroupFollowersRespectMax) {
  TaskQueue queue;
  for (uint64_t seq = 1; seq <= 5; ++seq) queue.Push(MakeTask(seq, 0, 3));
  EXPECT_EQ(queue.PopGroupFollowers(3, 2).size(), 2u);
  EXPECT_EQ(queue.size(), 3u);
}

// One spinner and sleeping workers share the pushes: a lost wake-up would
// leave a task queued with every worker asleep.
TEST(TaskQueueTest, SpinningAndSleepingWorkersTakeEveryTaskOnce) {
  constexpr int kWorkers = 4;
  constexpr uint64_t kTasks = 20000;
  TaskQueue queue;
  std::vector<std::vector<uint64_t>> taken(kWorkers);
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&queue, &taken, i] {
      while (TaskPtr task = queue.Pop()) taken[i].push_back(task->seq);
    });
  }
  for (uint64_t seq = 1; seq <= kTasks; ++seq) {
    queue.Push(MakeTask(seq, 0));
    // Bursts and gaps longer than the spin, so workers do fall asleep.
    if (seq % 1000 == 0) absl::SleepFor(TaskQueue::kSpinBeforeSleep * 4);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (queue.size() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(queue.size(), 0u) << "tasks left queued with workers asleep";
  queue.Close();
  for (std::thread& worker : workers) worker.join();
  std::vector<uint64_t> all;
  for (const auto& seqs : taken)
    all.insert(all.end(), seqs.begin(), seqs.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), kTasks);
  for (uint64_t i = 0; i < kTasks; ++i) EXPECT_EQ(all[i], i + 1);
}

}  // namespace
}  // namespace execd
