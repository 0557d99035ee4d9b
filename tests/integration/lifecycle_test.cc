// Server lifecycle: health, graceful shutdown with tasks in flight, flag
// errors.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"

extern char** environ;

namespace execd::integration {
namespace {

constexpr char kService[] = "execd.v1.Executor";
constexpr int kServing = 1;
constexpr int kNotServing = 2;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct RunResult {
  int exit_code = -1000;
  std::string out;
  std::string err;
};

// Runs bin/execd with `args` and extra `env` entries, waiting at most 10 s.
RunResult RunExecd(const std::vector<std::string>& args,
                   const std::vector<std::string>& env = {}) {
  RunResult result;
  char dir_template[] = "/tmp/execd-integ-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return result;
  const std::string dir = dir_template;
  const std::string out_path = dir + "/out";
  const std::string err_path = dir + "/err";
  std::vector<std::string> argv = {testing::BinaryPath("execd")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw_argv;
  for (std::string& arg : argv) raw_argv.push_back(arg.data());
  raw_argv.push_back(nullptr);
  std::vector<std::string> envp_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (absl::StartsWith(*entry, "EXECD_")) continue;  // a clean slate
    envp_storage.push_back(*entry);
  }
  envp_storage.insert(envp_storage.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& entry : envp_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  const int rc = posix_spawn(&pid, raw_argv[0], &actions, nullptr,
                             raw_argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return result;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = "(killed: still running after 10 s)";
      return result;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  rmdir(dir.c_str());
  return result;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags) {
    auto server = StartThreadServer(std::move(flags));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(LifecycleTest, HealthServingThenNotServingOnDrain) {
  StartServer({"--threads=2", "--shutdown_grace=3s"});
  for (const std::string service : {"", kService}) {
    absl::StatusOr<int> health = HealthCheck(server_->target(), service);
    ASSERT_TRUE(health.ok()) << health.status();
    EXPECT_EQ(*health, kServing) << "service \"" << service << "\"";
  }
  const std::string running = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, running, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  const absl::Time term_time = absl::Now();
  server_->Signal(SIGTERM);
  EXPECT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<int> health = HealthCheck(server_->target(), kService);
        return health.ok() && *health == kNotServing;
      },
      absl::Seconds(2)))
      << "health not NOT_SERVING soon after SIGTERM";
  ASSERT_LT(absl::Now() - term_time, absl::Milliseconds(2500))
      << "machine too slow to check the drain window";
  absl::StatusOr<int> overall = HealthCheck(server_->target(), "");
  ASSERT_TRUE(overall.ok()) << overall.status();
  EXPECT_EQ(*overall, kNotServing);

  // New work is refused with UNAVAILABLE during the drain, on every path.
  v1::SubmitResponse response;
  grpc::Status status = Submit(*stub_, MakeSubmit("echo"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_FALSE(status.error_message().empty());
  {
    auto context = Context();
    v1::MapRequest map;
    map.set_function("echo");
    map.add_items();
    auto reader = stub_->Map(context.get(), map);
    v1::MapResult result;
    while (reader->Read(&result)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  {
    auto context = Context();
    auto stream = stub_->SubmitStream(context.get());
    v1::SubmitRequest request = MakeSubmit("echo");
    request.set_request_id("late");
    stream->Write(request);
    stream->WritesDone();
    v1::TaskEvent event;
    ASSERT_TRUE(stream->Read(&event));
    EXPECT_EQ(event.kind(), v1::TaskEvent::KIND_REJECTED);
    EXPECT_EQ(event.code(), static_cast<int>(grpc::StatusCode::UNAVAILABLE));
    EXPECT_EQ(event.request_id(), "late");
    while (stream->Read(&event)) {
    }
    stream->Finish();
  }
  {
    auto context = Context();
    auto stream = stub_->SubmitBatchStream(context.get());
    v1::SubmitBatch batch;
    *batch.add_requests() = MakeSubmit("echo");
    batch.mutable_requests(0)->set_request_id("late-batched");
    stream->Write(batch);
    stream->WritesDone();
    v1::TaskEventBatch events;
    ASSERT_TRUE(stream->Read(&events));
    ASSERT_GE(events.events_size(), 1);
    EXPECT_EQ(events.events(0).kind(), v1::TaskEvent::KIND_REJECTED);
    EXPECT_EQ(events.events(0).code(),
              static_cast<int>(grpc::StatusCode::UNAVAILABLE));
    EXPECT_EQ(events.events(0).request_id(), "late-batched");
    while (stream->Read(&events)) {
    }
    stream->Finish();
  }
  // Queries still work while draining.
  v1::Task task;
  EXPECT_TRUE(GetTask(*stub_, running, &task).ok());
  const std::string metrics = ScrapeMetrics(*server_);
  EXPECT_GE(MetricValue(metrics, "execd_tasks_rejected_total",
                        {"reason=\"shutting_down\""})
                .value_or(0),
            4);

  absl::StatusOr<int> exit_code = server_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << server_->Log();
  EXPECT_TRUE(absl::StrContains(server_->Log(), "event=drain"))
      << server_->Log();
}

// --shutdown_grace=1s with a sleep(30) running and short tasks in flight:
// the short ones finish, the long one ends CANCELLED/SHUTDOWN, reported on
// the open Callback stream; exit code 0.
TEST_F(LifecycleTest, GracefulShutdownWithTasksInFlight) {
  StartServer({"--threads=2", "--shutdown_grace=1s"});
  const std::string long_task = SubmitOk(*stub_, MakeSleep(30));
  const std::string short_task = SubmitOk(*stub_, MakeSleep(0.3));
  ASSERT_TRUE(WaitForState(*stub_, long_task, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  ASSERT_TRUE(WaitForState(*stub_, short_task, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  const std::string queued = SubmitOk(*stub_, MakeSleep(0.1));  // waits

  std::vector<v1::TaskEvent> events;
  grpc::Status stream_status;
  grpc::ClientContext stream_context;
  stream_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CallbackRequest request;
  request.add_task_ids(long_task);
  request.add_task_ids(short_task);
  request.add_task_ids(queued);
  auto reader = stub_->Callback(&stream_context, request);
  std::thread stream_reader([&] {
    v1::TaskEvent event;
    while (reader->Read(&event)) events.push_back(event);
    stream_status = reader->Finish();
  });
  ASSERT_TRUE(PollUntil(
      [&] {
        return MetricValue(ScrapeMetrics(*server_), "execd_callback_streams")
                   .value_or(0) == 1;
      },
      absl::Seconds(5)));

  const absl::Time term_time = absl::Now();
  server_->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = server_->WaitForExit(absl::Seconds(20));
  stream_reader.join();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0) << server_->Log();
  EXPECT_GE(absl::Now() - term_time, absl::Milliseconds(900))
      << "exited before the grace";
  EXPECT_TRUE(stream_status.ok()) << stream_status.error_code() << " "
                                  << stream_status.error_message();
  ASSERT_EQ(events.size(), 3u);
  std::map<std::string, v1::Task> finished;
  for (const v1::TaskEvent& event : events) {
    EXPECT_EQ(event.kind(), v1::TaskEvent::KIND_FINISHED);
    finished[event.task().task_id()] = event.task();
  }
  EXPECT_EQ(finished[short_task].state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(finished[queued].state(), v1::TASK_STATE_SUCCEEDED);
  EXPECT_EQ(finished[long_task].state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(finished[long_task].error().reason(), "SHUTDOWN");
  EXPECT_FALSE(finished[long_task].error().message().empty());
  EXPECT_TRUE(absl::StrContains(server_->Log(), "event=drain"));
}

TEST_F(LifecycleTest, AllTasksStreamSeesShutdownThenEnds) {
  StartServer({"--threads=2", "--shutdown_grace=500ms"});
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CallbackRequest request;
  request.set_all_tasks(true);
  auto reader = stub_->Callback(&context, request);
  ASSERT_TRUE(PollUntil(
      [&] {
        return MetricValue(ScrapeMetrics(*server_), "execd_callback_streams")
                   .value_or(0) == 1;
      },
      absl::Seconds(5)));
  const std::string long_task = SubmitOk(*stub_, MakeSleep(30));
  ASSERT_TRUE(WaitForState(*stub_, long_task, v1::TASK_STATE_RUNNING,
                           absl::Seconds(5)));
  server_->Signal(SIGTERM);
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (reader->Read(&event)) events.push_back(event);
  grpc::Status status = reader->Finish();
  // The stream cannot stay open across the shutdown; it ends after
  // reporting the cancelled task.
  EXPECT_NE(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].task().task_id(), long_task);
  EXPECT_EQ(events[0].task().state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(events[0].task().error().reason(), "SHUTDOWN");
  absl::StatusOr<int> exit_code = server_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(LifecycleTest, IdleServerExitsPromptlyOnSigterm) {
  StartServer({"--threads=2"});  // default grace 30 s: nothing to wait for
  EXPECT_EQ(AwaitTerminal(*stub_, SubmitOk(*stub_, MakeSubmit("echo"))).state(),
            v1::TASK_STATE_SUCCEEDED);
  const absl::Time start = absl::Now();
  server_->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = server_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(FlagsTest, BadFlagsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"--threads=abc"},         {"--threads=-1"},
      {"--threads=100000"},
      {"--no_such_flag=1"},      {"--queue_capacity=0"},
      {"--result_ttl=-1s"},      {"--result_ttl=soon"},
      {"--max_stream_buffer=2"}, {"--exec_allow=relative/path"},
      {"--log_level=loud"},      {"positional"},
      {"--processes=-5"},        {"--max_message_bytes=10"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> full = {"--grpc_address=127.0.0.1:0",
                                     "--metrics_address=127.0.0.1:0"};
    full.insert(full.end(), args.begin(), args.end());
    RunResult run = RunExecd(full);
    EXPECT_EQ(run.exit_code, 2) << args[0] << ": " << run.err;
    std::vector<std::string> lines =
        absl::StrSplit(run.err, '\n', absl::SkipEmpty());
    EXPECT_EQ(lines.size(), 1u) << args[0] << ": " << run.err;
  }
}

TEST(FlagsTest, BadEnvironmentVariableExitsTwo) {
  for (const char* env : {"EXECD_THREADS=abc", "EXECD_QUEUE_CAPACITY=-3",
                          "EXECD_RESULT_TTL=forever"}) {
    RunResult run = RunExecd(
        {"--grpc_address=127.0.0.1:0", "--metrics_address=127.0.0.1:0"},
        {env});
    EXPECT_EQ(run.exit_code, 2) << env << ": " << run.err;
    std::vector<std::string> lines =
        absl::StrSplit(run.err, '\n', absl::SkipEmpty());
    EXPECT_EQ(lines.size(), 1u) << env << ": " << run.err;
    // The line names the variable or the flag it sets.
    const std::string name(env, std::string(env).find('='));
    std::string flag = absl::AsciiStrToLower(name.substr(6));
    EXPECT_TRUE(absl::StrContains(run.err, name) ||
                absl::StrContains(run.err, "--" + flag))
        << run.err;
  }
}

TEST(FlagsTest, EnvironmentVariableConfiguresServer) {
  // EXECD_THREADS=3 shows in GetPools.
  setenv("EXECD_THREADS", "3", 1);
  auto server = ServerProcess::Start({"--processes=0"});
  unsetenv("EXECD_THREADS");
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  EXPECT_EQ(ThreadPoolStatus(*stub).workers(), 3);
}

// A server that cannot start (here: no execd-worker for its process pool)
// logs one start_failed line and exits 1, without crashing on the way out.
TEST(FlagsTest, StartFailureExitsOneWithoutCrashing) {
  RunResult run = RunExecd({"--grpc_address=127.0.0.1:0",
                            "--metrics_address=127.0.0.1:0", "--processes=2",
                            "--worker_path=/nonexistent/execd-worker"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(absl::StrContains(run.err, "event=start_failed")) << run.err;
}

// Start-up failures after the pools exist (the gRPC or metrics address
// cannot be used) also exit 1 cleanly.
TEST(FlagsTest, UnusableAddressesExitOne) {
  auto first = StartThreadServer({"--threads=1"});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::vector<std::vector<std::string>> cases = {
      {"--grpc_address=127.0.0.1:0",
       absl::StrCat("--metrics_address=127.0.0.1:", (*first)->metrics_port())},
      {"--grpc_address=256.1.1.1:0", "--metrics_address=127.0.0.1:0"},
  };
  for (std::vector<std::string> args : cases) {
    args.push_back("--processes=0");
    args.push_back("--threads=2");
    RunResult run = RunExecd(args);
    EXPECT_EQ(run.exit_code, 1) << args[0] << " " << args[1] << ": " << run.err;
    EXPECT_TRUE(absl::StrContains(run.err, "event=start_failed")) << run.err;
  }
}

TEST(FlagsTest, HelpExitsZero) {
  RunResult run = RunExecd({"--help"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::string text = run.out + run.err;
  for (const char* flag : {"--threads", "--processes", "--queue_capacity",
                           "--result_ttl", "--shutdown_grace",
                           "--max_stream_buffer"}) {
    EXPECT_TRUE(absl::StrContains(text, flag)) << flag << " not in help";
  }
}

}  // namespace
}  // namespace execd::integration
