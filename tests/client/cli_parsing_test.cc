// execctl's own parsing and its behaviour without a server.
#include <sstream>

#include "client/cli/arguments.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/cli/values_parsing.h"
#include "client/cpp/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace execd::cli {
namespace {

using ::testing::HasSubstr;

std::vector<FlagSpec> SubmitLikeFlags() {
  return {{"pool", "POOL", ""}, {"kw", "K=V", ""}, {"wait", "", ""}};
}

TEST(ParseArgumentsTest, SplitsFlagsAndPositionals) {
  auto parsed =
      ParseArguments({"sleep", "2", "--pool", "process", "--kw=a=1", "-1",
                      "--kw", "b=2", "--wait", "--", "--not-a-flag"},
                     SubmitLikeFlags());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->positionals(),
            (std::vector<std::string>{"sleep", "2", "-1", "--not-a-flag"}));
  EXPECT_EQ(parsed->Get("pool"), "process");
  EXPECT_EQ(parsed->GetAll("kw"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_TRUE(parsed->Has("wait"));
  EXPECT_FALSE(parsed->Has("json"));
}

TEST(ParseArgumentsTest, RejectsUnknownFlagsAndMissingValues) {
  EXPECT_THAT(ParseArguments({"--bogus"}, SubmitLikeFlags()).status().message(),
              HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(ParseArguments({"--pool"}, SubmitLikeFlags()).status().message(),
              HasSubstr("needs a value"));
  EXPECT_THAT(
      ParseArguments({"--wait=yes"}, SubmitLikeFlags()).status().message(),
      HasSubstr("takes no value"));
}

TEST(ValuesParsingTest, ArgumentsAreJsonElseStrings) {
  EXPECT_EQ(ValueToJson(ParseArgumentValue("2")), "2");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("1.5")), "1.5");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("boom")), "\"boom\"");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("true")), "true");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("[1,\"a\"]")), "[1,\"a\"]");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("{\"k\":null}")), "{\"k\":null}");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("\"2\"")), "\"2\"");
  EXPECT_EQ(ValueToJson(ParseArgumentValue("hello world")), "\"hello world\"");
}

TEST(ValuesParsingTest, Durations) {
  EXPECT_EQ(*ParseDurationText("2s"), absl::Seconds(2));
  EXPECT_EQ(*ParseDurationText("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDurationText("1.5"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDurationText("1m30s"), absl::Seconds(90));
  EXPECT_FALSE(ParseDurationText("soon").ok());
  EXPECT_FALSE(ParseDurationText("-1").ok());
  EXPECT_FALSE(ParseDurationText("inf").ok());
  EXPECT_FALSE(ParseDurationText("nan").ok());
}

TEST(ValuesParsingTest, PoolsStatesAndPairs) {
  EXPECT_EQ(*ParsePool("thread"), v1::POOL_THREAD);
  EXPECT_EQ(*ParsePool("PROCESS"), v1::POOL_PROCESS);
  EXPECT_FALSE(ParsePool("gpu").ok());
  EXPECT_EQ(*ParseTaskState("running"), v1::TASK_STATE_RUNNING);
  EXPECT_EQ(*ParseTaskState("TASK_STATE_FAILED"), v1::TASK_STATE_FAILED);
  EXPECT_FALSE(ParseTaskState("done").ok());
  auto pair = ParseKeyValue("env=prod=1");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->first, "env");
  EXPECT_EQ(pair->second, "prod=1");
  EXPECT_FALSE(ParseKeyValue("novalue").ok());
  EXPECT_FALSE(ParseKeyValue("=x").ok());
}

TEST(OutputTest, TablesAlignColumns) {
  EXPECT_EQ(FormatTable({{"A", "LONG HEADER"}, {"wide cell", "x"}}),
            "A          LONG HEADER\n"
            "wide cell  x\n");
}

TEST(OutputTest, DescribesAFailedTask) {
  v1::Task task;
  task.set_task_id("abc");
  task.set_function("fail");
  task.set_state(v1::TASK_STATE_FAILED);
  task.mutable_error()->set_reason("TASK_ERROR");
  task.mutable_error()->set_message("boom");
  std::string text = DescribeTask(task);
  EXPECT_THAT(text, HasSubstr("state:"));
  EXPECT_THAT(text, HasSubstr("FAILED"));
  EXPECT_THAT(text, HasSubstr("TASK_ERROR: boom"));
}

int RunCli(std::vector<std::string> args, std::string* out, std::string* err) {
  std::ostringstream out_stream;
  std::ostringstream err_stream;
  int code = RunExecctl(args, out_stream, err_stream);
  *out = out_stream.str();
  *err = err_stream.str();
  return code;
}

TEST(RunExecctlTest, HelpAndUsageErrorsNeedNoServer) {
  std::string out;
  std::string err;
  EXPECT_EQ(RunCli({"--help"}, &out, &err), kExitOk);
  EXPECT_THAT(out, HasSubstr("commands:"));
  EXPECT_EQ(RunCli({}, &out, &err), kExitUsage);
  EXPECT_THAT(err, HasSubstr("usage: execctl"));
  EXPECT_EQ(RunCli({"frobnicate"}, &out, &err), kExitUsage);
  EXPECT_THAT(err, HasSubstr("unknown command"));
  for (const Command& command : AllCommands()) {
    EXPECT_EQ(RunCli({command.name, "--help"}, &out, &err), kExitOk)
        << command.name;
    EXPECT_THAT(out, HasSubstr("usage: execctl " + command.name));
  }
  // Usage errors are found before any connection is attempted.
  const std::string nowhere = "--target=127.0.0.1:1";
  EXPECT_EQ(RunCli({nowhere, "submit"}, &out, &err), kExitUsage);
  EXPECT_THAT(err, HasSubstr("missing FUNCTION"));
  EXPECT_EQ(RunCli({nowhere, "submit", "sleep", "--pool", "gpu"}, &out, &err),
            kExitUsage);
  EXPECT_EQ(
      RunCli({nowhere, "submit", "sleep", "--timeout", "soon"}, &out, &err),
      kExitUsage);
  EXPECT_EQ(RunCli({nowhere, "result"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunCli({nowhere, "cancel", "a", "b"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunCli({nowhere, "list", "--state", "done"}, &out, &err),
            kExitUsage);
  EXPECT_EQ(RunCli({nowhere, "top", "--iterations", "x"}, &out, &err),
            kExitUsage);
}

}  // namespace
}  // namespace execd::cli
