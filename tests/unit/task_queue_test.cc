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

// PopBatch with no waiting and a claim that records what it saw.
std::vector<uint64_t> PopBatchSeqs(TaskQueue& queue, int max_chunk,
                                   int max_plain, int sharers) {
  std::vector<uint64_t> claimed;
  std::vector<TaskPtr> batch =
      queue.PopBatch(absl::ZeroDuration(), max_chunk, max_plain, sharers,
                     [&claimed](const std::vector<TaskPtr>& tasks) {
                       for (const TaskPtr& task : tasks)
                         claimed.push_back(task->seq);
                     });
  std::vector<uint64_t> seqs;
  for (const TaskPtr& task : batch) seqs.push_back(task->seq);
  EXPECT_EQ(seqs, claimed);
  return seqs;
}

TaskPtr MakeChunkItem(uint64_t seq, uint64_t group, int32_t chunksize) {
  TaskPtr task = MakeTask(seq, 0, group);
  task->chunksize = chunksize;
  return task;
}

TEST(TaskQueueTest, PopBatchTakesAChunkUpToItsSizeAndStopsAtAnotherGroup) {
  TaskQueue queue;
  queue.Push(MakeChunkItem(1, 9, 3));
  queue.Push(MakeChunkItem(2, 9, 3));
  queue.Push(MakeChunkItem(3, 9, 3));
  queue.Push(MakeChunkItem(4, 9, 3));
  queue.Push(MakeChunkItem(5, 8, 3));
  queue.Push(MakeChunkItem(6, 9, 3));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 1), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 1), (std::vector<uint64_t>{4}));
  EXPECT_EQ(PopBatchSeqs(queue, 2, 8, 1), (std::vector<uint64_t>{5}));
  EXPECT_EQ(queue.size(), 1u);
}

TEST(TaskQueueTest, PopBatchTakesAShareOfAPlainBacklog) {
  TaskQueue queue;
  for (uint64_t seq = 1; seq <= 10; ++seq) queue.Push(MakeTask(seq, 0));
  // 9 behind the first, 3 sharers: 1 + 3.
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 3),
            (std::vector<uint64_t>{1, 2, 3, 4}));
  // At most max_plain.
  EXPECT_EQ(PopBatchSeqs(queue, 100, 2, 1), (std::vector<uint64_t>{5, 6}));
  // A chunk of a Map does not join a plain batch.
  queue.Push(MakeChunkItem(0, 4, 16));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 1), (std::vector<uint64_t>{0}));
}

TEST(TaskQueueTest, PopBatchTakesMapChunksOfOutcomesUpToTheirItemBound) {
  TaskQueue queue;
  auto outcomes_chunk = [](uint64_t seq, int32_t items) {
    TaskPtr task = MakeTask(seq, 0);
    task->map_chunk = true;
    task->chunksize = items;
    return task;
  };
  queue.Push(outcomes_chunk(1, 256));
  queue.Push(outcomes_chunk(2, 256));
  queue.Push(outcomes_chunk(3, 256));
  queue.Push(outcomes_chunk(4, 600));
  for (uint64_t seq = 5; seq <= 9; ++seq) queue.Push(outcomes_chunk(seq, 3));
  queue.Push(MakeTask(10, 0));
  queue.Push(MakeTask(11, 0));
  // Chunks go together up to TaskQueue::kMaxFrameChunkItems (512) items.
  EXPECT_EQ(PopBatchSeqs(queue, 100, 16, 1), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 16, 1), (std::vector<uint64_t>{3}));
  // A larger chunk goes alone.
  EXPECT_EQ(PopBatchSeqs(queue, 100, 16, 1), (std::vector<uint64_t>{4}));
  // Small ones go with plain tasks, up to `max_plain` tasks.
  EXPECT_EQ(PopBatchSeqs(queue, 100, 4, 1),
            (std::vector<uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 4, 1), (std::vector<uint64_t>{9, 10, 11}));
}

TEST(TaskQueueTest, PopBatchSendsALoneTaskAlone) {
  TaskQueue queue;
  queue.Push(MakeTask(1, 0));
  queue.Push(MakeTask(2, 0));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 2), (std::vector<uint64_t>{1}));
  EXPECT_EQ(PopBatchSeqs(queue, 100, 8, 2), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(PopBatchSeqs(queue, 100, 8, 2).empty());
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
