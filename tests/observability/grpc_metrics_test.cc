// grpc_server_* metrics of a real server: every RPC kind is counted under its
// method with the status code it ended with; calls to unknown methods count
// only under fixed labels.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/observability/obs_util.h"
#include "tests/support/server_process.h"

namespace execd::observability {
namespace {

using ::execd::testing::HttpGet;
using ::execd::testing::ServerProcess;

std::vector<std::string> Method(const std::string& type,
                                const std::string& method) {
  return {absl::StrCat("grpc_type=\"", type, "\""),
          "grpc_service=\"execd.v1.Executor\"",
          absl::StrCat("grpc_method=\"", method, "\"")};
}

std::vector<std::string> WithCode(std::vector<std::string> labels,
                                  const std::string& code) {
  labels.push_back(absl::StrCat("grpc_code=\"", code, "\""));
  return labels;
}

double Value(const std::string& body, const std::string& name,
             const std::vector<std::string>& labels) {
  std::optional<double> value = MetricValue(body, name, labels);
  EXPECT_TRUE(value.has_value()) << name << " missing";
  return value.value_or(-1);
}

int CountSeries(const std::string& body, const std::string& name) {
  int count = 0;
  for (size_t at = body.find("\n" + name + "{"); at != std::string::npos;
       at = body.find("\n" + name + "{", at + 1)) {
    ++count;
  }
  return count;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

class GrpcMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ServerProcess::Start({"--processes=0", "--threads=2"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();
  }

  std::string Scrape() {
    absl::StatusOr<std::string> body =
        HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.value_or("");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Executor::Stub> stub_;
};

TEST_F(GrpcMetricsTest, SeriesExistAtZeroBeforeAnyCall) {
  const std::string body = Scrape();
  EXPECT_EQ(Value(body, "grpc_server_started_total", Method("unary", "Submit")),
            0);
  EXPECT_EQ(Value(body, "grpc_server_handled_total",
                  WithCode(Method("bidi_stream", "SubmitStream"), "OK")),
            0);
  EXPECT_EQ(Value(body, "grpc_server_handled_total",
                  WithCode(Method("server_stream", "Map"), "Unavailable")),
            0);
  EXPECT_EQ(Value(body, "grpc_server_handling_seconds_bucket",
                  {"grpc_method=\"Result\"", "le=\"+Inf\""}),
            0);
  EXPECT_NE(body.find("# TYPE grpc_server_handling_seconds histogram"),
            std::string::npos);
  EXPECT_NE(body.find("# TYPE grpc_server_started_total counter"),
            std::string::npos);
}

TEST_F(GrpcMetricsTest, CountsEachCallByMethodTypeAndCode) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> id = SubmitTask(*stub_, EchoRequest());
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  v1::SubmitRequest unknown;
  unknown.set_function("no_such_function");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(SubmitTask(*stub_, unknown).status().code(),
              absl::StatusCode::kNotFound);
  }
  v1::GetTaskRequest bad_id;
  bad_id.set_task_id("not a task id");
  v1::Task task;
  EXPECT_FALSE(stub_->GetTask(Context().get(), bad_id, &task).ok());

  // Server stream: one FINISHED event, then OK.
  v1::CallbackRequest callback;
  callback.add_task_ids(ids[0]);
  auto callback_context = Context();
  auto reader = stub_->Callback(callback_context.get(), callback);
  v1::TaskEvent event;
  while (reader->Read(&event)) {
  }
  EXPECT_TRUE(reader->Finish().ok());

  // Bidi stream: two submissions, then half-close.
  auto stream_context = Context();
  auto stream = stub_->SubmitStream(stream_context.get());
  ASSERT_TRUE(stream->Write(EchoRequest()));
  ASSERT_TRUE(stream->Write(EchoRequest()));
  stream->WritesDone();
  while (stream->Read(&event)) {
  }
  EXPECT_TRUE(stream->Finish().ok());

  const std::string body = Scrape();
  const auto submit = Method("unary", "Submit");
  EXPECT_EQ(Value(body, "grpc_server_started_total", submit), 5);
  EXPECT_EQ(Value(body, "grpc_server_handled_total", WithCode(submit, "OK")),
            3);
  EXPECT_EQ(
      Value(body, "grpc_server_handled_total", WithCode(submit, "NotFound")),
      2);
  EXPECT_EQ(Value(body, "grpc_server_handling_seconds_count", submit), 5);
  EXPECT_EQ(Value(body, "grpc_server_handling_seconds_bucket",
                  {"grpc_method=\"Submit\"", "le=\"+Inf\""}),
            5);
  const auto get_task = Method("unary", "GetTask");
  EXPECT_EQ(Value(body, "grpc_server_started_total", get_task), 1);
  EXPECT_EQ(Value(body, "grpc_server_handled_total", WithCode(get_task, "OK")),
            0);
  const auto callback_labels = Method("server_stream", "Callback");
  EXPECT_EQ(Value(body, "grpc_server_started_total", callback_labels), 1);
  EXPECT_EQ(
      Value(body, "grpc_server_handled_total", WithCode(callback_labels, "OK")),
      1);
  const auto stream_labels = Method("bidi_stream", "SubmitStream");
  EXPECT_EQ(Value(body, "grpc_server_started_total", stream_labels), 1);
  EXPECT_EQ(
      Value(body, "grpc_server_handled_total", WithCode(stream_labels, "OK")),
      1);
  EXPECT_EQ(Value(body, "grpc_server_started_total", Method("unary", "Cancel")),
            0);
}

TEST_F(GrpcMetricsTest, UnknownMethodsCountUnderFixedLabels) {
  const int before = CountSeries(Scrape(), "grpc_server_handled_total");
  ASSERT_GT(before, 0);
  auto channel = grpc::CreateChannel(server_->target(),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  for (int i = 0; i < 3; ++i) {
    const std::string method = absl::StrCat("/probe.Service", i, "/Method", i);
    // An empty but valid message: a default ByteBuffer is not one.
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    grpc::Status status;
    bool done = false;
    absl::Mutex mu;
    auto context = Context();
    generic.UnaryCall(context.get(), method, grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        absl::MutexLock lock(&mu);
                        status = s;
                        done = true;
                      });
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&done));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::string body = Scrape();
  EXPECT_EQ(CountSeries(body, "grpc_server_handled_total"), before);
  EXPECT_EQ(body.find("probe.Service"), std::string::npos);
  // They are counted, under the fixed "unknown" labels.
  double unknown_unimplemented = 0;
  for (const char* type :
       {"unary", "client_stream", "server_stream", "bidi_stream"}) {
    unknown_unimplemented += Value(
        body, "grpc_server_handled_total",
        {absl::StrCat("grpc_type=\"", type, "\""), "grpc_service=\"unknown\"",
         "grpc_method=\"unknown\"", "grpc_code=\"Unimplemented\""});
  }
  EXPECT_EQ(unknown_unimplemented, 3);
}

}  // namespace
}  // namespace execd::observability
