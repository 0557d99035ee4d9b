// A real Prometheus scrapes a real execd; what the test did to the server
// (a burst of echo and fail tasks, then sleeps that fill both threads and the
// queue) reads back through Prometheus's query API.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/observability/obs_util.h"
#include "tests/observability/prometheus_server.h"
#include "tests/support/server_process.h"

namespace execd::observability {
namespace {

using ::execd::testing::ServerProcess;

constexpr int kEchoes = 100;
constexpr int kFails = 10;
constexpr int kThreads = 2;
constexpr int kQueued = 6;

class PrometheusScrapeTest : public ::testing::Test {
 protected:
  // Polls `expr` until it has one sample equal to `want`, within the test's
  // overall budget; returns the last value seen (or -1).
  double AwaitValue(const std::string& expr, double want) {
    double last = -1;
    while (absl::Now() < deadline_) {
      absl::StatusOr<double> value = prometheus_->QueryOne(expr);
      if (value.ok()) {
        last = *value;
        if (last == want) break;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return last;
  }

  const absl::Time deadline_ = absl::Now() + absl::Seconds(50);
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<PrometheusServer> prometheus_;
};

TEST_F(PrometheusScrapeTest, QueriesSeeWhatTheTestDid) {
  auto server = ServerProcess::Start(
      {"--processes=0", absl::StrCat("--threads=", kThreads)});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  auto prometheus = PrometheusServer::Start(server_->metrics_port());
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  prometheus_ = *std::move(prometheus);
  auto stub = server_->NewStub();

  // At least one scrape before any work, so rates start from zero.
  const std::string succeeded =
      "execd_tasks_finished_total{job=\"execd\",pool=\"thread\","
      "outcome=\"succeeded\"}";
  const std::string failed =
      "execd_tasks_finished_total{job=\"execd\",pool=\"thread\","
      "outcome=\"failed\"}";
  ASSERT_EQ(AwaitValue("up{job=\"execd\"}", 1), 1) << prometheus_->Log();
  ASSERT_EQ(AwaitValue(succeeded, 0), 0);

  std::vector<std::string> ids;
  for (int i = 0; i < kEchoes + kFails; ++i) {
    absl::StatusOr<std::string> id =
        SubmitTask(*stub, i < kEchoes ? EchoRequest() : FailRequest("no"));
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(AwaitTerminal(*stub, id, absl::Seconds(20)).ok());
  }
  // Both threads busy for the rest of the test, the rest queued.
  for (int i = 0; i < kThreads + kQueued; ++i) {
    ASSERT_TRUE(SubmitTask(*stub, SleepRequest(120)).ok());
  }

  EXPECT_EQ(
      AwaitValue("execd_queue_depth{job=\"execd\",pool=\"thread\"}", kQueued),
      kQueued);
  EXPECT_EQ(
      AwaitValue("execd_workers{pool=\"thread\",state=\"busy\"}", kThreads),
      kThreads);
  EXPECT_EQ(AwaitValue("execd_workers{pool=\"thread\",state=\"idle\"}", 0), 0);
  EXPECT_EQ(AwaitValue(succeeded, kEchoes), kEchoes);
  EXPECT_EQ(AwaitValue(failed, kFails), kFails);

  // The counters went from 0 to their totals inside the window: increase()
  // sees at least that (it extrapolates to the window's end, never to below
  // zero), and both outcomes share scrapes, so their rates keep the ratio.
  absl::StatusOr<double> increase =
      prometheus_->QueryOne(absl::StrCat("increase(", succeeded, "[1m])"));
  ASSERT_TRUE(increase.ok()) << increase.status();
  EXPECT_GE(*increase, kEchoes - 1e-9);
  EXPECT_LE(*increase, 3.0 * kEchoes);
  absl::StatusOr<double> ratio = prometheus_->QueryOne(absl::StrCat(
      "rate(", failed, "[1m]) / ignoring(outcome) rate(", succeeded, "[1m])"));
  ASSERT_TRUE(ratio.ok()) << ratio.status();
  EXPECT_NEAR(*ratio, static_cast<double>(kFails) / kEchoes, 1e-9);

  // Every submission went through the unary Submit RPC with OK.
  EXPECT_EQ(AwaitValue("grpc_server_handled_total{grpc_service=\"execd.v1."
                       "Executor\",grpc_method=\"Submit\",grpc_code=\"OK\"}",
                       kEchoes + kFails + kThreads + kQueued),
            kEchoes + kFails + kThreads + kQueued);
  EXPECT_LT(absl::Now(), deadline_) << "ran out of the time budget";
}

}  // namespace
}  // namespace execd::observability
