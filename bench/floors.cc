#include "bench/floors.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/map_call.h"
#include "bench/target.h"
#include "client/cpp/map_stream.h"

namespace execd::bench {
namespace {

constexpr int kBatchItems = 1024;  // the most the server packs in a batch

// The results of a real MapBatchStream of `echo`, in one batch.
absl::StatusOr<v1::MapResultBatch> CaptureMapResults(v1::Executor::Stub* stub,
                                                     v1::Pool pool) {
  MapSpec spec;
  spec.pool = pool;
  spec.items = kBatchItems;
  spec.chunksize = 256;
  const v1::MapRequest request = MapRequestFor(spec);
  auto context = std::make_unique<grpc::ClientContext>();
  SetDeadline(context.get());
  auto reader = stub->MapBatchStream(context.get(), request);
  MapStream results(std::move(context), std::move(reader));
  v1::MapResultBatch batch;
  while (results.Next(batch.add_results())) {
  }
  batch.mutable_results()->RemoveLast();  // the one Next did not fill
  if (!results.status().ok()) return results.status();
  if (batch.results_size() != kBatchItems) {
    return absl::InternalError(absl::StrCat(
        "Map returned ", batch.results_size(), " of ", kBatchItems, " items"));
  }
  return batch;
}

double ParseMicrosPerItem(const v1::MapResultBatch& batch) {
  const std::string bytes = batch.SerializeAsString();
  constexpr int kRounds = 50;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kRounds; ++i) {
    v1::MapResultBatch parsed;
    parsed.ParseFromString(bytes);
  }
  return absl::ToDoubleMicroseconds(absl::Now() - start) /
         (kRounds * batch.results_size());
}

// Replays `batch` `batches` times through the bare server and reads it back
// as a Map's results; fills the rate, the size and the parse cost per item.
absl::Status MeasureReplay(BenchEcho::Stub* bare,
                           const v1::MapResultBatch& batch, int32_t batches,
                           Section* out) {
  ReplayRequest replay;
  replay.set_count(batches);
  *replay.mutable_batch() = batch;
  const int64_t expected = static_cast<int64_t>(batches) * batch.results_size();
  const absl::Time start = absl::Now();
  auto context = std::make_unique<grpc::ClientContext>();
  SetDeadline(context.get());
  auto reader = bare->ReplayBatches(context.get(), replay);
  MapStream results(std::move(context), std::move(reader));
  int64_t received = 0;
  while (const v1::MapResult* result = results.NextResult()) {
    if (result->task().state() == v1::TASK_STATE_SUCCEEDED) ++received;
  }
  const absl::Duration elapsed = absl::Now() - start;
  if (!results.status().ok()) return results.status();
  if (received != expected) {
    return absl::InternalError(absl::StrCat("ReplayBatches gave ", received,
                                            " of ", expected, " results"));
  }
  SetNumber(out, "items", received);
  SetNumber(out, "seconds", absl::ToDoubleSeconds(elapsed));
  SetNumber(out, "items_per_second", received / absl::ToDoubleSeconds(elapsed));
  SetNumber(out, "bytes_per_item",
            static_cast<double>(batch.ByteSizeLong()) / batch.results_size());
  SetNumber(out, "client_parse_us_per_item", ParseMicrosPerItem(batch));
  return absl::OkStatus();
}

}  // namespace

absl::Status HandOffRoundTrip(BenchEcho::Stub* stub,
                              LatencyRecorder* recorder) {
  EchoMessage request, job, response;
  const absl::Time start = absl::Now();
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = stub->HandOff(&context, request, &job);
    if (!status.ok()) return CallFailed("HandOff", status);
  }
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::Status status = stub->Collect(&context, job, &response);
  if (!status.ok()) return CallFailed("Collect", status);
  if (recorder != nullptr) recorder->Add(absl::Now() - start);
  return absl::OkStatus();
}

absl::Status MeasureMapFloor(v1::Executor::Stub* execd, BenchEcho::Stub* bare,
                             v1::Pool pool, int64_t items, Section* out) {
  absl::StatusOr<v1::MapResultBatch> batch = CaptureMapResults(execd, pool);
  if (!batch.ok()) return batch.status();
  const int32_t batches =
      static_cast<int32_t>((items + kBatchItems - 1) / kBatchItems);
  if (absl::Status s = MeasureReplay(bare, *batch, batches, out); !s.ok()) {
    return s;
  }
  // Nothing of the Task but the outcome, as items that are not tasks would
  // send: still a Struct per item.
  v1::MapResultBatch lean;
  for (const v1::MapResult& result : batch->results()) {
    v1::MapResult* kept = lean.add_results();
    kept->set_index(result.index());
    kept->mutable_task()->set_state(result.task().state());
    *kept->mutable_task()->mutable_result() = result.task().result();
  }
  return MeasureReplay(bare, lean, batches,
                       SubSection(out, "index_state_result_only"));
}

}  // namespace execd::bench
