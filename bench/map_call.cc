#include "bench/map_call.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/process_cpu.h"
#include "bench/target.h"
#include "client/cpp/map_calls.h"
#include "client/cpp/map_stream.h"
#include "client/cpp/submit_options.h"
#include "client/cpp/task_status.h"

namespace execd::bench {
namespace {

// Reads a Map one MapResult at a time; MapBatchStream goes through the C++
// client's MapStream as Client::Map uses it (the Map cut into calls of
// MapOptions' default items_per_call, calls_in_flight open at once), which
// hands out its batches' results one by one.
class MapResults {
 public:
  // Map: one MapResult per message.
  MapResults(v1::Executor::Stub* stub, const v1::MapRequest& request)
      : context_(std::make_unique<grpc::ClientContext>()) {
    SetDeadline(context_.get());
    single_ = stub->Map(context_.get(), request);
  }

  // MapBatchStream, over the calls of `plan`.
  MapResults(grpc::ChannelInterface* channel, MapCallPlan plan) {
    batched_.emplace(
        [channel](grpc::ClientContext* context, const grpc::ByteBuffer& call) {
          SetDeadline(context);
          return StartMapBatchStream(channel, context, call);
        },
        std::move(plan), MapOptions().calls_in_flight);
  }

  // The next result, valid until the next call; nullptr at the end of the
  // stream.
  const v1::MapResult* Next() {
    if (batched_.has_value()) return batched_->NextResult();
    return single_->Read(&single_result_) ? &single_result_ : nullptr;
  }

  // Stops early; the server cancels the items it has not finished.
  void Cancel() {
    if (batched_.has_value()) {
      batched_->Cancel();
      return;
    }
    context_->TryCancel();
    single_->Finish().IgnoreError();
  }

  absl::Status Finish() {
    if (batched_.has_value()) return batched_->status();
    return FromGrpcStatus(single_->Finish());
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::MapResult>> single_;
  v1::MapResult single_result_;
  std::optional<MapStream> batched_;
};

}  // namespace

void FillMapRequest(const MapSpec& spec, v1::MapRequest* request) {
  request->set_outcomes_only(spec.outcomes_only);
  request->set_function(spec.function);
  request->set_pool(spec.pool);
  request->set_chunksize(spec.chunksize);
  for (int64_t i = 0; i < spec.items; ++i) {
    request->add_items()->add_values()->set_number_value(
        static_cast<double>(i));
  }
}

v1::MapRequest MapRequestFor(const MapSpec& spec) {
  v1::MapRequest request;
  FillMapRequest(spec, &request);
  return request;
}

absl::StatusOr<MapRun> RunMap(const std::shared_ptr<grpc::Channel>& channel,
                              const MapSpec& spec) {
  // Built as Client::Map builds it, on an arena.
  MapRequestOnArena request;
  FillMapRequest(spec, &*request);
  const std::unique_ptr<v1::Executor::Stub> stub =
      v1::Executor::NewStub(channel);
  const double cpu_at_start = SelfCpuSeconds();
  const absl::Time start = absl::Now();
  std::optional<MapResults> results;
  if (spec.batched) {
    // Cut as Client::Map cuts.
    results.emplace(channel.get(), MapCallPlan(std::move(request),
                                               MapOptions().items_per_call));
  } else {
    results.emplace(stub.get(), *request);
  }
  int64_t received = 0;
  while (const v1::MapResult* result = results->Next()) {
    if (result->task().state() != v1::TASK_STATE_SUCCEEDED) {
      const std::string ended =
          absl::StrCat("Map item ", result->index(), " ended ",
                       v1::TaskState_Name(result->task().state()), ": ",
                       result->task().error().message());
      results->Cancel();
      return absl::InternalError(ended);
    }
    ++received;
  }
  absl::Status status = results->Finish();
  results.reset();  // frees the items: part of the call's cost
  const absl::Duration elapsed = absl::Now() - start;
  const double client_cpu = SelfCpuSeconds() - cpu_at_start;
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("Map: ", status.message()));
  }
  if (received != spec.items) {
    return absl::InternalError(
        absl::StrCat("Map returned ", received, " of ", spec.items, " items"));
  }
  return MapRun{spec.items, elapsed, client_cpu};
}

}  // namespace execd::bench
