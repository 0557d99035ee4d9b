#include "bench/map_call.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/target.h"

namespace execd::bench {

absl::StatusOr<MapRun> RunEchoMap(v1::Executor::Stub* stub, v1::Pool pool,
                                  int64_t items, int32_t chunksize) {
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
  std::unique_ptr<grpc::ClientReader<v1::MapResult>> reader =
      stub->Map(&context, request);
  v1::MapResult result;
  int64_t received = 0;
  while (reader->Read(&result)) {
    if (result.task().state() != v1::TASK_STATE_SUCCEEDED) {
      context.TryCancel();
      reader->Finish().IgnoreError();
      return absl::InternalError(
          absl::StrCat("Map item ", result.index(), " ended ",
                       v1::TaskState_Name(result.task().state()), ": ",
                       result.task().error().message()));
    }
    ++received;
  }
  grpc::Status status = reader->Finish();
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
