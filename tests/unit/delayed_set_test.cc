#include "server/core/delayed_set.h"

#include <algorithm>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/unit/test_util.h"

namespace execd {
namespace {

using testing::Eventually;

TaskPtr DueTask(uint64_t seq, absl::Time ready_time) {
  auto task = std::make_shared<TaskRecord>();
  task->seq = seq;
  task->ready_time = ready_time;
  return task;
}

// Collects what the set hands over, in order.
class DueLog {
 public:
  DelayedSet::DueCallback callback() {
    return [this](TaskPtr task) {
      absl::MutexLock lock(&mu_);
      seqs_.push_back(task->seq);
    };
  }
  std::vector<uint64_t> seqs() const {
    absl::MutexLock lock(&mu_);
    return seqs_;
  }
  size_t size() const { return seqs().size(); }

 private:
  mutable absl::Mutex mu_;
  std::vector<uint64_t> seqs_;
};

TEST(DelayedSetTest, HandsOverInDueOrderThenSeq) {
  TimerService timers;
  DueLog log;
  DelayedSet set(&timers, log.callback());
  const absl::Time now = absl::Now();
  set.Add(DueTask(1, now + absl::Milliseconds(60)));
  set.Add(DueTask(2, now + absl::Milliseconds(20)));
  set.Add(DueTask(4, now + absl::Milliseconds(40)));
  set.Add(DueTask(3, now + absl::Milliseconds(40)));
  EXPECT_EQ(set.size(), 4u);
  ASSERT_TRUE(Eventually([&] { return log.size() == 4; }));
  EXPECT_EQ(log.seqs(), (std::vector<uint64_t>{2, 3, 4, 1}));
  EXPECT_EQ(set.size(), 0u);
}

TEST(DelayedSetTest, NotBeforeItsTime) {
  TimerService timers;
  absl::Mutex mu;
  absl::Time handed_at;
  DelayedSet set(&timers, [&](TaskPtr) {
    absl::MutexLock lock(&mu);
    handed_at = absl::Now();
  });
  const absl::Time due = absl::Now() + absl::Milliseconds(50);
  set.Add(DueTask(1, due));
  ASSERT_TRUE(Eventually([&] { return set.size() == 0; }));
  absl::MutexLock lock(&mu);
  EXPECT_GE(handed_at, due);
}

TEST(DelayedSetTest, EarlierTaskRearmsTheTimer) {
  TimerService timers;
  DueLog log;
  DelayedSet set(&timers, log.callback());
  set.Add(DueTask(1, absl::Now() + absl::Hours(1)));
  set.Add(DueTask(2, absl::Now() + absl::Milliseconds(10)));
  ASSERT_TRUE(Eventually([&] { return log.size() == 1; }, absl::Seconds(2)));
  EXPECT_EQ(log.seqs(), std::vector<uint64_t>{2});
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(timers.pending(), 1u);  // one timer for the hour-long wait
}

TEST(DelayedSetTest, RemoveTakesOutOnlyThatTask) {
  TimerService timers;
  DueLog log;
  DelayedSet set(&timers, log.callback());
  const absl::Time due = absl::Now() + absl::Milliseconds(30);
  TaskPtr kept = DueTask(1, due);
  TaskPtr cancelled = DueTask(2, due);
  set.Add(kept);
  set.Add(cancelled);
  EXPECT_TRUE(set.Remove(*cancelled));
  EXPECT_FALSE(set.Remove(*cancelled));  // the second remover gets nothing
  EXPECT_EQ(set.size(), 1u);
  ASSERT_TRUE(Eventually([&] { return log.size() == 1; }));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(log.seqs(), std::vector<uint64_t>{1});
  EXPECT_FALSE(set.Remove(*kept));  // already handed over
}

TEST(DelayedSetTest, ManyTasksShareOneTimer) {
  TimerService timers;
  DueLog log;
  DelayedSet set(&timers, log.callback());
  const absl::Time later = absl::Now() + absl::Hours(1);
  for (uint64_t seq = 1; seq <= 10000; ++seq) set.Add(DueTask(seq, later));
  EXPECT_EQ(set.size(), 10000u);
  EXPECT_EQ(timers.pending(), 1u);
}

TEST(DelayedSetTest, BurstDueAtOnceIsHandedOverInFull) {
  TimerService timers;
  DueLog log;
  DelayedSet set(&timers, log.callback());
  const absl::Time past = absl::Now() - absl::Seconds(1);
  constexpr uint64_t kTasks = 5000;  // several slices of one timer callback
  for (uint64_t seq = 1; seq <= kTasks; ++seq) set.Add(DueTask(seq, past));
  ASSERT_TRUE(Eventually([&] { return log.size() == kTasks; }));
  std::vector<uint64_t> seqs = log.seqs();
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  EXPECT_EQ(set.size(), 0u);
}

}  // namespace
}  // namespace execd
