#include "server/core/timer_service.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace execd {
namespace {

TEST(TimerServiceTest, RunsInDeadlineOrder) {
  TimerService timers;
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification done;
  const absl::Time now = absl::Now();
  auto record = [&](int value) {
    absl::MutexLock lock(&mu);
    order.push_back(value);
    if (order.size() == 3) done.Notify();
  };
  timers.Schedule(now + absl::Milliseconds(60), [&] { record(3); });
  timers.Schedule(now + absl::Milliseconds(20), [&] { record(1); });
  timers.Schedule(now + absl::Milliseconds(40), [&] { record(2); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TimerServiceTest, NotBeforeItsTime) {
  TimerService timers;
  absl::Notification fired;
  absl::Time fired_at;
  const absl::Time due = absl::Now() + absl::Milliseconds(50);
  timers.Schedule(due, [&] {
    fired_at = absl::Now();
    fired.Notify();
  });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_GE(fired_at, due);
}

TEST(TimerServiceTest, CancelledTimerNeverRuns) {
  TimerService timers;
  std::atomic<bool> ran{false};
  const auto id = timers.Schedule(absl::Now() + absl::Milliseconds(30),
                                  [&] { ran = true; });
  EXPECT_TRUE(timers.Cancel(id));
  EXPECT_FALSE(timers.Cancel(id));
  absl::Notification later;
  timers.Schedule(absl::Now() + absl::Milliseconds(60),
                  [&] { later.Notify(); });
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerServiceTest, EarlierTimerWakesTheLoop) {
  TimerService timers;
  timers.Schedule(absl::Now() + absl::Hours(1), [] {});
  absl::Notification soon;
  timers.Schedule(absl::Now() + absl::Milliseconds(10), [&] { soon.Notify(); });
  EXPECT_TRUE(soon.WaitForNotificationWithTimeout(absl::Seconds(5)));
}

TEST(TimerServiceTest, CallbackMayScheduleAnother) {
  TimerService timers;
  absl::Notification second;
  timers.Schedule(absl::Now(), [&] {
    timers.Schedule(absl::Now(), [&] { second.Notify(); });
  });
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(5)));
}

}  // namespace
}  // namespace execd
