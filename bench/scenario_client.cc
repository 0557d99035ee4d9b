// The C++ client library (client/cpp) as an application uses it: how many
// `echo` tasks per second a loop of Client::Submit gets accepted, against
// one Client::SubmitMany call for many (SubmitBatchStream underneath), and
// how long until every future of that batch reports done.
#include <memory>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "bench/scenarios.h"
#include "bench/target.h"
#include "client/cpp/client.h"

namespace execd::bench {
namespace {

double PerSecond(int64_t count, absl::Duration elapsed) {
  return static_cast<double>(count) / absl::ToDoubleSeconds(elapsed);
}

}  // namespace

absl::Status RunClientScenario(const BenchConfig& config, Section* out) {
  absl::StatusOr<std::unique_ptr<Target>> target =
      AcquireTarget(config, CommonServerFlags(config));
  if (!target.ok()) return target.status();
  Client client(CreateChannel((*target)->address));

  const int64_t loop_count = config.Count(2000, 100);
  absl::Time start = absl::Now();
  for (int64_t i = 0; i < loop_count; ++i) {
    absl::StatusOr<TaskFuture> future = client.Submit("echo", Args(i));
    if (!future.ok()) return future.status();
  }
  const double loop_rate = PerSecond(loop_count, absl::Now() - start);
  Section* loop = SubSection(out, "submit_loop");
  SetNumber(loop, "tasks", static_cast<double>(loop_count));
  SetNumber(loop, "accepted_per_second", loop_rate);

  const int64_t many_count = config.Count(20000, 1000);
  std::vector<std::vector<google::protobuf::Value>> items;
  items.reserve(many_count);
  for (int64_t i = 0; i < many_count; ++i) items.push_back(Args(i));
  start = absl::Now();
  auto futures = client.SubmitMany("echo", items);
  if (!futures.ok()) return futures.status();
  const absl::Duration accepted = absl::Now() - start;
  absl::BlockingCounter done(static_cast<int>(many_count));
  for (const absl::StatusOr<TaskFuture>& future : *futures) {
    if (!future.ok()) return future.status();
    future->AddDoneCallback(
        [&done](const TaskFuture&) { done.DecrementCount(); });
  }
  done.Wait();
  const absl::Duration all_done = absl::Now() - start;
  const double many_rate = PerSecond(many_count, accepted);
  Section* many = SubSection(out, "submit_many");
  SetNumber(many, "tasks", static_cast<double>(many_count));
  SetNumber(many, "accepted_per_second", many_rate);
  SetNumber(many, "done_per_second", PerSecond(many_count, all_done));
  SetNumber(out, "submit_many_vs_submit_loop", many_rate / loop_rate);
  return absl::OkStatus();
}

}  // namespace execd::bench
