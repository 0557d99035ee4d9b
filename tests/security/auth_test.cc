// Bearer-token authentication against a real server: who may call, what a
// principal can see of another's tasks, the rejected counter, open health
// probes, SIGHUP reload and bad token files.
#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/integration/integration_util.h"
#include "tests/security/security_util.h"

namespace execd::security {
namespace {

using ::execd::integration::HealthCheck;
using ::execd::integration::MetricValue;
using ::execd::integration::PollUntil;
using ::execd::integration::ScrapeMetrics;
using ::execd::testing::BinaryPath;
using ::execd::testing::ServerProcess;

constexpr char kAlice[] = "alice-token-0123456789";
constexpr char kBob[] = "bob-token-abcdefghijkl";

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_file_ = dir_.Write(
        "tokens",
        absl::StrCat("# test tokens\n\n", kAlice, " alice\n", kBob, "\tbob\n"));
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start({"--processes=0", "--threads=4",
                              "--auth_token_file=" + token_file_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  grpc::Status Submit(const std::string& token,
                      const v1::SubmitRequest& request,
                      v1::SubmitResponse* response) {
    return stub_->Submit(TokenContext(token).get(), request, response);
  }

  std::string SubmitOk(const std::string& token,
                       const v1::SubmitRequest& request) {
    v1::SubmitResponse response;
    grpc::Status status = Submit(token, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.task_id();
  }

  grpc::Status GetTask(const std::string& token, const std::string& id,
                       v1::Task* task) {
    v1::GetTaskRequest request;
    request.set_task_id(id);
    return stub_->GetTask(TokenContext(token).get(), request, task);
  }

  TempDir dir_;
  std::string token_file_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(AuthTest, CallWithoutTokenIsUnauthenticated) {
  v1::SubmitResponse response;
  grpc::Status status = Submit("", EchoRequest("x"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "authorization"))
      << status.error_message();
  v1::ListFunctionsResponse functions;
  EXPECT_EQ(
      stub_->ListFunctions(TokenContext("").get(), {}, &functions).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, WrongTokenIsUnauthenticatedAndNotEchoed) {
  const std::string wrong = "not-a-known-token-42";
  v1::SubmitResponse response;
  grpc::Status status = Submit(wrong, EchoRequest("x"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(absl::StrContains(status.error_message(), wrong));
  // A prefix of a real token is not that token.
  status =
      Submit(std::string(kAlice).substr(0, 10), EchoRequest("x"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(absl::StrContains(server_->Log(), wrong));
}

TEST_F(AuthTest, MalformedAuthorizationIsUnauthenticated) {
  for (const std::string& header :
       {std::string("Basic ") + kAlice, std::string(kAlice),
        std::string("Bearer "), std::string("Bearer")}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    context.AddMetadata("authorization", header);
    v1::SubmitResponse response;
    grpc::Status status = stub_->Submit(&context, EchoRequest("x"), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << header;
    EXPECT_FALSE(absl::StrContains(status.error_message(), kAlice));
  }
}

TEST_F(AuthTest, RightTokenWorksForEveryCall) {
  const std::string id = SubmitOk(kAlice, EchoRequest("hello"));
  ASSERT_FALSE(id.empty());
  v1::ResultRequest result_request;
  result_request.set_task_id(id);
  result_request.mutable_timeout()->set_seconds(10);
  v1::Task task;
  ASSERT_TRUE(
      stub_->Result(TokenContext(kAlice).get(), result_request, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  // The scheme is case-insensitive (RFC 7235).
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("bearer ") + kBob);
  v1::GetPoolsResponse pools;
  EXPECT_TRUE(stub_->GetPools(&context, {}, &pools).ok());
}

// The batched stream (an addition to v1) is guarded like every other call.
TEST_F(AuthTest, SubmitBatchStreamNeedsAToken) {
  v1::SubmitBatch batch;
  *batch.add_requests() = EchoRequest("batched");
  for (const std::string& token : {std::string(), std::string("nope-42")}) {
    auto context = TokenContext(token);
    auto stream = stub_->SubmitBatchStream(context.get());
    stream->Write(batch);
    stream->WritesDone();
    v1::TaskEventBatch events;
    EXPECT_FALSE(stream->Read(&events));
    EXPECT_EQ(stream->Finish().error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  auto context = TokenContext(kAlice);
  auto stream = stub_->SubmitBatchStream(context.get());
  ASSERT_TRUE(stream->Write(batch));
  ASSERT_TRUE(stream->WritesDone());
  int events = 0;
  v1::TaskEventBatch reply;
  while (stream->Read(&reply)) events += reply.events_size();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(events, 2);  // ACCEPTED, FINISHED
}

TEST_F(AuthTest, PrincipalsCannotSeeEachOthersTasks) {
  v1::SubmitRequest sleep;
  sleep.set_function("sleep");
  sleep.add_args()->set_number_value(30);
  (*sleep.mutable_labels())["owner"] = "alice";
  const std::string alice_task = SubmitOk(kAlice, sleep);
  ASSERT_FALSE(alice_task.empty());

  v1::Task task;
  EXPECT_EQ(GetTask(kBob, alice_task, &task).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ResultRequest result_request;
  result_request.set_task_id(alice_task);
  EXPECT_EQ(stub_->Result(TokenContext(kBob).get(), result_request, &task)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::CancelRequest cancel;
  cancel.set_task_id(alice_task);
  v1::CancelResponse cancelled;
  EXPECT_EQ(
      stub_->Cancel(TokenContext(kBob).get(), cancel, &cancelled).error_code(),
      grpc::StatusCode::NOT_FOUND);
  v1::ListTasksResponse listed;
  ASSERT_TRUE(stub_->ListTasks(TokenContext(kBob).get(), {}, &listed).ok());
  for (const v1::Task& other : listed.tasks()) {
    EXPECT_NE(other.task_id(), alice_task);
  }
  ASSERT_TRUE(stub_->ListTasks(TokenContext(kAlice).get(), {}, &listed).ok());
  ASSERT_EQ(listed.tasks_size(), 1);
  EXPECT_EQ(listed.tasks(0).task_id(), alice_task);

  // Callback on alice's id fails for bob as if the task did not exist.
  {
    v1::CallbackRequest request;
    request.add_task_ids(alice_task);
    auto context = TokenContext(kBob);
    auto reader = stub_->Callback(context.get(), request);
    v1::TaskEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  // bob's all_tasks stream shows bob's task, never alice's.
  {
    v1::CallbackRequest request;
    request.set_all_tasks(true);
    auto context = TokenContext(kBob);
    auto reader = stub_->Callback(context.get(), request);
    // Wait until the stream is open before the tasks exist.
    reader->WaitForInitialMetadata();
    const std::string alice_echo = SubmitOk(kAlice, EchoRequest("a"));
    const std::string bob_echo = SubmitOk(kBob, EchoRequest("b"));
    v1::TaskEvent event;
    bool saw_bob = false;
    while (!saw_bob && reader->Read(&event)) {
      EXPECT_NE(event.task().task_id(), alice_echo);
      EXPECT_NE(event.task().task_id(), alice_task);
      saw_bob = event.task().task_id() == bob_echo;
    }
    EXPECT_TRUE(saw_bob);
    context->TryCancel();
    reader->Finish();
  }

  // Request ids are scoped per principal: the same id is two tasks.
  v1::SubmitRequest with_id = EchoRequest("r");
  with_id.set_request_id("same-request-id");
  v1::SubmitResponse first, second;
  ASSERT_TRUE(Submit(kAlice, with_id, &first).ok());
  ASSERT_TRUE(Submit(kBob, with_id, &second).ok());
  EXPECT_NE(first.task_id(), second.task_id());
  EXPECT_FALSE(second.duplicate());

  // alice can still cancel her own task.
  EXPECT_TRUE(
      stub_->Cancel(TokenContext(kAlice).get(), cancel, &cancelled).ok());
}

TEST_F(AuthTest, RefusalsAreCountedInMetrics) {
  v1::SubmitResponse response;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        Submit("wrong-token-xyz", EchoRequest("x"), &response).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  const std::string body = ScrapeMetrics(*server_);
  std::optional<double> rejected = MetricValue(
      body, "execd_tasks_rejected_total", {"reason=\"unauthenticated\""});
  ASSERT_TRUE(rejected.has_value()) << body;
  EXPECT_GE(*rejected, 3);
}

TEST_F(AuthTest, HealthNeedsNoToken) {
  EXPECT_EQ(HealthCheck(server_->target(), "").value_or(-1), 1);
  EXPECT_EQ(HealthCheck(server_->target(), "execd.v1.Executor").value_or(-1),
            1);
  EXPECT_EQ(HealthCheck(server_->target(), "liveness").value_or(-1), 1);
}

TEST_F(AuthTest, SighupReloadsTokens) {
  const std::string fresh = "carol-token-fresh-0001";
  dir_.Write("tokens", absl::StrCat(fresh, " carol\n"));
  server_->Signal(SIGHUP);
  v1::SubmitResponse response;
  ASSERT_TRUE(
      PollUntil([&] { return Submit(fresh, EchoRequest("x"), &response).ok(); },
                absl::Seconds(10)))
      << server_->Log();
  EXPECT_EQ(Submit(kAlice, EchoRequest("x"), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(server_->Log(), "event=auth_reload tokens=1"))
      << server_->Log();

  // A broken file keeps the tokens in use and says so.
  dir_.Write("tokens", "# nothing left\n");
  server_->Signal(SIGHUP);
  ASSERT_TRUE(PollUntil(
      [&] {
        return absl::StrContains(server_->Log(), "event=auth_reload_failed");
      },
      absl::Seconds(10)))
      << server_->Log();
  EXPECT_TRUE(Submit(fresh, EchoRequest("x"), &response).ok());
  // The server still serves and stops cleanly on SIGTERM.
  server_->Signal(SIGTERM);
  absl::StatusOr<int> code = server_->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

// Starts execd with `flags` expecting a flag error: exit 2, one line that
// does not contain `secret`.
void ExpectStartRefused(const std::vector<std::string>& flags,
                        const std::string& secret = "") {
  std::vector<std::string> argv = {
      BinaryPath("execd"), "--grpc_address=127.0.0.1:0",
      "--metrics_address=127.0.0.1:0", "--processes=0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::string output;
  EXPECT_EQ(RunCommand(argv, {}, &output), 2) << output;
  EXPECT_TRUE(absl::StartsWith(output, "execd: ")) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  if (!secret.empty()) {
    EXPECT_FALSE(absl::StrContains(output, secret)) << output;
  }
}

TEST(AuthStartTest, BadTokenFilesAreFlagErrors) {
  TempDir dir;
  ExpectStartRefused({"--auth_token_file=" + dir.path() + "/missing"});
  ExpectStartRefused(
      {"--auth_token_file=" + dir.Write("empty", "# only comments\n\n")});
  const std::string secret = "secret-token-value-1";
  ExpectStartRefused(
      {"--auth_token_file=" +
       dir.Write("fields", absl::StrCat(secret, " name extra\n"))},
      secret);
  ExpectStartRefused(
      {"--auth_token_file=" +
       dir.Write("twice", absl::StrCat(secret, " a\n", secret, " b\n"))},
      secret);
  ExpectStartRefused({"--auth_token_file=" + dir.Write("short", "abc\n")});
}

}  // namespace
}  // namespace execd::security
