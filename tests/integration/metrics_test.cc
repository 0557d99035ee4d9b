// /metrics: names and labels of the documented families, and counters and
// gauges that move with the work done.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace execd::integration {
namespace {

class MetricsTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  double Value(const std::string& body, const std::string& name,
               const std::vector<std::string>& labels = {}) {
    std::optional<double> value = MetricValue(body, name, labels);
    EXPECT_TRUE(value.has_value())
        << name << " {" << absl::StrJoin(labels, ",") << "} missing";
    return value.value_or(-1);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(MetricsTest, DocumentedFamiliesAndLabelsArePresent) {
  StartServer({"--threads=3", "--queue_capacity=77"});
  const std::string body = ScrapeMetrics(*server_);
  ASSERT_FALSE(body.empty());
  const std::string pool = "pool=\"thread\"";
  EXPECT_EQ(Value(body, "execd_queue_depth", {pool}), 0);
  EXPECT_EQ(Value(body, "execd_queue_capacity", {pool}), 77);
  EXPECT_EQ(Value(body, "execd_delayed_tasks", {pool}), 0);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"idle\""}), 3);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"busy\""}), 0);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"starting\""}), 0);
  EXPECT_EQ(Value(body, "execd_tasks_submitted_total", {pool}), 0);
  for (const char* outcome :
       {"succeeded", "failed", "cancelled", "timed_out", "worker_lost"}) {
    EXPECT_EQ(Value(body, "execd_tasks_finished_total",
                    {pool, absl::StrCat("outcome=\"", outcome, "\"")}),
              0);
  }
  for (const char* reason :
       {"queue_full", "invalid_argument", "not_found", "permission_denied",
        "unauthenticated", "shutting_down"}) {
    EXPECT_EQ(Value(body, "execd_tasks_rejected_total",
                    {absl::StrCat("reason=\"", reason, "\"")}),
              0);
  }
  EXPECT_EQ(Value(body, "execd_task_wait_seconds_count", {pool}), 0);
  EXPECT_EQ(Value(body, "execd_task_wait_seconds_bucket",
                  {pool, "le=\"+Inf\""}),
            0);
  EXPECT_EQ(Value(body, "execd_task_run_seconds_count",
                  {pool, "function=\"sleep\""}),
            0);
  Value(body, "execd_task_run_seconds_sum", {pool, "function=\"echo\""});
  for (const char* reason : {"crash", "timeout", "cancel", "recycle", "memory"}) {
    EXPECT_EQ(Value(body, "execd_worker_restarts_total",
                    {absl::StrCat("reason=\"", reason, "\"")}),
              0);
  }
  EXPECT_EQ(Value(body, "execd_tasks_retained"), 0);
  EXPECT_EQ(Value(body, "execd_callback_streams"), 0);
  EXPECT_GT(Value(body, "process_resident_memory_bytes"), 1e6);
  EXPECT_GE(Value(body, "process_cpu_seconds_total"), 0);
  EXPECT_GT(Value(body, "process_open_fds"), 3);
  EXPECT_GT(Value(body, "process_start_time_seconds"),
            absl::ToUnixSeconds(absl::Now()) - 3600);
  EXPECT_LE(Value(body, "process_start_time_seconds"),
            absl::ToUnixSeconds(absl::Now()) + 5);
  // Types are declared.
  for (const char* line : {"# TYPE execd_tasks_submitted_total counter",
                           "# TYPE execd_queue_depth gauge",
                           "# TYPE execd_task_run_seconds histogram"}) {
    EXPECT_TRUE(absl::StrContains(body, line)) << line;
  }
}

TEST_F(MetricsTest, CountersAndGaugesMoveWithWork) {
  StartServer({"--threads=1", "--queue_capacity=4"});
  const std::string pool = "pool=\"thread\"";
  // Queue depth, busy and delayed while tasks wait behind a blocker.
  const std::string blocker = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, blocker, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  std::vector<std::string> queued;
  queued.push_back(SubmitOk(*stub_, MakeSubmit("echo")));
  queued.push_back(SubmitOk(*stub_, MakeSubmit("fail", {Str("x")})));
  v1::SubmitRequest timed = MakeSleep(10);
  *timed.mutable_timeout() = Millis(100);
  queued.push_back(SubmitOk(*stub_, timed));
  v1::SubmitRequest delayed = MakeSubmit("echo");
  *delayed.mutable_delay() = Millis(60000);
  const std::string later = SubmitOk(*stub_, delayed);
  // Rejections, one per reason we can produce on the thread pool.
  v1::SubmitResponse response;
  EXPECT_EQ(Submit(*stub_, MakeSubmit("echo"), &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);  // 4 pending: full
  EXPECT_EQ(Submit(*stub_, MakeSubmit("primez"), &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Submit(*stub_, MakeSleep(-1), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Submit(*stub_, MakeSubmit("exec", {Str("/bin/true")}), &response)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  std::string body = ScrapeMetrics(*server_);
  EXPECT_EQ(Value(body, "execd_queue_depth", {pool}), 3);
  EXPECT_EQ(Value(body, "execd_delayed_tasks", {pool}), 1);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"busy\""}), 1);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"idle\""}), 0);
  EXPECT_EQ(Value(body, "execd_tasks_submitted_total", {pool}), 5);
  EXPECT_EQ(Value(body, "execd_tasks_retained"), 5);
  for (const char* reason :
       {"queue_full", "not_found", "invalid_argument", "permission_denied"}) {
    EXPECT_EQ(Value(body, "execd_tasks_rejected_total",
                    {absl::StrCat("reason=\"", reason, "\"")}),
              1)
        << reason;
  }
  EXPECT_EQ(Value(body, "execd_tasks_rejected_total",
                  {"reason=\"shutting_down\""}),
            0);

  // Let everything end: one of each outcome.
  v1::CancelResponse cancelled;
  ASSERT_TRUE(Cancel(*stub_, blocker, &cancelled).ok());
  ASSERT_TRUE(Cancel(*stub_, later, &cancelled).ok());
  for (const std::string& id : queued) AwaitTerminal(*stub_, id);
  ASSERT_TRUE(PollUntil([&] { return ThreadPoolStatus(*stub_).busy() == 0; },
                        absl::Seconds(3)));
  body = ScrapeMetrics(*server_);
  auto finished = [&](const char* outcome) {
    return Value(body, "execd_tasks_finished_total",
                 {pool, absl::StrCat("outcome=\"", outcome, "\"")});
  };
  EXPECT_EQ(finished("succeeded"), 1);
  EXPECT_EQ(finished("failed"), 1);
  EXPECT_EQ(finished("cancelled"), 2);
  EXPECT_EQ(finished("timed_out"), 1);
  EXPECT_EQ(finished("worker_lost"), 0);
  EXPECT_EQ(Value(body, "execd_queue_depth", {pool}), 0);
  EXPECT_EQ(Value(body, "execd_delayed_tasks", {pool}), 0);
  EXPECT_EQ(Value(body, "execd_workers", {pool, "state=\"idle\""}), 1);
  // Four attempts started (blocker, echo, fail, timed sleep) and ran.
  EXPECT_EQ(Value(body, "execd_task_wait_seconds_count", {pool}), 4);
  EXPECT_EQ(Value(body, "execd_task_run_seconds_count",
                  {pool, "function=\"echo\""}),
            1);
  EXPECT_EQ(Value(body, "execd_task_run_seconds_count",
                  {pool, "function=\"fail\""}),
            1);
  EXPECT_GE(Value(body, "execd_task_run_seconds_count",
                  {pool, "function=\"sleep\""}),
            1);
  EXPECT_GT(Value(body, "execd_task_wait_seconds_sum", {pool}), 0);
  // Retries count as one submission.
  v1::SubmitRequest retried = MakeSubmit("fail");
  retried.set_max_retries(1);
  AwaitTerminal(*stub_, SubmitOk(*stub_, retried));
  body = ScrapeMetrics(*server_);
  EXPECT_EQ(Value(body, "execd_tasks_submitted_total", {pool}), 6);
  EXPECT_EQ(finished("failed"), 2);
  EXPECT_EQ(Value(body, "execd_task_run_seconds_count",
                  {pool, "function=\"fail\""}),
            3);
}

TEST_F(MetricsTest, StreamsGaugeCountsOpenStreams) {
  StartServer({"--threads=2"});
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto stream = stub_->SubmitStream(&context);
  ASSERT_TRUE(stream->Write(MakeSubmit("echo")));
  v1::TaskEvent event;
  ASSERT_TRUE(stream->Read(&event));  // ACCEPTED: the stream is registered
  EXPECT_EQ(Value(ScrapeMetrics(*server_), "execd_callback_streams"), 1);
  stream->WritesDone();
  while (stream->Read(&event)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_TRUE(PollUntil(
      [&] {
        return MetricValue(ScrapeMetrics(*server_), "execd_callback_streams")
                   .value_or(-1) == 0;
      },
      absl::Seconds(5)));
}

}  // namespace
}  // namespace execd::integration
