// Request limits (argument counts and nesting, labels, ids, message size)
// and `exec` isolation (no shell, no inherited environment).
#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/security/security_util.h"

namespace execd::security {
namespace {

using ::execd::integration::HealthCheck;
using ::execd::testing::ServerProcess;

class LimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(
            {"--processes=0", "--threads=2", "--max_message_bytes=65536"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  static void TearDownTestSuite() {
    server_.reset();
  }

  // Submits and returns the status; expects INVALID_ARGUMENT naming
  // `expected` when it is not empty, else OK.
  static void Expect(const v1::SubmitRequest& request,
                     const std::string& expected) {
    ASSERT_NE(server_, nullptr);
    v1::SubmitResponse response;
    grpc::Status status =
        server_->NewStub()->Submit(TokenContext("").get(), request, &response);
    if (expected.empty()) {
      EXPECT_TRUE(status.ok()) << status.error_message();
      return;
    }
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "expected \"" << expected << "\": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), expected))
        << status.error_message();
  }

  static google::protobuf::Value Nested(int levels) {
    google::protobuf::Value value;
    value.set_number_value(1);
    for (int i = 0; i < levels; ++i) {
      google::protobuf::Value outer;
      if (i % 2 == 0) {
        *outer.mutable_list_value()->add_values() = value;
      } else {
        (*outer.mutable_struct_value()->mutable_fields())["k"] = value;
      }
      value = std::move(outer);
    }
    return value;
  }

  static std::unique_ptr<ServerProcess> server_;
};

std::unique_ptr<ServerProcess> LimitsTest::server_;

TEST_F(LimitsTest, ArgumentCount) {
  v1::SubmitRequest request = EchoRequest("x");
  for (int i = 1; i < 1000; ++i) request.add_args()->set_number_value(i);
  Expect(request, "");
  request.add_args()->set_number_value(1000);
  Expect(request, "too many args: 1001 (at most 1000)");
}

TEST_F(LimitsTest, KwargsCount) {
  v1::SubmitRequest request = EchoRequest("x");
  auto& fields = *request.mutable_kwargs()->mutable_fields();
  for (int i = 0; i < 1000; ++i) fields[absl::StrCat("k", i)].set_bool_value(1);
  Expect(request, "");
  fields["one-more"].set_bool_value(true);
  Expect(request, "too many kwargs: 1001 (at most 1000)");
}

TEST_F(LimitsTest, NestingDepth) {
  v1::SubmitRequest request = EchoRequest("x");
  *request.add_args() = Nested(32);
  Expect(request, "");
  *request.add_args() = Nested(33);
  Expect(request, "args[2] is nested too deeply");
  Expect(request, "(at most 32)");
  v1::SubmitRequest kwargs = EchoRequest("x");
  (*kwargs.mutable_kwargs()->mutable_fields())["deep"] = Nested(33);
  Expect(kwargs, "kwargs \"deep\" is nested too deeply");
  // Far deeper requests never reach the check: protobuf's parser stops at
  // 100 message levels and only that call fails.
  v1::SubmitRequest abyss = EchoRequest("x");
  *abyss.add_args() = Nested(200);
  v1::SubmitResponse response;
  EXPECT_FALSE(server_->NewStub()
                   ->Submit(TokenContext("").get(), abyss, &response)
                   .ok());
  EXPECT_EQ(HealthCheck(server_->target(), "").value_or(-1), 1);
}

TEST_F(LimitsTest, Labels) {
  v1::SubmitRequest request = EchoRequest("x");
  for (int i = 0; i < 64; ++i) {
    (*request.mutable_labels())[absl::StrCat("key", i)] = "v";
  }
  Expect(request, "");
  (*request.mutable_labels())["key64"] = "v";
  Expect(request, "too many labels: 65 (at most 64)");

  v1::SubmitRequest sizes = EchoRequest("x");
  (*sizes.mutable_labels())[std::string(63, 'k')] = std::string(256, 'v');
  Expect(sizes, "");
  (*sizes.mutable_labels())[std::string(64, 'k')] = "v";
  Expect(sizes, "is 64 bytes (at most 63)");
  sizes.mutable_labels()->erase(std::string(64, 'k'));
  (*sizes.mutable_labels())["big"] = std::string(257, 'v');
  Expect(sizes, "has a value of 257 bytes (at most 256)");
  v1::SubmitRequest empty_key = EchoRequest("x");
  (*empty_key.mutable_labels())[""] = "v";
  Expect(empty_key, "label keys must not be empty");
}

TEST_F(LimitsTest, RequestAndTaskIds) {
  v1::SubmitRequest request = EchoRequest("x");
  request.set_request_id(std::string(257, 'r'));
  Expect(request, "request_id is longer than 256 bytes");
  v1::GetTaskRequest get;
  get.set_task_id(std::string(1000, 'a'));
  v1::Task task;
  grpc::Status status =
      server_->NewStub()->GetTask(TokenContext("").get(), get, &task);
  EXPECT_NE(status.error_code(), grpc::StatusCode::OK);
  EXPECT_FALSE(
      absl::StrContains(status.error_message(), std::string(100, 'a')));
}

TEST_F(LimitsTest, TooLargeMessageIsResourceExhaustedAndHarmless) {
  v1::SubmitRequest request = EchoRequest("x");
  request.set_input(std::string(100000, 'i'));  // > --max_message_bytes
  v1::SubmitResponse response;
  auto stub = server_->NewStub();
  grpc::Status status =
      stub->Submit(TokenContext("").get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  // The server carries on, on the same channel and on new ones.
  request.set_input(std::string(1000, 'i'));
  EXPECT_TRUE(stub->Submit(TokenContext("").get(), request, &response).ok());
  EXPECT_EQ(HealthCheck(server_->target(), "").value_or(-1), 1);
}

// exec runs the program directly (no shell) with only the environment the
// call gives it: never the server's.
TEST(ExecIsolationTest, NoShellAndNoInheritedEnvironment) {
  setenv("EXECD_SECRET_TEST", "1", 1);  // inherited by the server we start
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      {"--processes=1", "--threads=2", "--exec_allow=/usr/bin/env"});
  unsetenv("EXECD_SECRET_TEST");
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  auto run = [&](v1::SubmitRequest request) {
    request.set_function("exec");
    request.set_pool(v1::POOL_PROCESS);
    v1::SubmitResponse response;
    grpc::Status status =
        stub->Submit(TokenContext("").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    v1::ResultRequest result;
    result.set_task_id(response.task_id());
    result.mutable_timeout()->set_seconds(20);
    v1::Task task;
    EXPECT_TRUE(stub->Result(TokenContext("").get(), result, &task).ok());
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << task.DebugString();
    return task.output();
  };

  v1::SubmitRequest plain;
  plain.add_args()->set_string_value("/usr/bin/env");
  const std::string inherited = run(plain);
  EXPECT_FALSE(absl::StrContains(inherited, "EXECD_SECRET_TEST")) << inherited;
  EXPECT_EQ(inherited, "");

  v1::SubmitRequest with_env;
  with_env.add_args()->set_string_value("/usr/bin/env");
  // Shell syntax stays literal: no shell ever sees it.
  with_env.add_args()->set_string_value("X=$(echo pwned);`id`");
  (*(*with_env.mutable_kwargs()->mutable_fields())["env"]
        .mutable_struct_value()
        ->mutable_fields())["GIVEN"]
      .set_string_value("yes");
  const std::string given = run(with_env);
  EXPECT_EQ(given, "GIVEN=yes\nX=$(echo pwned);`id`\n");
}

}  // namespace
}  // namespace execd::security
