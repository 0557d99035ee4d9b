#include "bench/map_call.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/target.h"

namespace execd::bench {
namespace {

// Reads the results of a Map or MapBatchStream call one at a time.
class MapResults {
 public:
  MapResults(v1::Executor::Stub* stub, grpc::ClientContext* context,
             const v1::MapRequest& request, bool batched) {
    if (batched) {
      batched_ = stub->MapBatchStream(context, request);
    } else {
      single_ = stub->Map(context, request);
    }
  }

  // The next result; nullptr at the end of the stream.
  const v1::MapResult* Next() {
    if (single_ != nullptr) return single_->Read(&result_) ? &result_ : nullptr;
    while (next_ >= batch_.results_size()) {
      if (!batched_->Read(&batch_)) return nullptr;
      next_ = 0;
    }
    return &batch_.results(next_++);
  }

  grpc::Status Finish() {
    return single_ != nullptr ? single_->Finish() : batched_->Finish();
  }

 private:
  std::unique_ptr<grpc::ClientReader<v1::MapResult>> single_;
  std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> batched_;
  v1::MapResult result_;
  v1::MapResultBatch batch_;
  int next_ = 0;
};

}  // namespace

absl::StatusOr<MapRun> RunEchoMap(v1::Executor::Stub* stub, v1::Pool pool,
                                  int64_t items, int32_t chunksize,
                                  bool batched) {
  v1::MapRequest request;
  request.set_function("echo");
  request.set_pool(pool);
  request.set_chunksize(chunksize);
  for (int64_t i = 0; i < items; ++i) {
    request.add_items()->add_values()->set_number_value(static_cast<double>(i));
  }
  const absl::Time start = absl::Now();
  grpc::ClientContext context;
  SetDeadline(&context);
  MapResults results(stub, &context, request, batched);
  int64_t received = 0;
  while (const v1::MapResult* result = results.Next()) {
    if (result->task().state() != v1::TASK_STATE_SUCCEEDED) {
      context.TryCancel();
      results.Finish().IgnoreError();
      return absl::InternalError(
          absl::StrCat("Map item ", result->index(), " ended ",
                       v1::TaskState_Name(result->task().state()), ": ",
                       result->task().error().message()));
    }
    ++received;
  }
  grpc::Status status = results.Finish();
  const absl::Duration elapsed = absl::Now() - start;
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("Map: ", status.error_message()));
  }
  if (received != items) {
    return absl::InternalError(
        absl::StrCat("Map returned ", received, " of ", items, " items"));
  }
  return MapRun{items, elapsed};
}

}  // namespace execd::bench
