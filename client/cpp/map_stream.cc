#include "client/cpp/map_stream.h"

#include <utility>

#include "client/cpp/task_status.h"

namespace execd {

MapStream::MapStream(
    std::unique_ptr<grpc::ClientContext> context,
    std::unique_ptr<grpc::ClientReader<v1::MapResultBatch>> reader)
    : context_(std::move(context)), reader_(std::move(reader)) {}

MapStream::~MapStream() {
  if (reader_ != nullptr && !finished_) Cancel();
}

bool MapStream::Next(v1::MapResult* result) {
  if (finished_) return false;
  while (next_ >= batch_.results_size()) {
    next_ = 0;
    if (!reader_->Read(&batch_)) {
      batch_.Clear();
      finished_ = true;
      status_ = FromGrpcStatus(reader_->Finish());
      return false;
    }
  }
  result->Swap(batch_.mutable_results(next_++));
  return true;
}

void MapStream::Cancel() {
  if (finished_) return;
  context_->TryCancel();
  while (reader_->Read(&batch_)) {
  }
  batch_.Clear();
  finished_ = true;
  status_ = FromGrpcStatus(reader_->Finish());
}

}  // namespace execd
