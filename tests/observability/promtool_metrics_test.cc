// `promtool check metrics` has nothing to say about a scrape taken while the
// server is busy: queued and running tasks, finished, failed and rejected
// ones, an open stream and gRPC calls of every kind.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/observability/obs_util.h"
#include "tests/support/server_process.h"

namespace execd::observability {
namespace {

using ::execd::testing::HttpGet;
using ::execd::testing::ServerProcess;

TEST(PromtoolMetricsTest, ScrapeUnderLoadPassesPromtool) {
  absl::StatusOr<std::string> promtool = PrometheusTool("promtool");
  ASSERT_TRUE(promtool.ok()) << promtool.status();
  auto server = ServerProcess::Start(
      {"--processes=0", "--threads=2", "--queue_capacity=40"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();

  std::vector<std::string> echoes;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> id = SubmitTask(*stub, EchoRequest());
    ASSERT_TRUE(id.ok()) << id.status();
    echoes.push_back(*id);
  }
  for (const std::string& id : echoes) {
    ASSERT_TRUE(AwaitTerminal(*stub, id, absl::Seconds(20)).ok());
  }
  absl::StatusOr<std::string> failed = SubmitTask(*stub, FailRequest("boom"));
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE(AwaitTerminal(*stub, *failed, absl::Seconds(20)).ok());
  v1::SubmitRequest unknown;
  unknown.set_function("no_such_function");
  EXPECT_FALSE(SubmitTask(*stub, unknown).ok());
  // Two sleeps occupy both threads, five more wait in the queue.
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(SubmitTask(*stub, SleepRequest(30)).ok());
  }
  // An open all_tasks Callback stream counts in execd_callback_streams.
  grpc::ClientContext stream_context;
  v1::CallbackRequest all;
  all.set_all_tasks(true);
  auto reader = stub->Callback(&stream_context, all);

  std::string body;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::string> scrape =
        HttpGet((*server)->metrics_port(), "/metrics");
    ASSERT_TRUE(scrape.ok()) << scrape.status();
    body = *scrape;
    if (MetricValue(body, "execd_queue_depth", {"pool=\"thread\""}) == 5 &&
        MetricValue(body, "execd_callback_streams") == 1) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(MetricValue(body, "execd_queue_depth", {"pool=\"thread\""}), 5)
      << body;
  ASSERT_EQ(
      MetricValue(body, "execd_workers", {"pool=\"thread\"", "state=\"busy\""}),
      2);

  absl::StatusOr<std::string> dir = MakeTempDir("execd-promtool");
  ASSERT_TRUE(dir.ok());
  const std::string scrape_file = *dir + "/metrics.txt";
  ASSERT_TRUE(WriteFile(scrape_file, body));
  absl::StatusOr<ToolResult> check =
      RunTool({*promtool, "check", "metrics"}, scrape_file, absl::Seconds(30));
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->exit_code, 0) << check->output;
  EXPECT_EQ(check->output, "") << "scrape kept in " << scrape_file;
  stream_context.TryCancel();
}

}  // namespace
}  // namespace execd::observability
