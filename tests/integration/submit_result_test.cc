// Submit, Result and GetTask against a real server: results, parallelism,
// argument errors, retries, delay, priority, request ids and Result waits.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

namespace execd::integration {
namespace {

class SubmitResultTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {"--threads=5"}) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  // Submit that must fail; returns the status.
  grpc::Status SubmitFails(const v1::SubmitRequest& request) {
    v1::SubmitResponse response;
    grpc::Status status = Submit(*stub_, request, &response);
    EXPECT_FALSE(status.ok()) << "accepted " << request.ShortDebugString();
    return status;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(SubmitResultTest, EchoReturnsArgsKwargsAndOutput) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("echo", {Number(1), Str("a")});
  (*request.mutable_kwargs()->mutable_fields())["k"] = Str("v");
  request.set_input("hello bytes");
  (*request.mutable_labels())["team"] = "qa";
  v1::SubmitResponse response;
  ASSERT_TRUE(Submit(*stub_, request, &response).ok());
  EXPECT_EQ(response.task_id().size(), 32u);
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.state(), v1::TASK_STATE_PENDING);

  v1::Task task = AwaitTerminal(*stub_, response.task_id());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.ShortDebugString();
  EXPECT_EQ(task.task_id(), response.task_id());
  EXPECT_EQ(task.function(), "echo");
  EXPECT_EQ(task.pool(), v1::POOL_THREAD);
  EXPECT_EQ(task.output(), "hello bytes");
  EXPECT_EQ(task.labels().at("team"), "qa");
  EXPECT_EQ(task.attempts(), 1);
  EXPECT_TRUE(absl::StartsWith(task.worker(), "thread-")) << task.worker();
  EXPECT_FALSE(task.has_error());
  const auto& fields = task.result().struct_value().fields();
  ASSERT_TRUE(fields.contains("args"));
  ASSERT_EQ(fields.at("args").list_value().values_size(), 2);
  EXPECT_EQ(fields.at("args").list_value().values(0).number_value(), 1);
  EXPECT_EQ(fields.at("args").list_value().values(1).string_value(), "a");
  EXPECT_EQ(fields.at("kwargs").struct_value().fields().at("k").string_value(),
            "v");
  EXPECT_LE(ToTime(task.submit_time()), ToTime(task.start_time()));
  EXPECT_LE(ToTime(task.start_time()), ToTime(task.end_time()));

  // GetTask returns the same terminal task.
  v1::Task fetched;
  ASSERT_TRUE(GetTask(*stub_, task.task_id(), &fetched).ok());
  EXPECT_EQ(fetched.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(fetched.output(), "hello bytes");
}

// Seed scenario: 10 x sleep(2) on 5 threads take about 4 s, not 20 s.
TEST_F(SubmitResultTest, TenSleepsOnFiveThreadsRunInParallel) {
  StartServer({"--threads=5"});
  const absl::Time start = absl::Now();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(SubmitOk(*stub_, MakeSleep(2)));
  for (const std::string& id : ids) {
    v1::Task task = AwaitTerminal(*stub_, id, absl::Seconds(30));
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
    EXPECT_EQ(task.result().number_value(), 2);
  }
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_GE(elapsed, absl::Milliseconds(3500));
  EXPECT_LE(elapsed, absl::Seconds(8));
}

TEST_F(SubmitResultTest, GetTaskNeverWaits) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(5));
  ASSERT_TRUE(WaitForState(*stub_, id, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  const absl::Time start = absl::Now();
  v1::Task task;
  ASSERT_TRUE(GetTask(*stub_, id, &task).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(task.state(), v1::TASK_STATE_RUNNING);
  EXPECT_TRUE(task.has_start_time());
  EXPECT_FALSE(task.has_end_time());
}

TEST_F(SubmitResultTest, UnknownFunctionIsNotFoundAndListsKnown) {
  StartServer();
  grpc::Status status = SubmitFails(MakeSubmit("primez"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "primez"))
      << status.error_message();
  for (const char* known :
       {"echo", "noop", "sleep", "primes", "fail", "crash", "exec"}) {
    EXPECT_TRUE(absl::StrContains(status.error_message(), known))
        << status.error_message();
  }
  EXPECT_EQ(SubmitFails(MakeSubmit("")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SubmitResultTest, WrongArgumentsAreInvalidArgumentNamingTheArgument) {
  StartServer();
  struct Case {
    v1::SubmitRequest request;
    std::string mentions;
  };
  std::vector<Case> cases;
  cases.push_back({MakeSleep(-1), "seconds"});
  cases.push_back({MakeSubmit("sleep", {Str("x")}), "seconds"});
  cases.push_back({MakeSubmit("sleep"), "seconds"});
  cases.push_back({MakeSubmit("sleep", {Number(1), Number(2)}), "seconds"});
  v1::SubmitRequest unknown_kwarg = MakeSubmit("sleep");
  (*unknown_kwarg.mutable_kwargs()->mutable_fields())["secs"] = Number(1);
  cases.push_back({unknown_kwarg, "seconds"});
  v1::SubmitRequest fractional_n = MakeSubmit("primes", {Number(1.5)});
  fractional_n.set_pool(v1::POOL_THREAD);
  cases.push_back({fractional_n, "n"});
  v1::SubmitRequest huge_n = MakeSubmit("primes", {Number(2e9)});
  huge_n.set_pool(v1::POOL_THREAD);
  cases.push_back({huge_n, "n"});
  cases.push_back({MakeSubmit("fail", {Number(3)}), "message"});
  for (const Case& c : cases) {
    grpc::Status status = SubmitFails(c.request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.request.ShortDebugString() << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), c.mentions))
        << c.request.ShortDebugString() << ": " << status.error_message();
  }
}

TEST_F(SubmitResultTest, NegativeTimeoutDelayOrRetriesAreInvalidArgument) {
  StartServer();
  v1::SubmitRequest negative_timeout = MakeSleep(0);
  *negative_timeout.mutable_timeout() = Millis(-100);
  grpc::Status status = SubmitFails(negative_timeout);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "timeout"))
      << status.error_message();

  v1::SubmitRequest negative_delay = MakeSleep(0);
  *negative_delay.mutable_delay() = Millis(-1000);
  status = SubmitFails(negative_delay);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "delay"))
      << status.error_message();

  v1::SubmitRequest negative_retries = MakeSleep(0);
  negative_retries.set_max_retries(-1);
  status = SubmitFails(negative_retries);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "max_retries"))
      << status.error_message();
}

TEST_F(SubmitResultTest, PoolNotAllowedOrNotEnabledIsInvalidArgument) {
  StartServer();
  // crash is process-only: asking for threads names the allowed pool.
  v1::SubmitRequest crash_on_threads = MakeSubmit("crash");
  crash_on_threads.set_pool(v1::POOL_THREAD);
  grpc::Status status = SubmitFails(crash_on_threads);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "POOL_PROCESS"))
      << status.error_message();
  // With --processes=0 the process pool is off.
  status = SubmitFails(MakeSubmit("crash"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "not enabled"))
      << status.error_message();
  status = SubmitFails(MakeSubmit("primes", {Number(10)}));  // default PROCESS
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "pool"))
      << status.error_message();
  v1::SubmitRequest bad_enum = MakeSubmit("echo");
  bad_enum.set_pool(static_cast<v1::Pool>(7));
  EXPECT_EQ(SubmitFails(bad_enum).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SubmitResultTest, ExecNotAllowedIsPermissionDenied) {
  StartServer();
  grpc::Status status =
      SubmitFails(MakeSubmit("exec", {Str("/bin/echo"), Str("hi")}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "/bin/echo"))
      << status.error_message();
}

TEST_F(SubmitResultTest, QueueFullIsResourceExhaustedWithRetryDelay) {
  StartServer({"--threads=1", "--queue_capacity=2"});
  const std::string blocker = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, blocker, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  const std::string queued1 = SubmitOk(*stub_, MakeSleep(0));
  const std::string queued2 = SubmitOk(*stub_, MakeSleep(0));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::SubmitResponse response;
  grpc::Status status = stub_->Submit(&context, MakeSleep(0), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "queue_capacity"))
      << status.error_message();
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-delay-ms");
  ASSERT_NE(it, trailers.end()) << "no retry-delay-ms trailing metadata";
  int delay_ms = 0;
  EXPECT_TRUE(absl::SimpleAtoi(
      absl::string_view(it->second.data(), it->second.size()), &delay_ms));
  EXPECT_GT(delay_ms, 0);

  // Room again once the blocker ends and the queue drains.
  v1::CancelResponse cancelled;
  ASSERT_TRUE(Cancel(*stub_, blocker, &cancelled).ok());
  EXPECT_EQ(AwaitTerminal(*stub_, queued1).state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(AwaitTerminal(*stub_, queued2).state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_FALSE(SubmitOk(*stub_, MakeSleep(0)).empty());
}

TEST_F(SubmitResultTest, MessageOverLimitIsResourceExhausted) {
  StartServer({"--threads=2", "--max_message_bytes=2048"});
  v1::SubmitRequest request = MakeSubmit("echo");
  request.set_input(std::string(8192, 'x'));
  EXPECT_EQ(SubmitFails(request).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The server is fine afterwards.
  const std::string id = SubmitOk(*stub_, MakeSubmit("echo"));
  EXPECT_EQ(AwaitTerminal(*stub_, id).state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(SubmitResultTest, FailEndsFailedWithTaskError) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSubmit("fail", {Str("boom")}));
  v1::Task task = AwaitTerminal(*stub_, id);
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.error().reason(), "TASK_ERROR");
  EXPECT_TRUE(absl::StrContains(task.error().message(), "boom"))
      << task.error().message();
  EXPECT_NE(task.error().code(), 0);
  EXPECT_EQ(task.attempts(), 1);
  EXPECT_FALSE(task.has_result());
}

TEST_F(SubmitResultTest, PrimesOnThreadPool) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("primes", {Number(100000)});
  request.set_pool(v1::POOL_THREAD);
  v1::Task task = AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.ShortDebugString();
  EXPECT_EQ(task.result().number_value(), 9592);
  EXPECT_EQ(task.pool(), v1::POOL_THREAD);
}

TEST_F(SubmitResultTest, RetriesWithDoublingBackoff) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("fail", {Str("again")});
  request.set_max_retries(2);
  v1::Task task = AwaitTerminal(*stub_, SubmitOk(*stub_, request));
  EXPECT_EQ(task.state(), v1::TASK_STATE_FAILED);
  EXPECT_EQ(task.attempts(), 3);
  EXPECT_EQ(task.error().reason(), "TASK_ERROR");
  // Backoff 100 ms then 200 ms between the three attempts.
  EXPECT_GE(ToTime(task.end_time()) - ToTime(task.submit_time()),
            absl::Milliseconds(300));
  // The last attempt started after both backoffs.
  EXPECT_GE(ToTime(task.start_time()) - ToTime(task.submit_time()),
            absl::Milliseconds(300));

  // A success is not retried.
  v1::SubmitRequest echo = MakeSubmit("echo");
  echo.set_max_retries(3);
  v1::Task ok = AwaitTerminal(*stub_, SubmitOk(*stub_, echo));
  EXPECT_EQ(ok.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(ok.attempts(), 1);
}

TEST_F(SubmitResultTest, DelayHoldsTaskBack) {
  StartServer();
  v1::SubmitRequest request = MakeSubmit("echo");
  *request.mutable_delay() = Millis(600);
  const std::string id = SubmitOk(*stub_, request);
  v1::Task pending;
  ASSERT_TRUE(GetTask(*stub_, id, &pending).ok());
  EXPECT_EQ(pending.state(), v1::TASK_STATE_PENDING);
  EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 1);
  v1::Task task = AwaitTerminal(*stub_, id);
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_GE(ToTime(task.start_time()) - ToTime(task.submit_time()),
            absl::Milliseconds(600));
  EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 0);
}

// A delay shorter than the time Submit takes to record its timer must still
// run the task (the delay timer can fire before Submit has stored its id).
TEST_F(SubmitResultTest, TinyDelayStillRuns) {
  StartServer({"--threads=4"});
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    v1::SubmitRequest request = MakeSubmit("echo", {Number(i)});
    request.mutable_delay()->set_nanos(1 + i % 3 * 1000);
    ids.push_back(SubmitOk(*stub_, request));
  }
  int stuck = 0;
  for (const std::string& id : ids) {
    v1::Task task;
    ASSERT_TRUE(Result(*stub_, id, absl::Seconds(2), &task).ok());
    if (task.state() != v1::TASK_STATE_SUCCEEDED) {
      ++stuck;
      ADD_FAILURE() << "task with a tiny delay never ran: "
                    << task.ShortDebugString();
      if (stuck >= 3) break;
    }
  }
  EXPECT_EQ(stuck, 0);
  if (stuck == 0) EXPECT_EQ(ThreadPoolStatus(*stub_).delayed(), 0);
}

TEST_F(SubmitResultTest, LowerPriorityRunsFirstFifoAmongEquals) {
  StartServer({"--threads=1"});
  const std::string blocker = SubmitOk(*stub_, MakeSleep(0.5));
  ASSERT_TRUE(WaitForState(*stub_, blocker, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  struct Queued {
    int priority;
    std::string name;
  };
  const std::vector<Queued> queued = {{5, "a"}, {1, "b"}, {5, "c"},
                                      {1, "d"}, {0, "e"}, {5, "f"}};
  std::vector<std::pair<std::string, std::string>> ids;  // id, name
  for (const Queued& q : queued) {
    v1::SubmitRequest request = MakeSleep(0.01);
    request.set_priority(q.priority);
    (*request.mutable_labels())["name"] = q.name;
    ids.emplace_back(SubmitOk(*stub_, request), q.name);
  }
  // All were queued while the single thread was busy.
  v1::Task blocker_task;
  ASSERT_TRUE(GetTask(*stub_, blocker, &blocker_task).ok());
  ASSERT_EQ(blocker_task.state(), v1::TASK_STATE_RUNNING)
      << "blocker ended before all tasks were queued; cannot check order";

  std::vector<v1::Task> tasks;
  for (const auto& [id, name] : ids) {
    tasks.push_back(AwaitTerminal(*stub_, id));
    EXPECT_EQ(tasks.back().priority(),
              queued[tasks.size() - 1].priority);
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const v1::Task& a, const v1::Task& b) {
              return ToTime(a.start_time()) < ToTime(b.start_time());
            });
  std::string order;
  for (const v1::Task& task : tasks) order += task.labels().at("name");
  EXPECT_EQ(order, "ebdacf");
}

TEST_F(SubmitResultTest, RepeatedRequestIdReturnsSameTaskAndRunsOnce) {
  StartServer();
  v1::SubmitRequest request = MakeSleep(0.3);
  request.set_request_id("req-42");
  v1::SubmitResponse first;
  ASSERT_TRUE(Submit(*stub_, request, &first).ok());
  EXPECT_FALSE(first.duplicate());
  v1::SubmitResponse second;
  ASSERT_TRUE(Submit(*stub_, request, &second).ok());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.task_id(), first.task_id());

  v1::Task task = AwaitTerminal(*stub_, first.task_id());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(task.attempts(), 1);
  EXPECT_EQ(task.request_id(), "req-42");
  // After the end: still the same task, its state reported, nothing re-run.
  v1::SubmitResponse third;
  ASSERT_TRUE(Submit(*stub_, request, &third).ok());
  EXPECT_TRUE(third.duplicate());
  EXPECT_EQ(third.task_id(), first.task_id());
  EXPECT_EQ(third.state(), v1::TASK_STATE_SUCCEEDED);

  auto context = Context();
  v1::ListTasksRequest list;
  list.set_function("sleep");
  v1::ListTasksResponse listed;
  ASSERT_TRUE(stub_->ListTasks(context.get(), list, &listed).ok());
  EXPECT_EQ(listed.tasks_size(), 1);
  EXPECT_EQ(ThreadPoolStatus(*stub_).succeeded(), 1);

  // A different request id is a different task.
  request.set_request_id("req-43");
  v1::SubmitResponse other;
  ASSERT_TRUE(Submit(*stub_, request, &other).ok());
  EXPECT_FALSE(other.duplicate());
  EXPECT_NE(other.task_id(), first.task_id());
}

TEST_F(SubmitResultTest, ResultTimeoutReturnsTaskAsItIs) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(5));
  const absl::Time start = absl::Now();
  v1::Task task;
  grpc::Status status = Result(*stub_, id, absl::Milliseconds(400), &task);
  const absl::Duration waited = absl::Now() - start;
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(task.state() == v1::TASK_STATE_RUNNING ||
              task.state() == v1::TASK_STATE_PENDING)
      << task.ShortDebugString();
  EXPECT_EQ(task.task_id(), id);
  EXPECT_GE(waited, absl::Milliseconds(350));
  EXPECT_LT(waited, absl::Seconds(4));
}

TEST_F(SubmitResultTest, ResultHonoursRpcDeadline) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(5));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  v1::ResultRequest request;
  request.set_task_id(id);  // no timeout: wait for the task or the deadline
  v1::Task task;
  const absl::Time start = absl::Now();
  grpc::Status status = stub_->Result(&context, request, &task);
  const absl::Duration waited = absl::Now() - start;
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  EXPECT_EQ(task.task_id(), id);
  EXPECT_TRUE(task.state() == v1::TASK_STATE_RUNNING ||
              task.state() == v1::TASK_STATE_PENDING)
      << task.ShortDebugString();
  EXPECT_GE(waited, absl::Milliseconds(500));
}

TEST_F(SubmitResultTest, ResultWaitsForTheEnd) {
  StartServer();
  const std::string id = SubmitOk(*stub_, MakeSleep(0.5));
  auto context = Context(absl::Seconds(20));
  v1::ResultRequest request;
  request.set_task_id(id);
  v1::Task task;
  ASSERT_TRUE(stub_->Result(context.get(), request, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(task.result().number_value(), 0.5);
  // A terminal task's Result returns at once even with a long timeout.
  const absl::Time start = absl::Now();
  ASSERT_TRUE(Result(*stub_, id, absl::Seconds(10), &task).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
}

TEST_F(SubmitResultTest, MalformedAndUnknownTaskIds) {
  StartServer();
  const std::vector<std::string> malformed = {
      "", "xyz", std::string(32, 'g'), std::string(32, 'A'),
      std::string(31, 'a'), std::string(33, 'a')};
  const std::string unknown(32, '0');
  for (const std::string& id : malformed) {
    v1::Task task;
    grpc::Status status = GetTask(*stub_, id, &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "GetTask \"" << id << "\"";
    status = Result(*stub_, id, absl::Milliseconds(100), &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "Result \"" << id << "\"";
    v1::CancelResponse cancelled;
    status = Cancel(*stub_, id, &cancelled);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "Cancel \"" << id << "\"";
  }
  v1::Task task;
  grpc::Status status = GetTask(*stub_, unknown, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(status.error_message(), unknown));
  EXPECT_EQ(Result(*stub_, unknown, absl::Milliseconds(100), &task)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CancelResponse cancelled;
  EXPECT_EQ(Cancel(*stub_, unknown, &cancelled).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // A negative Result timeout is INVALID_ARGUMENT.
  const std::string id = SubmitOk(*stub_, MakeSubmit("echo"));
  auto context = Context();
  v1::ResultRequest request;
  request.set_task_id(id);
  *request.mutable_timeout() = Millis(-5);
  EXPECT_EQ(stub_->Result(context.get(), request, &task).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace execd::integration
