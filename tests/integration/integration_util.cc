#include "tests/integration/integration_util.h"

#include <cstdlib>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

namespace execd::integration {

google::protobuf::Value Number(double value) {
  google::protobuf::Value result;
  result.set_number_value(value);
  return result;
}

google::protobuf::Value Str(const std::string& value) {
  google::protobuf::Value result;
  result.set_string_value(value);
  return result;
}

google::protobuf::Duration Millis(int64_t milliseconds) {
  google::protobuf::Duration duration;
  duration.set_seconds(milliseconds / 1000);
  duration.set_nanos(static_cast<int32_t>((milliseconds % 1000) * 1000000));
  return duration;
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

v1::SubmitRequest MakeSubmit(const std::string& function,
                             std::vector<google::protobuf::Value> args) {
  v1::SubmitRequest request;
  request.set_function(function);
  for (google::protobuf::Value& arg : args) {
    *request.add_args() = std::move(arg);
  }
  return request;
}

v1::SubmitRequest MakeSleep(double seconds) {
  v1::SubmitRequest request = MakeSubmit("sleep", {Number(seconds)});
  request.set_pool(v1::POOL_THREAD);
  return request;
}

std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> StartThreadServer(
    std::vector<std::string> flags) {
  flags.insert(flags.begin(), "--processes=0");
  return ServerProcess::Start(std::move(flags));
}

grpc::Status Submit(v1::Executor::Stub& stub, const v1::SubmitRequest& request,
                    v1::SubmitResponse* response) {
  auto context = Context();
  return stub.Submit(context.get(), request, response);
}

std::string SubmitOk(v1::Executor::Stub& stub,
                     const v1::SubmitRequest& request) {
  v1::SubmitResponse response;
  grpc::Status status = Submit(stub, request, &response);
  EXPECT_TRUE(status.ok()) << "Submit " << request.ShortDebugString()
                           << " failed: " << status.error_code() << " "
                           << status.error_message();
  if (!status.ok()) return "";
  EXPECT_EQ(response.task_id().size(), 32u);
  return response.task_id();
}

grpc::Status GetTask(v1::Executor::Stub& stub, const std::string& task_id,
                     v1::Task* task) {
  auto context = Context();
  v1::GetTaskRequest request;
  request.set_task_id(task_id);
  return stub.GetTask(context.get(), request, task);
}

grpc::Status Result(v1::Executor::Stub& stub, const std::string& task_id,
                    absl::Duration wait, v1::Task* task) {
  auto context = Context(wait + absl::Seconds(20));
  v1::ResultRequest request;
  request.set_task_id(task_id);
  *request.mutable_timeout() =
      Millis(absl::ToInt64Milliseconds(wait));
  return stub.Result(context.get(), request, task);
}

v1::Task AwaitTerminal(v1::Executor::Stub& stub, const std::string& task_id,
                       absl::Duration wait) {
  v1::Task task;
  grpc::Status status = Result(stub, task_id, wait, &task);
  EXPECT_TRUE(status.ok()) << "Result " << task_id << ": "
                           << status.error_code() << " "
                           << status.error_message();
  EXPECT_TRUE(IsTerminal(task.state()))
      << "task not terminal after " << wait << ": " << task.ShortDebugString();
  return task;
}

grpc::Status Cancel(v1::Executor::Stub& stub, const std::string& task_id,
                    v1::CancelResponse* response) {
  auto context = Context();
  v1::CancelRequest request;
  request.set_task_id(task_id);
  return stub.Cancel(context.get(), request, response);
}

v1::PoolStatus ThreadPoolStatus(v1::Executor::Stub& stub) {
  auto context = Context();
  v1::GetPoolsResponse response;
  grpc::Status status =
      stub.GetPools(context.get(), v1::GetPoolsRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const v1::PoolStatus& pool : response.pools()) {
    if (pool.pool() == v1::POOL_THREAD) return pool;
  }
  ADD_FAILURE() << "no thread pool in GetPools: " << response.ShortDebugString();
  return v1::PoolStatus();
}

bool WaitForState(v1::Executor::Stub& stub, const std::string& task_id,
                  v1::TaskState state, absl::Duration timeout) {
  return PollUntil(
      [&] {
        v1::Task task;
        return GetTask(stub, task_id, &task).ok() && task.state() == state;
      },
      timeout);
}

bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

RawCallOutcome CallWithRawRequest(const std::string& target,
                                  const std::string& method,
                                  const std::string& bytes) {
  grpc::GenericStub generic(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue queue;
  auto context = Context();
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      generic.PrepareCall(context.get(), method, &queue);
  // One operation at a time: each is awaited before the next starts.
  auto await = [&queue] {
    void* tag = nullptr;
    bool ok = false;
    return queue.Next(&tag, &ok) && ok;
  };
  RawCallOutcome outcome;
  call->StartCall(nullptr);
  if (await()) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, nullptr);
    if (await()) {
      call->WritesDone(nullptr);
      await();
    }
    grpc::ByteBuffer reply;
    while (true) {
      call->Read(&reply, nullptr);
      if (!await()) break;
      ++outcome.replies;
    }
  }
  call->Finish(&outcome.status, nullptr);
  await();
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  return outcome;
}

absl::StatusOr<int> HealthCheck(const std::string& target,
                                const std::string& service) {
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  // HealthCheckRequest { string service = 1; }: tag 0x0a, length, bytes.
  std::string encoded;
  if (!service.empty()) {
    encoded.push_back(0x0a);
    encoded.push_back(static_cast<char>(service.size()));
    encoded += service;
  }
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("bad response");
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  // HealthCheckResponse { ServingStatus status = 1; }: tag 0x08, varint.
  // An empty message means status 0 (UNKNOWN).
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != 0x08) {
    return absl::InternalError("unexpected HealthCheckResponse encoding");
  }
  return static_cast<int>(bytes[1]);
}

std::optional<double> MetricValue(
    const std::string& body, const std::string& name,
    const std::vector<std::string>& label_fragments) {
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (!absl::ConsumePrefix(&line, name)) continue;
    absl::string_view labels;
    if (!line.empty() && line[0] == '{') {
      const size_t close = line.find('}');
      if (close == absl::string_view::npos) continue;
      labels = line.substr(0, close + 1);
      line.remove_prefix(close + 1);
    }
    if (line.empty() || line[0] != ' ') continue;  // a longer name
    bool all = true;
    for (const std::string& fragment : label_fragments) {
      all = all && absl::StrContains(labels, fragment);
    }
    if (!all) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    double value = 0;
    if (!fields.empty() && absl::SimpleAtod(fields[0], &value)) return value;
  }
  return std::nullopt;
}

std::string ScrapeMetrics(const ServerProcess& server) {
  absl::StatusOr<std::string> body =
      ::execd::testing::HttpGet(server.metrics_port(), "/metrics");
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? *body : "";
}

std::string DescribeEvent(const v1::TaskEvent& event) {
  return absl::StrCat(v1::TaskEvent::Kind_Name(event.kind()), " ",
                      event.task().task_id(), " ",
                      v1::TaskState_Name(event.task().state()), " rid=",
                      event.request_id(), " code=", event.code(), " ",
                      event.message());
}

}  // namespace execd::integration
