#include "client/cpp/batch_submit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cpp/retry.h"

namespace execd::internal {
namespace {

std::vector<v1::SubmitBatch> SplitIntoBatches(
    std::vector<v1::SubmitRequest> requests) {
  std::vector<v1::SubmitBatch> batches;
  for (size_t start = 0; start < requests.size(); start += kRequestsPerBatch) {
    const size_t end =
        std::min(requests.size(), start + size_t{kRequestsPerBatch});
    v1::SubmitBatch& batch = batches.emplace_back();
    batch.mutable_requests()->Reserve(static_cast<int>(end - start));
    for (size_t i = start; i < end; ++i) {
      *batch.add_requests() = std::move(requests[i]);
    }
  }
  return batches;
}

// Reads until `count` verdicts are in; false if the stream ended first.
bool ReadVerdicts(BatchStream& stream, size_t count,
                  SubmittedBatches& submitted) {
  v1::TaskEventBatch reply;
  while (submitted.verdicts.size() < count) {
    if (!stream.Read(&reply)) return false;
    for (v1::TaskEvent& event : *reply.mutable_events()) {
      if (event.kind() == v1::TaskEvent::KIND_FINISHED) {
        submitted.finished.push_back(std::move(*event.mutable_task()));
      } else {  // ACCEPTED or REJECTED
        submitted.verdicts.push_back(std::move(event));
      }
    }
  }
  return true;
}

// One attempt: every batch in turn, each followed by the reads that bring
// its verdicts. On success the stream and its context move to `submitted`.
grpc::Status SendBatches(v1::Executor::Stub& stub,
                         const std::vector<v1::SubmitBatch>& batches,
                         absl::Duration timeout_per_batch,
                         std::unique_ptr<grpc::ClientContext>& context,
                         SubmittedBatches& submitted) {
  submitted = SubmittedBatches();
  // Also the end of the FINISHED events this stream brings: the client's
  // callback hub takes over the futures it has not resolved by then.
  context->set_deadline(absl::ToChronoTime(
      absl::Now() + timeout_per_batch * static_cast<double>(batches.size())));
  std::unique_ptr<BatchStream> stream = stub.SubmitBatchStream(context.get());
  size_t sent = 0;
  bool complete = true;
  for (const v1::SubmitBatch& batch : batches) {
    sent += static_cast<size_t>(batch.requests_size());
    if (!stream->Write(batch) || !ReadVerdicts(*stream, sent, submitted)) {
      complete = false;
      break;
    }
  }
  if (complete && stream->WritesDone()) {
    submitted.context = std::move(context);
    submitted.stream = std::move(stream);
    return grpc::Status::OK;
  }
  context->TryCancel();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return status;
  return grpc::Status(
      grpc::StatusCode::INTERNAL,
      absl::StrCat("SubmitBatchStream ended after ", submitted.verdicts.size(),
                   " of ", sent, " verdicts"));
}

}  // namespace

absl::StatusOr<SubmittedBatches> SubmitInBatches(
    v1::Executor::Stub& stub, const ClientOptions& options,
    std::vector<v1::SubmitRequest> requests) {
  const std::vector<v1::SubmitBatch> batches =
      SplitIntoBatches(std::move(requests));
  SubmittedBatches submitted;
  absl::Status status = CallWithRetryKeepingContext(
      options.retry, absl::InfiniteFuture(),
      [&](std::unique_ptr<grpc::ClientContext>& context) {
        return SendBatches(stub, batches, options.call_timeout, context,
                           submitted);
      });
  if (!status.ok()) return status;
  return submitted;
}

}  // namespace execd::internal
