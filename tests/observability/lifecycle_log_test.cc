// The server's stderr is one logfmt line per lifecycle event: start-up,
// config, drain on SIGTERM, stop; tasks do not log at the default level, and
// --log_level filters.
#include <signal.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/observability/obs_util.h"
#include "tests/support/server_process.h"

namespace execd::observability {
namespace {

using ::execd::testing::BinaryPath;
using ::execd::testing::ServerProcess;
using Fields = std::map<std::string, std::string>;

bool Matches(const std::string& text, const std::string& pattern) {
  return std::regex_match(text, std::regex(pattern));
}

// Parses every line; fails the test on one that is not a lifecycle line.
std::vector<Fields> ParseLog(const std::string& log) {
  std::vector<Fields> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    absl::StatusOr<Fields> fields = ParseLogfmt(std::string(line));
    EXPECT_TRUE(fields.ok()) << fields.status() << ": " << line;
    if (!fields.ok()) continue;
    EXPECT_TRUE(fields->count("ts") && fields->count("level") &&
                fields->count("event"))
        << line;
    EXPECT_TRUE(
        Matches((*fields)["ts"], R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))
        << line;
    EXPECT_TRUE(Matches((*fields)["level"], "debug|info|warning|error"))
        << line;
    EXPECT_TRUE(Matches((*fields)["event"], "[a-z_]+")) << line;
    lines.push_back(*std::move(fields));
  }
  return lines;
}

std::vector<std::string> Events(const std::vector<Fields>& lines) {
  std::vector<std::string> events;
  for (const Fields& line : lines) events.push_back(line.at("event"));
  return events;
}

void RunSomeTasks(ServerProcess& server) {
  auto stub = server.NewStub();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<std::string> id =
        SubmitTask(*stub, i % 2 ? EchoRequest() : FailRequest("expected"));
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(AwaitTerminal(*stub, id, absl::Seconds(20)).ok());
  }
}

TEST(LifecycleLogTest, StartAndSigtermLogOneLinePerEvent) {
  auto server = ServerProcess::Start({"--processes=0", "--threads=2"});
  ASSERT_TRUE(server.ok()) << server.status();
  RunSomeTasks(**server);
  (*server)->Signal(SIGTERM);
  absl::StatusOr<int> code = (*server)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);

  const std::string log = (*server)->Log();
  const std::vector<Fields> lines = ParseLog(log);
  // Exactly the lifecycle, in order: no per-task lines at the default level.
  EXPECT_EQ(Events(lines),
            (std::vector<std::string>{"config", "start", "drain", "stop"}))
      << log;
  for (const Fields& line : lines) {
    EXPECT_EQ(line.at("level"), "info");
    const std::string& event = line.at("event");
    if (event == "config") {
      EXPECT_EQ(line.at("threads"), "2");
      EXPECT_EQ(line.at("processes"), "0");
    } else if (event == "start") {
      EXPECT_TRUE(Matches(line.at("grpc"), R"(127\.0\.0\.1:\d+)"));
      EXPECT_EQ(line.at("metrics"),
                "127.0.0.1:" + std::to_string((*server)->metrics_port()));
    } else if (event == "drain") {
      EXPECT_EQ(line.at("signal"), std::to_string(SIGTERM));
    } else if (event == "stop") {
      EXPECT_EQ(line.at("drained"), "true");
    }
  }
}

TEST(LifecycleLogTest, LogLevelWarningHidesInfoLines) {
  auto server = ServerProcess::Start(
      {"--processes=0", "--threads=1", "--log_level=warning"});
  ASSERT_TRUE(server.ok()) << server.status();
  RunSomeTasks(**server);
  (*server)->Signal(SIGTERM);
  ASSERT_TRUE((*server)->WaitForExit(absl::Seconds(30)).ok());
  const std::string log = (*server)->Log();
  EXPECT_TRUE(ParseLog(log).empty()) << log;
}

// Worker processes log their exit with pid and restart reason. Needs the
// process pool (bin/execd-worker); skipped in builds without it.
TEST(LifecycleLogTest, CrashedWorkerLogsExitWithPidAndReason) {
  if (access(BinaryPath("execd-worker").c_str(), X_OK) != 0) {
    GTEST_SKIP() << "no bin/execd-worker in this build";
  }
  auto server = ServerProcess::Start({"--processes=1", "--threads=1"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  v1::SubmitRequest crash;
  crash.set_function("crash");
  crash.set_pool(v1::POOL_PROCESS);
  absl::StatusOr<std::string> id = SubmitTask(*stub, crash);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(AwaitTerminal(*stub, *id, absl::Seconds(20)).ok());
  (*server)->Signal(SIGTERM);
  ASSERT_TRUE((*server)->WaitForExit(absl::Seconds(30)).ok());

  const std::string log = (*server)->Log();
  int exits = 0;
  for (const Fields& line : ParseLog(log)) {
    if (line.at("event") != "worker_exit") continue;
    ++exits;
    EXPECT_TRUE(
        Matches(line.count("pid") ? line.at("pid") : "", "[1-9][0-9]*"));
    EXPECT_EQ(line.count("restart") ? line.at("restart") : "", "crash");
  }
  EXPECT_EQ(exits, 1) << log;
}

}  // namespace
}  // namespace execd::observability
