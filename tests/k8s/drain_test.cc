// Plays Kubernetes against a real execd: load, then SIGTERM as the kubelet
// sends it after the preStop hook, while probing gRPC health the way the
// readiness and liveness probes of k8s/base/deployment.yaml do.
//
// Server: --processes=0 --threads=2 --shutdown_grace=3s. Load, in submit
// order (equal priority runs in submit order):
//   short1 (1 s), long1 (30 s)   run at once on the two threads
//   short2 (1 s), long2 (30 s)   queued; short2 runs when short1 ends (~1 s),
//                                long2 when short2 ends (~2 s)
// Expected after SIGTERM at ~0 s: readiness NOT_SERVING at once, liveness
// SERVING throughout, new submits UNAVAILABLE, short1/short2 SUCCEEDED within
// the 3 s grace, long1/long2 CANCELLED with reason SHUTDOWN, every accepted
// task reported once on the all_tasks Callback stream, exit code 0.

#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "execd/v1/execd.grpc.pb.h"
#include "gtest/gtest.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "tests/support/server_process.h"

namespace execd {
namespace {

using ::execd::testing::ServerProcess;
using ::execd::v1::TaskEvent;

constexpr absl::Duration kShutdownGrace = absl::Seconds(3);

// grpc.health.v1.HealthCheckResponse.ServingStatus values.
constexpr int kServing = 1;
constexpr int kNotServing = 2;

struct HealthResult {
  grpc::Status status;
  int serving_status = 0;  // 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING
};

// grpc.health.v1.Health/Check through the generic stub, with the request
// encoded by hand: HealthCheckRequest{service = 1} is 0x0a <len> <service>;
// the response's field 1 (varint) is the serving status.
HealthResult CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service) {
  std::string request_bytes = "\x0a";
  request_bytes.push_back(static_cast<char>(service.size()));
  request_bytes += service;
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request,
                            &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  HealthResult result;
  call->Finish(&response, &result.status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!result.status.ok()) return result;
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  if (bytes.size() >= 2 && bytes[0] == 0x08) {
    result.serving_status = static_cast<unsigned char>(bytes[1]);
  }
  return result;
}

// Collects the events of a Callback stream with all_tasks=true.
class CallbackRecorder {
 public:
  explicit CallbackRecorder(v1::Executor::Stub* stub) {
    v1::CallbackRequest request;
    request.set_all_tasks(true);
    reader_ = stub->Callback(&context_, request);
    thread_ = std::thread([this] {
      TaskEvent event;
      while (reader_->Read(&event)) {
        absl::MutexLock lock(&mutex_);
        if (event.kind() == TaskEvent::KIND_FINISHED) {
          finished_[event.task().task_id()].push_back(event.task());
        }
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mutex_);
      final_status_ = status;
      ended_ = true;
    });
  }
  ~CallbackRecorder() {
    context_.TryCancel();
    thread_.join();
  }

  // Waits until the stream ended (the server closes it when it shuts down).
  bool WaitForEnd(absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    return mutex_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
  }
  std::map<std::string, std::vector<v1::Task>> finished() {
    absl::MutexLock lock(&mutex_);
    return finished_;
  }
  grpc::Status final_status() {
    absl::MutexLock lock(&mutex_);
    return final_status_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<TaskEvent>> reader_;
  std::thread thread_;
  absl::Mutex mutex_;
  std::map<std::string, std::vector<v1::Task>> finished_
      ABSL_GUARDED_BY(mutex_);
  grpc::Status final_status_ ABSL_GUARDED_BY(mutex_);
  bool ended_ ABSL_GUARDED_BY(mutex_) = false;
};

grpc::Status SubmitSleep(v1::Executor::Stub* stub, double seconds,
                         std::string* task_id) {
  v1::SubmitRequest request;
  request.set_function("sleep");
  request.add_args()->set_number_value(seconds);
  v1::SubmitResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Status status = stub->Submit(&context, request, &response);
  if (status.ok()) *task_id = response.task_id();
  return status;
}

v1::TaskState StateOf(v1::Executor::Stub* stub, const std::string& task_id) {
  v1::GetTaskRequest request;
  request.set_task_id(task_id);
  v1::Task task;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  if (!stub->GetTask(&context, request, &task).ok()) {
    return v1::TASK_STATE_UNSPECIFIED;
  }
  return task.state();
}

// The value of an unlabelled gauge in Prometheus text, or -1.
double GaugeValue(const std::string& metrics, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, name + " ")) {
      return std::stod(std::string(line.substr(name.size() + 1)));
    }
  }
  return -1;
}

TEST(KubernetesDrainTest, SigtermDrainsLikeAPodTermination) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start({"--processes=0", "--threads=2",
                            absl::StrCat("--shutdown_grace=",
                                         absl::FormatDuration(kShutdownGrace))});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials());
  std::unique_ptr<v1::Executor::Stub> stub = v1::Executor::NewStub(channel);

  // The probes, as the kubelet runs them, before the pod ends.
  for (const std::string service : {"execd.v1.Executor", "", "liveness"}) {
    HealthResult health = CheckHealth(channel, service);
    ASSERT_TRUE(health.status.ok()) << service << ": "
                                    << health.status.error_message();
    EXPECT_EQ(health.serving_status, kServing) << "service \"" << service << "\"";
  }

  // A client watching every task, open before the load arrives.
  CallbackRecorder callbacks(stub.get());
  const absl::Time stream_deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < stream_deadline) {
    absl::StatusOr<std::string> metrics =
        testing::HttpGet(server.metrics_port(), "/metrics");
    if (metrics.ok() && GaugeValue(*metrics, "execd_callback_streams") >= 1) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_LT(absl::Now(), stream_deadline) << "the Callback stream never opened";

  // Load: two running, two queued.
  std::string short1, long1, short2, long2;
  ASSERT_TRUE(SubmitSleep(stub.get(), 1, &short1).ok());
  ASSERT_TRUE(SubmitSleep(stub.get(), 30, &long1).ok());
  ASSERT_TRUE(SubmitSleep(stub.get(), 1, &short2).ok());
  ASSERT_TRUE(SubmitSleep(stub.get(), 30, &long2).ok());
  const std::vector<std::string> accepted = {short1, long1, short2, long2};
  const absl::Time running_deadline = absl::Now() + absl::Seconds(5);
  while ((StateOf(stub.get(), short1) != v1::TASK_STATE_RUNNING ||
          StateOf(stub.get(), long1) != v1::TASK_STATE_RUNNING) &&
         absl::Now() < running_deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(StateOf(stub.get(), long1), v1::TASK_STATE_RUNNING);

  // The kubelet's SIGTERM (after preStop).
  const absl::Time sigterm_time = absl::Now();
  server.Signal(SIGTERM);

  // Readiness flips at once; the Service stops routing to the pod.
  HealthResult readiness;
  while (absl::Now() < sigterm_time + absl::Seconds(1)) {
    readiness = CheckHealth(channel, "execd.v1.Executor");
    if (readiness.status.ok() && readiness.serving_status == kNotServing) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(readiness.status.ok()) << readiness.status.error_message();
  EXPECT_EQ(readiness.serving_status, kNotServing)
      << "readiness still SERVING 1 s after SIGTERM";
  HealthResult overall = CheckHealth(channel, "");
  EXPECT_TRUE(overall.status.ok() && overall.serving_status == kNotServing);
  // Liveness stays SERVING: the kubelet must not restart a draining pod.
  HealthResult liveness = CheckHealth(channel, "liveness");
  ASSERT_TRUE(liveness.status.ok()) << liveness.status.error_message();
  EXPECT_EQ(liveness.serving_status, kServing);

  // Late clients (an endpoint list not yet updated) get UNAVAILABLE, which
  // client retry policies treat as "try another replica".
  std::string rejected_id;
  grpc::Status late = SubmitSleep(stub.get(), 1, &rejected_id);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::UNAVAILABLE)
      << late.error_message();

  // Halfway through the grace: still live, still not ready.
  absl::SleepFor(sigterm_time + kShutdownGrace / 2 - absl::Now());
  liveness = CheckHealth(channel, "liveness");
  EXPECT_TRUE(liveness.status.ok() && liveness.serving_status == kServing)
      << "liveness during the drain: " << liveness.status.error_message()
      << " " << liveness.serving_status;
  readiness = CheckHealth(channel, "execd.v1.Executor");
  EXPECT_EQ(readiness.serving_status, kNotServing);

  // The pod ends within the grace period the manifests give it.
  absl::StatusOr<int> exit_code =
      server.WaitForExit(kShutdownGrace + absl::Seconds(10));
  const absl::Duration drain_time = absl::Now() - sigterm_time;
  ASSERT_TRUE(exit_code.ok()) << exit_code.status() << "\n" << server.Log();
  EXPECT_EQ(*exit_code, 0) << server.Log();
  EXPECT_GE(drain_time, kShutdownGrace - absl::Milliseconds(100))
      << "long tasks were running: the drain should wait out the grace";
  EXPECT_LT(drain_time, kShutdownGrace + absl::Seconds(5))
      << "the drain overran the grace (k8s budgets grace + 3 s)";

  // Every accepted task reported exactly once, nothing lost.
  ASSERT_TRUE(callbacks.WaitForEnd(absl::Seconds(5)))
      << "the Callback stream did not end with the server";
  std::map<std::string, std::vector<v1::Task>> finished = callbacks.finished();
  EXPECT_EQ(finished.size(), accepted.size());
  for (const std::string& id : accepted) {
    ASSERT_EQ(finished[id].size(), 1u) << "task " << id << " reported "
                                       << finished[id].size() << " times";
  }
  for (const std::string& id : {short1, short2}) {
    const v1::Task& task = finished[id][0];
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED)
        << id << ": " << task.error().reason() << " " << task.error().message();
    const absl::Time end = absl::FromUnixSeconds(task.end_time().seconds()) +
                           absl::Nanoseconds(task.end_time().nanos());
    EXPECT_LT(end, sigterm_time + kShutdownGrace) << id << " ended after the grace";
  }
  for (const std::string& id : {long1, long2}) {
    const v1::Task& task = finished[id][0];
    EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED) << id;
    EXPECT_EQ(task.error().reason(), "SHUTDOWN") << id << ": "
                                                 << task.error().message();
  }
  EXPECT_TRUE(finished.count(rejected_id) == 0 || rejected_id.empty());
}

}  // namespace
}  // namespace execd
