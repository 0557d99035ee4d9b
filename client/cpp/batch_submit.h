#ifndef EXECD_CLIENT_CPP_BATCH_SUBMIT_H_
#define EXECD_CLIENT_CPP_BATCH_SUBMIT_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cpp/client_options.h"
#include "execd/v1/execd.grpc.pb.h"

namespace execd::internal {

// Requests per SubmitBatch message: large enough that gRPC's per-message
// cost is small, far below the server's limit (--max_stream_buffer / 2).
inline constexpr int kRequestsPerBatch = 1000;

using BatchStream =
    grpc::ClientReaderWriter<v1::SubmitBatch, v1::TaskEventBatch>;

// A SubmitBatchStream call once every request has its verdict, still open:
// the FINISHED events of the accepted tasks are yet to come on it.
struct SubmittedBatches {
  std::vector<v1::TaskEvent> verdicts;  // ACCEPTED or REJECTED, in order
  std::vector<v1::Task> finished;       // FINISHED events read meanwhile
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<BatchStream> stream;  // writes done
};

// Sends `requests` (each with its request id set, so that a retry runs
// nothing twice) through one SubmitBatchStream. A batch goes out once the
// verdicts of the one before are in (a round trip per 1000 requests), so
// the events owed to this client stay far below the server's
// --max_stream_buffer however many requests there are. The whole call is
// retried per `options.retry`; each attempt's stream has
// `options.call_timeout` per batch, until its last FINISHED event.
absl::StatusOr<SubmittedBatches> SubmitInBatches(
    v1::Executor::Stub& stub, const ClientOptions& options,
    std::vector<v1::SubmitRequest> requests);

}  // namespace execd::internal

#endif  // EXECD_CLIENT_CPP_BATCH_SUBMIT_H_
